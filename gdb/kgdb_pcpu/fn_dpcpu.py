"""Convenience functions: $dpcpu and $dpcpu_ptr."""

import gdb

from . import cpus, symbols, target
from .args import string_arg
from .errors import user_errors

def _arity(args, usage):
    if not 1 <= len(args) <= 2:
        raise gdb.GdbError("Usage: %s" % usage)


def _cpu(args):
    """The CPU argument: -1 or none is the default CPU."""
    if len(args) > 1:
        return cpus.resolve(cpus.from_value(args[1]))
    return cpus.default()


def _copy(args):
    """The lvalue of NAME[.PATH] on the CPU that args name."""
    kd = target.kvm()           # first: a dump no handle reads says why
    name = string_arg(args[0])
    if name is not None:
        var, path = symbols.lookup_path(name)
    else:
        var, path = symbols.from_value(args[0]), None
    value = var.value(kd, _cpu(args))
    return value if path is None else path.apply(value)


class DpcpuFunction(gdb.Function):
    """Return a CPU's copy of a DPCPU variable, or of a member of it.

Usage: $dpcpu(NAME [, CPU])

Arguments:
  NAME: the variable, as a string ("foo" or "pcpu_entry_foo"), with a
  member path if wanted ("foo.member[2].x", "foo->x"), or the variable
  itself (pcpu_entry_foo).
  CPU: a CPU id, or -1 or nothing for the default CPU (the CPU running the
  selected thread, or the one dpcpu-setcpu set).

Returns:
  CPU's copy (not the template in set_pcpu), an lvalue; the path applies
  to that copy:
  p $dpcpu("foo", 2)   p $dpcpu("foo.stats[1].calls", 0)   p &$dpcpu("foo")
  An absent CPU is an error: "CPU N not found".

ptype $dpcpu("foo") shows int: GDB does not call a function when it only
wants a type.  To see the type, keep the value first:
  set $v = $dpcpu("foo")
  ptype $v

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("dpcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, "$dpcpu(NAME [, CPU])")
        return _copy(args)


class DpcpuPtrFunction(gdb.Function):
    """Return a pointer to a CPU's copy of a DPCPU variable, or of a member of it.

Usage: $dpcpu_ptr(NAME [, CPU])

Arguments:
  NAME: the variable, as a string ("foo" or "pcpu_entry_foo"), with a
  member path if wanted ("foo.member[2].x"), or the variable itself.
  CPU: a CPU id, or -1 or nothing for the default CPU.

Returns:
  A pointer to CPU's copy, typed as what NAME names:
  p $dpcpu_ptr("foo", 2)   x/4gx $dpcpu_ptr("foo", 0)

ptype $dpcpu_ptr("foo") shows int: GDB does not call a function when it
only wants a type.  set $p = $dpcpu_ptr("foo") then ptype $p shows it.

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("dpcpu_ptr")

    @user_errors
    def invoke(self, *args):
        _arity(args, "$dpcpu_ptr(NAME [, CPU])")
        value = _copy(args)
        if value.address is None:
            raise gdb.GdbError("$dpcpu_ptr: a bit-field has no address")
        return value.address


DpcpuFunction()
DpcpuPtrFunction()
