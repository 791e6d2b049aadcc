"""DPCPU variables: by name, each CPU's copy, and names for TAB completion.

DPCPU_DEFINE(type, x) makes the symbol pcpu_entry_x in section set_pcpu:
users say x, or the full name, and may add a member path
(x.member[2].y, members.py).  Its address is the template's; the core maps
it to a CPU's copy (kd.dpcpu_addr), reads every CPU's copy
(kd.dpcpu_fields, kd.dpcpu_read) and refuses anything that is not per-CPU
data (NotPerCpuError).
"""

import os
import re

import gdb

from . import gtypes, interrupt, members, modorigin, modules, symtab
from ._kvm import CpuAbsentError, KvmError, NotPerCpuError, elf_symbol_names
from .dpcpufmt import unreadable
from .linkersets import DPCPU_PREFIX

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class DpcpuVar:
    """A DPCPU variable: its symbol name, type and template address."""

    def __init__(self, name, gtype, address):
        self.name = name            # the symbol, pcpu_entry_x
        self.type = gtype
        self.address = address

    def _not_percpu(self, err):
        """The gdb.GdbError for the core's NotPerCpuError err: a module not
        in linker_files says so, anything else names the variable."""
        better = modorigin.module_error(self.name, self.address, "set_pcpu",
                                      err)
        if better is not None:
            return better
        return gdb.GdbError("%s: %s" % (self.name, err))

    def template(self, kd):
        """The template address after module relocation (the kernel's own
        variable's address unchanged); gdb.GdbError if not per-CPU."""
        modules.place(kd, self.address, "set_pcpu")
        try:
            return kd.dpcpu_template(self.address)
        except NotPerCpuError as err:
            raise self._not_percpu(err) from None

    def addr(self, kd, cpu):
        """The address of CPU cpu's copy (kd.dpcpu_addr)."""
        modules.place(kd, self.address, "set_pcpu")
        try:
            return kd.dpcpu_addr(self.address, cpu)
        except NotPerCpuError as err:
            raise self._not_percpu(err) from None

    def value(self, kd, cpu):
        """CPU cpu's copy, an lvalue; KvmError naming the CPU, the variable
        and the address when that copy cannot be read (a garbage
        dpcpu_off[cpu] in a corrupt dump), rather than GDB's bare
        "Cannot access memory" when it is first used."""
        addr = self.addr(kd, cpu)
        size = max(self.type.sizeof, 1)
        if kd.dpcpu_read(self.address, size, [cpu])[0] is None:
            raise KvmError(unreadable(self.name, cpu, size, addr))
        return gdb.Value(addr).cast(self.type.pointer()).dereference()

    def pointer_type_name(self):
        """A pointer to the type as C writes it in a cast: "long (*)[4]"."""
        text = str(self.type.pointer())
        if "{" in text or not text:
            return "__typeof__(%s) *" % self.name
        return text

    def expression(self, kd, cpu, path=members.Path()):
        """The plain GDB expression of CPU cpu's copy (of path in it)."""
        kd.dpcpu_off(cpu)       # CpuAbsentError "CPU N not found"
        base = "&%s" % self.name
        delta = (self.template(kd) - self.address) & ((1 << 64) - 1)
        if delta:
            # A module's variable: the kernel moved its set_pcpu.
            if delta >= 1 << 63:
                base += " - 0x%x" % ((1 << 64) - delta)
            else:
                base += " + 0x%x" % delta
        text = "*(%s)((char *)%s + dpcpu_off[%d])" % (
            self.pointer_type_name(), base, cpu)
        return "(%s)%s" % (text, path.text) if path else text

    def copies(self, kd, cpus, path=members.Path()):
        """A Copy of each CPU of cpus: the value of path in its copy."""
        self.template(kd)       # not per-CPU: one error, before any CPU
        offset, gtype, rest = path.layout(self.type)
        out = []
        for cpu in cpus:
            interrupt.check()
            try:
                kd.dpcpu_off(cpu)
                out.append(Copy(cpu))
            except CpuAbsentError as err:
                out.append(Copy(cpu, error=str(err), absent=True))
        copies = [c for c in out if not c.absent]
        try:
            if not rest and _is_scalar(gtype):
                self._read_numbers(kd, copies, offset, gtype)
            else:
                self._read_values(kd, copies, offset, gtype, rest)
        except NotPerCpuError as err:
            raise self._not_percpu(err) from None
        return out

    def _read_numbers(self, kd, copies, offset, gtype):
        size = gtype.sizeof
        signed = gtypes.is_signed(gtype)
        rows = kd.dpcpu_fields(self.address, [c.cpu for c in copies],
                               [(offset, size, "i" if signed else "u")])
        for copy, row in zip(copies, rows):
            if row is None:
                copy.error = unreadable(self.name, copy.cpu, size,
                                        self.addr(kd, copy.cpu) + offset)
                continue
            copy.number = row[0]
            copy.value = gdb.Value(row[0]).cast(gtype)

    def _read_values(self, kd, copies, offset, gtype, rest):
        size = gtype.sizeof
        blobs = kd.dpcpu_read(self.address + offset, size,
                              [c.cpu for c in copies])
        for copy, blob in zip(copies, blobs):
            interrupt.check()
            if blob is None:
                copy.error = unreadable(self.name, copy.cpu, size,
                                        self.addr(kd, copy.cpu) + offset)
                continue
            try:
                value = rest.apply(gdb.Value(blob, gtype))
                if gtypes.is_integer(value.type):
                    copy.number = int(value)
            except gdb.MemoryError as err:
                copy.error = str(err)
                continue
            copy.value = value


class Copy:
    """One CPU's copy: its gdb.Value (not an lvalue) and, for an integer,
    enum, bool or char, its number; or why it has none."""

    __slots__ = ("cpu", "value", "number", "error", "absent")

    def __init__(self, cpu, error=None, absent=False):
        self.cpu = cpu
        self.value = None
        self.number = None
        self.error = error
        self.absent = absent


def _is_scalar(gtype):
    """Whether the core reads gtype as one number (kd.dpcpu_fields)."""
    return gtypes.is_integer(gtype) and 1 <= gtype.sizeof <= 8


def variable(name):
    """The DpcpuVar of the global symbol name as it is, or None."""
    found = symtab.variable(name)
    if found is None:
        return None
    return DpcpuVar(name, *found)


def lookup(name):
    """The DpcpuVar of name (x or pcpu_entry_x); gdb.GdbError if none."""
    name = name.strip()
    if not _IDENT.match(name):
        raise gdb.GdbError("invalid DPCPU variable name \"%s\"" % name)
    candidates = [name] if name.startswith(DPCPU_PREFIX) else [DPCPU_PREFIX + name, name]
    for cand in candidates:
        var = variable(cand)
        if var is not None:
            return var
    for cand in candidates:
        if symtab.symbol_address(cand) is not None:
            raise gdb.GdbError("\"%s\" has no debug info: its type is unknown"
                               % cand)
    if len(candidates) == 1:
        raise gdb.GdbError("No symbol \"%s\"." % name)
    raise gdb.GdbError("No symbol \"%s\" or \"%s\"." % tuple(candidates))


def lookup_path(text):
    """(DpcpuVar, members.Path) of "x", "pcpu_entry_x" or "x.member[2].y"."""
    text = text.strip()
    if _IDENT.match(text):
        return lookup(text), members.Path()
    try:
        name, path = members.split(text)
    except gdb.GdbError:
        raise gdb.GdbError("invalid DPCPU variable name \"%s\"" % text) \
            from None
    return lookup(name), path


def from_value(value):
    """The DpcpuVar of a program variable passed as itself (an lvalue)."""
    if value.address is None:
        raise gdb.GdbError("not a variable: pass the DPCPU variable or its "
                           "name as a string")
    return DpcpuVar(str(value.address), value.type, int(value.address))


# --- Names for completion: the ELF symbol tables of the objfiles. ---------

# (path, mtime, size, prefix) -> names: a kernel's .symtab is read once.
_names_cache = {}


def _file_names(path, prefix):
    """The .symtab names of the ELF file path that start with prefix (the
    core reads the file: kgdb_pcpu._kvm.elf_symbol_names)."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    key = (path, stat.st_mtime, stat.st_size, prefix)
    if key not in _names_cache:
        try:
            _names_cache[key] = elf_symbol_names(path, prefix)
        except KvmError:
            _names_cache[key] = []      # not an ELF file: no names
    return _names_cache[key]


def symbol_names(prefix):
    """Every symbol name starting with prefix, in every objfile."""
    names = set()
    for objfile in gdb.objfiles():
        if objfile.filename:
            names.update(_file_names(objfile.filename, prefix))
    return sorted(names)


def complete_prefixed(word, prefix):
    """Completions of a linker-set variable's name: x and prefix + x."""
    if word.startswith(prefix):
        return symbol_names(word)
    out = set()
    for full in symbol_names(prefix):
        short = full[len(prefix):]
        if short.startswith(word):
            out.add(short)
        if full.startswith(word):
            out.add(full)
    return sorted(out)


def complete_dpcpu(word):
    """Completions of a DPCPU variable name, x and pcpu_entry_x, and of a
    member after a dot or an arrow: x.member."""
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(.*(?:\.|->))([A-Za-z0-9_]*)\Z",
                     word)
    if match is None:
        return complete_prefixed(word, DPCPU_PREFIX)
    name, head, partial = match.groups()
    try:
        var = lookup(name)
    except gdb.GdbError:
        return []
    return [name + text for text in members.complete(var.type, head, partial)]
