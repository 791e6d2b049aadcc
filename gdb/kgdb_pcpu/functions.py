"""Convenience functions: $pcpu, $dpcpu, $dpcpu_ptr, $counter, $PCPU, $maxcpu, $ncpus, $V."""

import gdb

from . import default_cpu, symbols, target, vnet
from .cmd_counter import counter_base
from .common import int_type, string_arg, uint64_type, user_errors, value_to_cpu


def _cpu(args, index, name):
    if len(args) > index:
        return value_to_cpu(args[index], "argument of %s" % name)
    return default_cpu.default_cpu()


def _arity(args, low, high, usage):
    if not low <= len(args) <= high:
        raise gdb.GdbError("Usage: %s" % usage)


def _dpcpu_var(value):
    name = string_arg(value)
    if name is not None:
        return symbols.lookup(name)
    return symbols.from_value(value)


class PcpuFunction(gdb.Function):
    """Return the struct pcpu of a CPU.

Usage: $pcpu([CPU])

Arguments:
  CPU: a CPU id; without it, the default CPU (the CPU running the selected
  thread, else the one set by dpcpu-setcpu).

Returns:
  CPU's struct pcpu (*cpuid_to_pcpu[CPU]), an lvalue:
  p $pcpu(2).pc_curthread->td_name   p &$pcpu()   set var $pcpu(1).pc_x = 0
  An absent CPU is an error: "CPU N not found"."""

    def __init__(self):
        super().__init__("pcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 1, "$pcpu([CPU])")
        return target.current().pcpu_value(_cpu(args, 0, "$pcpu"))


class DpcpuFunction(gdb.Function):
    """Return a CPU's copy of a DPCPU variable.

Usage: $dpcpu(NAME [, CPU])

Arguments:
  NAME: the variable, as a string ("foo" or "pcpu_entry_foo") or the
  variable itself (pcpu_entry_foo).
  CPU: a CPU id; without it, the default CPU (the CPU running the selected
  thread, else the one set by dpcpu-setcpu).

Returns:
  CPU's copy of the variable (not the template in set_pcpu), an lvalue:
  p $dpcpu("foo", 2)   p $dpcpu(pcpu_entry_foo).field   p &$dpcpu("foo")"""

    def __init__(self):
        super().__init__("dpcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 2, "$dpcpu(NAME [, CPU])")
        kd = target.kvm()       # first: a dump no handle reads says why
        var = _dpcpu_var(args[0])
        return var.value(kd, _cpu(args, 1, "$dpcpu"))


class DpcpuPtrFunction(gdb.Function):
    """Return a pointer to a CPU's copy of a DPCPU variable.

Usage: $dpcpu_ptr(NAME [, CPU])

Arguments:
  NAME: the variable, as a string ("foo" or "pcpu_entry_foo") or the
  variable itself (pcpu_entry_foo).
  CPU: a CPU id; without it, the default CPU.

Returns:
  A pointer to CPU's copy of the variable, typed as the variable:
  p $dpcpu_ptr("foo", 2)   x/4gx $dpcpu_ptr("foo", 0)"""

    def __init__(self):
        super().__init__("dpcpu_ptr")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 2, "$dpcpu_ptr(NAME [, CPU])")
        kd = target.kvm()
        var = _dpcpu_var(args[0])
        return var.pointer(kd, _cpu(args, 1, "$dpcpu_ptr"))


class CounterFunction(gdb.Function):
    """Return the sum of a counter(9) counter over the present CPUs.

Usage: $counter(EXPR)

Arguments:
  EXPR: a counter_u64_t.

Returns:
  The sum of every present CPU's slot, a uint64_t, as kvm_counter_u64_fetch
  and the kernel's counter_u64_fetch compute it:
  p $counter(vm_cnt.v_swtch)   p $counter(tcpstat[3]) * 2"""

    def __init__(self):
        super().__init__("counter")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 1, "$counter(EXPR)")
        total = target.kvm().counter_u64_fetch(counter_base(args[0]))
        return gdb.Value(total).cast(uint64_type())


class PCPUFunction(gdb.Function):
    """Return a per-CPU field: a member of struct pcpu or a DPCPU variable.

Usage: $PCPU(FIELD [, CPU])

FreeBSD 15's function (sys/tools/gdb).

Arguments:
  FIELD: a string: "curthread" names pc_curthread of struct pcpu; a name
  that is not a member of struct pcpu names the DPCPU variable FIELD.
  CPU: a CPU id; without it, the default CPU (the CPU running the selected
  thread, else the one set by dpcpu-setcpu).

Returns:
  The field of CPU, an lvalue:
  p $PCPU("curthread")->td_name   p $PCPU("cpuid", 3)   p $PCPU("foo", 1)"""

    def __init__(self):
        super().__init__("PCPU")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 2, "$PCPU(FIELD [, CPU])")
        field = string_arg(args[0])
        if field is None:
            raise gdb.GdbError("$PCPU: FIELD must be a string, as in "
                               "$PCPU(\"curthread\")")
        field = field.strip()
        if not field:
            raise gdb.GdbError("$PCPU: FIELD is empty: name a member of "
                               "struct pcpu or a DPCPU variable")
        tgt = target.current()
        cpu = _cpu(args, 1, "$PCPU")
        for member in ("pc_" + field, field):
            if member.startswith("pc_") and tgt.has_field(member):
                return tgt.pcpu_value(cpu)[member]
        try:
            var = symbols.lookup(field)
        except gdb.GdbError:
            raise gdb.GdbError("no member pc_%s in struct pcpu and no DPCPU "
                               "variable %s" % (field, field)) from None
        return var.value(tgt.kd, cpu)


class MaxcpuFunction(gdb.Function):
    """Return mp_maxcpus, as kvm_getmaxcpu does.

Usage: $maxcpu()

Returns:
  The kernel's MAXCPU (mp_maxcpus), an int: CPU ids are below it."""

    def __init__(self):
        super().__init__("maxcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 0, "$maxcpu()")
        return gdb.Value(target.kvm().getmaxcpu()).cast(int_type())


class NcpusFunction(gdb.Function):
    """Return mp_ncpus, as kvm_getncpus does.

Usage: $ncpus()

Returns:
  The number of CPUs the kernel started (mp_ncpus), an int.  CPU ids can be
  sparse: it is not the highest id plus one."""

    def __init__(self):
        super().__init__("ncpus")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 0, "$ncpus()")
        return gdb.Value(target.kvm().getncpus()).cast(int_type())


class VFunction(gdb.Function):
    """Return a VNET (virtual network stack) variable of a vnet.

Usage: $V(NAME [, VNET])

FreeBSD 15's function (sys/tools/gdb).

Arguments:
  NAME: a string, the variable as VNET_DEFINE names it ("foo"), as the
  kernel's code reads it ("V_foo") or its symbol ("vnet_entry_foo"); or the
  variable itself (vnet_entry_foo).
  VNET: a struct vnet * (vnet0, allprison.tqh_first->pr_vnet) or a string
  naming a jail ("vnet0" names the base stack); without it, the selected
  thread's vnet (td_vnet) when it runs on a CPU and has one, else vnet0.

Returns:
  The vnet's copy of the variable (&vnet_entry_foo + vnet_data_base, not the
  template in set_vnet), an lvalue:
  p $V("ipforwarding")   p $V("tcpstat", "web")[3]   p &$V("foo", vnet0)
  p $counter($V("tcpstat", "db")[0])
  On a kernel without options VIMAGE, the plain global NAME."""

    def __init__(self):
        super().__init__("V")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 2, "$V(NAME [, VNET])")
        name = string_arg(args[0])
        var = vnet.lookup(name) if name is not None else vnet.from_value(args[0])
        if var.plain:
            if len(args) > 1:
                arg = string_arg(args[1])
                if arg is not None:
                    vnet.resolve_plain(arg)
            return gdb.Value(var.address).cast(var.type.pointer()).dereference()
        stack = (vnet.resolve_value(args[1]) if len(args) > 1
                 else vnet.default_stack())
        return var.value(target.kvm(), stack)


PcpuFunction()
DpcpuFunction()
DpcpuPtrFunction()
CounterFunction()
PCPUFunction()
MaxcpuFunction()
NcpusFunction()
VFunction()
