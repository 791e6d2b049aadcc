"""DPCPU commands: dpcpu-print, dpcpu-setcpu, dpcpu-off."""

import gdb

from . import default_cpu, interrupt, intprint, symbols, target
from .common import (fmt_p, format_value, one_line, parse_cpu, parse_cpus,
                     parse_format, split_options, take_word, user_errors)
from ._kvm import KvmError


def explain(var, kd, cpu):
    """The plain GDB expression of CPU cpu's copy of var."""
    base = "&%s" % var.name
    tmpl = var.addr(kd, cpu) - kd.dpcpu_off(cpu)
    mask = (1 << 64) - 1
    delta = (tmpl - var.address) & mask
    if delta:
        # A module's variable: the kernel moved its set_pcpu into modspace.
        if delta >= 1 << 63:
            base += " - 0x%x" % ((1 << 64) - delta)
        else:
            base += " + 0x%x" % delta
    return "*(%s)((char *)%s + dpcpu_off[%d])" % (var.pointer_type_name(),
                                                  base, cpu)


class DpcpuPrintCommand(gdb.Command):
    """Print a DPCPU (dynamic per-CPU) variable on each CPU.

Usage: dpcpu-print [/FMT] [-e] NAME [CPUS]

NAME is the variable as DPCPU_DEFINE names it (foo) or its symbol
(pcpu_entry_foo).  The kernel's set_pcpu section is only a template: CPU n's
copy is at &pcpu_entry_foo + dpcpu_off[n], which is what is printed.

CPUS is a CPU list: a CPU (2), ranges and CPUs (0-3,8), or all (a); the
default is every present CPU.  Each CPU's value is printed as print prints it
(set print pretty and the other print settings apply), after "cpu N: ".  A CPU
of CPUS that is absent prints "cpu N: absent".

FMT is a print format letter (x, d, u, o, t, a, c, f, s, z) and/or r (raw).

-e prints, instead of the values, the plain GDB expression that computes the
copy of each CPU of CPUS (without CPUS: of the default CPU), to use in any
expression or to learn the arithmetic.

%s

Examples:
  dpcpu-print dpcpu_int
  dpcpu-print /x pcpu_entry_dpcpu_int 0-3,8
  dpcpu-print -e dpcpu_int 2"""

    __doc__ = __doc__ % default_cpu.HELP

    def __init__(self):
        super().__init__("dpcpu-print", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        fmt, raw, rest = parse_format(arg)
        opts, rest = split_options(rest, "e")
        if not fmt and not raw:
            fmt, raw, rest = parse_format(rest)
        name, rest = take_word(rest)
        if not name:
            raise gdb.GdbError("Usage: dpcpu-print [/FMT] [-e] NAME [CPUS]")
        kd = target.kvm()       # first: a dump no handle reads says why
        var = symbols.lookup(name)
        cpus_text = rest.strip()
        if opts.get("e"):
            cpus = (parse_cpus(cpus_text, kd) if cpus_text
                    else [default_cpu.default_cpu()])
            for cpu in cpus:
                interrupt.check()
                gdb.write(self._explain(var, kd, cpu) + "\n")
            return
        explicit = bool(cpus_text)
        cpus = parse_cpus(cpus_text, kd) if explicit else kd.cpus()
        if cpus:
            # A symbol that is not per-CPU: one line naming it.
            self._check(var, kd, cpus)
        # Plain integers: every CPU's value read in bulk and formatted here;
        # the others, and any CPU missing from fast, through gdb.Value.
        fast = self._plain_ints(var, kd, cpus, fmt, raw)
        out = []
        try:
            for cpu in cpus:
                text = fast.get(cpu)
                if text is None:
                    interrupt.check()
                    if kd.pcpu_addr(cpu) is None:
                        if explicit:
                            out.append("cpu %d: absent\n" % cpu)
                        continue
                    try:
                        text = format_value(var.value(kd, cpu), fmt, raw)
                    except gdb.MemoryError as err:
                        text = "<error: %s>" % one_line(err)
                    except KvmError as err:
                        text = "<error: %s>" % one_line(err)
                out.append("cpu %d: %s\n" % (cpu, text))
                if len(out) >= 64:
                    interrupt.check()
                    gdb.write("".join(out))
                    out = []
        finally:
            if out:
                gdb.write("".join(out))

    @staticmethod
    def _plain_ints(var, kd, cpus, fmt, raw):
        """{cpu: text} when var prints as a plain integer (intprint.py): the
        values of all CPUs read with few reads; {} otherwise.  A CPU whose
        value cannot be had that way is left out (the caller asks GDB)."""
        spec = intprint.plain_int(var.type, fmt, raw)
        if spec is None or not cpus:
            return {}
        size, signed = spec
        addrs = {}
        for cpu in cpus:
            try:
                if kd.pcpu_addr(cpu) is not None:
                    addrs[cpu] = var.addr(kd, cpu)
            except (KvmError, gdb.GdbError):
                continue    # the caller's gdb.Value path says it again
        if not addrs:
            return {}
        ptr_type = var.type.pointer()
        first = gdb.Value(next(iter(addrs.values()))).cast(ptr_type)
        if intprint.has_printer(first.dereference()):
            return {}
        # One call into the core: it merges the reads (native/kp_gather.c).
        values = kd.read_uints(list(addrs.values()), size)
        return {cpu: intprint.format_int(value, size, signed, fmt)
                for cpu, value in zip(addrs, values) if value is not None}

    @staticmethod
    def _explain(var, kd, cpu):
        try:
            return explain(var, kd, cpu)
        except KvmError as err:
            raise gdb.GdbError("%s: %s" % (var.name, one_line(err))) from None

    @staticmethod
    def _check(var, kd, cpus):
        present = [c for c in cpus if kd.pcpu_addr(c) is not None]
        if not present:
            return
        try:
            var.addr(kd, present[0])
        except KvmError as err:
            message = one_line(err)
            if "not found" in message:
                return      # a CPU without DPCPU area: reported per CPU
            raise gdb.GdbError("%s: %s" % (var.name, message)) from None

    def complete(self, text, word):
        if word is None:
            return []
        before = text[:len(text) - len(word)].split()
        args = [w for w in before if not w.startswith(("/", "-"))]
        if args:
            return [w for w in ("all",) if w.startswith(word)]
        return symbols.complete_dpcpu(word)


class DpcpuSetcpuCommand(gdb.Command):
    """Set libkvm's current CPU (kvm_dpcpu_setcpu).

Usage: dpcpu-setcpu [CPU]

CPU is a present CPU id (a number or an expression).  Without CPU, shows the
current one.  The current CPU starts as 0.  It is the default CPU of the other
commands and functions when the selected thread is not running on a CPU, or
with "set kgdb-pcpu follow-thread off".

Examples:
  dpcpu-setcpu 2
  dpcpu-setcpu"""

    def __init__(self):
        super().__init__("dpcpu-setcpu", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        if not arg.strip():
            gdb.write("Current DPCPU CPU: %d\n" % target.kvm().dpcpu_curcpu())
            return
        target.dpcpu_setcpu(parse_cpu(arg))

    def complete(self, text, word):
        if word is None:
            return []
        try:
            return [str(c) for c in target.kvm().cpus() if str(c).startswith(word)]
        except (KvmError, gdb.error):
            return []


class DpcpuOffCommand(gdb.Command):
    """Show each present CPU's DPCPU offset, as ddb's "show dpcpu_off" does.

Usage: dpcpu-off

One line per present CPU: "dpcpu_off[ N] = 0x... (+ DPCPU_START = 0x...)",
the offset of the CPU's copy of the set_pcpu section and the address of that
copy (DPCPU_START is __start_set_pcpu).

Example:
  dpcpu-off"""

    def __init__(self):
        super().__init__("dpcpu-off", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("dpcpu-off takes no argument")
        tgt = target.current()
        kd = tgt.kd
        start, _stop = kd.dpcpu_bounds()
        mask = (1 << (8 * tgt.pointer_size)) - 1
        for cpu in kd.cpus():
            interrupt.check()
            try:
                off = kd.dpcpu_off(cpu)
            except KvmError:
                off = 0
            gdb.write("dpcpu_off[%2d] = 0x%x (+ DPCPU_START = %s)\n"
                      % (cpu, off, fmt_p((off + start) & mask)))


DpcpuPrintCommand()
DpcpuSetcpuCommand()
DpcpuOffCommand()
