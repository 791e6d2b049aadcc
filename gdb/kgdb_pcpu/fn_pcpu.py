"""Per-CPU convenience functions: $pcpu, $PCPU, $maxcpu, $ncpus, and the
kernel's CPU iterators $CPU_FIRST, $CPU_NEXT, $CPU_ABSENT."""

import gdb

from . import cpus, members, symbols, target
from .args import string_arg
from .errors import user_errors
from .gtypes import int_type
from .linkersets import DPCPU_PREFIX

PC_PREFIX = "pc_"


def _arity(args, low, high, usage):
    if not low <= len(args) <= high:
        raise gdb.GdbError("Usage: %s" % usage)


def _cpu(args, index, name):
    """The present CPU of argument index, or the default CPU without it;
    -1 is the default CPU."""
    if len(args) > index:
        return cpus.resolve(cpus.from_value(args[index], "argument of %s"
                                            % name))
    return cpus.default()


def _int(value):
    return gdb.Value(value).cast(int_type())


class PcpuFunction(gdb.Function):
    """Return a CPU's struct pcpu (per-CPU data), as an lvalue.

Usage: $pcpu([CPU])

Arguments:
  CPU: a CPU id; -1 or none: the default CPU (see "dpcpu-setcpu").

Returns:
  CPU's struct pcpu (*cpuid_to_pcpu[CPU]), an lvalue:
  p $pcpu(2).pc_curthread->td_name   p &$pcpu()   set var $pcpu(1).pc_x = 0
  An absent CPU is an error: "CPU N not found".

"ptype $pcpu(0)" and "whatis $pcpu(0)" show int: GDB does not call a
function when it only wants a type.  To see the type, store the value first:
  set $p = $pcpu(0)
  ptype $p

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("pcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 1, "$pcpu([CPU])")
        tgt = target.current()
        return tgt.pcpu_value(_cpu(args, 0, "$pcpu"))


class PCPUFunction(gdb.Function):
    """Return a per-CPU field: a member of struct pcpu or a DPCPU variable.

Usage: $PCPU(FIELD [, CPU])

FreeBSD 15's function (sys/tools/gdb), with the same results: load both.

Arguments:
  FIELD: a string: "curthread" names the member pc_curthread of struct
  pcpu; a name that is not a member (without its pc_) names the DPCPU
  variable pcpu_entry_FIELD.  A member path may follow the name:
  "dpcpu_stats.ds_calls", "curthread->td_name", "arr[2]".
  CPU: a CPU id; -1 or none: the default CPU.  That is the CPU running the
  selected thread (its td_oncpu; an error when the thread is off-CPU), as
  FreeBSD's $PCPU has it, unless dpcpu-setcpu N or pcpu apply chose one.

Returns:
  The field on CPU, an lvalue:
  p $PCPU("curthread")->td_name   p $PCPU("cpuid", 3)   p $PCPU("foo", 1)

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("PCPU")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 2, "$PCPU(FIELD [, CPU])")
        field = string_arg(args[0])
        if field is None:
            raise gdb.GdbError("$PCPU: FIELD must be a string, as in "
                               "$PCPU(\"curthread\")")
        if not field.strip():
            raise gdb.GdbError("$PCPU: FIELD is empty: name a member of "
                               "struct pcpu or a DPCPU variable")
        tgt = target.current()
        cpu = _cpu(args, 1, "$PCPU")
        name, path = members.split(field)
        if tgt.has_field(PC_PREFIX + name):
            value = tgt.pcpu_value(cpu)[PC_PREFIX + name]
        else:
            try:
                var = symbols.lookup(DPCPU_PREFIX + name)
            except gdb.GdbError:
                raise gdb.GdbError("no member %s%s in struct pcpu and no "
                                   "DPCPU variable %s%s" % (
                                       PC_PREFIX, name, DPCPU_PREFIX,
                                       name)) from None
            value = var.value(tgt.kd, cpu)
        return path.apply(value)


class MaxcpuFunction(gdb.Function):
    """Return mp_maxcpus, the number of per-CPU slots (kvm_getmaxcpu).

Usage: $maxcpu()

Returns:
  The kernel's MAXCPU (mp_maxcpus), an int: CPU ids are below it.  See
  "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("maxcpu")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 0, "$maxcpu()")
        return _int(target.kvm().getmaxcpu())


class NcpusFunction(gdb.Function):
    """Return mp_ncpus, the number of CPUs with per-CPU data (kvm_getncpus).

Usage: $ncpus()

Returns:
  The number of CPUs the kernel started (mp_ncpus), an int.  CPU ids can be
  sparse: it is not the highest id plus one.  To loop over the CPUs, use
  $CPU_FIRST() and $CPU_NEXT(N).  See "help kgdb-pcpu" for every per-CPU
  command and function."""

    def __init__(self):
        super().__init__("ncpus")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 0, "$ncpus()")
        return _int(target.kvm().getncpus())


LOOP = """\
  set $c = $CPU_FIRST()
  while 1
    p $pcpu($c).pc_curthread->td_name
    set $c = $CPU_NEXT($c)
    if $c == $CPU_FIRST()
      loop_break
    end
  end"""


class CpuFirstFunction(gdb.Function):
    """Return the first present CPU, as the kernel's per-CPU CPU_FIRST() does.

Usage: $CPU_FIRST()

Returns:
  The lowest CPU id that is not absent (sys/sys/smp.h), an int.  With
  $CPU_NEXT, a loop over the present CPUs that works on sparse CPU ids:
%s

See "help kgdb-pcpu" for every per-CPU command and function."""

    __doc__ = __doc__ % LOOP

    def __init__(self):
        super().__init__("CPU_FIRST")

    @user_errors
    def invoke(self, *args):
        _arity(args, 0, 0, "$CPU_FIRST()")
        return _int(min(target.kvm().cpus()))


class CpuNextFunction(gdb.Function):
    """Return the next present CPU, as the kernel's per-CPU CPU_NEXT(N) does.

Usage: $CPU_NEXT(N)

Arguments:
  N: a CPU id (any integer).

Returns:
  The lowest present CPU id above N, an int; past mp_maxid it wraps around
  to the first present CPU, as cpu_next() in sys/sys/smp.h does (so
  $CPU_NEXT(-1) is $CPU_FIRST()).  A loop over the present CPUs:
%s

See "help kgdb-pcpu" for every per-CPU command and function."""

    __doc__ = __doc__ % LOOP

    def __init__(self):
        super().__init__("CPU_NEXT")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 1, "$CPU_NEXT(N)")
        cpu = cpus.from_value(args[0], "argument of $CPU_NEXT")
        kd = target.kvm()
        present = sorted(kd.cpus())
        start = cpu + 1
        if not 0 <= start <= kd.getmaxid():
            start = 0
        after = [c for c in present if c >= start]
        return _int(after[0] if after else present[0])


class CpuAbsentFunction(gdb.Function):
    """Return whether a CPU is absent, as the kernel's per-CPU CPU_ABSENT(N) does.

Usage: $CPU_ABSENT(N)

Arguments:
  N: a CPU id (any integer).

Returns:
  1 when CPU N is not present (no per-CPU data: not in all_cpus), else 0,
  an int: if !$CPU_ABSENT($i) ...  See "help kgdb-pcpu" for every per-CPU
  command and function."""

    def __init__(self):
        super().__init__("CPU_ABSENT")

    @user_errors
    def invoke(self, *args):
        _arity(args, 1, 1, "$CPU_ABSENT(N)")
        cpu = cpus.from_value(args[0], "argument of $CPU_ABSENT")
        return _int(0 if cpu in target.kvm().cpus() else 1)


PcpuFunction()
PCPUFunction()
MaxcpuFunction()
NcpusFunction()
CpuFirstFunction()
CpuNextFunction()
CpuAbsentFunction()
