"""pcpu: ddb's "show pcpu" and "show allpcpu", the CPU table, the raw struct
pcpu, and pcpu apply.

Every value comes from the core: Kvm.read_fields reads the members of many
structs in gathered reads and decodes them in the target's byte order.  The
members' offsets, sizes and signedness come from GDB's types; this module
only chooses the members and formats them.  What ddb prints, per release and
architecture, and where the kernel records the dumping thread, are in
docs/FREEBSD.md (the pcpu sections).
"""

import json

import gdb

from . import cpus, default_cpu, gtypes, interrupt, symtab, target
from ._kvm import CpuAbsentError, KvmError
from .errors import one_line, user_errors
from .fmt import fmt_p, format_value

# --- What ddb prints (docs/FREEBSD.md) --------------------------------------

# printf conversions of db_show_mdpcpu(), as the kernel's printf prints a
# value of the member's size.
P, LX, X0, X, U, D = "%p", "0x%lx", "0x%x", "%x", "%u", "%d"

_AMD64_11 = (
    ("curpmap", "pc_curpmap", P),
    ("tssp", "pc_tssp", P),
    ("commontssp", "pc_commontssp", P),
    ("rsp0", "pc_rsp0", LX),
    ("gs32p", "pc_gs32p", P),
    ("ldt", "pc_ldt", P),
    ("tss", "pc_tss", P),
    ("tlb gen", "pc_smp_tlb_done", U),
)
_AMD64_12_0 = _AMD64_11[:-1]
_AMD64_12_2 = (
    ("curpmap", "pc_curpmap", P),
    ("tssp", "pc_tssp", P),
    ("commontssp", "pc_commontssp", P),
    ("rsp0", "pc_rsp0", LX),
    ("kcr3", "pc_kcr3", LX),
    ("ucr3", "pc_ucr3", LX),
    ("scr3", "pc_saved_ucr3", LX),
    ("gs32p", "pc_gs32p", P),
    ("ldt", "pc_ldt", P),
    ("tss", "pc_tss", P),
    ("tlb gen", "pc_smp_tlb_done", U),
)
_AMD64_13 = (
    ("self", "pc_prvspace", P),
    ("curpmap", "pc_curpmap", P),
    ("tssp", "pc_tssp", P),
    ("rsp0", "pc_rsp0", LX),
    ("kcr3", "pc_kcr3", LX),
    ("ucr3", "pc_ucr3", LX),
    ("scr3", "pc_saved_ucr3", LX),
    ("gs32p", "pc_gs32p", P),
    ("ldt", "pc_ldt", P),
    ("tss", "pc_tss", P),
)
# Members 11.x lacks (trampstk, kesp0, common_tssp) are left out by the
# member test of md_lines().
_I386 = (
    ("APIC ID", "pc_apic_id", D),
    ("currentldt", "pc_currentldt", X0),
    ("trampstk", "pc_trampstk", X0),
    ("kesp0", "pc_kesp0", X0),
    ("common_tssp", "pc_common_tssp", X0),
    ("tlb gen", "pc_smp_tlb_done", U),
)
_RISCV = (
    ("curpmap", "pc_curpmap", P),
    ("pending_ipis", "pc_pending_ipis", X),
    ("hart", "pc_hart", U),
)

# Per architecture, the MD lines from an osreldate on (the last entry whose
# osreldate is at most the kernel's wins; an unknown osreldate takes the
# newest).  arm64's db_show_mdpcpu() is empty in every release.
MD_LINES = {
    "amd64": ((0, _AMD64_11), (1200000, _AMD64_12_0),
              (1202000, _AMD64_12_2), (1300000, _AMD64_13)),
    "i386": ((0, _I386),),
    "arm64": ((0, ()),),
    "riscv": ((0, ()), (1200000, _RISCV)),
}

# An architecture is recognised by members only its struct pcpu has.
ARCHES = (("amd64", ("pc_rsp0", "pc_tssp")), ("i386", ("pc_currentldt",)),
          ("arm64", ("pc_midr",)), ("riscv", ("pc_hart",)))

# The curthread line: 11.x has no tid, 12.x no critnest.
CUR_PID, CUR_TID, CUR_CRITNEST = "pid", "tid", "critnest"

PCPU_MI = ("pc_cpuid", "pc_dynamic", "pc_curthread", "pc_curpcb",
           "pc_fpcurthread", "pc_idlethread")
THREAD_PTRS = ("pc_curthread", "pc_fpcurthread", "pc_idlethread")
THREAD = ("td_tid", "td_name", "td_proc", "td_critnest", "td_vnet")
PROC = ("p_pid",)


def arch_of(tgt):
    """amd64, i386, arm64, riscv, or None, from struct pcpu's members."""
    for arch, signature in ARCHES:
        if all(tgt.has_field(f) for f in signature):
            return arch
    return None


def md_lines(arch, osrel, has_field):
    """db_show_mdpcpu()'s (label, member, format) lines for this kernel."""
    eras = MD_LINES.get(arch, ((0, ()),))
    lines = eras[-1][1]
    if osrel is not None:
        for since, table in eras:
            if osrel >= since:
                lines = table
    return tuple(l for l in lines if has_field(l[1]))


def curthread_form(osrel):
    if osrel is not None and osrel < 1200000:
        return CUR_PID
    if osrel is not None and osrel < 1300000:
        return CUR_TID
    return CUR_CRITNEST


def label(name):
    """ddb's label: the name in 13 columns, then "= "."""
    return "%-13s= " % name


def c_format(conv, value):
    """value as the kernel's printf prints it with conversion conv (an int
    argument for %d, %u and %x; a long or pointer for 0x%lx and %p)."""
    if conv == P:
        return fmt_p(value)
    if conv == LX:
        return "0x%x" % (value & 0xffffffffffffffff)
    word = value & 0xffffffff
    if conv == X0:
        return "0x%x" % word
    if conv == X:
        return "%x" % word
    if conv == U:
        return "%d" % word
    return "%d" % (word - (1 << 32) if word & 0x80000000 else word)


# --- Reading: members from GDB's types, values from the core --------------

def _member(gtype, name, base=0):
    """(offset, gdb.Type) of the member name of struct gtype (anonymous
    structs and unions searched), or None; None for a bitfield."""
    for field in gtype.strip_typedefs().fields():
        if getattr(field, "bitpos", None) is None:
            continue
        off = base + field.bitpos // 8
        if field.name == name:
            if field.bitsize or field.bitpos % 8:
                return None
            return off, field.type
        if not field.name:
            inner = field.type.strip_typedefs()
            if inner.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                found = _member(inner, name, off)
                if found is not None:
                    return found
    return None


def field_spec(gtype, name):
    """The Kvm.read_fields spec (offset, size, kind) of a pointer, integer
    or char array member of struct gtype, or None."""
    found = _member(gtype, name)
    if found is None:
        return None
    off, ftype = found
    ftype = ftype.strip_typedefs()
    if ftype.code == gdb.TYPE_CODE_PTR:
        return off, ftype.sizeof, "u"
    if gtypes.is_integer(ftype) and ftype.sizeof in (1, 2, 4, 8):
        return off, ftype.sizeof, "i" if gtypes.is_signed(ftype) else "u"
    if (ftype.code == gdb.TYPE_CODE_ARRAY
            and ftype.target().strip_typedefs().sizeof == 1):
        return off, ftype.sizeof, "s"
    return None


class Members:
    """The members of one struct that a command reads: those of names that
    the kernel's struct has, as a pointer, an integer or a string."""

    def __init__(self, gtype, names):
        self.names = []
        self.specs = []
        for name in names if gtype is not None else ():
            spec = field_spec(gtype, name)
            if spec is not None:
                self.names.append(name)
                self.specs.append(spec)

    def __contains__(self, name):
        return name in self.names

    def read(self, kd, addrs):
        """{address: {member: value}, or None where unreadable} for the
        distinct non-zero addresses of addrs, in one call of the core."""
        addrs = [a for a in dict.fromkeys(addrs) if a]
        if not addrs or not self.specs:
            return dict.fromkeys(addrs)
        rows = kd.read_fields(addrs, self.specs)
        return {addr: None if row is None else dict(zip(self.names, row))
                for addr, row in zip(addrs, rows)}


class Layout:
    """What pcpu reads of this kernel, from its debug info and osreldate."""

    def __init__(self, tgt, osrel):
        self.arch = arch_of(tgt)
        md = md_lines(self.arch, osrel, tgt.has_field)
        self.pcpu = Members(tgt.pcpu_type,
                            PCPU_MI + tuple(m for _l, m, _c in md))
        self.md = tuple(l for l in md if l[1] in self.pcpu)
        self.form = curthread_form(osrel)
        self.vimage = tgt.vimage
        self.thread = Members(symtab.lookup_struct("thread"), THREAD)
        self.proc = Members(symtab.lookup_struct("proc"), PROC)


def layout(tgt):
    """The Layout of tgt's kernel, made once per handle and osreldate."""
    osrel = tgt.osreldate()
    key = ("cmd_pcpu.layout", osrel)
    if key not in tgt.cache:
        tgt.cache[key] = Layout(tgt, osrel)
    return tgt.cache[key]


class Snapshot:
    """The struct pcpu, threads and processes of some CPUs, read in three
    calls of the core (one per kind of struct)."""

    def __init__(self, tgt, lay, cpu_ids):
        kd = tgt.kd
        self.kd = kd
        self.addr = {cpu: kd.pcpu_addr(cpu) for cpu in cpu_ids}
        self.pcs = lay.pcpu.read(kd, self.addr.values())
        tds = [pc[m] for pc in self.pcs.values() if pc
               for m in THREAD_PTRS if m in pc]
        self.threads = lay.thread.read(kd, tds)
        procs = [td.get("td_proc") for td in self.threads.values() if td]
        self.procs = lay.proc.read(kd, procs)

    def pcpu(self, cpu):
        """CPU cpu's {member: value}; CpuAbsentError "CPU N not found", or
        the core's error for a struct pcpu it cannot read."""
        addr = self.addr[cpu]
        if addr is None:
            raise CpuAbsentError("CPU %d not found" % cpu)
        pc = self.pcs.get(addr)
        if pc is None:
            self.kd.getpcpu(cpu)        # the core's FaultError names it
            raise KvmError("cannot read struct pcpu of CPU %d" % cpu)
        return pc

    def thread(self, addr):
        """(thread, pid) of the struct thread at addr: thread is its
        {member: value}; pid is its process's p_pid, None when td_proc is
        NULL or unreadable.  KvmError when the thread cannot be read."""
        td = self.threads.get(addr)
        if td is None:
            raise KvmError("cannot read struct thread at %s" % fmt_p(addr))
        proc = td.get("td_proc", 0)
        row = self.procs.get(proc) if proc else None
        if row is None or "p_pid" not in row:
            return td, None
        return td, row["p_pid"]


def _thread_text(snap, addr, form):
    """ddb's description of the thread at addr (show_pcpu())."""
    if not addr:
        return "none"
    try:
        td, pid = snap.thread(addr)
    except KvmError as err:
        return "%s: <error: %s>" % (fmt_p(addr), one_line(err))
    name = td.get("td_name", "")
    tid = c_format(D, td.get("td_tid", 0))
    if form == "idle":
        return '%s: tid %s "%s"' % (fmt_p(addr), tid, name)
    if pid is None:
        return "%s: <error: cannot read struct proc at %s>" % (
            fmt_p(addr), fmt_p(td.get("td_proc", 0)))
    pid = c_format(D, pid)
    if form == "fpu" or form == CUR_PID:
        return '%s: pid %s "%s"' % (fmt_p(addr), pid, name)
    if form == CUR_TID:
        return '%s: pid %s tid %s "%s"' % (fmt_p(addr), pid, tid, name)
    return '%s: pid %s tid %s critnest %s "%s"' % (
        fmt_p(addr), pid, tid, c_format(D, td.get("td_critnest", 0)), name)


def summary_lines(snap, lay, cpu):
    """The lines of ddb's show pcpu for CPU cpu; the error when its struct
    pcpu is absent or unreadable."""
    pc = snap.pcpu(cpu)
    lines = []
    if "pc_cpuid" in pc:
        lines.append(label("cpuid") + c_format(D, pc["pc_cpuid"]))
    if "pc_dynamic" in pc:
        lines.append(label("dynamic pcpu") + fmt_p(pc["pc_dynamic"]))
    cur = pc.get("pc_curthread", 0)
    lines.append(label("curthread") + _thread_text(snap, cur, lay.form))
    if "pc_curpcb" in pc:
        lines.append(label("curpcb") + fmt_p(pc["pc_curpcb"]))
    if "pc_fpcurthread" in pc:
        lines.append(label("fpcurthread")
                     + _thread_text(snap, pc["pc_fpcurthread"], "fpu"))
    if "pc_idlethread" in pc:
        lines.append(label("idlethread")
                     + _thread_text(snap, pc["pc_idlethread"], "idle"))
    for name, member, conv in lay.md:
        lines.append(label(name) + c_format(conv, pc[member]))
    if lay.vimage:
        lines.append(label("curvnet") + _curvnet(snap, cur))
    return lines


def _curvnet(snap, cur):
    if not cur:
        return fmt_p(0)
    try:
        td, _pid = snap.thread(cur)
    except KvmError as err:
        return "<error: %s>" % one_line(err)
    return fmt_p(td.get("td_vnet", 0))


# CPUs read per call of the core in the long listings: output starts at
# once, and a Ctrl-C between chunks stops the command.
CHUNK = 256


def snapshots(tgt, lay, cpu_ids):
    """(cpu, Snapshot) for each of cpu_ids, read CHUNK CPUs at a time."""
    for start in range(0, len(cpu_ids), CHUNK):
        interrupt.check()
        part = cpu_ids[start:start + CHUNK]
        snap = Snapshot(tgt, lay, part)
        for cpu in part:
            yield cpu, snap


def block(snap, lay, cpu):
    """CPU cpu's lines in pcpu all and pcpu CPUS, or its one error line (an
    absent or unreadable CPU) while the other CPUs still print."""
    try:
        return "\n".join(summary_lines(snap, lay, cpu))
    except KvmError as err:
        return one_line(err)


# --- pcpu -l: the CPU table -----------------------------------------------

def _dumptid(tgt):
    """The kernel's dumptid (the thread that wrote the dump), or None when
    the kernel has no such variable or it cannot be read."""
    sym = symtab.lookup_symbol("dumptid")
    addr = symtab.symbol_address("dumptid")
    if sym is None or addr is None:
        return None
    gtype = sym.type.strip_typedefs()
    if not gtypes.is_integer(gtype):
        return None
    kind = "i" if gtypes.is_signed(gtype) else "u"
    row = tgt.kd.read_fields([addr], [(0, gtype.sizeof, kind)])[0]
    return None if row is None else row[0]


def _row(snap, cpu):
    """CPU cpu's entry of the table: a dict (JSON-ready)."""
    try:
        pc = snap.pcpu(cpu)
    except KvmError as err:
        return {"cpu": cpu, "error": one_line(err)}
    cur = pc.get("pc_curthread", 0)
    row = {"cpu": cpu, "curthread": fmt_p(cur) if cur else None,
           "tid": None, "pid": None, "critnest": None, "name": None,
           "idle": bool(cur) and cur == pc.get("pc_idlethread")}
    if not cur:
        return row
    try:
        td, pid = snap.thread(cur)
    except KvmError as err:
        row["error"] = one_line(err)
        return row
    row.update(tid=td.get("td_tid"), pid=pid, critnest=td.get("td_critnest"),
               name=td.get("td_name"))
    return row


def _cell(value, width):
    return ("%*s" % (width, "-")) if value is None else "%*d" % (width, value)


def row_text(row, cpu_width):
    """One line of the table, under table_text()'s CPU TID PID ... line."""
    cpu = "%*d" % (cpu_width, row["cpu"])
    if row.get("curthread") is None and "error" in row:
        return "%s  %s" % (cpu, row["error"])
    if row["curthread"] is None:
        return "%s  %7s %6s %4s %-4s %s" % (cpu, "-", "-", "-", "no", "none")
    if "error" in row:
        return "%s  %s: <error: %s>" % (cpu, row["curthread"], row["error"])
    return "%s  %s %s %s %-4s %s" % (
        cpu, _cell(row["tid"], 7), _cell(row["pid"], 6),
        _cell(row["critnest"], 4), "yes" if row["idle"] else "no",
        row["name"])


def cpu_table(tgt, cpu_ids):
    """The header facts and the rows of pcpu -l (a JSON-ready dict)."""
    kd = tgt.kd
    lay = layout(tgt)
    present = list(kd.cpus())
    wanted = set(cpu_ids)
    dumptid = _dumptid(tgt)
    dump_cpu = None
    rows = []
    # Every present CPU is read when dumptid must be found; else only those
    # asked for.
    ids = cpu_ids if not dumptid else \
        cpu_ids + [c for c in present if c not in wanted]
    for cpu, snap in snapshots(tgt, lay, ids):
        row = _row(snap, cpu)
        if dumptid and dump_cpu is None and row.get("tid") == dumptid:
            dump_cpu = cpu
        if cpu in wanted:
            rows.append(row)
    return {"present": present, "present_list": cpus.format_list(present),
            "mp_ncpus": kd.getncpus(), "mp_maxid": kd.getmaxid(),
            "mp_maxcpus": kd.getmaxcpu(), "dumptid": dumptid,
            "dump_cpu": dump_cpu, "cpus": rows}


def table_text(doc):
    """pcpu -l as text: a short header, then one line per CPU."""
    out = ["CPUs %s (mp_ncpus %d, mp_maxid %d, mp_maxcpus %d)"
           % (doc["present_list"] or "none", doc["mp_ncpus"], doc["mp_maxid"],
              doc["mp_maxcpus"])]
    if doc["dumptid"]:
        where = ("on CPU %d" % doc["dump_cpu"] if doc["dump_cpu"] is not None
                 else "on no CPU")
        out.append("dumping thread: tid %d %s" % (doc["dumptid"], where))
    elif doc["dumptid"] is not None:
        out.append("dumping thread: none (dumptid is 0)")
    width = max([3] + [len(str(r["cpu"])) for r in doc["cpus"]])
    out.append("%*s  %7s %6s %4s %-4s %s" % (width, "CPU", "TID", "PID",
                                              "CRIT", "IDLE", "NAME"))
    out += [row_text(r, width) for r in doc["cpus"]]
    return "\n".join(out)


# --- pcpu apply ------------------------------------------------------------

APPLY_FLAGS = ("-q", "-s")


def split_apply(arg):
    """pcpu apply's argument: (flags, CPUS text, COMMAND)."""
    flags = set()
    rest = arg.strip()
    words = rest.split(None, 1)
    while words and words[0] in APPLY_FLAGS:
        flags.add(words[0])
        rest = words[1] if len(words) > 1 else ""
        words = rest.split(None, 1)
    if not rest:
        raise gdb.GdbError("pcpu apply: CPUS and COMMAND are required "
                           "(pcpu apply CPUS COMMAND)")
    if " -- " in rest:
        text, _sep, command = rest.partition(" -- ")
    else:
        text, command = words[0], words[1] if len(words) > 1 else ""
    if not command.strip():
        raise gdb.GdbError("pcpu apply: a COMMAND is required after %s"
                           % text.strip())
    return flags, text.strip(), command.strip()


def apply(arg):
    """pcpu apply: COMMAND once per CPU of CPUS, that CPU the default CPU;
    an error is reported and the loop goes on; Ctrl-C stops it."""
    flags, text, command = split_apply(arg)
    quiet, silent = "-q" in flags, "-s" in flags
    kd = target.kvm()
    for cpu in cpus.parse(text):
        interrupt.check()
        head = "" if quiet else "\ncpu %d:\n" % cpu
        if kd.pcpu_addr(cpu) is None:
            if not silent:
                gdb.write(head)
                gdb.write("CPU %d not found\n" % cpu, gdb.STDERR)
            continue
        try:
            with default_cpu.using(cpu):
                out = gdb.execute(command, from_tty=False, to_string=True)
        except gdb.error as err:
            if not silent:
                gdb.write(head)
                gdb.write(one_line(err) + "\n", gdb.STDERR)
            continue
        if out or not silent:
            gdb.write(head + out)


# --- The command -----------------------------------------------------------

OPTIONS = ("-r", "-l", "-json")


def split_options(arg):
    """pcpu's leading options: (set of options, rest).  A word that starts
    with "-" and a letter is an option; "-1" and "-$x" are CPU expressions;
    "--" ends the options."""
    opts = set()
    rest = arg.strip()
    while rest.startswith("-") and len(rest) > 1 and \
            (rest[1].isalpha() or rest[1] == "-"):
        word, _sep, rest = rest.partition(" ")
        rest = rest.strip()
        if word == "--":
            break
        if word not in OPTIONS:
            raise gdb.GdbError("unknown option %s" % word)
        opts.add(word)
    if "-r" in opts and len(opts) > 1:
        raise gdb.GdbError("-r cannot be combined with %s"
                           % " ".join(sorted(opts - {"-r"})))
    if "-json" in opts and "-l" not in opts:
        raise gdb.GdbError("-json needs -l (pcpu -l -json [CPUS])")
    return opts, rest


def _history(value):
    """value in the value history as print puts it there: "$N = " (GDB 12
    has gdb.add_history; an older GDB prints the value without $N)."""
    if hasattr(gdb, "add_history"):
        return "$%d = " % gdb.add_history(value)
    return ""


def _current_cpu_line():
    """show allpcpu's first line: the default CPU stands for the CPU ddb
    runs on."""
    try:
        return "Current CPU: %d" % cpus.default()
    except (KvmError, gdb.error, ValueError) as err:
        return "Current CPU: none (%s)" % one_line(err)


def _is_one(text):
    items = cpus.split(text)
    return len(items) == 1 and items[0][0] == "one"


class PcpuCommand(gdb.Command):
    """Show a CPU's struct pcpu as ddb's "show pcpu" does, list the CPUs, or run a command on each CPU.

Usage: pcpu [CPU]
       pcpu all
       pcpu CPUS
       pcpu -r [CPUS]
       pcpu -l [-json] [CPUS]
       pcpu apply [-q] [-s] CPUS COMMAND

CPU is a present CPU: a number or any GDB expression ($c, mp_maxid - 1);
-1, or no CPU, is the default CPU.  CPUS is a list such as 0-3,8 or 0-$c
(an end may be an expression), or all.  An absent CPU is "CPU N not found",
as in ddb.

The summary has ddb's lines for the kernel's release and architecture:
cpuid, dynamic pcpu (the DPCPU offset), curthread (pid, tid and critical
nesting as that release's ddb prints them), curpcb, fpcurthread, idlethread,
the lines of the architecture's db_show_mdpcpu() (amd64: self, curpmap,
tssp, rsp0, kcr3, ucr3, scr3, ...; arm64: none) and, on a VIMAGE kernel,
curvnet.  The release comes from the kernel's osreldate, the architecture
from the members of its struct pcpu.  ddb's WITNESS list of spin locks is
not shown.

"all" (or "a") is ddb's "show allpcpu": "Current CPU: N" (the default CPU),
a blank line, then every present CPU's summary followed by a blank line.
CPUS prints each CPU's summary followed by a blank line; an absent or
unreadable CPU prints one line saying so, and the others still print.

-r prints the whole struct pcpu as print does (set print pretty and the
other print settings apply), and puts it in the value history ($N) as print
does; with CPUS, one value per CPU, each line starting "cpu N: ".  The same
value is $pcpu(CPU).

-l prints a table, one line per CPU (all present CPUs without CPUS): its
curthread's tid, pid, critical nesting and name, and whether that is the
CPU's idle thread.  Above it: the present CPUs as a list (0-2,4-6),
mp_ncpus, mp_maxid and mp_maxcpus, and the CPU of the dumping thread (the
kernel's dumptid) when the kernel recorded one.  -l -json prints the same as
one JSON document.

apply runs COMMAND once for each CPU of CPUS with that CPU as the default
CPU, so "pcpu", "$pcpu()", "dpcpu-print X" and the other commands and
functions given no CPU use it.  Each output follows a line "cpu N:".  An
error on one CPU is reported and the loop goes on with the next CPU (as
thread apply -c does); Ctrl-C stops it.  -q leaves out the "cpu N:" lines;
-s leaves out the CPUs whose COMMAND fails or prints nothing (as thread
apply -s).  CPUS is one word (0-3, all, 0-$c); write "CPUS -- COMMAND" for
CPUS with spaces in it.

The default CPU is the one "dpcpu-setcpu N" chose, else the CPU running
the selected thread (see "help dpcpu-setcpu").

Examples:
  pcpu
  pcpu 2
  pcpu all
  pcpu -r 0-1
  pcpu -l
  pcpu -l -json 0-3
  pcpu apply all print $pcpu().pc_curthread->td_name
  pcpu apply 0-3 dpcpu-print dpcpu_stats"""

    def __init__(self):
        super().__init__("pcpu", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if words and words[0] == "apply":
            apply(words[1] if len(words) > 1 else "")
            return
        opts, rest = split_options(arg)
        tgt = target.current()
        if "-l" in opts:
            self.table(tgt, rest, "-json" in opts)
        elif "-r" in opts:
            self.raw(tgt, rest)
        else:
            self.summary(tgt, rest)

    @staticmethod
    def summary(tgt, rest):
        lay = layout(tgt)
        if not rest or _is_one(rest):
            cpu = cpus.parse_one(rest) if rest else cpus.default()
            snap = Snapshot(tgt, lay, [cpu])
            gdb.write("\n".join(summary_lines(snap, lay, cpu)) + "\n")
            return
        if cpus.is_all(rest):
            gdb.write(_current_cpu_line() + "\n\n")
        for cpu, snap in snapshots(tgt, lay, cpus.parse(rest)):
            interrupt.check()
            gdb.write(block(snap, lay, cpu) + "\n\n")

    @staticmethod
    def raw(tgt, rest):
        if not rest or _is_one(rest):
            cpu = cpus.parse_one(rest) if rest else cpus.default()
            value = tgt.pcpu_value(cpu)
            gdb.write(_history(value) + format_value(value) + "\n")
            return
        for cpu in cpus.parse(rest):
            interrupt.check()
            try:
                value = tgt.pcpu_value(cpu)
            except KvmError as err:
                gdb.write("cpu %d: %s\n" % (cpu, one_line(err)))
                continue
            gdb.write("cpu %d: %s%s\n" % (cpu, _history(value),
                                          format_value(value)))

    @staticmethod
    def table(tgt, rest, as_json):
        cpu_ids = cpus.parse(rest) if rest else list(tgt.kd.cpus())
        doc = cpu_table(tgt, cpu_ids)
        if as_json:
            gdb.write(json.dumps(doc) + "\n")
        else:
            gdb.write(table_text(doc) + "\n")

    def complete(self, text, word):
        if word is None:
            return []
        return complete(text, word)


def _suffixes(candidates, token, word):
    """The candidates that extend token, cut to what follows word's start
    (GDB replaces only word: the end of token after a word break)."""
    cut = len(token) - len(word)
    return [c[cut:] for c in candidates if c.startswith(token)]


def _options_after(opts):
    """The options that may follow opts: none after -r, -l and -json
    together."""
    if "-r" in opts:
        return []
    if opts:
        return [o for o in ("-l", "-json") if o not in opts]
    return list(OPTIONS)


def complete(text, word):
    """What pcpu accepts next: an option after "-", CPUs, all and apply at
    the start of the argument; after apply, its flags, CPUs, then any GDB
    command."""
    ended = not text or text[-1].isspace()
    done = text.split()
    token = ""
    if not ended:
        token = done.pop()
    if done and done[0] == "apply":
        return _complete_apply(text, done, token, word)
    opts = []
    for w in done:
        if w not in OPTIONS:
            break
        opts.append(w)
    if len(opts) < len(done):
        # Inside a CPU argument with spaces ("mp_maxid - "): CPU ids.
        return cpus.complete(text.split(None, len(opts))[-1], word)
    if token.startswith("-") and (token == "-" or token[1].isalpha()):
        return _suffixes(_options_after(set(opts)), token, word)
    found = cpus.complete(token, word)
    if not done and token == word and "apply".startswith(token):
        found.append("apply")
    return found


def _complete_apply(text, done, token, word):
    """pcpu apply [-q] [-s] CPUS COMMAND: done starts with "apply"."""
    flags = 0
    while 1 + flags < len(done) and done[1 + flags] in APPLY_FLAGS:
        flags += 1
    at = 1 + flags                  # the index of the CPUS word
    if len(done) == at:
        if token.startswith("-"):
            used = set(done[1:at])
            return _suffixes([f for f in APPLY_FLAGS if f not in used],
                             token, word)
        return cpus.complete(token, word)
    parts = text.split(None, at + 1)
    command = parts[at + 1] if len(parts) > at + 1 else ""
    lines = gdb.execute("complete " + command, to_string=True).splitlines()
    cut = len(command) - len(word)
    return [l[cut:] for l in lines
            if l.startswith(command[:cut]) and not l.startswith("*** ")]


PcpuCommand()
