"""pcpu: ddb's "show pcpu" and "show allpcpu", and the raw struct pcpu."""

import re

import gdb

from . import cpulist, default_cpu, target
from .common import (fmt_p, fmt_x, format_value, parse_cpu, parse_cpus,
                     split_options, user_errors)
from ._kvm import KvmError

# The machine-dependent lines of ddb's db_show_mdpcpu(), per architecture,
# each printed when struct pcpu has the field: (label, field, format) with
# format "p" (%p), "x" (0x%lx) or "u" (%u).  An architecture is recognised by
# the fields its struct pcpu has; nothing else about it is assumed.
_MD_LINES = (
    ("amd64", ("pc_tssp", "pc_rsp0"), (
        ("self", "pc_prvspace", "p"),
        ("curpmap", "pc_curpmap", "p"),
        ("tssp", "pc_tssp", "p"),
        ("rsp0", "pc_rsp0", "x"),
        ("kcr3", "pc_kcr3", "x"),
        ("ucr3", "pc_ucr3", "x"),
        ("scr3", "pc_saved_ucr3", "x"),
        ("gs32p", "pc_gs32p", "p"),
        ("ldt", "pc_ldt", "p"),
        ("tss", "pc_tss", "p"),
        ("tlb gen", "pc_smp_tlb_done", "u"),
    )),
    ("arm64", ("pc_mpidr",), (
        ("acpi_id", "pc_acpi_id", "u"),
        ("midr", "pc_midr", "x"),
        ("mpidr", "pc_mpidr", "x"),
        ("curpmap", "pc_curpmap", "p"),
        ("curvmpmap", "pc_curvmpmap", "p"),
    )),
    ("i386", ("pc_common_tssp",), (
        ("APIC ID", "pc_apic_id", "u"),
        ("currentldt", "pc_currentldt", "x"),
        ("trampstk", "pc_trampstk", "x"),
        ("kesp0", "pc_kesp0", "x"),
        ("common_tssp", "pc_common_tssp", "p"),
        ("tlb gen", "pc_smp_tlb_done", "u"),
    )),
    ("riscv", ("pc_hart",), (
        ("hart", "pc_hart", "u"),
        ("curpmap", "pc_curpmap", "p"),
    )),
)


_CPU_LIST = re.compile(r"\d+\s*(-\s*\d+)?\s*(,\s*\d+\s*(-\s*\d+)?\s*)*\Z")


def _label(label):
    return "%-13s= " % label


def _thread_desc(td, form, critnest):
    """ddb's description of a thread pointer: "0x...: pid P tid T ..."."""
    addr = int(td)
    if addr == 0:
        return "none"
    try:
        thr = td.dereference()
        name = thr["td_name"].string(errors="replace")
        tid = int(thr["td_tid"])
        if form == "idle":
            return '%s: tid %d "%s"' % (fmt_p(addr), tid, name)
        proc = thr["td_proc"]
        pid = int(proc.dereference()["p_pid"]) if int(proc) else -1
        if form == "fpu":
            return '%s: pid %d "%s"' % (fmt_p(addr), pid, name)
        if critnest:
            return '%s: pid %d tid %d critnest %d "%s"' % (
                fmt_p(addr), pid, tid, int(thr["td_critnest"]), name)
        return '%s: pid %d tid %d "%s"' % (fmt_p(addr), pid, tid, name)
    except gdb.error as err:
        return "%s: <%s>" % (fmt_p(addr), str(err).strip())


def _osreldate():
    addr = target.symbol_address("osreldate")
    if addr is None:
        return None
    try:
        return int(gdb.parse_and_eval("osreldate"))
    except gdb.error:
        return None


def _struct_has(tag, field):
    gtype = target.lookup_struct(tag)
    if gtype is None:
        return False
    return any(f.name == field for f in gtype.strip_typedefs().fields())


def _md_table(tgt):
    for _arch, signature, lines in _MD_LINES:
        if all(tgt.has_field(f) for f in signature):
            return [l for l in lines if tgt.has_field(l[1])]
    return []


def _md_value(value, fmt):
    if fmt == "p":
        return fmt_p(int(value))
    if fmt == "x":
        return fmt_x(int(value))
    return "%d" % int(value)


def pcpu_lines(tgt, cpu):
    """The lines of ddb's show pcpu for CPU cpu."""
    pc = tgt.pcpu_value(cpu)
    osrel = _osreldate()
    # ddb added critnest to the curthread line in FreeBSD 13.
    critnest = osrel is None or osrel >= 1300000
    lines = []
    if tgt.has_field("pc_cpuid"):
        lines.append(_label("cpuid") + "%d" % int(pc["pc_cpuid"]))
    if tgt.has_field("pc_dynamic"):
        lines.append(_label("dynamic pcpu") + fmt_p(int(pc["pc_dynamic"])))
    curthread = pc["pc_curthread"]
    lines.append(_label("curthread") + _thread_desc(curthread, "cur", critnest))
    if tgt.has_field("pc_curpcb"):
        lines.append(_label("curpcb") + fmt_p(int(pc["pc_curpcb"])))
    if tgt.has_field("pc_fpcurthread"):
        lines.append(_label("fpcurthread")
                     + _thread_desc(pc["pc_fpcurthread"], "fpu", critnest))
    if tgt.has_field("pc_idlethread"):
        lines.append(_label("idlethread")
                     + _thread_desc(pc["pc_idlethread"], "idle", critnest))
    for label, field, fmt in _md_table(tgt):
        try:
            lines.append(_label(label) + _md_value(pc[field], fmt))
        except gdb.error as err:
            lines.append(_label(label) + "<%s>" % str(err).strip())
    if _struct_has("thread", "td_vnet"):
        vnet = 0
        try:
            if int(curthread):
                vnet = int(curthread.dereference()["td_vnet"])
            lines.append(_label("curvnet") + fmt_p(vnet))
        except gdb.error as err:
            lines.append(_label("curvnet") + "<%s>" % str(err).strip())
    return lines


class PcpuCommand(gdb.Command):
    """Show a CPU's struct pcpu as ddb's "show pcpu" does.

Usage: pcpu [CPU]
       pcpu all
       pcpu CPUS
       pcpu -r [CPU]

CPU is a CPU id (a number or an expression); without it, the default CPU.
The summary has ddb's lines: cpuid, dynamic pcpu (the DPCPU offset),
curthread (pid, tid, critical nesting and name), curpcb, fpcurthread,
idlethread, the machine-dependent fields the kernel has (amd64: self, curpmap,
tssp, rsp0, kcr3, ucr3, scr3, ...; arm64: acpi_id, midr, mpidr, ...) and
curvnet on kernels whose threads have td_vnet.  An absent CPU is an error:
"CPU N not found".

"all" (or "a") is ddb's "show allpcpu": "Current CPU: N", a blank line, then
every present CPU's summary followed by a blank line.  CPUS is a list such as
0-3,8: the summary of each CPU, followed by a blank line.

-r prints the whole struct pcpu of CPU as print shows it (it honours set print
pretty and the other print settings); the same value is $pcpu(CPU).

%s

Examples:
  pcpu
  pcpu 2
  pcpu all
  pcpu -r 0"""

    __doc__ = __doc__ % default_cpu.HELP

    def __init__(self):
        super().__init__("pcpu", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        opts, rest = split_options(arg, "r")
        rest = rest.strip()
        tgt = target.current()
        kd = tgt.kd
        if opts.get("r"):
            cpu = parse_cpu(rest) if rest else default_cpu.default_cpu()
            gdb.write(format_value(tgt.pcpu_value(cpu)) + "\n")
            return
        if not rest:
            cpus = [default_cpu.default_cpu()]
        elif cpulist.is_all(rest):
            gdb.write("Current CPU: %d\n\n" % default_cpu.default_cpu())
            for cpu in kd.cpus():
                gdb.write("\n".join(pcpu_lines(tgt, cpu)) + "\n\n")
            return
        elif _CPU_LIST.match(rest) and ("," in rest or "-" in rest):
            cpus = parse_cpus(rest, kd)
            for cpu in cpus:
                if kd.pcpu_addr(cpu) is None:
                    gdb.write("CPU %d not found\n\n" % cpu)
                else:
                    gdb.write("\n".join(pcpu_lines(tgt, cpu)) + "\n\n")
            return
        else:
            cpus = [parse_cpu(rest)]
        for cpu in cpus:
            gdb.write("\n".join(pcpu_lines(tgt, cpu)) + "\n")

    def complete(self, text, word):
        if word is None:
            return []
        words = ["all", "-r"]
        try:
            words += [str(c) for c in target.kvm().cpus()]
        except (KvmError, gdb.error):
            pass
        return [w for w in words if w.startswith(word)]


PcpuCommand()
