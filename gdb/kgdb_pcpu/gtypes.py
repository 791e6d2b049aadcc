"""Helpers on gdb.Type that several modules need."""

import gdb

from .compat import is_signed  # noqa: F401  (GDB 12's Type.is_signed or the same)

INTEGER_CODES = (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_BOOL,
                 gdb.TYPE_CODE_CHAR)


def uint64_type():
    """The program's uint64_t (the type of a counter's sum)."""
    for name in ("uint64_t", "u_int64_t", "unsigned long long"):
        try:
            return gdb.lookup_type(name)
        except gdb.error:
            continue
    return gdb.lookup_type("unsigned long")


def int_type():
    return gdb.lookup_type("int")


def is_integer(gtype):
    """Whether gtype (typedefs stripped) is an integer, enum, bool or char."""
    return gtype.strip_typedefs().code in INTEGER_CODES


def has_field(gtype, name):
    """Whether the struct or union gtype has a member name (anonymous
    members searched too)."""
    return name in flatten_fields(gtype)


def flatten_fields(gtype, base=0, out=None):
    """{member name: byte offset} of the struct or union gtype, the members
    of anonymous structs and unions flattened into it; {} for any other
    type.  The first member of a name wins, as in C."""
    out = {} if out is None else out
    gtype = gtype.strip_typedefs()
    if gtype.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return out
    for field in gtype.fields():
        if getattr(field, "bitpos", None) is None:
            continue            # a static member
        off = base + field.bitpos // 8
        if field.name:
            out.setdefault(field.name, off)
        else:
            flatten_fields(field.type, off, out)
    return out
