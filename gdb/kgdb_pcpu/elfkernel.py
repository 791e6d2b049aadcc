"""The kernel of an ELF dump, without GDB: symbols, types, values, CPUs.

The model of the command line (cli.py) over kgdb_pcpu._kvm.ElfKvm: the
core reads and decodes everything (read_fields, read_pointers,
dpcpu_fields, walk_list) in the target's byte order and pointer size, and
the types come from the kernel's DWARF (struct_members, variable_type:
descriptions (name, offset, size, kind, elem_kind, elem_size, tag)).  CPU
arguments go through the one CPU grammar (cpus.py).

Without GDB there is no selected thread: the default CPU is the CPU of the
thread that wrote the dump (dumptid, the thread kgdb selects): see
docs/FREEBSD.md, "Dumps and panics".
"""

import re

from . import _kvm, cpus, ddb, elftypes
from .linkersets import DPCPU_PREFIX, VNET_PREFIX
from .modelerror import ModelError


_PATH = re.compile(r"\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(0[xX][0-9a-fA-F]+|\d+)\s*\])")
_NAME = re.compile(r"\s*([A-Za-z_]\w*)")


def is_one(text):
    """Whether a CPU argument names one CPU (not a range, list or all)."""
    items = cpus.split(text)
    return len(items) == 1 and items[0][0] == "one"


class Kernel:
    """The ELF handle and what the commands ask of the kernel's debug info."""

    def __init__(self, kd):
        self.kd = kd
        self._members = {}
        self._layout = None

    # --- Types -------------------------------------------------------------

    def members(self, tag):
        """The member descriptions of struct tag, or None when the debug
        info has no such struct."""
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
        """The read_fields spec (offset, size, kind) of a pointer, integer
        or char array member of struct tag, or None."""
        m = self.member(tag, name)
        if m is None:
            return None
        if m[3] == "array" and m[4] in ("int", "uint") and m[5] == 1:
            return (m[1], m[2], "s")
        if m[3] in ("int", "uint", "pointer") and m[2] in (1, 2, 4, 8):
            return (m[1], m[2], "i" if m[3] == "int" else "u")
        return None

    def read(self, addrs, tag, names):
        """[{name: value}] of the members names of the struct tag at each of
        addrs (a member the struct lacks is left out); None where the memory
        cannot be read."""
        present = [(n, self.field(tag, n)) for n in names]
        present = [(n, f) for n, f in present if f is not None]
        rows = self.kd.read_fields(addrs, [f for _n, f in present])
        return [None if row is None else dict(zip([n for n, _f in present], row))
                for row in rows]

    def typed(self, address, desc):
        """The elftypes.Typed object of type desc at address."""
        return elftypes.Typed(address, elftypes.node(self.members, desc))

    # --- Symbols and expressions -------------------------------------------

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

    def _typed_symbol(self, name):
        try:
            return self.kd.variable_type(name)
        except _kvm.KvmError:
            raise ModelError("\"%s\" has no debug info: its type is unknown"
                            % name) from None

    def variable(self, name):
        """(symbol, address, desc) of a global: name, or the VNET variable
        name or V_name (vnet_entry_name)."""
        base = name[2:] if name.startswith("V_") else name
        for cand in (name, VNET_PREFIX + base):
            addr = self.symbol(cand)
            if addr is not None:
                return cand, addr, self._typed_symbol(cand)
        raise ModelError("No symbol \"%s\" in the kernel." % name)

    def dpcpu_variable(self, text):
        """(symbol, template address, PATH, offset of PATH, desc of PATH)
        of NAME[.PATH]: NAME is foo or pcpu_entry_foo."""
        m = _NAME.match(text)
        if m is None:
            raise ModelError("invalid DPCPU variable \"%s\"" % text)
        name = m.group(1)
        for cand in ([name] if name.startswith(DPCPU_PREFIX)
                     else [DPCPU_PREFIX + name, name]):
            addr = self.symbol(cand)
            if addr is not None:
                break
        else:
            raise ModelError("No symbol \"%s\"." % name
                            if name.startswith(DPCPU_PREFIX) else
                            "No symbol \"%s\" or \"%s\"."
                            % (DPCPU_PREFIX + name, name))
        path = text[m.end():].strip()
        offset, desc = self.path(path, self._typed_symbol(cand))
        return cand, addr, path, offset, desc

    def path(self, text, desc):
        """The offset and desc of a member path (.a[2].b) in a value of desc."""
        offset = 0
        pos = 0
        while pos < len(text):
            m = _PATH.match(text, pos)
            if m is None:
                raise ModelError("invalid member path \"%s\": expected .member "
                                "or [index] at \"%s\"" % (text, text[pos:]))
            pos = m.end()
            if m.group(1) is not None:
                tag = desc[6] if desc[3] == "struct" else None
                member = self.member(tag, m.group(1)) if tag else None
                if member is None:
                    raise ModelError("There is no member named %s."
                                    % m.group(1))
                offset += member[1]
                desc = member
            else:
                index = int(m.group(2), 0)
                if desc[3] != "array" or not desc[5]:
                    raise ModelError("cannot subscript something that is not "
                                    "an array")
                count = desc[2] // desc[5]
                if index >= count:
                    raise ModelError("index %d is out of the bounds of the "
                                    "array (0 to %d)" % (index, count - 1))
                offset += index * desc[5]
                desc = (None, 0, desc[5], desc[4], None, 0, desc[6])
        return offset, desc

    def expression(self, text):
        """(symbol, template address, desc) of SYMBOL followed by .member and
        [index]s: the address of the object it names, before any per-CPU or
        per-vnet relocation."""
        m = _NAME.match(text)
        if m is None:
            raise ModelError("invalid expression \"%s\": a symbol, then "
                            ".member and [index]" % text.strip())
        symbol, addr, desc = self.variable(m.group(1))
        offset, desc = self.path(text[m.end():].rstrip(), desc)
        return symbol, addr + offset, desc

    # --- pcpu ----------------------------------------------------------------

    def pcpu_layout(self):
        """The ddb.Layout of this kernel (docs/FREEBSD.md: osreldate, vnet0
        exists only in a VIMAGE kernel)."""
        if self._layout is None:
            self._layout = ddb.Layout(self.field,
                                      self.global_int("osreldate"),
                                      self.symbol("vnet0") is not None)
        return self._layout

    def pcpu_show(self, cpu):
        """The whole struct pcpu of a present CPU, as print shows it."""
        addr = self.kd.pcpu_addr(cpu)
        obj = self.typed(addr, (None, 0, 0, "struct", None, 0, "pcpu"))
        return obj.show(self.kd.read_fields([addr], obj.fields)[0])

    # --- CPUs ----------------------------------------------------------------

    def dump_thread(self):
        """(struct thread address, CPU) of the thread that wrote the dump
        (dumptid): the present CPU running it, its td_oncpu when that is a
        present CPU; None when the kernel recorded none."""
        tid = self.global_int("dumptid")
        if not tid:
            return None
        present = self.kd.cpus()
        pcs = self.read([self.kd.pcpu_addr(c) for c in present], "pcpu",
                        ["pc_curthread"])
        tds = [pc["pc_curthread"] if pc else 0 for pc in pcs]
        infos = self.read(tds, "thread", ["td_tid", "td_oncpu"])
        for cpu, td, info in zip(present, tds, infos):
            if info is not None and info["td_tid"] == tid:
                oncpu = info.get("td_oncpu", cpu)
                return td, (oncpu if oncpu in present else cpu)
        return None

    def default_cpu(self):
        found = self.dump_thread()
        if found is None:
            raise ModelError("no default CPU: the dump does not record the "
                            "thread that wrote it (dumptid); name a CPU")
        return found[1]

    def cpus(self, text):
        """The CPUs of a CPU argument (cpus.py's grammar; ends are numbers)."""
        try:
            return cpus.expand(cpus.split(text), cpus.int_value, self.kd.cpus,
                               lambda cpu: cpus.check(self.kd, cpu),
                               self.default_cpu)
        except cpus.CpuSyntaxError as err:
            raise ModelError(str(err)) from None

    def cpu(self, text):
        """One CPU (-1: the default CPU)."""
        if not is_one(text):
            raise ModelError("invalid CPU '%s': one CPU is needed here, not a "
                            "list" % text.strip())
        return self.cpus(text)[0]
