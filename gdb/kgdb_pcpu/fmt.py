"""Text of values: pointers as the kernel prints them, values as print does."""

import gdb


def fmt_p(value):
    """A pointer as the kernel's printf %p prints it: 0, or 0x with hex."""
    value = int(value)
    if value < 0:
        value += 1 << 64
    return "0x%x" % value if value else "0"


def fmt_x(value):
    """value in hex with 0x, a negative one as its 64-bit two's complement."""
    value = int(value)
    if value < 0:
        value += 1 << 64
    return "0x%x" % value


def _type_prefix(value):
    """The "(type) " that print puts before a pointer (c_value_print)."""
    gtype = value.type
    if gtype.strip_typedefs().code not in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_REF):
        return ""
    if gtype.code == gdb.TYPE_CODE_PTR and gtype.name is None:
        if gtype.target().name == "char":
            return ""       # a plain char *: print shows the string alone
    return "(%s) " % gtype


def format_value(value, fmt=None, raw=False):
    """value as print shows it (honours set print pretty and the others)."""
    kwargs = {}
    if fmt is not None:
        kwargs["format"] = fmt
    if raw:
        kwargs["raw"] = True
    text = value.format_string(**kwargs)
    if fmt in (None, "s"):
        text = _type_prefix(value) + text
    return text
