"""pcpu: ddb's "show pcpu" and "show allpcpu", and the raw struct pcpu."""

import re

import gdb

from . import (cpulist, default_cpu, interrupt, parameters, pcpu_read,
               target)
from .common import (fmt_p, fmt_x, format_value, one_line, parse_cpu,
                     parse_cpus, split_options, user_errors)
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


_THREAD_LINES = ((_label("curthread"), "pc_curthread", "cur"),
                 (_label("curpcb"), "pc_curpcb", None),
                 (_label("fpcurthread"), "pc_fpcurthread", "fpu"),
                 (_label("idlethread"), "pc_idlethread", "idle"))


def _block(summary, cpu):
    """CPU cpu's lines in pcpu all and pcpu CPUS.  A struct pcpu that cannot
    be read (a corrupt dump) is one line saying so, as an absent CPU is, and
    the other CPUs still print."""
    try:
        return "\n".join(summary.lines(cpu))
    except KvmError as err:
        return one_line(err)


class Summary:
    """pcpu_lines() for the CPUs of one command, fast.

    The kernel facts (osreldate, the MD table, td_vnet) are looked up once,
    and the fields are read as bytes through pcpu_read (one read per struct
    pcpu, per thread, per process) when its Layout serves this kernel.  A CPU
    it cannot serve goes through pcpu_lines(), whose gdb.Values say what went
    wrong in GDB's words: the output is the same either way."""

    def __init__(self, tgt):
        self.tgt = tgt
        stopped = getattr(tgt, "stopped", {})
        if "osreldate" not in stopped:
            stopped["osreldate"] = _osreldate()
        osrel = stopped["osreldate"]
        # ddb added critnest to the curthread line in FreeBSD 13.
        self.critnest = osrel is None or osrel >= 1300000
        self.md = _md_table(tgt)
        self.md_labels = [(_label(l), f, fmt) for l, f, fmt in self.md]
        self.has_vnet = _struct_has("thread", "td_vnet")
        lay = pcpu_read.layout(tgt, [field for _l, field, _f in self.md])
        self.reader = pcpu_read.Reader(tgt, lay) if lay.ok else None
        self.pcs = {}

    def lines(self, cpu):
        if self.reader is not None:
            lines = self._fast_lines(cpu)
            if lines is not None:
                return lines
        return pcpu_lines(self.tgt, cpu)

    def _pcpu(self, cpu):
        """{field: int} of CPU cpu's struct pcpu, or None."""
        try:
            return self.pcs[cpu]
        except KeyError:
            pass
        addr = self.tgt.kd.pcpu_addr(cpu)
        pc = self.reader.pcpu(addr) if addr is not None else None
        self.pcs[cpu] = pc
        return pc

    def _thread(self, addr, form):
        """_thread_desc() of the thread at addr, or None."""
        if addr == 0:
            return "none"
        rd = self.reader
        td = rd.thread(addr)
        if td is None:
            return None
        if form == "idle":
            return '%s: tid %d "%s"' % (fmt_p(addr), td.tid, td.name)
        pid = -1
        if td.proc:
            pid = rd.pid(td.proc)
            if pid is None:
                return None
        if form == "fpu":
            return '%s: pid %d "%s"' % (fmt_p(addr), pid, td.name)
        if self.critnest:
            return '%s: pid %d tid %d critnest %d "%s"' % (
                fmt_p(addr), pid, td.tid, td.critnest, td.name)
        return '%s: pid %d tid %d "%s"' % (fmt_p(addr), pid, td.tid, td.name)

    def _fast_lines(self, cpu):
        pc = self._pcpu(cpu)
        if pc is None:
            return None
        lines = []
        if "pc_cpuid" in pc:
            lines.append(_label("cpuid") + "%d" % pc["pc_cpuid"])
        if "pc_dynamic" in pc:
            lines.append(_label("dynamic pcpu") + fmt_p(pc["pc_dynamic"]))
        for label, field, form in _THREAD_LINES:
            if field not in pc:
                continue
            text = (self._thread(pc[field], form) if form
                    else fmt_p(pc[field]))
            if text is None:
                return None
            lines.append(label + text)
        for label, field, fmt in self.md_labels:
            lines.append(label + _md_value(pc[field], fmt))
        if self.has_vnet:
            vnet = 0
            if pc["pc_curthread"]:
                td = self.reader.thread(pc["pc_curthread"])
                if td is None or td.vnet is None:
                    return None
                vnet = td.vnet
            lines.append(_label("curvnet") + fmt_p(vnet))
        return lines

    def find_default_cpu(self):
        """Find the CPU running the selected thread from the fields this
        command reads anyway, as default_cpu.cpu_of_thread() does, and leave
        it where default_cpu() looks first.  Anything unusual is left to
        default_cpu() itself."""
        tgt = self.tgt
        if self.reader is None or not parameters.follow_thread():
            return
        tid = default_cpu.selected_tid()
        if tid is None or tid in tgt.thread_cpu:
            return
        present = tgt.kd.cpus()
        found = None
        for cpu in present:
            pc = self._pcpu(cpu)
            if pc is None:
                return
            if pc["pc_curthread"] == 0:
                continue
            td = self.reader.thread(pc["pc_curthread"])
            if td is None:
                return
            if td.tid != tid:
                continue
            found = cpu
            if td.oncpu is not None and td.oncpu in present:
                found = td.oncpu
            break
        tgt.thread_cpu[tid] = found


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
        summary = Summary(tgt)
        if not rest:
            summary.find_default_cpu()
            cpus = [default_cpu.default_cpu()]
        elif cpulist.is_all(rest):
            summary.find_default_cpu()
            gdb.write("Current CPU: %d\n\n" % default_cpu.default_cpu())
            for cpu in kd.cpus():
                interrupt.check()
                gdb.write(_block(summary, cpu) + "\n\n")
            return
        elif "," in rest or (_CPU_LIST.match(rest) and "-" in rest):
            # A list (a comma is never a CPU expression): 0-3,8; 1,,2 is
            # a malformed list, not a C comma expression.
            cpus = parse_cpus(rest, kd)
            for cpu in cpus:
                interrupt.check()
                if kd.pcpu_addr(cpu) is None:
                    gdb.write("CPU %d not found\n\n" % cpu)
                else:
                    gdb.write(_block(summary, cpu) + "\n\n")
            return
        else:
            cpus = [parse_cpu(rest)]
        for cpu in cpus:
            gdb.write("\n".join(summary.lines(cpu)) + "\n")

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
