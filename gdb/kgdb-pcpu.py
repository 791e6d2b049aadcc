"""kgdb-pcpu: FreeBSD per-CPU data in GDB/kgdb.

Load it with "source /path/to/kgdb-pcpu.py" (or gdb -x /path/to/kgdb-pcpu.py).
It adds the commands pcpu, dpcpu-print, dpcpu-setcpu, dpcpu-off,
counter-fetch, vnet-list and vnet-print, the functions $pcpu, $dpcpu,
$dpcpu_ptr, $counter, $PCPU, $V, $maxcpu and $ncpus, and the settings
"set kgdb-pcpu ...".  Loading it twice,
or before a kernel is loaded, is harmless.
"""

import os
import sys

import gdb


def _kgdb_pcpu_load():
    path = globals().get("__file__")
    if path:
        here = os.path.dirname(os.path.abspath(path))
        if here not in sys.path:
            sys.path.insert(0, here)
    try:
        import kgdb_pcpu.commands  # noqa: F401  (registers everything)
    except ImportError as err:
        gdb.write("kgdb-pcpu: cannot load the kgdb_pcpu package: %s "
                  "(run make first)\n" % err, gdb.STDERR)


_kgdb_pcpu_load()
del _kgdb_pcpu_load
