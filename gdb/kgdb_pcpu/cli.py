"""kgdb-pcpu -N KERNEL -M CORE COMMAND: per-CPU data without GDB.

The command line of kgdb-pcpu(1) (man/kgdb-pcpu.1): the GDB commands' names,
arguments and output, over a kernel ELF file and an ELF core file with the
-N/-M convention of netstat(1) and vmstat(8).  The core reads and decodes
everything (kgdb_pcpu._kvm.ElfKvm: read_fields, read_pointers, dpcpu_fields,
walk_list) in the target's byte order and pointer size; the types come from
the kernel's DWARF (struct_members, variable_type).  CPU arguments go
through the one CPU grammar (cpus.py).

Without GDB there is no selected thread: the default CPU is the CPU of the
thread that wrote the dump (dumptid, the thread kgdb selects), and the
default vnet is that thread's td_vnet, else vnet0.  Every error is one line
on stderr and exit status 1; usage errors exit 2 (argparse).
"""

import argparse
import json
import os
import re
import sys

from . import _kvm, cpus

PROG = "python3 -m kgdb_pcpu"
DPCPU_PREFIX = "pcpu_entry_"
VNET_PREFIX = "vnet_entry_"
# print's "set print elements" and "set print repeats" defaults.
PRINT_ELEMENTS = 200
PRINT_REPEATS = 10
INTEGER_FORMATS = "xzotdu"


class CliError(Exception):
    """A user-facing failure: one line on stderr, exit status 1."""


class UsageError(CliError):
    """Arguments that do not go together: argparse's usage error, exit 2."""


# --- Types from DWARF, and values decoded by the core. ---------------------

class Node:
    """How a value of one DWARF type prints: kind "int", "uint", "ptr",
    "str" (a char array), "array", "struct" or "opaque" (a union, a float,
    an array of arrays: the ELF target does not describe them)."""

    def __init__(self, kind, size, elem=None, count=0, members=()):
        self.kind = kind
        self.size = size
        self.elem = elem
        self.count = count
        self.members = members


def _node(kern, kind, size, elem_kind, elem_size, tag, depth=0):
    if kind in ("int", "uint"):
        return Node(kind, size)
    if kind == "pointer":
        return Node("ptr", size)
    if kind == "array" and elem_size:
        if elem_kind in ("int", "uint") and elem_size == 1:
            return Node("str", size)
        if elem_kind in ("int", "uint", "pointer", "struct"):
            elem = _node(kern, elem_kind, elem_size, None, 0, tag, depth + 1)
            return Node("array", size, elem, size // elem_size)
    if kind == "struct" and tag is not None and depth < 16:
        members = [m for m in kern.members(tag) or () if m[0] is not None]
        if members:         # a struct of bit-fields only is opaque too
            return Node("struct", size, members=[
                (m[0], m[1], _node(kern, m[3], m[2], m[4], m[5], m[6],
                                   depth + 1))
                for m in members])
    return Node("opaque", size)


def _leaves(node, offset, out):
    """The (offset, size, kind) fields of read_fields that node prints."""
    if node.kind in ("int", "uint", "ptr"):
        out.append((offset, node.size, "i" if node.kind == "int" else "u"))
    elif node.kind == "str":
        out.append((offset, node.size, "s"))
    elif node.kind == "array":
        for i in range(min(node.count, PRINT_ELEMENTS)):
            _leaves(node.elem, offset + i * node.elem.size, out)
    elif node.kind == "struct":
        for _name, off, child in node.members:
            _leaves(child, offset + off, out)
    return out


def _integer(value, size, signed, fmt):
    """An integer as print/FMT shows it (print's own text without FMT)."""
    bits = 8 * size
    raw = value & ((1 << bits) - 1)
    if fmt is None:
        return str(raw - (1 << bits) if signed and raw >> (bits - 1) else raw)
    if fmt == "x":
        return "0x%x" % raw
    if fmt == "z":
        return "0x%0*x" % (2 * size, raw)
    if fmt == "o":
        return "0%o" % raw if raw else "0"
    if fmt == "t":
        return bin(raw)[2:]
    if fmt == "d":
        return str(raw - (1 << bits) if raw >> (bits - 1) else raw)
    return str(raw)


def _quote(text):
    out = []
    for ch in text:
        if ch in "\"\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append("\\%03o" % (ord(ch) & 0xff))
    return '"%s"' % "".join(out)


def _render(node, values, fmt):
    """The text of node as print shows it, consuming its leaves' values."""
    if node.kind in ("int", "uint"):
        return _integer(next(values), node.size, node.kind == "int", fmt)
    if node.kind == "ptr":
        value = next(values)
        return _integer(value, node.size, False, fmt) if fmt else "0x%x" % value
    if node.kind == "str":
        return _quote(next(values))
    if node.kind == "array":
        items = [_render(node.elem, values, fmt)
                 for _ in range(min(node.count, PRINT_ELEMENTS))]
        parts = []
        i = 0
        while i < len(items):
            j = i
            while j < len(items) and items[j] == items[i]:
                j += 1
            if j - i > PRINT_REPEATS:
                parts.append("%s <repeats %d times>" % (items[i], j - i))
            else:
                parts.extend(items[i:j])
            i = j
        if node.count > PRINT_ELEMENTS:
            parts[-1] += "..."
        return "{" + ", ".join(parts) + "}"
    if node.kind == "struct":
        return "{" + ", ".join("%s = %s" % (name, _render(child, values, fmt))
                               for name, _off, child in node.members) + "}"
    return "{...}"


class Typed:
    """An object in the dump: its address and the Node of its type."""

    def __init__(self, address, node):
        self.address = address
        self.node = node
        self.fields = _leaves(node, 0, [])

    def show(self, row, fmt=None):
        if row is None:
            return "<error: Cannot access memory at address 0x%x>" % self.address
        return _render(self.node, iter(row), fmt)


# --- The kernel: symbols, struct members, the dump thread. ------------------

_PATH = re.compile(r"\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(0[xX][0-9a-fA-F]+|\d+)\s*\])")
_NAME = re.compile(r"\s*([A-Za-z_]\w*)")


class Kernel:
    """The ELF handle and what the commands ask of the kernel's debug info."""

    def __init__(self, kd):
        self.kd = kd
        self._members = {}

    def members(self, tag):
        """[(name, offset, size, kind, elem_kind, elem_size, tag)] of struct
        tag, or None when the debug info has no such struct."""
        if tag not in self._members:
            try:
                self._members[tag] = self.kd.struct_members(tag)
            except _kvm.KvmError:
                self._members[tag] = None
        return self._members[tag]

    def member(self, tag, name):
        for m in self.members(tag) or ():
            if m[0] == name:
                return m
        return None

    def field(self, tag, name):
        """(offset, size, kind) of a scalar member for read_fields, or None."""
        m = self.member(tag, name)
        if m is None:
            return None
        if m[3] == "array" and m[4] in ("int", "uint") and m[5] == 1:
            return (m[1], m[2], "s")
        return (m[1], m[2], "i" if m[3] == "int" else "u")

    def read(self, addrs, tag, names):
        """[{name: value}] of the members names of the struct tag at each of
        addrs (a member the struct lacks is left out); None where the memory
        cannot be read."""
        present = [(n, self.field(tag, n)) for n in names]
        present = [(n, f) for n, f in present if f is not None]
        rows = self.kd.read_fields(addrs, [f for _n, f in present])
        return [None if row is None else dict(zip([n for n, _f in present], row))
                for row in rows]

    def symbol(self, name):
        """The address of a kernel symbol, or None."""
        try:
            return self.kd.lookup(name)
        except _kvm.KvmError:
            return None

    def global_int(self, name):
        """The value of an integer or pointer global, or None."""
        addr = self.symbol(name)
        if addr is None:
            return None
        try:
            desc = self.kd.variable_type(name)
        except _kvm.KvmError:
            return None
        kind = "i" if desc[3] == "int" else "u"
        row = self.kd.read_fields([addr], [(0, desc[2], kind)])[0]
        return None if row is None else row[0]

    def variable(self, name):
        """(symbol, address, desc) of a global: name, or the VNET variable
        name or V_name (vnet_entry_name)."""
        base = name[2:] if name.startswith("V_") else name
        for cand in (name, VNET_PREFIX + base):
            addr = self.symbol(cand)
            if addr is None:
                continue
            try:
                return cand, addr, self.kd.variable_type(cand)
            except _kvm.KvmError:
                raise CliError("\"%s\" has no debug info: its type is unknown"
                               % cand) from None
        raise CliError("No symbol \"%s\" in the kernel." % name)

    def path(self, text, desc):
        """The offset and desc of a member path (.a[2].b) in a value of desc."""
        offset = 0
        pos = 0
        while pos < len(text):
            m = _PATH.match(text, pos)
            if m is None:
                raise CliError("invalid member path \"%s\": expected .member "
                               "or [index] at \"%s\"" % (text, text[pos:]))
            pos = m.end()
            if m.group(1) is not None:
                tag = desc[6] if desc[3] == "struct" else None
                member = self.member(tag, m.group(1)) if tag else None
                if member is None:
                    raise CliError("There is no member named %s." % m.group(1))
                offset += member[1]
                desc = member
            else:
                index = int(m.group(2), 0)
                if desc[3] != "array" or not desc[5]:
                    raise CliError("cannot subscript something that is not "
                                   "an array")
                count = desc[2] // desc[5]
                if index >= count:
                    raise CliError("index %d is out of the bounds of the array "
                                   "(0 to %d)" % (index, count - 1))
                offset += index * desc[5]
                desc = (None, 0, desc[5], desc[4], None, 0, desc[6])
        return offset, desc

    def expression(self, text):
        """(symbol, template address, desc) of SYMBOL followed by .member and
        [index]s: the address of the object it names, before any per-CPU or
        per-vnet relocation."""
        m = _NAME.match(text)
        if m is None:
            raise CliError("invalid expression \"%s\": a symbol, then .member "
                           "and [index]" % text.strip())
        symbol, addr, desc = self.variable(m.group(1))
        offset, desc = self.path(text[m.end():].rstrip(), desc)
        return symbol, addr + offset, desc

    def typed(self, address, desc):
        return Typed(address, _node(self, desc[3], desc[2], desc[4], desc[5],
                                    desc[6]))

    # The thread kgdb selects on a dump: the one that called doadump().
    def dump_thread(self):
        """The struct thread address of the dumping thread, the present CPU
        running it, and that CPU (td_oncpu), or None."""
        tid = self.global_int("dumptid")
        if not tid:
            return None
        present = self.kd.cpus()
        pcs = self.read([self.kd.pcpu_addr(c) for c in present], "pcpu",
                        ["pc_curthread"])
        tds = [pc["pc_curthread"] if pc else 0 for pc in pcs]
        for cpu, td, info in zip(present, tds, self.read(tds, "thread",
                                                         ["td_tid", "td_oncpu"])):
            if info is not None and info["td_tid"] == tid:
                oncpu = info.get("td_oncpu", cpu)
                return td, (oncpu if oncpu in present else cpu)
        return None

    def default_cpu(self):
        found = self.dump_thread()
        if found is None:
            raise CliError("no default CPU: the dump does not record the "
                           "thread that wrote it (dumptid); name a CPU")
        return found[1]

    def cpus(self, text):
        """The CPUs of a CPU argument (cpus.py's grammar; ends are numbers)."""
        try:
            return cpus.expand(cpus.split(text), cpus.int_value, self.kd.cpus,
                               lambda cpu: cpus.check(self.kd, cpu),
                               self.default_cpu)
        except cpus.CpuSyntaxError as err:
            raise CliError(str(err)) from None

    def cpu(self, text):
        """One CPU (-1: the default CPU)."""
        if not _is_one(text):
            raise CliError("invalid CPU '%s': one CPU is needed here, not a "
                           "list" % text.strip())
        return self.cpus(text)[0]


def _split_format(words):
    """A leading /FMT of words: (format letter or None, the other words)."""
    if words and words[0].startswith("/"):
        letters = words[0][1:]
        if len(letters) != 1 or letters not in INTEGER_FORMATS:
            raise CliError("Undefined output format \"%s\"." % letters)
        return letters, words[1:]
    return None, words


def _fmt_p(value):
    """A pointer as the kernel's %p prints it: 0, or 0x and hex."""
    return "0x%x" % value if value else "0"


# --- pcpu: ddb's show pcpu and show allpcpu (docs/FREEBSD.md). --------------

# db_show_mdpcpu()'s lines, (label, member, printf conversion), per
# architecture from an osreldate on: the same table as the GDB command's
# (cmd_pcpu.py), for the same output.
P, LX, X0, X, U, D = "%p", "0x%lx", "0x%x", "%x", "%u", "%d"
_AMD64_11 = (("curpmap", "pc_curpmap", P), ("tssp", "pc_tssp", P),
             ("commontssp", "pc_commontssp", P), ("rsp0", "pc_rsp0", LX),
             ("gs32p", "pc_gs32p", P), ("ldt", "pc_ldt", P),
             ("tss", "pc_tss", P), ("tlb gen", "pc_smp_tlb_done", U))
_AMD64_12_2 = (_AMD64_11[:4] + (("kcr3", "pc_kcr3", LX), ("ucr3", "pc_ucr3", LX),
                                ("scr3", "pc_saved_ucr3", LX))
               + _AMD64_11[4:])
_AMD64_13 = ((("self", "pc_prvspace", P),) + _AMD64_12_2[:2]
             + _AMD64_12_2[3:-1])
MD_LINES = {
    "amd64": ((0, _AMD64_11), (1200000, _AMD64_11[:-1]),
              (1202000, _AMD64_12_2), (1300000, _AMD64_13)),
    "i386": ((0, (("APIC ID", "pc_apic_id", D),
                  ("currentldt", "pc_currentldt", X0),
                  ("trampstk", "pc_trampstk", X0), ("kesp0", "pc_kesp0", X0),
                  ("common_tssp", "pc_common_tssp", X0),
                  ("tlb gen", "pc_smp_tlb_done", U))),),
    "arm64": ((0, ()),),
    "riscv": ((0, ()), (1200000, (("curpmap", "pc_curpmap", P),
                                  ("pending_ipis", "pc_pending_ipis", X),
                                  ("hart", "pc_hart", U)))),
}
ARCHES = (("amd64", ("pc_rsp0", "pc_tssp")), ("i386", ("pc_currentldt",)),
          ("arm64", ("pc_midr",)), ("riscv", ("pc_hart",)))
PCPU_MI = ("pc_cpuid", "pc_dynamic", "pc_curthread", "pc_curpcb",
           "pc_fpcurthread", "pc_idlethread")
THREAD_PTRS = ("pc_curthread", "pc_fpcurthread", "pc_idlethread")


def _label(name):
    return "%-13s= " % name


def _c_format(conv, value):
    """value as the kernel's printf prints it with conversion conv."""
    if conv == P:
        return _fmt_p(value)
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


class Snapshot:
    """The struct pcpu, threads and processes of some CPUs, read in three
    calls of the core, and ddb's lines made of them."""

    def __init__(self, kern, cpu_ids):
        self.kern = kern
        kd = kern.kd
        osrel = kern.global_int("osreldate")
        names = {m[0] for m in kern.members("pcpu") or ()}
        arch = next((a for a, sig in ARCHES if set(sig) <= names), None)
        eras = MD_LINES.get(arch, ((0, ()),))
        lines = eras[-1][1]
        if osrel is not None:
            for since, table in eras:
                if osrel >= since:
                    lines = table
        self.md = [l for l in lines if l[1] in names]
        self.form = ("pid" if osrel is not None and osrel < 1200000 else
                     "tid" if osrel is not None and osrel < 1300000 else
                     "critnest")
        self.vimage = kern.symbol("vnet0") is not None
        self.addr = {cpu: kd.pcpu_addr(cpu) for cpu in cpu_ids}
        self.pcs = self._read(list(self.addr.values()), "pcpu",
                              PCPU_MI + tuple(m for _l, m, _c in self.md))
        self.threads = self._read([pc[m] for pc in self.pcs.values() if pc
                                   for m in THREAD_PTRS if m in pc], "thread",
                                  ("td_tid", "td_name", "td_proc",
                                   "td_critnest", "td_vnet"))
        self.procs = self._read([td.get("td_proc") for td in
                                 self.threads.values() if td], "proc",
                                ("p_pid",))

    def _read(self, addrs, tag, names):
        addrs = [a for a in dict.fromkeys(addrs) if a]
        return dict(zip(addrs, self.kern.read(addrs, tag, names)))

    def pcpu(self, cpu):
        addr = self.addr[cpu]
        if addr is None:
            raise _kvm.CpuAbsentError("CPU %d not found" % cpu)
        pc = self.pcs.get(addr)
        if pc is None:
            self.kern.kd.getpcpu(cpu)       # the core's FaultError names it
            raise _kvm.KvmError("cannot read struct pcpu of CPU %d" % cpu)
        return pc

    def thread(self, addr):
        td = self.threads.get(addr)
        if td is None:
            raise _kvm.KvmError("cannot read struct thread at %s" % _fmt_p(addr))
        row = self.procs.get(td.get("td_proc", 0))
        return td, (row or {}).get("p_pid")

    def thread_text(self, addr, form):
        if not addr:
            return "none"
        try:
            td, pid = self.thread(addr)
        except _kvm.KvmError as err:
            return "%s: <error: %s>" % (_fmt_p(addr), err)
        name = td.get("td_name", "")
        tid = _c_format(D, td.get("td_tid", 0))
        if form == "idle":
            return '%s: tid %s "%s"' % (_fmt_p(addr), tid, name)
        if pid is None:
            return "%s: <error: cannot read struct proc at %s>" % (
                _fmt_p(addr), _fmt_p(td.get("td_proc", 0)))
        pid = _c_format(D, pid)
        if form in ("fpu", "pid"):
            return '%s: pid %s "%s"' % (_fmt_p(addr), pid, name)
        if form == "tid":
            return '%s: pid %s tid %s "%s"' % (_fmt_p(addr), pid, tid, name)
        return '%s: pid %s tid %s critnest %s "%s"' % (
            _fmt_p(addr), pid, tid, _c_format(D, td.get("td_critnest", 0)),
            name)

    def lines(self, cpu):
        pc = self.pcpu(cpu)
        out = []
        if "pc_cpuid" in pc:
            out.append(_label("cpuid") + _c_format(D, pc["pc_cpuid"]))
        if "pc_dynamic" in pc:
            out.append(_label("dynamic pcpu") + _fmt_p(pc["pc_dynamic"]))
        cur = pc.get("pc_curthread", 0)
        out.append(_label("curthread") + self.thread_text(cur, self.form))
        if "pc_curpcb" in pc:
            out.append(_label("curpcb") + _fmt_p(pc["pc_curpcb"]))
        if "pc_fpcurthread" in pc:
            out.append(_label("fpcurthread")
                       + self.thread_text(pc["pc_fpcurthread"], "fpu"))
        if "pc_idlethread" in pc:
            out.append(_label("idlethread")
                       + self.thread_text(pc["pc_idlethread"], "idle"))
        for name, member, conv in self.md:
            out.append(_label(name) + _c_format(conv, pc[member]))
        if self.vimage:
            try:
                vnet = self.thread(cur)[0].get("td_vnet", 0) if cur else 0
                out.append(_label("curvnet") + _fmt_p(vnet))
            except _kvm.KvmError as err:
                out.append(_label("curvnet") + "<error: %s>" % err)
        return out

    def block(self, cpu):
        try:
            return "\n".join(self.lines(cpu))
        except _kvm.KvmError as err:
            return " ".join(str(err).split())


CHUNK = 256


def _snapshots(kern, cpu_ids):
    for start in range(0, len(cpu_ids), CHUNK):
        part = cpu_ids[start:start + CHUNK]
        snap = Snapshot(kern, part)
        for cpu in part:
            yield cpu, snap


def _is_one(text):
    items = cpus.split(text)
    return len(items) == 1 and items[0][0] == "one"


def cmd_pcpu(kern, opts):
    text = " ".join(opts.cpus).strip()
    if opts.json and not opts.l:
        raise UsageError("-json needs -l (pcpu -l -json [CPUS])")
    if opts.r and (opts.l or opts.json):
        raise UsageError("-r cannot be combined with -l")
    if opts.l:
        doc = _cpu_table(kern, kern.cpus(text) if text else kern.kd.cpus())
        yield json.dumps(doc) if opts.json else _table_text(doc)
        return
    if not text or _is_one(text):
        cpu = kern.cpu(text) if text else kern.default_cpu()
        cpus.require_present(kern.kd, cpu)
        if opts.r:
            yield _pcpu_raw(kern, cpu)
        else:
            yield from Snapshot(kern, [cpu]).lines(cpu)
        return
    if opts.r:
        for cpu in kern.cpus(text):
            try:
                cpus.require_present(kern.kd, cpu)
                yield "cpu %d: %s" % (cpu, _pcpu_raw(kern, cpu))
            except _kvm.KvmError as err:
                yield "cpu %d: %s" % (cpu, err)
        return
    if cpus.is_all(text):
        try:
            yield "Current CPU: %d" % kern.default_cpu()
        except CliError as err:
            yield "Current CPU: none (%s)" % err
        yield ""
    for cpu, snap in _snapshots(kern, kern.cpus(text)):
        yield snap.block(cpu)
        yield ""


def _pcpu_raw(kern, cpu):
    """The whole struct pcpu of a present CPU, as print shows it."""
    addr = kern.kd.pcpu_addr(cpu)
    obj = kern.typed(addr, (None, 0, 0, "struct", None, 0, "pcpu"))
    return obj.show(kern.kd.read_fields([addr], obj.fields)[0])


def _cpu_table(kern, cpu_ids):
    """pcpu -l: the header facts and one row per CPU (a JSON-ready dict)."""
    kd = kern.kd
    present = list(kd.cpus())
    wanted = set(cpu_ids)
    dumptid = kern.global_int("dumptid")
    dump_cpu = None
    rows = []
    ids = cpu_ids if not dumptid else \
        cpu_ids + [c for c in present if c not in wanted]
    for cpu, snap in _snapshots(kern, ids):
        row = _table_row(snap, cpu)
        if dumptid and dump_cpu is None and row.get("tid") == dumptid:
            dump_cpu = cpu
        if cpu in wanted:
            rows.append(row)
    return {"present": present, "present_list": cpus.format_list(present),
            "mp_ncpus": kd.getncpus(), "mp_maxid": kd.getmaxid(),
            "mp_maxcpus": kd.getmaxcpu(), "dumptid": dumptid,
            "dump_cpu": dump_cpu, "cpus": rows}


def _table_row(snap, cpu):
    try:
        pc = snap.pcpu(cpu)
    except _kvm.KvmError as err:
        return {"cpu": cpu, "error": " ".join(str(err).split())}
    cur = pc.get("pc_curthread", 0)
    row = {"cpu": cpu, "curthread": _fmt_p(cur) if cur else None,
           "tid": None, "pid": None, "critnest": None, "name": None,
           "idle": bool(cur) and cur == pc.get("pc_idlethread")}
    if not cur:
        return row
    try:
        td, pid = snap.thread(cur)
    except _kvm.KvmError as err:
        row["error"] = " ".join(str(err).split())
        return row
    row.update(tid=td.get("td_tid"), pid=pid, critnest=td.get("td_critnest"),
               name=td.get("td_name"))
    return row


def _cell(value, width):
    return ("%*s" % (width, "-")) if value is None else "%*d" % (width, value)


def _table_text(doc):
    out = ["CPUs %s (mp_ncpus %d, mp_maxid %d, mp_maxcpus %d)"
           % (doc["present_list"] or "none", doc["mp_ncpus"], doc["mp_maxid"],
              doc["mp_maxcpus"])]
    if doc["dumptid"]:
        out.append("dumping thread: tid %d %s" % (
            doc["dumptid"], "on CPU %d" % doc["dump_cpu"]
            if doc["dump_cpu"] is not None else "on no CPU"))
    elif doc["dumptid"] is not None:
        out.append("dumping thread: none (dumptid is 0)")
    width = max([3] + [len(str(r["cpu"])) for r in doc["cpus"]])
    out.append("%*s  %7s %6s %4s %-4s %s" % (width, "CPU", "TID", "PID",
                                              "CRIT", "IDLE", "NAME"))
    for r in doc["cpus"]:
        cpu = "%*d" % (width, r["cpu"])
        if r.get("curthread") is None and "error" in r:
            out.append("%s  %s" % (cpu, r["error"]))
        elif r["curthread"] is None:
            out.append("%s  %7s %6s %4s %-4s %s" % (cpu, "-", "-", "-", "no",
                                                    "none"))
        elif "error" in r:
            out.append("%s  %s: <error: %s>" % (cpu, r["curthread"],
                                                r["error"]))
        else:
            out.append("%s  %s %s %s %-4s %s" % (
                cpu, _cell(r["tid"], 7), _cell(r["pid"], 6),
                _cell(r["critnest"], 4), "yes" if r["idle"] else "no",
                r["name"]))
    return "\n".join(out)


# --- dpcpu-print, dpcpu-off. ------------------------------------------------

def _dpcpu_variable(kern, text):
    """(symbol, template address, offset of the path, desc of the path) of
    NAME[.PATH]: NAME is foo or pcpu_entry_foo."""
    m = _NAME.match(text)
    if m is None:
        raise CliError("invalid DPCPU variable \"%s\"" % text)
    name = m.group(1)
    for cand in ([name] if name.startswith(DPCPU_PREFIX)
                 else [DPCPU_PREFIX + name, name]):
        addr = kern.symbol(cand)
        if addr is not None:
            break
    else:
        raise CliError("No symbol \"%s\" or \"%s\"." % (DPCPU_PREFIX + name, name)
                       if not name.startswith(DPCPU_PREFIX)
                       else "No symbol \"%s\"." % name)
    try:
        desc = kern.kd.variable_type(cand)
    except _kvm.KvmError:
        raise CliError("\"%s\" has no debug info: its type is unknown"
                       % cand) from None
    offset, desc = kern.path(text[m.end():].strip(), desc)
    return cand, addr, offset, desc


def cmd_dpcpu_print(kern, opts):
    letter, words = _split_format(opts.words)
    if not words:
        raise UsageError("NAME is required")
    if len(words) > 2:
        raise UsageError("NAME[.PATH] and one CPU list are expected, not %s: "
                         "quote a list with spaces" % " ".join(words[1:]))
    symbol, addr, offset, desc = _dpcpu_variable(kern, words[0])
    path = words[0][len(_NAME.match(words[0]).group(0)):].strip()
    kd = kern.kd
    ids = kern.cpus(" ".join(words[1:])) if len(words) > 1 else kd.cpus()
    obj = kern.typed(addr + offset, desc)
    integer = obj.node.kind in ("int", "uint")
    if opts.s and not integer:
        raise CliError("dpcpu-print -s: %s%s is not an integer" % (symbol, path))
    present = [c for c in ids if kd.pcpu_addr(c) is not None]
    if len(ids) == 1 and not present:
        raise _kvm.CpuAbsentError("CPU %d not found" % ids[0])
    fields = [(offset + off, size, kind) for off, size, kind in obj.fields]
    rows = dict(zip(present, kd.dpcpu_fields(addr, present, fields)))
    values = {c: rows[c][0] for c in present if integer and rows[c] is not None}

    def failure(cpu):
        """Why CPU cpu has no value: absent, or its copy unreadable."""
        if cpu not in rows:
            return "CPU %d not found" % cpu
        return "cannot read CPU %d's copy of %s (%d bytes at 0x%x)" % (
            cpu, symbol, desc[2], kd.dpcpu_addr(addr, cpu) + offset)

    if opts.json:
        doc = {"variable": symbol, "path": path, "cpus": []}
        for cpu in ids:
            if rows.get(cpu) is None:
                doc["cpus"].append({"cpu": cpu, "error": failure(cpu)})
            else:
                doc["cpus"].append({"cpu": cpu, "value": values[cpu] if integer
                                    else obj.show(rows[cpu], letter)})
        if opts.s:
            doc.update(_stats_json(values))
        yield json.dumps(doc)
        return
    for cpu in ids:
        if cpu not in rows:
            yield failure(cpu)
        elif rows[cpu] is None:
            yield "cpu %d: <error: %s>" % (cpu, failure(cpu))
        else:
            yield "cpu %d: %s" % (cpu, obj.show(rows[cpu], letter))
    if opts.s:
        yield from _stats_lines(values, obj.node, letter)


def _stats_json(values):
    doc = {"total": sum(values.values())}
    if values:
        low = min(values, key=lambda c: (values[c], c))
        high = max(values, key=lambda c: (values[c], -c))
        doc["min"] = {"cpu": low, "value": values[low]}
        doc["max"] = {"cpu": high, "value": values[high]}
    return doc


def _stats_lines(values, node, letter):
    doc = _stats_json(values)
    total = doc["total"]
    yield "total: %s" % _integer(total, 16, total < 0, letter)
    if values:
        for key in ("min", "max"):
            yield "%s: %s (cpu %d)" % (key, _integer(
                doc[key]["value"], node.size, node.kind == "int", letter),
                doc[key]["cpu"])


def cmd_dpcpu_off(kern, opts):
    kd = kern.kd
    start, _stop = kd.dpcpu_bounds()
    mask = (1 << (8 * kd.pointer_size)) - 1
    for cpu in kd.cpus():
        try:
            off = kd.dpcpu_off(cpu)
        except _kvm.CpuAbsentError:
            off = 0
        yield "dpcpu_off[%2d] = 0x%x (+ DPCPU_START = %s)" % (
            cpu, off, _fmt_p((off + start) & mask))


# --- VNET: the network stacks of a VIMAGE kernel. ---------------------------

class Vnets:
    """vnet0, vnet_head and the jails of allprison (docs/FREEBSD.md)."""

    def __init__(self, kern):
        self.kern = kern
        self.vimage = kern.symbol("vnet0") is not None

    def _list(self, head, tag, link):
        """The elements of the sys/queue.h list whose head is the global
        head: its first pointer, then each element's link (the entry's
        first pointer is its next)."""
        addr = self.kern.symbol(head)
        member = self.kern.member(tag, link)
        if addr is None or member is None:
            return []
        first = self.kern.kd.read_pointers(addr, 1)[0]
        return self.kern.kd.walk_list(first, member[1])

    def jails(self):
        """[(name, pr_vnet)] of allprison, in list order."""
        prisons = self._list("allprison", "prison", "pr_list")
        rows = self.kern.read(prisons, "prison", ["pr_name", "pr_vnet"])
        return [(r["pr_name"], r.get("pr_vnet", 0)) for r in rows if r]

    def base(self):
        return self.kern.global_int("vnet0")

    def stacks(self):
        """[(address, vnet_data_base, names)]: vnet0 first, then vnet_head
        oldest first (vnet_alloc inserts at its head)."""
        base = self.base()
        addrs = [a for a in reversed(self._list("vnet_head", "vnet", "vnet_le"))
                 if a != base]
        addrs.insert(0, base)
        users = {}
        for name, vnet in self.jails():
            users.setdefault(vnet, []).append(name)
        rows = self.kern.read(addrs, "vnet", ["vnet_data_base"])
        return [(a, (r or {}).get("vnet_data_base"),
                 (["vnet0"] if a == base else []) + users.get(a, []))
                for a, r in zip(addrs, rows)]

    def data_base(self, addr):
        """vnet_data_base of the struct vnet at addr, after its magic."""
        with_shutdown = self.kern.member("vnet", "vnet_shutdown") is not None
        magic = 0x5e4a6f28 if with_shutdown else 0x3e0d8f29
        row = self.kern.read([addr], "vnet", ["vnet_magic_n",
                                              "vnet_data_base"])[0]
        if not addr or row is None:
            raise CliError("0x%x is not a struct vnet: cannot read memory "
                           "there" % addr)
        if row.get("vnet_magic_n", magic) != magic:
            raise CliError("0x%x is not a struct vnet (vnet_magic_n is 0x%x, "
                           "not 0x%x)" % (addr, row["vnet_magic_n"], magic))
        return row["vnet_data_base"]

    def resolve(self, text):
        """The vnet_data_base of vnet0 (or prison0's name, "0"), a jail's
        name or an address."""
        prison0 = self.kern.read([self.kern.symbol("prison0") or 0], "prison",
                                 ["pr_name"])[0]
        if text == "vnet0" or (prison0 and text == prison0.get("pr_name")):
            return self.data_base(self.base())
        known = self.jails()
        for name, vnet in known:
            if name == text:
                if not vnet:
                    raise CliError("jail \"%s\" has no vnet" % text)
                return self.data_base(vnet)
        if re.match(r"(0[xX][0-9a-fA-F]+|\d+)\Z", text):
            return self.data_base(int(text, 0))
        raise CliError("No jail named \"%s\" (vnets: %s, or a struct vnet "
                       "address)" % (text, ", ".join(
                           ["vnet0"] + [n for n, _v in known])))

    def default(self):
        """The dumping thread's td_vnet, else vnet0."""
        found = self.kern.dump_thread()
        if found is not None:
            row = self.kern.read([found[0]], "thread", ["td_vnet"])[0]
            if row and row.get("td_vnet"):
                return self.data_base(row["td_vnet"])
        return self.data_base(self.base())


def cmd_vnet_list(kern, opts):
    vnets = Vnets(kern)
    if not vnets.vimage:
        raise CliError("this kernel is not built with options VIMAGE (no "
                       "vnet0): its network stack variables are plain globals")
    for addr, data_base, names in vnets.stacks():
        yield "%s vnet_data_base %s %s" % (
            _fmt_p(addr), "?" if data_base is None else _fmt_p(data_base),
            ",".join(names) if names else "-")


# --- counter-fetch: counter(9) sums, netstat -s and vmstat -s. --------------

class Counters:
    """The counters EXPR names: labels and stored values (bases), and the
    struct view's other members."""

    def __init__(self, expr, kind, labels, bases, others=()):
        self.expr = expr
        self.kind = kind                # "one", "array" or "struct"
        self.labels = labels
        self.bases = bases
        self.others = list(others)      # [(member, text)]

    def name(self, index):
        label = self.labels[index]
        if self.kind == "one":
            return label
        return self.expr + (label if label.startswith("[") else "." + label)


def _stats_labels(kern, tag, prefix, base, out):
    """(label, 64-bit word index) of each 64-bit member of struct tag."""
    for m in kern.members(tag) or ():
        name, off = prefix + (m[0] or ""), base + m[1]
        if m[3] == "struct" and m[6] is not None:
            _stats_labels(kern, m[6], name + "." if m[0] else prefix, off, out)
        elif m[3] == "array" and m[4] in ("int", "uint") and m[5] == 8 \
                and off % 8 == 0:
            out.extend(("%s[%d]" % (name, i), off // 8 + i)
                       for i in range(m[2] // 8))
        elif m[3] in ("int", "uint") and m[2] == 8 and off % 8 == 0:
            out.append((name, off // 8))
        else:
            raise CliError("field %s of struct %s is not a 64-bit counter"
                           % (name, tag))
    return out


def _counters(kern, expr, stats, vnet):
    """The Counters of EXPR (stats: -t TYPE, vnet: -V VNET)."""
    kd = kern.kd
    if re.match(r"(0[xX][0-9a-fA-F]+|\d+)\Z", expr) and stats is None:
        return Counters(expr, "one", [expr], [int(expr, 0)])
    symbol, addr, desc = kern.expression(expr)
    vnets = Vnets(kern)
    if symbol.startswith(VNET_PREFIX) and vnets.vimage:
        base = vnets.resolve(vnet) if vnet is not None else vnets.default()
        addr = kd.vnet_addr(addr, base)
    elif vnet is not None and vnets.vimage:
        raise CliError("-V: %s is not a VNET variable" % expr)
    psize = kd.pointer_size
    counter = desc[3] == "pointer" and desc[2] == psize
    array = desc[3] == "array" and desc[4] == "pointer" and desc[5] == psize
    if stats is not None:
        tag = stats[len("struct "):].strip() if stats.startswith("struct ") \
            else stats
        if kern.members(tag) is None:
            raise CliError("No struct type named %s." % tag)
        labels = _stats_labels(kern, tag, "", 0, [])
        count = max([i for _l, i in labels] or [-1]) + 1
        if not array:
            raise CliError("%s is not an array of counter_u64_t" % expr)
        if desc[2] // psize < count:
            raise CliError("%s has %d counters, %s needs %d"
                           % (expr, desc[2] // psize, stats, count))
        bases = kd.read_pointers(addr, count)
        return Counters(expr, "array", [l for l, _i in labels],
                        [bases[i] for _l, i in labels])
    if counter:
        return Counters(expr, "one", [expr], kd.read_pointers(addr, 1))
    if array:
        count = desc[2] // psize
        return Counters(expr, "array", ["[%d]" % i for i in range(count)],
                        kd.read_pointers(addr, count))
    if desc[3] == "struct" and desc[6] is not None:
        return _struct_counters(kern, expr, addr, desc[6])
    raise CliError("%s is not a counter_u64_t, an array of them or a struct "
                   "with counter_u64_t members" % expr)


def _struct_counters(kern, expr, addr, tag):
    """The vmstat -s view: each pointer member is a counter_u64_t (the ELF
    target's types do not say what a pointer points to; struct vmmeter's
    pointers are all counters), the others shown as they are."""
    psize = kern.kd.pointer_size
    labels, offsets, others = [], [], []
    for m in kern.members(tag) or ():
        if m[0] is None:
            continue
        if m[3] == "pointer" and m[2] == psize:
            labels.append(m[0])
            offsets.append(m[1])
        elif m[3] == "array" and m[4] == "pointer" and m[5] == psize:
            labels.extend("%s[%d]" % (m[0], i) for i in range(m[2] // psize))
            offsets.extend(m[1] + i * psize for i in range(m[2] // psize))
        else:
            obj = kern.typed(addr + m[1], m)
            row = kern.kd.read_fields([obj.address], obj.fields)[0]
            others.append((m[0], obj.show(row)))
    if not labels:
        raise CliError("%s is not a counter_u64_t and has no counter_u64_t "
                       "member" % expr)
    row = kern.kd.read_fields([addr], [(o, psize, "u") for o in offsets])[0]
    if row is None:
        raise CliError("Cannot access memory at address 0x%x" % addr)
    return Counters(expr, "struct", labels, list(row), others)


def _signed(value):
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >> 63 else value


def _share(value, total):
    return "-" if total == 0 else "%.1f%%" % (100.0 * value / total)


def _bar(value, largest, width):
    if width <= 0 or largest <= 0 or value == 0:
        return ""
    return ("#" if value > 0 else "-") * max(1, round(width * abs(value) /
                                                       largest))


def cmd_counter_fetch(kern, opts):
    letter, words = _split_format(opts.words)
    stats = opts.t
    if stats in ("struct", "union") and len(words) > 1:
        stats, words = "%s %s" % (stats, words[0]), words[1:]
    if len(words) != 1:
        raise UsageError("one EXPR is needed, not %d words: quote an EXPR "
                         "with spaces" % len(words))
    if opts.top is not None and opts.top < 1:
        raise UsageError("-top needs a positive count, not %d" % opts.top)
    kd = kern.kd
    found = _counters(kern, words[0], stats, opts.V)
    shown = None
    if opts.c is not None:
        shown = [cpus.require_present(kd, c) for c in kern.cpus(opts.c)]
    elif opts.v or opts.sort or opts.top is not None:
        shown = kd.cpus()
    try:
        if opts.partial:
            totals, missing = kd.counter_u64_fetch_partial(found.bases)
        elif found.kind == "one":
            totals, missing = [kd.counter_u64_fetch(found.bases[0])], []
        else:
            totals, missing = kd.counter_u64_fetch_array(found.bases), []
    except _kvm.NullCounterError as err:
        index = next((i for i, b in enumerate(found.bases) if b == 0), 0)
        raise CliError("%s: %s" % (found.name(index), err)) from None

    def slots(index):
        readable = [c for c in shown if c not in missing]
        try:
            got = dict(kd.counter_u64_slots(found.bases[index], readable))
        except _kvm.NullCounterError as err:
            raise CliError("%s: %s" % (found.name(index), err)) from None
        rows = [(c, _signed(got[c]) if c in got else None) for c in shown]
        if opts.sort or opts.top is not None:
            rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0)))
        return rows[:opts.top] if opts.top is not None else rows

    if opts.json:
        items = []
        for i, label in enumerate(found.labels):
            item = {"name": label, "sum": totals[i]}
            if shown is not None:
                total = _signed(totals[i])
                item["cpus"] = [{"cpu": c, "value": v,
                                 "share": (round(100.0 * v / total, 3)
                                           if v is not None and total else None)}
                                for c, v in slots(i)]
            items.append(item)
        doc = {"expression": found.expr, "counters": items,
               "partial": bool(opts.partial), "missing_cpus": missing}
        if opts.V is not None:
            doc["vnet"] = opts.V
        if found.kind == "struct":
            doc["members"] = [{"name": n, "value": t} for n, t in found.others]
        yield json.dumps(doc)
        return
    if missing:
        yield "partial: CPU%s %s left out (unreadable)" % (
            "s" if len(missing) > 1 else "", cpus.format_list(missing))
    for i, label in enumerate(found.labels):
        indent = "" if found.kind == "one" else "  "
        if found.kind != "one":
            yield "%s = %s" % (label, _integer(totals[i], 8, False, letter))
        if shown is not None:
            rows = slots(i)
            texts = [_integer(v, 8, True, letter) if v is not None
                     else "unreadable" for _c, v in rows]
            width = max([len(t) for t in texts] or [1])
            cpu_width = max([len(str(c)) for c, _v in rows] or [1])
            largest = max([abs(v) for _c, v in rows if v is not None] or [0])
            for (cpu, value), text in zip(rows, texts):
                line = "%scpu %*d: %*s" % (indent, cpu_width, cpu, width, text)
                if value is not None:
                    line += " %6s %s" % (_share(value, _signed(totals[i])),
                                         _bar(value, largest, opts.bar_width))
                yield line.rstrip()
        if found.kind == "one":
            yield _integer(totals[i], 8, False, letter)
    for name, text in found.others:
        yield "%s = %s" % (name, text)


# --- Commands of the command line only. -------------------------------------

def cmd_maxcpu(kern, opts):
    yield str(kern.kd.getmaxcpu())


def cmd_ncpus(kern, opts):
    yield str(kern.kd.getncpus())


def cmd_cpus(kern, opts):
    yield cpus.format_list(kern.kd.cpus())


# --- The command line. ------------------------------------------------------

def _parser(prog):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Per-CPU data of a FreeBSD kernel core file, without GDB: "
                    "the GDB commands of kgdb-pcpu(1), same names, same output.")
    p.add_argument("-N", dest="kernel", required=True, metavar="KERNEL",
                   help="the kernel ELF file, with debug info (kernel.debug)")
    p.add_argument("-M", dest="core", required=True, metavar="CORE",
                   help="the ELF core file")
    p.add_argument("--zpcpu-stride", type=int, default=0, metavar="BYTES",
                   help="distance between CPUs' UMA_ZONE_PCPU slots, for a "
                        "kernel nothing identifies")
    p.add_argument("--maxcpus", type=int, default=0, metavar="N",
                   help="use N instead of a garbage mp_maxcpus")
    p.add_argument("--bar-width", type=int, default=30, metavar="N",
                   help="width of counter-fetch -v bars (0: none)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("pcpu", help="ddb's show pcpu: pcpu [CPU], pcpu all, "
                       "pcpu CPUS, pcpu -r [CPUS], pcpu -l [-json] [CPUS]")
    c.add_argument("-r", action="store_true",
                   help="the whole struct pcpu, as print shows it")
    c.add_argument("-l", action="store_true",
                   help="the CPU table: each CPU's curthread")
    c.add_argument("-json", action="store_true", help="with -l: JSON")
    c.add_argument("cpus", nargs="*", metavar="CPUS")
    c.set_defaults(run=cmd_pcpu, parser=c)

    c = sub.add_parser("dpcpu-print", aliases=["dpcpu"],
                       help="a DPCPU variable on each CPU: [/FMT] [-s] "
                       "[-json] NAME[.PATH] [CPUS]")
    c.add_argument("-s", action="store_true",
                   help="total, min and max of an integer")
    c.add_argument("-json", action="store_true", help="one JSON document")
    c.add_argument("words", nargs="+", metavar="ARG",
                   help="[/FMT] NAME[.PATH] [CPUS]")
    c.set_defaults(run=cmd_dpcpu_print, parser=c)

    c = sub.add_parser("dpcpu-off", help="ddb's show dpcpu_off")
    c.set_defaults(run=cmd_dpcpu_off, parser=c)

    c = sub.add_parser("counter-fetch", aliases=["counter"],
                       help="the sum of a counter(9) counter, an array of "
                       "them or a struct with them (vm_cnt)")
    c.add_argument("-v", action="store_true", help="each CPU's slot")
    c.add_argument("-c", metavar="CPUS", help="only these CPUs' slots")
    c.add_argument("-sort", action="store_true",
                   help="slots sorted by value, largest first")
    c.add_argument("-top", type=int, metavar="N", help="the N largest slots")
    c.add_argument("-t", metavar="TYPE",
                   help="name an array's counters by the members of TYPE "
                        "('struct tcpstat')")
    c.add_argument("-V", metavar="VNET",
                   help="the network stack: vnet0, a jail, an address")
    c.add_argument("-partial", action="store_true",
                   help="sum over the CPUs that can be read")
    c.add_argument("-json", action="store_true", help="one JSON document")
    c.add_argument("words", nargs="+", metavar="ARG", help="[/FMT] EXPR")
    c.set_defaults(run=cmd_counter_fetch, parser=c)

    c = sub.add_parser("vnet-list", help="the network stacks of a VIMAGE kernel")
    c.set_defaults(run=cmd_vnet_list, parser=c)
    for name, run, text in (("maxcpu", cmd_maxcpu, "mp_maxcpus (kvm_getmaxcpu)"),
                            ("ncpus", cmd_ncpus, "mp_ncpus (kvm_getncpus)"),
                            ("cpus", cmd_cpus, "the present CPUs, as a list")):
        c = sub.add_parser(name, help=text)
        c.set_defaults(run=run, parser=c)
    return p


def _write(lines):
    """Write lines to stdout as they come (a 1024-CPU pcpu all streams)."""
    out = sys.stdout
    for n, line in enumerate(lines, 1):
        out.write(line + "\n")
        if n % 256 == 0:
            out.flush()
    out.flush()


def main(argv=None, prog=PROG):
    opts = _parser(prog).parse_args(argv)
    name = os.path.basename(prog.split()[-1])
    options = {"zpcpu_stride": opts.zpcpu_stride}
    if opts.maxcpus:
        options["maxcpus"] = opts.maxcpus
    try:
        kd = _kvm.ElfKvm(opts.kernel, opts.core, **options)
        _write(opts.run(Kernel(kd), opts))
    except UsageError as err:
        opts.parser.error(str(err))
    except (CliError, _kvm.KvmError, cpus.CpuSyntaxError) as err:
        sys.stdout.flush()
        print("%s: %s" % (name, " ".join(str(err).split())), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (| head -1): say so once, and keep Python
        # from failing again on the final flush of stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("%s: standard output closed" % name, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("%s: interrupted" % name, file=sys.stderr)
        return 130
    return 0
