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


# --- Integers as print shows them, and bars (counter-fetch). ---------------

INTEGER_FORMATS = "xzotdu"


def output_radix():
    """GDB's output-radix: 8, 10 or 16."""
    try:
        radix = int(gdb.parameter("output-radix"))
    except (gdb.error, TypeError, ValueError):
        return 10
    return radix if radix in (8, 10, 16) else 10


def integer(value, fmt=None, size=8, signed=False, radix=None):
    """The integer value as print shows one of that size and signedness:
    print/FMT for FMT in INTEGER_FORMATS, else print under output-radix
    (radix, when given, saves asking GDB for it on every value)."""
    bits = size * 8
    mask = (1 << bits) - 1
    raw = value & mask
    as_signed = raw - (1 << bits) if raw >> (bits - 1) else raw
    if fmt is None:
        radix = radix or output_radix()
        if radix == 16:
            fmt = "x"
        elif radix == 8:
            fmt = "o"
        else:
            return str(as_signed if signed else raw)
    if fmt == "x":
        return "0x%x" % raw
    if fmt == "z":
        return "0x%0*x" % (size * 2, raw)
    if fmt == "o":
        return "0%o" % raw if raw else "0"
    if fmt == "t":
        return bin(raw)[2:]
    if fmt == "d":
        return str(as_signed)
    if fmt == "u":
        return str(raw)
    raise ValueError("format /%s does not apply to an integer" % fmt)


def bar(value, largest, width):
    """A bar of width * |value| / largest characters, at least one for a
    value that is not 0: "#" for a positive value, "-" for a negative one.
    largest is the largest magnitude among the values compared."""
    if width <= 0 or largest <= 0 or value == 0:
        return ""
    length = max(1, round(width * abs(value) / largest))
    return ("#" if value > 0 else "-") * length


def share(value, total):
    """value as a percentage of total ("12.5%"); "-" when total is 0, and
    ">999%" or "<-999%" past those (a slot far larger than a sum that
    decrements elsewhere cancel)."""
    if total == 0:
        return "-"
    percent = 100.0 * value / total
    if percent >= 1000:
        return ">999%"
    if percent <= -1000:
        return "<-999%"
    return "%.1f%%" % percent
