"""ddb's "show pcpu", "show allpcpu" and "show dpcpu_off", and pcpu -l's
CPU table, as data and text.

The one implementation of these outputs, for the GDB command (cmd_pcpu.py)
and the command line (cli.py).  It imports no GDB: a face describes the
kernel's struct members as Kvm.read_fields specs (from GDB's types or from
the DWARF of the ELF target), the core reads and decodes the values, and
this module turns those values (dicts of member -> int or str) into text.

The facts are in docs/FREEBSD.md: what ddb prints per release and
architecture, show dpcpu_off and the kernel's %p in "ddb's show pcpu"; the
members that tell the architecture in "Telling the architecture";
osreldate in "Release numbers and osreldate"; the dumping thread (dumptid)
in "Dumps and panics".
"""

import json

from . import cpus
from ._kvm import CpuAbsentError, KvmError

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

# The curthread line: 11.x has no tid, 12.x no critnest.  fpcurthread has
# a pid and no tid, idlethread a tid and no pid, in every release.
CUR_PID, CUR_TID, CUR_CRITNEST = "pid", "tid", "critnest"
FPU, IDLE = "fpu", "idle"

# The members pcpu reads: struct pcpu's machine-independent ones (the MD
# lines' members come on top), struct thread's and struct proc's.
PCPU_MI = ("pc_cpuid", "pc_dynamic", "pc_curthread", "pc_curpcb",
           "pc_fpcurthread", "pc_idlethread")
THREAD_PTRS = ("pc_curthread", "pc_fpcurthread", "pc_idlethread")
THREAD = ("td_tid", "td_name", "td_proc", "td_critnest", "td_vnet")
PROC = ("p_pid",)


def pointer(value):
    """A pointer as the kernel's printf %p prints it: 0, or 0x with hex."""
    if value < 0:
        value += 1 << 64
    return "0x%x" % value if value else "0"


def one_line(err):
    """An error's text on one line: its non-empty lines joined with "; "."""
    lines = [l.strip() for l in str(err).splitlines() if l.strip()]
    return "; ".join(lines) if lines else "error"


def arch_of(has):
    """amd64, i386, arm64, riscv, or None; has(member) tells whether the
    kernel's struct pcpu has that member."""
    for arch, signature in ARCHES:
        if all(has(member) for member in signature):
            return arch
    return None


def md_lines(arch, osrel, has):
    """db_show_mdpcpu()'s (label, member, conversion) lines for a kernel of
    arch and osreldate osrel (None: unknown) whose struct pcpu has the
    members has() accepts."""
    eras = MD_LINES.get(arch, ((0, ()),))
    lines = eras[-1][1]
    if osrel is not None:
        for since, table in eras:
            if osrel >= since:
                lines = table
    return tuple(l for l in lines if has(l[1]))


def curthread_form(osrel):
    """The curthread line's form for osreldate osrel (None: unknown)."""
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
        return pointer(value)
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


# --- What pcpu reads of a kernel ------------------------------------------

class Members:
    """The members of one struct that pcpu reads: those of names for which
    spec(name) gives a Kvm.read_fields spec (offset, size, kind), None for
    a member the kernel's struct lacks or that is not a pointer, an integer
    or a char array."""

    def __init__(self, names, spec):
        self.names = []
        self.specs = []
        for name in names:
            found = spec(name)
            if found is not None:
                self.names.append(name)
                self.specs.append(found)

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
    """What pcpu reads of a kernel and how ddb prints it there.  spec(tag,
    name) is the read_fields spec of member name of struct tag ("pcpu",
    "thread", "proc"), or None; osrel the kernel's osreldate (None when
    unknown); vimage whether it is built with options VIMAGE."""

    def __init__(self, spec, osrel, vimage):
        def has(name):
            return spec("pcpu", name) is not None
        self.arch = arch_of(has)
        self.md = md_lines(self.arch, osrel, has)
        self.form = curthread_form(osrel)
        self.vimage = vimage
        self.pcpu = Members(PCPU_MI + tuple(m for _l, m, _c in self.md),
                            lambda name: spec("pcpu", name))
        self.thread = Members(THREAD, lambda name: spec("thread", name))
        self.proc = Members(PROC, lambda name: spec("proc", name))


class Snapshot:
    """The struct pcpu, threads and processes of some CPUs as plain values:
    addr {cpu: struct pcpu address or None when absent}, pcs, threads and
    procs {address: {member: value} or None when unreadable}."""

    def __init__(self, addr, pcs, threads, procs, kd=None):
        self.addr = addr
        self.pcs = pcs
        self.threads = threads
        self.procs = procs
        self.kd = kd

    @classmethod
    def read(cls, kd, lay, cpu_ids):
        """The Snapshot of cpu_ids, in three calls of the core (one per
        kind of struct)."""
        addr = {cpu: kd.pcpu_addr(cpu) for cpu in cpu_ids}
        pcs = lay.pcpu.read(kd, addr.values())
        tds = [pc[m] for pc in pcs.values() if pc
               for m in THREAD_PTRS if m in pc]
        threads = lay.thread.read(kd, tds)
        procs = lay.proc.read(kd, [td.get("td_proc") for td in
                                   threads.values() if td])
        return cls(addr, pcs, threads, procs, kd)

    def pcpu(self, cpu):
        """CPU cpu's {member: value}; CpuAbsentError "CPU N not found", or
        the core's error for a struct pcpu it cannot read."""
        addr = self.addr[cpu]
        if addr is None:
            raise CpuAbsentError("CPU %d not found" % cpu)
        pc = self.pcs.get(addr)
        if pc is None:
            if self.kd is not None:
                self.kd.getpcpu(cpu)    # the core's FaultError names it
            raise KvmError("cannot read struct pcpu of CPU %d" % cpu)
        return pc

    def thread(self, addr):
        """(thread, pid) of the struct thread at addr: thread is its
        {member: value}; pid is its process's p_pid, None when td_proc is
        NULL or unreadable.  KvmError when the thread cannot be read."""
        td = self.threads.get(addr)
        if td is None:
            raise KvmError("cannot read struct thread at %s" % pointer(addr))
        proc = td.get("td_proc", 0)
        row = self.procs.get(proc) if proc else None
        if row is None or "p_pid" not in row:
            return td, None
        return td, row["p_pid"]


# CPUs read per call of the core in the long listings: output starts at
# once, and an interrupt between chunks stops the command.
CHUNK = 256


def snapshots(kd, lay, cpu_ids, check=None):
    """(cpu, Snapshot) for each of cpu_ids, read CHUNK CPUs at a time;
    check() is called before each chunk (GDB's Ctrl-C)."""
    for start in range(0, len(cpu_ids), CHUNK):
        if check is not None:
            check()
        part = cpu_ids[start:start + CHUNK]
        snap = Snapshot.read(kd, lay, part)
        for cpu in part:
            yield cpu, snap


# --- show pcpu, show allpcpu -----------------------------------------------

def thread_text(snap, addr, form):
    """ddb's description of the thread at addr (show_pcpu()): form is the
    Layout's curthread form, FPU or IDLE."""
    if not addr:
        return "none"
    try:
        td, pid = snap.thread(addr)
    except KvmError as err:
        return "%s: <error: %s>" % (pointer(addr), one_line(err))
    name = td.get("td_name", "")
    tid = c_format(D, td.get("td_tid", 0))
    if form == IDLE:
        return '%s: tid %s "%s"' % (pointer(addr), tid, name)
    if pid is None:
        return "%s: <error: cannot read struct proc at %s>" % (
            pointer(addr), pointer(td.get("td_proc", 0)))
    pid = c_format(D, pid)
    if form in (FPU, CUR_PID):
        return '%s: pid %s "%s"' % (pointer(addr), pid, name)
    if form == CUR_TID:
        return '%s: pid %s tid %s "%s"' % (pointer(addr), pid, tid, name)
    return '%s: pid %s tid %s critnest %s "%s"' % (
        pointer(addr), pid, tid, c_format(D, td.get("td_critnest", 0)), name)


def _curvnet(snap, cur):
    if not cur:
        return pointer(0)
    try:
        td, _pid = snap.thread(cur)
    except KvmError as err:
        return "<error: %s>" % one_line(err)
    return pointer(td.get("td_vnet", 0))


def summary_lines(snap, lay, cpu):
    """The lines of ddb's show pcpu for CPU cpu; the error when its struct
    pcpu is absent or unreadable."""
    pc = snap.pcpu(cpu)
    lines = []
    if "pc_cpuid" in pc:
        lines.append(label("cpuid") + c_format(D, pc["pc_cpuid"]))
    if "pc_dynamic" in pc:
        lines.append(label("dynamic pcpu") + pointer(pc["pc_dynamic"]))
    cur = pc.get("pc_curthread", 0)
    lines.append(label("curthread") + thread_text(snap, cur, lay.form))
    if "pc_curpcb" in pc:
        lines.append(label("curpcb") + pointer(pc["pc_curpcb"]))
    if "pc_fpcurthread" in pc:
        lines.append(label("fpcurthread")
                     + thread_text(snap, pc["pc_fpcurthread"], FPU))
    if "pc_idlethread" in pc:
        lines.append(label("idlethread")
                     + thread_text(snap, pc["pc_idlethread"], IDLE))
    for name, member, conv in lay.md:
        lines.append(label(name) + c_format(conv, pc[member]))
    if lay.vimage:
        lines.append(label("curvnet") + _curvnet(snap, cur))
    return lines


def block(snap, lay, cpu):
    """CPU cpu's lines in pcpu all and pcpu CPUS, or its one error line (an
    absent or unreadable CPU) while the other CPUs still print."""
    try:
        return "\n".join(summary_lines(snap, lay, cpu))
    except KvmError as err:
        return one_line(err)


def current_cpu_line(cpu, why=None):
    """show allpcpu's first line: the default CPU stands for the CPU ddb
    runs on; why, when there is none."""
    if why is not None:
        return "Current CPU: none (%s)" % one_line(why)
    return "Current CPU: %d" % cpu


def listing(kd, lay, cpu_ids, head=None, check=None):
    """pcpu CPUS (and, with head, show allpcpu): the texts to print, each
    followed by a newline: head and a blank line, then each CPU's block and
    a blank line."""
    if head is not None:
        yield head
        yield ""
    for cpu, snap in snapshots(kd, lay, cpu_ids, check):
        yield block(snap, lay, cpu)
        yield ""


# --- pcpu -l: the CPU table -----------------------------------------------

def table_row(snap, cpu):
    """CPU cpu's entry of the table: a dict (JSON-ready)."""
    try:
        pc = snap.pcpu(cpu)
    except KvmError as err:
        return {"cpu": cpu, "error": one_line(err)}
    cur = pc.get("pc_curthread", 0)
    row = {"cpu": cpu, "curthread": pointer(cur) if cur else None,
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


def cpu_table(kd, lay, cpu_ids, dumptid, check=None):
    """The header facts and the rows of pcpu -l (a JSON-ready dict) for
    cpu_ids; dumptid is the kernel's dumptid, None when it has none."""
    present = list(kd.cpus())
    wanted = set(cpu_ids)
    dump_cpu = None
    rows = []
    # Every present CPU is read when dumptid must be found; else only those
    # asked for.
    ids = list(cpu_ids) if not dumptid else \
        list(cpu_ids) + [c for c in present if c not in wanted]
    for cpu, snap in snapshots(kd, lay, ids, check):
        row = table_row(snap, cpu)
        if dumptid and dump_cpu is None and row.get("tid") == dumptid:
            dump_cpu = cpu
        if cpu in wanted:
            rows.append(row)
    return {"present": present, "present_list": cpus.format_list(present),
            "mp_ncpus": kd.getncpus(), "mp_maxid": kd.getmaxid(),
            "mp_maxcpus": kd.getmaxcpu(), "dumptid": dumptid,
            "dump_cpu": dump_cpu, "cpus": rows}


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


def table_json(doc):
    """pcpu -l -json: the table as one JSON document."""
    return json.dumps(doc)


# --- show dpcpu_off ----------------------------------------------------------

def dpcpu_off_line(cpu, off, start, pointer_size):
    """ddb's show dpcpu_off line of CPU cpu: its offset off (0 for a CPU
    whose offset is unset) and off + DPCPU_START (start) as the kernel's
    %p of a pointer_size-byte pointer."""
    mask = (1 << (8 * pointer_size)) - 1
    return "dpcpu_off[%2d] = 0x%x (+ DPCPU_START = %s)" % (
        cpu, off, pointer((off + start) & mask))
