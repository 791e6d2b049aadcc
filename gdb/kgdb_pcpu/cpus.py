"""The CPU grammar of every command and function, parsed in one place.

A CPU argument is a comma list of items, as crash and drgn write them:

  N        one CPU: a number or any GDB expression ($c, mp_maxid - 1)
  N-M      the CPUs N to M; each end is a number or an expression (0-$c)
  all, a   every present CPU, in CPU_FOREACH order (alone, not in a list)
  -1       the default CPU (FreeBSD's sys/tools/gdb convention)

A dash that has white space on both sides is a subtraction, not a range:
"mp_maxid - 1" is one CPU, "0-mp_maxid" a range.  A dash inside parentheses
or brackets, the "->" of a member access, and the minus after a cast
("(unsigned)-1") are never ranges.

The splitting is pure Python (split(), usable outside GDB by the CLI); the
ends are evaluated by a function the caller gives: GDB's parse_and_eval in
GDB, int() in the CLI.
"""

import re

from ._kvm import CpuAbsentError, CpuRangeError

ALL = ("all", "a")
DEFAULT = -1
# The largest list built: mp_maxcpus is refused above this by the core.
CPU_LIMIT = 65536

# A cast before a unary minus: "(unsigned)", "(u_int)", "(long long)".
_CAST = re.compile(r"\s*\(\s*[A-Za-z_][\w\s]*\**\s*\)\s*\Z")
_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|\d+)\Z")


class CpuSyntaxError(ValueError):
    """A CPU argument that the grammar does not accept."""


def is_all(text):
    return text.strip().lower() in ALL


def _top_level(text, sep):
    """Indexes of sep in text outside (), [] and quotes."""
    depth = 0
    quote = None
    out = []
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(i)
    return out


def _range_dash(item):
    """The index of the dash that makes item a range N-M, or None."""
    for i in _top_level(item, "-"):
        if i == 0:
            continue                        # a leading minus: -1
        if item[i + 1:i + 2] in (">", "-", "="):
            continue                        # ->, --, -=
        if item[i - 1] in "-+*/%&|^<>=!(~,":
            continue                        # a unary minus: 2*-1
        if item[i - 1].isspace() and item[i + 1:i + 2].isspace():
            continue                        # a - b: a subtraction
        if _CAST.match(item[:i]):
            continue                        # (unsigned)-1: a cast
        return i
    return None


def split(text):
    """The items of a CPU argument: a list of ("all",) or ("one", expr) or
    ("range", first_expr, last_expr), with the texts stripped.

    Raises CpuSyntaxError for an empty argument or item, or "all" in a list."""
    text = text.strip()
    if not text:
        raise CpuSyntaxError("a CPU is required")
    if is_all(text):
        return [("all",)]
    items = []
    start = 0
    for end in _top_level(text, ",") + [len(text)]:
        item = text[start:end].strip()
        start = end + 1
        if not item:
            raise CpuSyntaxError("invalid CPU list '%s': empty item" % text)
        if is_all(item):
            raise CpuSyntaxError("invalid CPU list '%s': 'all' stands alone"
                                 % text)
        dash = _range_dash(item)
        if dash is None:
            items.append(("one", item))
        else:
            first, last = item[:dash].strip(), item[dash + 1:].strip()
            if not first or not last:
                raise CpuSyntaxError("invalid CPU list '%s': '%s' is not N-M"
                                     % (text, item))
            items.append(("range", first, last))
    return items


def int_value(expr):
    """An evaluator for the CLI: integer literals only."""
    if _INT.match(expr.strip()):
        return int(expr.strip(), 0)
    raise CpuSyntaxError("invalid CPU '%s': not a number" % expr)


def expand(items, evaluate, present, check, default=None):
    """The CPU ids of split()'s items, in order, repeats removed.

    evaluate(text) -> int gives the value of an end; present() the present
    CPUs (for "all"); check(cpu) raises the error for a CPU at or beyond
    mp_maxcpus, before any list is built, and for a negative one; default()
    gives the default CPU for -1 (None: -1 is left for check to refuse).
    An absent CPU below mp_maxcpus stays in the list: the caller says
    "CPU N not found" where it reaches it."""
    cpus = []
    seen = set()

    def value(expr):
        cpu = evaluate(expr)
        if cpu == DEFAULT and default is not None:
            cpu = default()
        check(cpu)
        return cpu

    for item in items:
        if item[0] == "all":
            ids = list(present())
        elif item[0] == "one":
            ids = [value(item[1])]
        else:
            first, last = value(item[1]), value(item[2])
            if first < 0:
                raise CpuSyntaxError("invalid CPU range %s-%s: %d is negative"
                                     % (item[1], item[2], first))
            if last < first:
                raise CpuSyntaxError("invalid CPU range %s-%s: %d-%d is "
                                     "reversed" % (item[1], item[2], first,
                                                   last))
            ids = range(first, min(last, first + CPU_LIMIT) + 1)
        for cpu in ids:
            if cpu not in seen:
                seen.add(cpu)
                cpus.append(cpu)
    return cpus


def format_list(cpus):
    """"0-3,8-11" for [0, 1, 2, 3, 8, 9, 10, 11] (sorted, repeats dropped)."""
    ids = sorted(set(int(c) for c in cpus))
    parts = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else "%d-%d" % (ids[i], ids[j]))
        i = j + 1
    return ",".join(parts)


# --- In GDB: ends are GDB expressions; the handle checks and lists CPUs. ---

# The core takes a CPU as a C int.
_INT_MAX = 0x7fffffff


def _kvm():
    from . import target
    return target.kvm()


def check(kd, cpu):
    """The error for a CPU no kernel can have: CpuRangeError "CPU N too big
    (mp_maxcpus is M)" at or beyond mp_maxcpus, CpuAbsentError "CPU N not
    found" below 0.  An absent CPU in between passes."""
    if cpu < 0:
        raise CpuAbsentError("CPU %d not found" % cpu)
    if cpu > _INT_MAX:
        raise CpuRangeError("CPU %d too big (mp_maxcpus is %d)"
                            % (cpu, kd.getmaxcpu()))
    kd.pcpu_addr(cpu)           # the core's CpuRangeError


def require_present(kd, cpu):
    """cpu, when it is present; else the error check() gives, or
    CpuAbsentError "CPU N not found" (ddb's words)."""
    check(kd, cpu)
    if kd.pcpu_addr(cpu) is None:
        raise CpuAbsentError("CPU %d not found" % cpu)
    return cpu


def default():
    """The default CPU (default_cpu.py: the selected thread's CPU)."""
    from . import default_cpu
    return default_cpu.default_cpu()


def from_value(value, what="CPU"):
    """A CPU id from a gdb.Value of integer type (-1 stays -1)."""
    import gdb
    code = value.type.strip_typedefs().code
    if code not in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_BOOL,
                    gdb.TYPE_CODE_CHAR):
        raise CpuSyntaxError("invalid %s: not an integer (type %s)"
                             % (what, value.type))
    return int(value)


def gdb_value(expr):
    """The value of one end: a number, or any GDB expression."""
    import gdb
    expr = expr.strip()
    if _INT.match(expr):
        return int(expr, 0)
    try:
        value = gdb.parse_and_eval(expr)
    except gdb.error as err:
        text = " ".join(str(err).split())
        raise CpuSyntaxError("invalid CPU '%s': %s" % (expr, text)) from None
    return from_value(value, "CPU '%s'" % expr)


def resolve(cpu):
    """The present CPU cpu, -1 meaning the default CPU; CpuRangeError or
    CpuAbsentError (check(), require_present()) otherwise."""
    if cpu == DEFAULT:
        return default()
    return require_present(_kvm(), cpu)


def parse(text):
    """The CPUs of a CPU argument (see the module's docstring).  Absent
    CPUs below mp_maxcpus are kept: the caller says "CPU N not found"."""
    kd = _kvm()
    return expand(split(text), gdb_value, kd.cpus,
                  lambda cpu: check(kd, cpu), default)


def parse_one(text):
    """One present CPU: a number or an expression, -1 for the default CPU."""
    items = split(text)
    if len(items) != 1 or items[0][0] != "one":
        raise CpuSyntaxError("invalid CPU '%s': one CPU is needed here, "
                             "not a list" % text.strip())
    return resolve(gdb_value(items[0][1]))


def complete(text, word, allow_all=True):
    """Completions of the CPU argument text (word: its last word): the
    present CPU ids, and "all" when it would be the whole argument."""
    if word is None:
        return []
    try:
        ids = [str(c) for c in _kvm().cpus()]
    except Exception:       # noqa: BLE001  no handle: nothing to offer
        ids = []
    head = text[:len(text) - len(word)].strip()
    words = list(ids)
    if allow_all and not head:
        words = ["all"] + words
    return [w for w in words if w.startswith(word)]
