"""DPCPU variables by name, and symbol names for TAB completion.

DPCPU_DEFINE(type, x) makes the symbol pcpu_entry_x in section set_pcpu:
users say x, or the full name.  Its address is the template's; the core
(kd.dpcpu_addr) maps it to a CPU's copy and refuses anything that is not
per-CPU data.
"""

import os
import re
import struct

import gdb

from . import modules, target
from ._kvm import KvmError

PREFIX = "pcpu_entry_"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class DpcpuVar:
    """A DPCPU variable: its symbol name, type and template address."""

    def __init__(self, name, gtype, address):
        self.name = name            # the symbol, pcpu_entry_x
        self.type = gtype
        self.address = address

    @property
    def short_name(self):
        return self.name[len(PREFIX):] if self.name.startswith(PREFIX) else self.name

    def value(self, kd, cpu):
        """CPU cpu's copy, an lvalue; KvmError naming the CPU, the variable
        and the address when that copy cannot be read (a garbage
        dpcpu_off[cpu] in a corrupt dump), rather than GDB's bare
        "Cannot access memory" when it is first used."""
        addr = self.addr(kd, cpu)
        size = self.type.sizeof
        try:
            gdb.selected_inferior().read_memory(addr, max(size, 1))
        except gdb.MemoryError:
            raise KvmError("cannot read CPU %d's copy of %s (%d bytes at 0x%x)"
                           % (cpu, self.name, size, addr)) from None
        return gdb.Value(addr).cast(self.type.pointer()).dereference()

    def pointer(self, kd, cpu):
        return gdb.Value(self.addr(kd, cpu)).cast(self.type.pointer())

    def addr(self, kd, cpu):
        """kd.dpcpu_addr of the variable; a module's variable whose module is
        not in linker_files is a gdb.GdbError naming the symbol and file."""
        try:
            return kd.dpcpu_addr(self.address, cpu)
        except KvmError as err:
            better = modules.module_error(self.name, self.address,
                                          "set_pcpu", err)
            if better is None:
                raise
            raise better from None

    def pointer_type_name(self):
        """A pointer to the type as C writes it in a cast: "long (*)[4]"."""
        text = str(self.type.pointer())
        if "{" in text or not text:
            return "__typeof__(%s) *" % self.name
        return text


def _symbol_var(name):
    sym = target._lookup_symbol(name)
    if sym is None or sym.needs_frame:
        return None
    # A declaration (extern, as DPCPU_DECLARE and VNET_DECLARE make in a
    # header) may be found first: GDB resolves it through the minimal symbol.
    if not sym.is_variable and sym.addr_class != gdb.SYMBOL_LOC_UNRESOLVED:
        return None
    try:
        value = sym.value()
    except gdb.error:
        return None
    if value.address is None:
        return None
    return DpcpuVar(name, value.type, int(value.address))


def lookup(name):
    """The DpcpuVar of name (x or pcpu_entry_x); gdb.GdbError if none."""
    name = name.strip()
    if not _IDENT.match(name):
        raise gdb.GdbError("invalid DPCPU variable name \"%s\"" % name)
    candidates = [name] if name.startswith(PREFIX) else [PREFIX + name, name]
    for cand in candidates:
        var = _symbol_var(cand)
        if var is not None:
            return var
    for cand in candidates:
        if target.symbol_address(cand) is not None:
            raise gdb.GdbError("\"%s\" has no debug info: its type is unknown"
                               % cand)
    if len(candidates) == 1:
        raise gdb.GdbError("No symbol \"%s\"." % name)
    raise gdb.GdbError("No symbol \"%s\" or \"%s\"." % tuple(candidates))


def from_value(value):
    """The DpcpuVar of a program variable passed as itself (an lvalue)."""
    if value.address is None:
        raise gdb.GdbError("not a variable: pass the DPCPU variable or its "
                           "name as a string")
    return DpcpuVar(str(value.address), value.type, int(value.address))


# --- Names for completion, read from the ELF symbol tables of the objfiles.

_names_cache = {}


def _elf_symbol_names(path, prefix):
    """Symbol names starting with prefix in the .symtab of the ELF file path."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    key = (path, stat.st_mtime, stat.st_size, prefix)
    if key in _names_cache:
        return _names_cache[key]
    names = []
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if ident[:4] != b"\x7fELF":
                raise ValueError
            is64 = ident[4] == 2
            endian = "<" if ident[5] == 1 else ">"
            if is64:
                f.seek(0x28)
                shoff, = struct.unpack(endian + "Q", f.read(8))
                f.seek(0x3A)
                shentsize, shnum = struct.unpack(endian + "HH", f.read(4))
                shfmt = endian + "IIQQQQIIQQ"
            else:
                f.seek(0x20)
                shoff, = struct.unpack(endian + "I", f.read(4))
                f.seek(0x2E)
                shentsize, shnum = struct.unpack(endian + "HH", f.read(4))
                shfmt = endian + "IIIIIIIIII"
            f.seek(shoff)
            raw = f.read(shentsize * shnum)
            sections = [struct.unpack_from(shfmt, raw, i * shentsize)
                        for i in range(shnum)]
            pattern = re.compile(rb"\0(" + re.escape(prefix.encode())
                                 + rb"[A-Za-z0-9_]*)(?=\0)")
            for sh in sections:
                if sh[1] != 2:          # SHT_SYMTAB
                    continue
                strtab = sections[sh[6]]
                f.seek(strtab[4])
                data = b"\0" + f.read(strtab[5])
                names.extend(m.group(1).decode() for m in pattern.finditer(data))
    except (OSError, ValueError, struct.error, IndexError):
        names = []
    names = sorted(set(names))
    _names_cache[key] = names
    return names


def symbol_names(prefix):
    """Every symbol name starting with prefix, in every objfile."""
    names = set()
    for objfile in gdb.objfiles():
        path = objfile.filename
        if path:
            names.update(_elf_symbol_names(path, prefix))
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
    """Completions of a DPCPU variable name: x and pcpu_entry_x."""
    return complete_prefixed(word, PREFIX)
