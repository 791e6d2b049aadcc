"""kgdb-pcpu: FreeBSD per-CPU data in GDB/kgdb.

Load it with "source /path/to/kgdb-pcpu.py" (or gdb -x /path/to/kgdb-pcpu.py).
It adds the commands pcpu, dpcpu-print, dpcpu-setcpu, dpcpu-off,
counter-fetch, vnet-list and vnet-print, the functions $pcpu, $PCPU, $dpcpu,
$dpcpu_ptr, $counter, $V, $maxcpu, $ncpus, $CPU_FIRST, $CPU_NEXT and
$CPU_ABSENT, and the settings "set kgdb-pcpu ..." ("help kgdb-pcpu" lists
them all).  Loading it twice, or before a kernel is loaded, is harmless.

The package beside this file is the one used: this directory goes first on
sys.path, and a kgdb_pcpu already imported from elsewhere (an installed copy
loaded before a checkout's, or the other way round) is dropped first, so its
commands are registered again from here.
"""

import os
import sys

import gdb


def _kgdb_pcpu_load():
    # This file's own name: __file__ is the outer script's when another
    # Python script (FreeBSD's kernel-gdb.py) sources this one.
    path = _kgdb_pcpu_load.__code__.co_filename
    if path and os.path.isfile(path):
        here = os.path.dirname(os.path.abspath(path))
        while here in sys.path:
            sys.path.remove(here)
        sys.path.insert(0, here)
        loaded = sys.modules.get("kgdb_pcpu")
        origin = getattr(loaded, "__file__", None) if loaded else None
        if loaded is not None and (origin is None or os.path.dirname(
                os.path.dirname(os.path.abspath(origin))) != here):
            for name in [n for n in sys.modules
                         if n == "kgdb_pcpu" or n.startswith("kgdb_pcpu.")]:
                del sys.modules[name]
    try:
        import kgdb_pcpu.commands  # noqa: F401  (registers everything)
    except ImportError as err:
        gdb.write("kgdb-pcpu: cannot load the kgdb_pcpu package: %s "
                  "(run make first)\n" % err, gdb.STDERR)


_kgdb_pcpu_load()
del _kgdb_pcpu_load
