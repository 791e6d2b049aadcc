"""Plain integers as print shows them, for values read many at a time.

dpcpu-print of an int on 1024 CPUs is 1024 values of one type.  Building a
gdb.Value per CPU and having GDB format it costs tens of microseconds each;
reading them all with one call into the core (kd.read_uints, which merges
the reads) and formatting them here costs a fraction of that.

Only what prints as a plain number takes this path: an integer type wider
than a char (not wchar_t, char16_t, char32_t, which print as characters too),
no pretty-printer for it, and either no format with output-radix 10, or one
of the formats /x /z /d /u /o.  Everything else, and every value that cannot
be read, is formatted by GDB itself (common.format_value), so the output is
the same either way.
"""

import gdb

FORMATS = (None, "x", "z", "d", "u", "o")
_TEXT_TYPES = ("wchar_t", "char16_t", "char32_t")


def _is_signed(gtype):
    if hasattr(gtype, "is_signed"):         # GDB 12
        return gtype.is_signed
    return int(gdb.Value(-1).cast(gtype)) < 0


def _output_radix():
    try:
        return int(gdb.parameter("output-radix"))
    except (gdb.error, RuntimeError, TypeError, ValueError):
        return 0


def plain_int(gtype, fmt=None, raw=False):
    """(size, signed) when values of gtype print as plain numbers, else None."""
    if raw or fmt not in FORMATS:
        return None
    t = gtype
    while True:
        if t.name in _TEXT_TYPES:
            return None
        if t.code != gdb.TYPE_CODE_TYPEDEF:
            break
        t = t.target()
    t = t.unqualified().strip_typedefs()
    if t.code != gdb.TYPE_CODE_INT or t.sizeof not in (2, 4, 8):
        return None
    if fmt is None and _output_radix() != 10:
        return None
    return t.sizeof, _is_signed(t)


def has_printer(value):
    """Whether a Python pretty-printer would print value."""
    try:
        return gdb.default_visualizer(value) is not None
    except (gdb.error, RuntimeError):
        return True


def format_int(value, size, signed, fmt=None):
    """The raw unsigned value of a size-byte integer as print/fmt shows it."""
    bits = 8 * size
    value &= (1 << bits) - 1
    if fmt is None:
        fmt = "d" if signed else "u"
    if fmt == "d":
        return "%d" % (value - (1 << bits) if value >> (bits - 1) else value)
    if fmt == "u":
        return "%d" % value
    if fmt == "x":
        return "0x%x" % value
    if fmt == "z":
        return "0x%0*x" % (2 * size, value)
    if fmt == "o":
        return "0%o" % value if value else "0"
    raise ValueError("format /%s is not a plain integer format" % fmt)
