"""kgdb_pcpu: FreeBSD per-CPU data (struct pcpu, DPCPU, counter(9)) for GDB/kgdb.

The C core (native/) does the arithmetic, the caching and the reads; this
package is its GDB front end.  Outside GDB only the native handle is available:
``kgdb_pcpu.Kvm`` over Python callables.  Inside GDB, ``kgdb_pcpu.kvm()``
returns the handle for the current inferior.
"""

from ._kvm import Kvm, KvmError

__all__ = ["Kvm", "KvmError"]


def _inside_gdb():
    try:
        import gdb
    except ImportError:
        return False
    # Outside GDB, a directory named gdb on sys.path imports as a namespace
    # package: only GDB's own module has gdb.execute.
    return hasattr(gdb, "execute")


if _inside_gdb():
    from .target import kvm

    __all__.append("kvm")
