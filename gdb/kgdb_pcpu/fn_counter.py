"""$counter: the sum of a counter(9) counter, as kvm_counter_u64_fetch."""

import gdb

from . import gcounters, gtypes, target
from .errors import user_errors


def _counter_base(value):
    """The stored value of a counter_u64_t (a pointer to a 64-bit integer),
    or of an integer of pointer size given as one."""
    gtype = value.type.strip_typedefs()
    if gcounters.is_counter_type(gtype) or (
            gtype.code == gdb.TYPE_CODE_INT
            and gtype.sizeof == target.current().pointer_size):
        return int(value) & ((1 << (8 * gtype.sizeof)) - 1)
    raise gdb.GdbError("not a counter_u64_t (type %s)" % value.type)


class CounterFunction(gdb.Function):
    """Return the sum of a counter(9) counter over the present CPUs.

Usage: $counter(EXPR)

Arguments:
  EXPR: a counter_u64_t.

Returns:
  The sum of every present CPU's slot, a uint64_t, as kvm_counter_u64_fetch
  and the kernel's counter_u64_fetch compute it:
  p $counter(vm_cnt.v_swtch)   p $counter(tcpstat[3]) * 2
  A NULL counter (not allocated yet) is an error, never a sum.

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("counter")

    @user_errors
    def invoke(self, *args):
        if len(args) != 1:
            raise gdb.GdbError("Usage: $counter(EXPR)")
        total = target.kvm().counter_u64_fetch(_counter_base(args[0]))
        return gdb.Value(total).cast(gtypes.uint64_type())


CounterFunction()
