"""Plain integers as print shows them, read many at a time.

dpcpu-print of an int on 1024 CPUs is 1024 values of one type.  Building a
gdb.Value per CPU and having GDB format it costs tens of microseconds each;
reading the bytes with few Inferior.read_memory calls (addresses in the same
page share one read) and formatting them here costs about one read each.

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


def read_ints(read_memory, addrs, size, byteorder, page_size):
    """{address: unsigned value} of the size-byte integers at addrs.

    Addresses whose values lie in the same page are read together.  An
    address that cannot be read is absent from the result."""
    out = {}
    todo = sorted(set(addrs))
    mask = ~(page_size - 1)
    from_bytes = int.from_bytes
    i = 0
    n = len(todo)
    while i < n:
        first = todo[i]
        page = first & mask
        j = i + 1
        while j < n and (todo[j] + size - 1) & mask == page:
            j += 1
        if j == i + 1:      # the usual case: one value in its page
            try:
                out[first] = from_bytes(read_memory(first, size), byteorder)
            except gdb.MemoryError:
                pass
            i = j
            continue
        last = todo[j - 1]
        try:
            data = read_memory(first, last + size - first)
        except gdb.MemoryError:
            data = None
        if data is not None:
            data = bytes(data)
            for addr in todo[i:j]:
                off = addr - first
                out[addr] = from_bytes(data[off:off + size], byteorder)
        elif j - i > 1:
            for addr in todo[i:j]:
                try:
                    out[addr] = from_bytes(read_memory(addr, size), byteorder)
                except gdb.MemoryError:
                    pass
        i = j
    return out
