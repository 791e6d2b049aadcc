"""counter-fetch: counter(9) sums, as kvm_counter_u64_fetch, netstat -s and
vmstat -s compute them."""

import heapq
import json
import re

import gdb

from . import cpus, default_cpu, fmt, gtypes, interrupt, parameters, symtab
from . import target, vnet
from .args import parse_format, take_word
from .errors import user_errors
from ._kvm import NullCounterError

USAGE = ("Usage: counter-fetch [/FMT] [-v] [-c CPUS] [-sort] [-top N] "
         "[-t TYPE] [-V VNET] [-partial] [-json] [-e] [--] EXPR")

# Options: name -> the metavariable of its value, or None for a flag.
OPTIONS = {"v": None, "e": None, "c": "CPUS", "sort": None, "top": "N",
           "t": "TYPE", "V": "VNET", "partial": None, "json": None}

_SIMPLE_EXPR = re.compile(
    r"[A-Za-z_$][\w$]*(\s*(\.|->)\s*[A-Za-z_]\w*|\[\d+\])*\Z")
_MASK = (1 << 64) - 1


def _option(word):
    """The option names of one -word: the exact name, a unique prefix of a
    long name (GDB's own commands accept those), or letters of flags put
    together (-ve)."""
    name = word[1:]
    if name in OPTIONS:
        return [name]
    longs = [o for o in OPTIONS if len(o) > 1 and o.startswith(name)]
    if len(longs) == 1:
        return longs
    if all(OPTIONS.get(c, 0) is None for c in name):
        return list(name)
    raise gdb.GdbError("unknown option %s (%s)" % (
        word, ", ".join("-" + o for o in OPTIONS)))


def _is_option(text):
    """Whether text starts with an option: -LETTERS, or the "--" that ends
    them (-1 or -(x) start an expression)."""
    word = text.split(None, 1)[0] if text.strip() else ""
    return word == "--" or (word[:1] == "-" and word[1:2].isalpha())


def parse_arguments(arg):
    """(options, /FMT letter or None, EXPR) of counter-fetch's argument.

    /FMT may come first or after the options, as in print; "--" ends the
    options (for an EXPR that starts with a dash)."""
    opts = {}
    letter, _raw, rest = parse_format(arg)
    while _is_option(rest):
        parts = rest.split(None, 1)
        word, rest = parts[0], parts[1] if len(parts) > 1 else ""
        if word == "--":
            break
        for name in _option(word):
            if OPTIONS[name] is None:
                opts[name] = True
                continue
            value, rest = take_word(rest)
            if not value:
                raise gdb.GdbError("option -%s needs a value (%s)"
                                   % (name, OPTIONS[name]))
            opts[name] = value
        if letter is None and rest.startswith("/"):
            letter, _raw, rest = parse_format(rest)
    if letter is not None and letter not in fmt.INTEGER_FORMATS:
        raise gdb.GdbError("format /%s does not apply to a counter sum"
                           % letter)
    return opts, letter, rest.strip()


# --- What EXPR names: counters, with labels. --------------------------------


def counter_base(value):
    """The stored value of a counter_u64_t.  Only functions.py's $counter
    uses it, until the lead deletes functions.py (fn_counter.py replaces
    it); delete it then."""
    if not is_counter_type(value.type):
        raise gdb.GdbError("not a counter_u64_t (type %s)" % value.type)
    return int(value) & _MASK


def is_counter_type(gtype):
    """counter_u64_t: a pointer to a 64-bit integer."""
    gtype = gtype.strip_typedefs()
    if gtype.code != gdb.TYPE_CODE_PTR:
        return False
    inner = gtype.target().strip_typedefs()
    return inner.code == gdb.TYPE_CODE_INT and inner.sizeof == 8


class Counters:
    """The counters EXPR names: labels and stored values (bases), the
    struct view's other members, and the type the sums enter the value
    history as."""

    def __init__(self, expr, kind, labels, bases, history_type, others=()):
        self.expr = expr
        self.kind = kind                # "one", "array" or "struct"
        self.labels = labels
        self.bases = bases
        self.history_type = history_type
        self.others = list(others)      # [(member, text)]: the struct view

    def name(self, index):
        """How an error names counter index: tcpstat[3], vm_cnt.v_swtch."""
        label = self.labels[index]
        if self.kind == "one":
            return label
        return self.expr + (label if label.startswith("[") else "." + label)


def _stats_counters(gtype, prefix, base, out):
    """(label, counter index) of each 64-bit field of a stats struct."""
    for field in gtype.fields():
        if field.bitpos is None or field.is_base_class:
            continue
        off = base + field.bitpos // 8
        name = prefix + (field.name or "")
        ftype = field.type.strip_typedefs()
        if ftype.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            _stats_counters(ftype, name + "." if field.name else prefix, off,
                            out)
            continue
        if ftype.code == gdb.TYPE_CODE_ARRAY:
            elt = ftype.target().strip_typedefs()
            lo, hi = ftype.range()
            if elt.code == gdb.TYPE_CODE_INT and elt.sizeof == 8 and off % 8 == 0:
                for i in range(hi - lo + 1):
                    out.append(("%s[%d]" % (name, i), off // 8 + i))
                continue
        elif ftype.code == gdb.TYPE_CODE_INT and ftype.sizeof == 8 and off % 8 == 0:
            out.append((name, off // 8))
            continue
        raise gdb.GdbError("field %s of %s is not a 64-bit counter" % (name, gtype))
    return out


def _lookup_type(name):
    if name.startswith("struct "):
        found = symtab.lookup_struct(name[len("struct "):].strip())
        if found is not None:
            return found
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        pass
    try:
        return gdb.parse_and_eval("(%s *)0" % name).type.target()
    except gdb.error:
        raise gdb.GdbError("No type \"%s\"." % name) from None


def _pointers(kd, value, count):
    """The first count pointer-sized values of an array or where a pointer
    points, read by the core."""
    gtype = value.type.strip_typedefs()
    if gtype.code == gdb.TYPE_CODE_ARRAY and value.address is not None:
        return kd.read_pointers(int(value.address), count)
    if gtype.code == gdb.TYPE_CODE_PTR:
        return kd.read_pointers(int(value), count)
    return [int(value[i]) & _MASK for i in range(count)]


def _array(kd, expr, value, stats_name):
    gtype = value.type.strip_typedefs()
    is_array = gtype.code == gdb.TYPE_CODE_ARRAY
    if not ((is_array and is_counter_type(gtype.target()))
            or (stats_name and gtype.code == gdb.TYPE_CODE_PTR
                and is_counter_type(gtype.target()))):
        raise gdb.GdbError("%s is not an array of counter_u64_t (type %s)"
                           % (expr, value.type))
    uint64 = gtypes.uint64_type()
    if stats_name is None:
        lo, hi = gtype.range()
        count = hi - lo + 1
        return Counters(expr, "array", ["[%d]" % i for i in range(count)],
                        _pointers(kd, value, count),
                        uint64.array(count - 1))
    stats = _lookup_type(stats_name)
    if stats.strip_typedefs().code not in (gdb.TYPE_CODE_STRUCT,
                                           gdb.TYPE_CODE_UNION):
        raise gdb.GdbError("%s is not a struct" % stats_name)
    fields = _stats_counters(stats.strip_typedefs(), "", 0, [])
    count = stats.sizeof // 8
    if is_array:
        lo, hi = gtype.range()
        if hi - lo + 1 < count:
            raise gdb.GdbError("%s has %d counters, %s needs %d"
                               % (expr, hi - lo + 1, stats_name, count))
    bases = _pointers(kd, value, count)
    return Counters(expr, "array", [label for label, _i in fields],
                    [bases[i] for _label, i in fields], stats)


def _struct(kd, expr, value, letter):
    """The struct view: each counter member (and array of counters), then
    the other members as print shows them."""
    labels, offsets, elements, others = [], [], [], []
    for field in value.type.strip_typedefs().fields():
        if field.bitpos is None or not field.name:
            continue
        ftype = field.type.strip_typedefs()
        off = field.bitpos // 8
        if is_counter_type(ftype):
            labels.append(field.name)
            offsets.append(off)
            elements.append((field.name, None))
        elif (ftype.code == gdb.TYPE_CODE_ARRAY
              and is_counter_type(ftype.target())):
            lo, hi = ftype.range()
            step = ftype.target().sizeof
            for i in range(hi - lo + 1):
                labels.append("%s[%d]" % (field.name, i))
                offsets.append(off + i * step)
                elements.append((field.name, i))
        else:
            others.append((field.name,
                           fmt.format_value(value[field.name], letter)))
    if not labels:
        raise gdb.GdbError("%s is not a counter_u64_t and has no "
                           "counter_u64_t member (type %s)"
                           % (expr, value.type))
    if value.address is not None:
        size = target.current().pointer_size
        row = kd.read_fields([int(value.address)],
                             [(off, size, "u") for off in offsets])[0]
        if row is None:
            raise gdb.GdbError("Cannot access memory at address 0x%x"
                               % int(value.address))
        bases = list(row)
    else:               # a value of GDB's own (the value history)
        bases = [int(value[name] if i is None else value[name][i]) & _MASK
                 for name, i in elements]
    uint64 = gtypes.uint64_type()
    return Counters(expr, "struct", labels, bases,
                    uint64.array(len(labels) - 1), others)


def counters_of(kd, expr, value, stats_name, letter=None):
    """The Counters of EXPR's value (stats_name: -t TYPE)."""
    gtype = value.type.strip_typedefs()
    if stats_name is not None or gtype.code == gdb.TYPE_CODE_ARRAY:
        return _array(kd, expr, value, stats_name)
    if is_counter_type(gtype):
        return Counters(expr, "one", [expr], [int(value) & _MASK],
                        gtypes.uint64_type())
    if (gtype.code == gdb.TYPE_CODE_PTR and int(value) != 0
            and gtype.target().strip_typedefs().code == gdb.TYPE_CODE_STRUCT):
        return _struct(kd, expr, value.dereference(), letter)
    if gtype.code == gdb.TYPE_CODE_STRUCT:
        return _struct(kd, expr, value, letter)
    raise gdb.GdbError("%s is not a counter_u64_t (type %s)"
                       % (expr, value.type))


# --- Sums and slots. --------------------------------------------------------


def _named_null(counters, err, index=None):
    """NullCounterError err as one line naming the NULL counter (the
    first NULL one of an array, when index is None)."""
    if index is None:
        index = next((i for i, b in enumerate(counters.bases) if b == 0), 0)
    return gdb.GdbError("%s: %s" % (counters.name(index), err))


def signed(value):
    """A slot as the signed amount the kernel added (a slot at or above
    2^63 is a decrement)."""
    value &= _MASK
    return value - (1 << 64) if value >> 63 else value


def sums(kd, counters, partial):
    """(sums, CPUs left out) of every counter; the CPUs are [] unless
    partial, where an unreadable CPU is left out instead of an error."""
    try:
        if partial:
            return kd.counter_u64_fetch_partial(counters.bases)
        if counters.kind == "one":
            return [kd.counter_u64_fetch(counters.bases[0])], []
        return kd.counter_u64_fetch_array(counters.bases), []
    except NullCounterError as err:
        raise _named_null(counters, err) from None


def slots(kd, counters, index, shown, missing):
    """[(cpu, signed slot or None when unreadable)] of counter index, for
    the CPUs shown, in their order."""
    left_out = set(missing)
    readable = [c for c in shown if c not in left_out] if left_out else shown
    try:
        got = (kd.counter_u64_slots(counters.bases[index], readable)
               if readable else [])
    except NullCounterError as err:
        raise _named_null(counters, err, index) from None
    half, wrap = 1 << 63, 1 << 64
    rows = [(cpu, v - wrap if v >= half else v) for cpu, v in got]
    if not left_out:
        return rows
    values = dict(rows)
    return [(cpu, values.get(cpu)) for cpu in shown]


def _by_value(row):
    return row[1] if row[1] is not None else -(1 << 64)


def select(rows, sort, top):
    """rows [(cpu, value)] sorted by value, largest first (unreadable
    last), with -sort or -top; only the first top of them with -top."""
    if top is not None:
        return heapq.nlargest(top, rows, key=_by_value)
    if sort:
        return sorted(rows, key=_by_value, reverse=True)
    return rows


class CounterFetchCommand(gdb.Command):
    """Print the sum of counter(9) counters over the present CPUs.

Usage: counter-fetch [/FMT] [-v] [-c CPUS] [-sort] [-top N] [-t TYPE]
                     [-V VNET] [-partial] [-json] [-e] [--] EXPR

EXPR is a counter_u64_t: prints its sum, as kvm_counter_u64_fetch and the
kernel's counter_u64_fetch compute it (every present CPU's slot), as
"$N = SUM": the sum enters the value history, as print's values do.
EXPR may also be:
  an array of counters: "[i] = SUM" for each element;
  a struct with counter_u64_t members (vm_cnt, a struct vmmeter): the
  vmstat -s view, one "member = SUM" line per counter member, then the
  other members as print shows them.
The sums of an array or struct enter the value history together, as one
array of uint64_t ($ after the command; a struct TYPE with -t).

-t TYPE names the elements of an array of counters by the fields of the
structure TYPE, as VNET_PCPUSTAT arrays are (the netstat -s view): one
"field = SUM" line per field of TYPE, zeros included.  Quote a TYPE that has
a space, or not: -t 'struct tcpstat', -t struct tcpstat.

-V VNET resolves the VNET variables EXPR names (tcpstat, V_tcpstat or
vnet_entry_tcpstat) in that network stack: vnet0, a jail name or a struct
vnet address.  Without -V, a VNET variable of a VIMAGE kernel resolves in the
default stack (the selected thread's td_vnet, else vnet0), so that
-t 'struct tcpstat' tcpstat is what netstat -s shows.

-v prints each CPU's slot before the sum: "cpu N: VALUE SHARE BAR", SHARE
being the slot's part of the sum and BAR scaled so that the largest slot
shown (by magnitude) is full (set kgdb-pcpu bar-width).  A slot the kernel
decremented shows as the signed amount it added (-1), with a bar of "-".
-c CPUS shows only those CPUs (N, N-M, lists, all, expressions), -sort
sorts the CPUs by slot, largest first, and -top N shows the N largest;
each of them implies -v.  The sums are always over every present CPU.

-partial sums over the CPUs whose slot can be read, says so ("partial: CPU
N left out (unreadable)") and leaves the others out; without it an
unreadable slot is an error.

-json prints one JSON document instead: {"expression", "counters": [{"name",
"sum", "cpus": [{"cpu", "value", "share"}] with -v}], "members" (the struct
view's other members), "partial", "missing_cpus"}.

-e prints the plain GDB expression of the default CPU's slot (of the first
element for an array) instead of the sum.

FMT is x, z, o, t, d or u, as in print/FMT; without it, output-radix applies.
A NULL counter (not allocated yet) is an error naming it, never a sum.

Examples:
  counter-fetch vm_cnt.v_swtch
  counter-fetch -v -top 4 /x vm_cnt.v_swtch
  counter-fetch vm_cnt
  counter-fetch -t 'struct tcpstat' tcpstat
  counter-fetch -V web -t 'struct tcpstat' tcpstat
  counter-fetch -json -partial vm_cnt"""

    def __init__(self):
        # complete() below: options, struct tags, VNETs, CPUs, expressions.
        super().__init__("counter-fetch", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        opts, letter, expr = parse_arguments(arg)
        if not expr:
            raise gdb.GdbError(USAGE)
        if opts.get("e") and opts.get("json"):
            raise gdb.GdbError("-e and -json do not go together")
        tgt = target.current()
        kd = tgt.kd
        resolved = vnet.expression(expr, opts.get("V"))
        value = gdb.parse_and_eval(resolved)
        found = counters_of(kd, expr, value, opts.get("t"), letter)
        if opts.get("e"):
            gdb.write(self._explain(tgt, resolved, value, found) + "\n")
            return
        shown = self._shown_cpus(kd, opts)
        top = self._top(opts)
        totals, missing = sums(kd, found, opts.get("partial"))
        if opts.get("json"):
            self._json(kd, expr, found, totals, missing, shown, opts, top)
            return
        history = self._history(kd, found, totals)
        if missing:
            gdb.write("partial: CPU%s %s left out (unreadable)\n"
                      % ("s" if len(missing) > 1 else "",
                         cpus.format_list(missing)))
        radix = fmt.output_radix()
        if found.kind == "one":
            if shown is not None:
                self._slot_lines(kd, found, 0, totals[0], shown, missing,
                                 opts, top, letter, radix, "")
            text = fmt.integer(totals[0], letter, radix=radix)
            gdb.write("$%d = %s\n" % (history, text) if history
                      else text + "\n")
            return
        for i, label in enumerate(found.labels):
            interrupt.check()
            gdb.write("%s = %s\n" % (label, fmt.integer(totals[i], letter,
                                                       radix=radix)))
            if shown is not None:
                self._slot_lines(kd, found, i, totals[i], shown, missing,
                                 opts, top, letter, radix, "  ")
        for name, text in found.others:
            gdb.write("%s = %s\n" % (name, text))

    @staticmethod
    def _shown_cpus(kd, opts):
        """The CPUs -v shows (None without -v, -c, -sort or -top)."""
        if "c" in opts:
            return [cpus.require_present(kd, c) for c in cpus.parse(opts["c"])]
        if opts.get("v") or opts.get("sort") or "top" in opts:
            return kd.cpus()
        return None

    @staticmethod
    def _top(opts):
        if "top" not in opts:
            return None
        text = opts["top"]
        try:
            top = int(text, 0)
        except ValueError:
            top = int(gdb.parse_and_eval(text))
        if top < 1:
            raise gdb.GdbError("-top needs a positive count, not %s" % text)
        return top

    @staticmethod
    def _history(kd, found, totals):
        """Put the sums in GDB's value history: the number of $N, or None
        in a GDB without gdb.add_history (before 12)."""
        add = getattr(gdb, "add_history", None)
        if add is None:
            return None
        if found.kind == "one":
            return add(gdb.Value(totals[0]).cast(found.history_type))
        # A value of GDB's own, made of the sums in the target's byte order
        # (nothing of the target's memory is read or decoded here).  With
        # -t TYPE the sums are TYPE's 64-bit words in order, which fill it
        # when every member is a counter.
        if 8 * len(totals) != found.history_type.sizeof:
            return None
        data = b"".join((t & _MASK).to_bytes(8, kd.byteorder) for t in totals)
        return add(gdb.Value(data, found.history_type))

    @staticmethod
    def _slot_lines(kd, found, index, total, shown, missing, opts, top,
                    letter, radix, indent):
        rows = select(slots(kd, found, index, shown, missing),
                      opts.get("sort"), top)
        texts = [(cpu, fmt.integer(v, letter, signed=True, radix=radix)
                  if v is not None else "unreadable") for cpu, v in rows]
        width = max([len(t) for _c, t in texts] or [1])
        cpu_width = max([len(str(c)) for c, _t in texts] or [1])
        largest = max([abs(v) for _c, v in rows if v is not None] or [0])
        bar_width = parameters.bar_width()
        total = signed(total)
        lines = []
        for (cpu, value), (_cpu, text) in zip(rows, texts):
            line = "%scpu %*d: %*s" % (indent, cpu_width, cpu, width, text)
            if value is not None:
                line += " %6s %s" % (fmt.share(value, total),
                                     fmt.bar(value, largest, bar_width))
            lines.append(line.rstrip() + "\n")
        interrupt.check()
        gdb.write("".join(lines))

    @staticmethod
    def _json(kd, expr, found, totals, missing, shown, opts, top):
        items = []
        for i, label in enumerate(found.labels):
            interrupt.check()
            item = {"name": label, "sum": totals[i]}
            if shown is not None:
                total = signed(totals[i])
                item["cpus"] = [
                    {"cpu": cpu, "value": v,
                     "share": (round(100.0 * v / total, 3)
                               if v is not None and total else None)}
                    for cpu, v in select(slots(kd, found, i, shown, missing),
                                         opts.get("sort"), top)]
            items.append(item)
        doc = {"expression": expr, "counters": items,
               "partial": bool(opts.get("partial")), "missing_cpus": missing}
        if "V" in opts:
            doc["vnet"] = opts["V"]
        if found.kind == "struct":
            doc["members"] = [{"name": n, "value": t} for n, t in found.others]
        gdb.write(json.dumps(doc) + "\n")

    def complete(self, text, word):
        words = text.split()
        if not text or text[-1].isspace():
            words.append("")
        current = words[-1]
        before = words[:-1]
        prev = before[-1] if before else None
        if word is None:
            return []       # GDB's first call: default word breaking
        if prev == "-V":
            return [n for n in self._vnets(text, word) if n != "all"]
        if prev == "-c":
            return cpus.complete(current, word, allow_all=True)
        if prev == "-top":
            return []
        if prev == "-t":
            return [k for k in ("struct", "union") if k.startswith(word)]
        if (len(before) >= 2 and before[-2] == "-t"
                and prev in ("struct", "union")):
            return self._tags(prev, word)
        if self._in_options(before) and current.startswith("-"):
            # GDB breaks words at "-": complete what follows it.
            keep = len(current) - len(word)
            return [("-" + o)[keep:] for o in sorted(OPTIONS)
                    if ("-" + o).startswith(current)]
        return self._expressions(text, word)

    @staticmethod
    def _in_options(before):
        """Whether every word before the current one is an option or an
        option's value (so that the current word may be an option too)."""
        i = 0
        while i < len(before):
            w = before[i]
            if w.startswith("/"):
                i += 1
                continue
            if not w.startswith("-") or w == "--":
                return False
            try:
                names = _option(w)
            except gdb.GdbError:
                return False
            i += 1
            if names and OPTIONS[names[-1]] is not None:
                if (names[-1] == "t" and i < len(before)
                        and before[i] in ("struct", "union")):
                    i += 1
                i += 1
        return True

    @staticmethod
    def _vnets(text, word):
        from .cmd_vnet import complete_vnets
        try:
            return complete_vnets(text, word)
        except (gdb.error, gdb.GdbError):
            return []

    @staticmethod
    def _tags(keyword, word):
        try:
            found = gdb.execute("complete ptype %s %s" % (keyword, word),
                                to_string=True)
        except gdb.error:
            return []
        head = "ptype %s " % keyword
        return sorted({line[len(head):] for line in found.splitlines()
                       if line.startswith(head)})

    @staticmethod
    def _expressions(text, word):
        # GDB's expression completer reads the whole argument: past the
        # options, ask it about the expression alone.
        try:
            _opts, _letter, rest = parse_arguments(text)
        except gdb.GdbError:
            return []
        if text[-1:].isspace():
            rest += " "
        keep = len(rest) - len(word)
        if keep < 0:
            return []
        try:
            found = gdb.execute("complete print " + rest, to_string=True)
        except gdb.error:
            return []
        return [line[len("print "):][keep:] for line in found.splitlines()
                if line.startswith("print ")]

    @staticmethod
    def _explain(tgt, expr, value, found):
        kd = tgt.kd
        cpu = cpus.require_present(kd, default_cpu.default_cpu())
        _how, stride = kd.zpcpu_stride()
        text = expr if _SIMPLE_EXPR.match(expr) else "(%s)" % expr
        gtype = value.type.strip_typedefs()
        if found.kind == "struct":
            raise gdb.GdbError("-e takes one counter or an array of counters")
        if found.kind == "array":
            text = "%s[0]" % text
            gtype = gtype.target()
        type_name = (str(gtype.target()) if gtype.code == gdb.TYPE_CODE_PTR
                     else "uint64_t")
        if stride:
            off = "%d * %d" % (stride, cpu)
        else:
            off = "cpuid_to_pcpu[%d]->pc_zpcpu_offset" % cpu
        return "*(%s *)((char *)%s + %s)" % (type_name, text, off)


CounterFetchCommand()
