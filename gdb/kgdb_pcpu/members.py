"""Member paths: the ".member[2].x" of NAME.member[2].x.

What crash writes p x:a and drgn per_cpu(x, cpu).member: a path applied to
each CPU's copy of a per-CPU object.  A path is a sequence of steps:
.member, [index] and ->member.  Path.layout() finds the part of the path
that stays inside the object (members and array elements, at an offset
the core can read at) and the rest (a pointer to follow, a bit-field),
which Path.apply() applies to the gdb.Value of that part.
"""

import re

import gdb

from . import gtypes

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|\d+)\Z")
_AGGREGATES = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION)


class Path:
    """Steps ("member", name), ("index", n) and ("arrow", name)."""

    def __init__(self, steps=()):
        self.steps = tuple(steps)

    def __bool__(self):
        return bool(self.steps)

    @property
    def text(self):
        """The path as C writes it: ".a[2]->b"."""
        out = []
        for kind, arg in self.steps:
            out.append({"member": ".%s", "index": "[%d]",
                        "arrow": "->%s"}[kind] % arg)
        return "".join(out)

    def layout(self, gtype):
        """(offset, type, rest): the byte offset and the type of the longest
        part of the path that stays inside an object of gtype, and the Path
        of the steps after it.  gdb.GdbError for a member that does not
        exist or an index out of an array's bounds."""
        offset = 0
        for i, (kind, arg) in enumerate(self.steps):
            stripped = gtype.strip_typedefs()
            if kind == "member":
                field, field_offset = member(stripped, arg)
                if field.bitsize:
                    return offset, gtype, Path(self.steps[i:])
                offset += field_offset
                gtype = field.type
            elif kind == "index" and stripped.code == gdb.TYPE_CODE_ARRAY:
                low, high = stripped.range()
                if not low <= arg <= high:
                    raise gdb.GdbError("index %d is out of the bounds of %s "
                                       "(%d to %d)" % (arg, gtype, low, high))
                gtype = stripped.target()
                offset += (arg - low) * gtype.sizeof
            else:
                return offset, gtype, Path(self.steps[i:])
        return offset, gtype, Path()

    def apply(self, value):
        """value's member, element or pointed-to member the path names."""
        for kind, arg in self.steps:
            if kind == "arrow":
                value = value.dereference()
            value = value[arg]
        return value

    def type_of(self, gtype):
        """The type the path gives from gtype, without values."""
        for kind, arg in self.steps:
            stripped = gtype.strip_typedefs()
            if kind == "arrow":
                if stripped.code != gdb.TYPE_CODE_PTR:
                    raise gdb.GdbError("The -> operator needs a pointer, "
                                       "not %s." % gtype)
                stripped = stripped.target().strip_typedefs()
            if kind == "index":
                if stripped.code not in (gdb.TYPE_CODE_ARRAY,
                                         gdb.TYPE_CODE_PTR):
                    raise gdb.GdbError("cannot subscript something of type "
                                       "`%s'" % gtype)
                gtype = stripped.target()
            else:
                gtype = member(stripped, arg)[0].type
        return gtype


def member(gtype, name):
    """(gdb.Field, byte offset) of member name of the struct or union
    gtype, anonymous structs and unions searched too; gdb.GdbError in
    GDB's words when there is none."""
    gtype = gtype.strip_typedefs()
    if gtype.code not in _AGGREGATES:
        raise gdb.GdbError("Attempt to extract a component of a value that "
                           "is not a structure.")
    found = _find_member(gtype, name, 0)
    if found is None:
        raise gdb.GdbError("There is no member named %s." % name)
    return found


def _find_member(gtype, name, base):
    for field in gtype.fields():
        if getattr(field, "bitpos", None) is None:
            continue                # a static member
        offset = base + field.bitpos // 8
        if field.name == name:
            return field, offset
        if not field.name and \
                field.type.strip_typedefs().code in _AGGREGATES:
            found = _find_member(field.type.strip_typedefs(), name, offset)
            if found is not None:
                return found
    return None


def _index(text):
    """The value of an index: a number or any GDB integer expression."""
    text = text.strip()
    if _INT.match(text):
        return int(text, 0)
    try:
        value = gdb.parse_and_eval(text)
    except gdb.error as err:
        raise gdb.GdbError("invalid index [%s]: %s"
                           % (text, " ".join(str(err).split()))) from None
    if not gtypes.is_integer(value.type):
        raise gdb.GdbError("invalid index [%s]: not an integer (type %s)"
                           % (text, value.type))
    return int(value)


def split(text):
    """(name, Path) of "name.member[2].x"; gdb.GdbError naming what is
    wrong in a malformed path."""
    text = text.strip()
    match = _IDENT.match(text)
    if not match:
        raise gdb.GdbError("invalid name \"%s\"" % text)
    name = match.group(0)
    steps = []
    pos = match.end()
    while pos < len(text):
        rest = text[pos:]
        if rest.startswith(".") or rest.startswith("->"):
            skip = 1 if rest[0] == "." else 2
            match = _IDENT.match(rest, skip)
            if not match:
                raise gdb.GdbError("invalid member path \"%s\": a member name "
                                   "must follow \"%s\"" % (text, rest[:skip]))
            steps.append(("member" if skip == 1 else "arrow", match.group(0)))
            pos += match.end()
        elif rest.startswith("["):
            end = _closing(rest)
            if end is None:
                raise gdb.GdbError("invalid member path \"%s\": unbalanced "
                                   "[" % text)
            index = _index(rest[1:end])
            if index < 0:
                raise gdb.GdbError("invalid member path \"%s\": index %d is "
                                   "negative" % (text, index))
            steps.append(("index", index))
            pos += end + 1
        else:
            raise gdb.GdbError("invalid member path \"%s\" at \"%s\": use "
                               ".member, [index] or ->member" % (text, rest))
    return name, Path(steps)


def _closing(text):
    """The index of the "]" that closes the "[" at text[0], or None."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
    return None


def complete(gtype, head, word):
    """Completions of a member name after the path head (".a[2]." or
    ".a->"): every member of the struct that head leads to whose name
    starts with word, as head + member.  [] when head leads nowhere."""
    sep = "->" if head.endswith("->") else "."
    try:
        _name, path = split("x" + head[:-len(sep)])
        gtype = path.type_of(gtype).strip_typedefs()
        if sep == "->":
            if gtype.code != gdb.TYPE_CODE_PTR:
                return []
            gtype = gtype.target().strip_typedefs()
    except gdb.GdbError:
        return []
    return sorted(head + name for name in gtypes.flatten_fields(gtype)
                  if name.startswith(word))
