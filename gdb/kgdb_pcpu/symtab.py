"""Symbols and struct types by name, as GDB knows them.

The one place the GDB layer looks a kernel symbol or struct up.  Answers
are kept per program space: they change only with the objfiles, and a
lookup that misses costs GDB a search of every symbol table (milliseconds;
after each stop of a remote target, reads of the program headers too), so
each name is looked up once until an objfile comes or goes (drop()).

A symbol without debug info (the linker's __start_set_pcpu, an assembler
symbol) is a minimal symbol, which GDB's Python cannot look up: an
expression finds it, at 10-50 ms a name, and a name that no objfile has
costs as much.  So the kernel's own are read from its file's .symtab (the
core reads the ELF), and GDB is asked only for a name a module has.
"""

import re

import gdb

from . import compat
from ._kvm import KvmError, elf_symbol_addresses

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*\Z")

# A kernel variable with debug info that every kernel this tool reads has
# (target.py needs it first): its address in GDB less its .symtab value is
# how far GDB has moved the kernel's symbols.
_REFERENCE = "cpuid_to_pcpu"

# The linker makes __start_set_X and __stop_set_X, with no debug info.
_LINKER_BOUNDS = ("__start_set_", "__stop_set_")

# The linker-made names every handle asks for (the bounds of set_pcpu and
# set_vnet): looked up in the kernel's .symtab together with _REFERENCE, so
# that file's symbol table is read once, not once per name.
_PREFETCH = tuple(bound + set_name for set_name in ("pcpu", "vnet")
                  for bound in _LINKER_BOUNDS)

# The kernel modules' files, the objfiles kgdb adds besides the kernel.
_MODULE_SUFFIXES = (".ko", ".ko.debug")

# (progspace, kind) -> {name: answer}; kind is "symbol", "address", "struct",
# "kernel" (the kernel file, its displacement and the _PREFETCH answers).
_cache = {}


def _table(kind):
    return _cache.setdefault((gdb.current_progspace(), kind), {})


def lookup_symbol(name):
    """The gdb.Symbol of the global or file-static variable name, or None."""
    cache = _table("symbol")
    try:
        sym = cache[name]
    except KeyError:
        sym = cache[name] = _find_symbol(name)
    if sym is not None and not sym.is_valid():
        sym = cache[name] = _find_symbol(name)
    return sym


def _find_symbol(name):
    try:
        sym = gdb.lookup_global_symbol(name)
        if sym is None:
            sym = compat.lookup_static_symbol(name)
    except (gdb.error, RuntimeError, ValueError):
        return None
    return sym


def variable(name):
    """(gdb.Type, address) of the global variable name, or None.

    A declaration (extern, as DPCPU_DECLARE and VNET_DECLARE make in a
    header) may be found first: GDB resolves it through the minimal symbol."""
    sym = lookup_symbol(name)
    if sym is None or sym.needs_frame:
        return None
    if not sym.is_variable and sym.addr_class != gdb.SYMBOL_LOC_UNRESOLVED:
        return None
    try:
        value = sym.value()
    except gdb.error:
        return None
    if value.address is None:
        return None
    return value.type, int(value.address)


def symbol_address(name):
    """Address of the symbol name, or None when GDB knows no such symbol.

    Debug info first, then the minimal symbols: linker-made symbols such as
    __start_set_pcpu and assembler symbols have no debug info."""
    cache = _table("address")
    try:
        return cache[name]
    except KeyError:
        pass
    addr = cache[name] = _symbol_address(name)
    return addr


def _symbol_address(name):
    sym = None if name.startswith(_LINKER_BOUNDS) else lookup_symbol(name)
    if sym is not None and not sym.needs_frame:
        try:
            addr = sym.value().address
            if addr is not None:
                return int(addr)
        except (gdb.error, RuntimeError):
            pass
    if not _IDENT.match(name):
        return None
    kernel = _kernel_file()
    if kernel is not None:
        path, delta, prefetched = kernel
        if name in _PREFETCH:
            found = prefetched
        else:
            try:
                found = elf_symbol_addresses(path, [name])
            except KvmError:
                found = None
        if found is not None:
            if name in found:
                return found[name] + delta
            if not _in_module(name):
                return None
    try:
        return int(gdb.parse_and_eval("(unsigned long long)&%s" % name))
    except (gdb.error, RuntimeError, OverflowError):
        return None


def _kernel_file():
    """(the main objfile's file, its displacement, the addresses of the
    _PREFETCH names it has), or None if unknown."""
    table = _table("kernel")
    if "kernel" not in table:
        table["kernel"] = _find_kernel_file()
    return table["kernel"]


def _find_kernel_file():
    path = gdb.current_progspace().filename
    sym = lookup_symbol(_REFERENCE)
    if not path or sym is None:
        return None
    try:
        addr = sym.value().address
        found = elf_symbol_addresses(path, (_REFERENCE,) + _PREFETCH)
    except (gdb.error, RuntimeError, KvmError):
        return None
    if addr is None or _REFERENCE not in found:
        return None
    return path, int(addr) - found.pop(_REFERENCE), found


def _in_module(name):
    """Whether a module's objfile may have name (a file unread says yes)."""
    for objfile in gdb.objfiles():
        path = objfile.filename if objfile.is_valid() else None
        if not path or not path.endswith(_MODULE_SUFFIXES):
            continue
        try:
            if name in elf_symbol_addresses(path, [name]):
                return True
        except KvmError:
            return True
    return False


def lookup_struct(tag):
    """The gdb.Type of struct tag, or None."""
    cache = _table("struct")
    try:
        return cache[tag]
    except KeyError:
        pass
    try:
        gtype = gdb.lookup_type("struct " + tag)
    except gdb.error:
        gtype = None
    cache[tag] = gtype
    return gtype


def drop(*_args):
    """Forget every answer: an objfile came or went."""
    _cache.clear()


def _connect():
    for name in ("new_objfile", "free_objfile", "clear_objfiles"):
        compat.connect(name, drop)


_connect()
