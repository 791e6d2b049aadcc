"""What differs between the GDB versions kgdb-pcpu runs in.

kgdb-pcpu runs in GDB 10 and newer; FreeBSD's kgdb (the devel/gdb port) is
GDB 16, the tests run under 13.1 and, with make test-gdb16, under 16.3.  Each
difference of GDB's Python API is one function here; the rest of the package
calls these instead of testing GDB for attributes.  Each takes GDB's own
answer where the GDB has it, else computes the same answer the same way.
"""

import gdb


def is_signed(gtype):
    """Whether the integer type gtype is signed: Type.is_signed (GDB 12),
    else whether -1 cast to it stays negative.  False for a type that is not
    a scalar."""
    gtype = gtype.strip_typedefs()
    # On the class: the attribute itself raises ValueError for a non-scalar.
    if hasattr(gdb.Type, "is_signed"):
        try:
            return gtype.is_signed
        except ValueError:      # not a scalar type
            return False
    try:
        return int(gdb.Value(-1).cast(gtype)) < 0
    except gdb.error:
        return False


def _is_char(gtype):
    """One-byte integer or character type (C's char, signed and unsigned)."""
    gtype = gtype.strip_typedefs()
    return (gtype.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR)
            and gtype.sizeof == 1)


def string_like_by_code(gtype):
    """Whether GDB prints gtype's values as text, from the type alone (what
    GDB 14's Type.is_string_like answers for C): a non-empty array of, or a
    pointer to, one-byte characters, through typedefs and references."""
    gtype = gtype.strip_typedefs()
    while gtype.code in (gdb.TYPE_CODE_REF, getattr(gdb, "TYPE_CODE_RVALUE_REF", -1)):
        gtype = gtype.target().strip_typedefs()
    if gtype.code == gdb.TYPE_CODE_ARRAY:
        return gtype.sizeof > 0 and _is_char(gtype.target())
    return gtype.code == gdb.TYPE_CODE_PTR and _is_char(gtype.target())


def is_string_like(gtype):
    """Whether GDB prints gtype's values as text: Type.is_string_like (GDB
    14), else string_like_by_code.  FreeBSD's $V takes a jail's name for
    its vnet argument when this holds."""
    known = getattr(gtype, "is_string_like", None)
    if known is not None:
        return known
    return string_like_by_code(gtype)


def add_history(value):
    """Put value in the value history as print does; its number N ($N), or
    None in a GDB without gdb.add_history (before 12), which prints values
    without "$N = "."""
    add = getattr(gdb, "add_history", None)
    return add(value) if add is not None else None


def connection_type(inferior):
    """The kind of target inferior is connected to: "core", "native",
    "exec", "remote", "extended-remote", ... (Inferior.connection, GDB 12),
    or None when GDB does not say (older GDB, or no connection)."""
    connection = getattr(inferior, "connection", None)
    return getattr(connection, "type", None)


def connection_num(inferior):
    """The number of inferior's connection (GDB 11), or None."""
    return getattr(inferior, "connection_num", None)


def lookup_static_symbol(name):
    """The file-static symbol name (gdb.lookup_static_symbol, GDB 10), or
    None."""
    lookup = getattr(gdb, "lookup_static_symbol", None)
    return lookup(name) if lookup is not None else None


def connect(event, handler):
    """Call handler on gdb.events.EVENT; False when this GDB has no such
    event (inferior_call and memory_changed came with GDB 7.12 and 8.0)."""
    registry = getattr(gdb.events, event, None)
    if registry is None:
        return False
    registry.connect(handler)
    return True


def is_inferior_call_end(event):
    """Whether event (of gdb.events.inferior_call) is the end of a call of
    a program function from GDB."""
    return isinstance(event, getattr(gdb, "InferiorCallPostEvent", ()))
