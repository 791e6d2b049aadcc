"""Values of the ELF target's types, as print shows them.

The command line has no GDB to print a value: a Node describes how a value
of one DWARF type (Kvm.struct_members and Kvm.variable_type descriptions)
prints, Typed.fields are the Kvm.read_fields specs of its scalars (the core
reads and decodes them in the target's byte order), and Typed.show() turns
the decoded values into print's text: integers, hex pointers, quoted
strings, {a = ..., b = ...} and {1, 2, 3 <repeats 11 times>}.
"""

from . import intfmt

# print's "set print elements" and "set print repeats" defaults.
PRINT_ELEMENTS = 200
PRINT_REPEATS = 10
# A struct nested deeper than this prints as {...}.
DEPTH = 16


class Node:
    """How a value of one DWARF type prints: kind "int", "uint", "ptr",
    "str" (a char array), "array", "struct" or "opaque" (a union, a float,
    an array of arrays: the ELF target does not describe them)."""

    def __init__(self, kind, size, elem=None, count=0, members=()):
        self.kind = kind
        self.size = size
        self.elem = elem
        self.count = count
        self.members = members


def node(members, desc, depth=0):
    """The Node of a type description desc (name, offset, size, kind,
    elem_kind, elem_size, tag); members(tag) gives a struct's member
    descriptions, or None."""
    _name, _off, size, kind, elem_kind, elem_size, tag = desc
    if kind in ("int", "uint"):
        return Node(kind, size)
    if kind == "pointer":
        return Node("ptr", size)
    if kind == "array" and elem_size:
        if elem_kind in ("int", "uint") and elem_size == 1:
            return Node("str", size)
        if elem_kind in ("int", "uint", "pointer", "struct"):
            elem = node(members, (None, 0, elem_size, elem_kind, None, 0, tag),
                        depth + 1)
            return Node("array", size, elem, size // elem_size)
    if kind == "struct" and tag is not None and depth < DEPTH:
        named = [m for m in members(tag) or () if m[0] is not None]
        if named:           # a struct of bit-fields only is opaque too
            return Node("struct", size, members=[
                (m[0], m[1], node(members, m, depth + 1)) for m in named])
    return Node("opaque", size)


def _leaves(item, offset, out):
    """The (offset, size, kind) fields of read_fields that item prints."""
    if item.kind in ("int", "uint", "ptr"):
        out.append((offset, item.size, "i" if item.kind == "int" else "u"))
    elif item.kind == "str":
        out.append((offset, item.size, "s"))
    elif item.kind == "array":
        for i in range(min(item.count, PRINT_ELEMENTS)):
            _leaves(item.elem, offset + i * item.elem.size, out)
    elif item.kind == "struct":
        for _name, off, child in item.members:
            _leaves(child, offset + off, out)
    return out


def quote(text):
    """A string as print quotes it."""
    out = []
    for ch in text:
        if ch in "\"\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append("\\%03o" % (ord(ch) & 0xff))
    return '"%s"' % "".join(out)


def _repeats(items):
    """print's runs: more than PRINT_REPEATS equal elements as one."""
    parts = []
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and items[j] == items[i]:
            j += 1
        if j - i > PRINT_REPEATS:
            parts.append("%s <repeats %d times>" % (items[i], j - i))
        else:
            parts.extend(items[i:j])
        i = j
    return parts


def render(item, values, fmt):
    """The text of item as print/FMT shows it (fmt None: print's own),
    consuming its leaves' values from the iterator values."""
    if item.kind in ("int", "uint"):
        return intfmt.integer(next(values), fmt, item.size, item.kind == "int")
    if item.kind == "ptr":
        value = next(values)
        return intfmt.integer(value, fmt, item.size) if fmt else "0x%x" % value
    if item.kind == "str":
        return quote(next(values))
    if item.kind == "array":
        parts = _repeats([render(item.elem, values, fmt)
                          for _ in range(min(item.count, PRINT_ELEMENTS))])
        if item.count > PRINT_ELEMENTS:
            parts[-1] += "..."
        return "{" + ", ".join(parts) + "}"
    if item.kind == "struct":
        return "{" + ", ".join("%s = %s" % (name, render(child, values, fmt))
                               for name, _off, child in item.members) + "}"
    return "{...}"


class Typed:
    """An object in the dump: its address, the Node of its type, and the
    read_fields specs of its scalars (offsets from its address)."""

    def __init__(self, address, item):
        self.address = address
        self.node = item
        self.fields = _leaves(item, 0, [])

    def show(self, row, fmt=None):
        """The text of the object whose fields the core read as row (None:
        unreadable)."""
        if row is None:
            return "<error: Cannot access memory at address 0x%x>" % self.address
        return render(self.node, iter(row), fmt)
