"""Integers as print shows them, and counter-fetch's shares and bars.

Plain Python, no GDB: the command line uses it as it is, and a GDB face
gives the radix it reads from GDB's output-radix.
"""

INTEGER_FORMATS = "xzotdu"


def signed64(value):
    """A counter slot as the signed amount the kernel added (a slot at or
    above 2^63 is a decrement)."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >> 63 else value


def integer(value, fmt=None, size=8, signed=False, radix=10):
    """The integer value as print shows one of that size and signedness:
    print/FMT for FMT in INTEGER_FORMATS, else print under output-radix
    radix (8, 10 or 16)."""
    bits = size * 8
    raw = value & ((1 << bits) - 1)
    as_signed = raw - (1 << bits) if raw >> (bits - 1) else raw
    if fmt is None:
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
