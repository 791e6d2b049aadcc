"""Symbols and struct types by name, as GDB knows them.

The one place the GDB layer looks a kernel symbol or struct up.  Answers
are kept per program space: they change only with the objfiles, and a
lookup that misses costs GDB a search of every symbol table (milliseconds;
after each stop of a remote target, reads of the program headers too), so
each name is looked up once until an objfile comes or goes (drop()).
"""

import re

import gdb

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*\Z")

# (progspace, kind) -> {name: answer}; kind is "symbol", "address", "struct".
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
        if sym is None and hasattr(gdb, "lookup_static_symbol"):
            sym = gdb.lookup_static_symbol(name)
    except (gdb.error, RuntimeError, ValueError):
        return None
    return sym


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
    sym = lookup_symbol(name)
    if sym is not None and not sym.needs_frame:
        try:
            addr = sym.value().address
            if addr is not None:
                return int(addr)
        except (gdb.error, RuntimeError):
            pass
    if not _IDENT.match(name):
        return None
    try:
        return int(gdb.parse_and_eval("(unsigned long long)&%s" % name))
    except (gdb.error, RuntimeError, OverflowError):
        return None


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
        registry = getattr(gdb.events, name, None)
        if registry is not None:
            registry.connect(drop)


_connect()
