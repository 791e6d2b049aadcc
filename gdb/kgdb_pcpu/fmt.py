"""Text of values as GDB's print shows them: what needs GDB.

The rest is GDB-free and shared with the command line: integers as print
shows them, shares and bars in intfmt.py (given the radix output_radix()
reads here), the kernel's %p in ddb.py (ddb.pointer).
"""

import gdb


def output_radix():
    """GDB's output-radix: 8, 10 or 16."""
    try:
        radix = int(gdb.parameter("output-radix"))
    except (gdb.error, TypeError, ValueError):
        return 10
    return radix if radix in (8, 10, 16) else 10


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
