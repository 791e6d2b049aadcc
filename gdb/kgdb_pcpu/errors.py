"""Every failure of a command or function as one line for the user."""

import functools

import gdb

from . import interrupt
from ._kvm import KvmError


def one_line(text):
    """text on one line: its non-empty lines joined with "; "."""
    lines = [l.strip() for l in str(text).splitlines() if l.strip()]
    return "; ".join(lines) if lines else "error"


def user_errors(method):
    """Turn every failure of a command or function into one gdb.GdbError line.

    GDB prints a GdbError as its message alone: no Python traceback ever
    reaches the user, and GDB stays usable.  Ctrl-C (KeyboardInterrupt) goes
    through untouched so that GDB prints "Quit"; interrupt.check() in the
    loops sees the Ctrl-C that GDB itself would swallow (interrupt.py)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            with interrupt.watch():
                return method(*args, **kwargs)
        except gdb.GdbError:
            raise
        except (KvmError, gdb.error, ValueError) as err:
            # The core's errors, GDB's own, and bad arguments (the CPU
            # grammar's CpuSyntaxError is a ValueError) say what is wrong.
            raise gdb.GdbError(one_line(err)) from None
        except MemoryError:
            raise gdb.GdbError("kgdb-pcpu: out of memory") from None
        except Exception as err:  # a bug: still one line, never a traceback
            raise gdb.GdbError("kgdb-pcpu: internal error: %s: %s"
                               % (type(err).__name__, one_line(err))) from None

    return wrapper
