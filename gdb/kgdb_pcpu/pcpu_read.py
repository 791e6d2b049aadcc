"""The fields pcpu's summary needs, read as bytes and decoded here.

ddb's show pcpu needs a dozen fields of struct pcpu, four of each thread it
names (td_tid, td_name, td_critnest, td_proc), the pid of that thread's
process, and td_vnet and td_oncpu where the kernel has them.  A gdb.Value per
field per CPU costs GDB a lazy fetch and a conversion each; here:

- Layout takes the offsets, sizes and signedness of those fields from GDB's
  types once per handle (it is kept on the Target, which is rebuilt when the
  objfiles change);
- Reader, one per command, reads each CPU's fields with one read (the span
  of struct pcpu they occupy), each thread's with one read, each process's
  pid with one, and remembers the threads and processes it has read, since
  most CPUs' curthread is their idlethread and every idle thread has the
  same process.

A field that is not a plain integer or pointer, a name that is not ASCII, and
any memory that cannot be read make a method return None: the caller then
asks GDB through gdb.Value (cmd_pcpu.py), which says what went wrong in GDB's
own words, so the output is the same either way.
"""

import struct

import gdb

from . import target

# struct pcpu members the summary prints, besides the machine-dependent ones.
PCPU_FIELDS = ("pc_cpuid", "pc_dynamic", "pc_curthread", "pc_curpcb",
               "pc_fpcurthread", "pc_idlethread")
THREAD_FIELDS = ("td_tid", "td_critnest", "td_proc")
THREAD_OPTIONAL = ("td_vnet", "td_oncpu")


class Field:
    """An integer or pointer member: where it is, how wide, its sign."""

    __slots__ = ("offset", "size", "signed")

    def __init__(self, offset, size, signed):
        self.offset = offset
        self.size = size
        self.signed = signed


def _is_signed(gtype):
    if hasattr(gtype, "is_signed"):         # GDB 12
        return gtype.is_signed
    return int(gdb.Value(-1).cast(gtype)) < 0


def _members(gtype, base, out):
    """name -> (offset, gdb.Type or None for a bitfield); anonymous structs
    and unions flattened, the first of a name kept."""
    for field in gtype.fields():
        if not hasattr(field, "bitpos") or field.bitpos is None:
            continue
        off = base + field.bitpos // 8
        ftype = field.type
        if field.name:
            if field.name not in out:
                bitfield = field.bitsize or field.bitpos % 8
                out[field.name] = (off, None if bitfield else ftype)
        else:
            inner = ftype.strip_typedefs()
            if inner.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                _members(inner, off, out)
    return out


def _scalar(member):
    """The Field of a member that int(value) reads as a number, or None."""
    if member is None or member[1] is None:
        return None
    off, gtype = member
    t = gtype.strip_typedefs()
    if t.sizeof not in (1, 2, 4, 8):
        return None
    if t.code == gdb.TYPE_CODE_PTR:
        return Field(off, t.sizeof, False)
    if t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL):
        return Field(off, t.sizeof, _is_signed(t))
    return None


def _span(fields):
    return (min(f.offset for f in fields),
            max(f.offset + f.size for f in fields))


_CODES = {1: "b", 2: "h", 4: "i", 8: "q"}


class Decoder:
    """Decode named Fields from bytes that start at offset base: one
    struct.unpack_from for all of them (fields that overlap, as in a union,
    are decoded one by one)."""

    def __init__(self, fields, base, byteorder):
        self.names = []
        self.slow = []
        fmt = "<" if byteorder == "little" else ">"
        pos = base
        for name, f in sorted(fields.items(), key=lambda i: i[1].offset):
            if f.offset < pos:
                self.slow.append((name, f.offset - base, f.size, f.signed))
                continue
            code = _CODES[f.size]
            fmt += "%dx%s" % (f.offset - pos, code if f.signed else code.upper())
            pos = f.offset + f.size
            self.names.append(name)
        self.struct = struct.Struct(fmt)
        self.byteorder = byteorder

    def decode(self, data):
        out = dict(zip(self.names, self.struct.unpack_from(data)))
        for name, off, size, signed in self.slow:
            out[name] = int.from_bytes(data[off:off + size], self.byteorder,
                                       signed=signed)
        return out


class Layout:
    """Where pcpu's fields are, from GDB's types; ok is False when the fast
    path cannot serve this kernel (then everything goes through gdb.Value)."""

    def __init__(self, tgt, md_fields):
        self.ok = False
        self.byteorder = "big" if tgt.big_endian else "little"
        pcpu = _members(tgt.pcpu_type.strip_typedefs(), 0, {})
        self.pc = {}
        for name in PCPU_FIELDS + tuple(md_fields):
            if name in pcpu:
                self.pc[name] = _scalar(pcpu[name])
        if self.pc.get("pc_curthread") is None:
            return
        if any(f is None for f in self.pc.values()):
            return
        self.pc_span = _span(self.pc.values())
        self.pc_decoder = Decoder(self.pc, self.pc_span[0], self.byteorder)
        thread_type = target.lookup_struct("thread")
        proc_type = target.lookup_struct("proc")
        if thread_type is None or proc_type is None:
            return
        thread = _members(thread_type.strip_typedefs(), 0, {})
        self.td = {}
        for name in THREAD_FIELDS:
            self.td[name] = _scalar(thread.get(name))
            if self.td[name] is None:
                return
        for name in THREAD_OPTIONAL:
            if name in thread:
                self.td[name] = _scalar(thread[name])
                if self.td[name] is None:
                    return
        name = thread.get("td_name")
        if name is None or name[1] is None:
            return
        ntype = name[1].strip_typedefs()
        if (ntype.code != gdb.TYPE_CODE_ARRAY
                or ntype.target().strip_typedefs().sizeof != 1):
            return
        self.td_name = (name[0], ntype.sizeof)
        lo, hi = _span(self.td.values())
        self.td_span = (min(lo, name[0]), max(hi, name[0] + ntype.sizeof))
        self.td_decoder = Decoder(self.td, self.td_span[0], self.byteorder)
        self.p_pid = _scalar(_members(proc_type.strip_typedefs(), 0,
                                      {}).get("p_pid"))
        if self.p_pid is None:
            return
        self.ok = True


def layout(tgt, md_fields):
    """The Layout of tgt's kernel, made once per Target."""
    lay = getattr(tgt, "pcpu_layout", None)
    if lay is None:
        lay = tgt.pcpu_layout = Layout(tgt, md_fields)
    return lay


class Thread:
    __slots__ = ("tid", "name", "critnest", "proc", "vnet", "oncpu")


class Reader:
    """The reads of one command: each thread and process read once."""

    def __init__(self, tgt, lay):
        self.lay = lay
        self.read_memory = tgt.inferior.read_memory
        self.threads = {}
        self.pids = {}

    def pcpu(self, addr):
        """{field: int} of the struct pcpu at addr, or None."""
        lo, hi = self.lay.pc_span
        try:
            data = self.read_memory(addr + lo, hi - lo)
        except gdb.MemoryError:
            return None
        return self.lay.pc_decoder.decode(data)

    def thread(self, addr):
        """The Thread at addr (not 0), or None."""
        try:
            return self.threads[addr]
        except KeyError:
            pass
        lay = self.lay
        lo, hi = lay.td_span
        td = None
        try:
            data = self.read_memory(addr + lo, hi - lo).tobytes()
        except gdb.MemoryError:
            data = None
        if data is not None:
            off, size = lay.td_name
            raw = data[off - lo:off - lo + size].split(b"\0", 1)[0]
            if raw.isascii():
                fields = lay.td_decoder.decode(data)
                td = Thread()
                td.name = raw.decode("ascii")
                td.tid = fields["td_tid"]
                td.critnest = fields["td_critnest"]
                td.proc = fields["td_proc"]
                td.vnet = fields.get("td_vnet")
                td.oncpu = fields.get("td_oncpu")
        self.threads[addr] = td
        return td

    def pid(self, proc):
        """p_pid of the struct proc at proc (not 0), or None."""
        try:
            return self.pids[proc]
        except KeyError:
            pass
        f = self.lay.p_pid
        try:
            pid = int.from_bytes(self.read_memory(proc + f.offset, f.size),
                                 self.lay.byteorder, signed=f.signed)
        except gdb.MemoryError:
            pid = None
        self.pids[proc] = pid
        return pid
