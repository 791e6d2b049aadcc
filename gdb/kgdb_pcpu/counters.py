"""counter-fetch without GDB: the sums, the slots, and everything it prints.

The one implementation of counter-fetch's output, used by the GDB command
(cmd_counter.py) and the command line (cli.py).  What EXPR names is the
target's business (gcounters.py reads GDB's types, elfcounter.py the ELF
kernel's DWARF): both give a Counters, the stored values (bases) of the
counters and their labels.  The core sums and reads the slots
(counter_u64_fetch*, counter_u64_slots); this module chooses the slots -v
shows (-c, -sort, -top) and writes the lines and the JSON document.  NULL
counters are in docs/FREEBSD.md ("counter(9) and zpcpu").
"""

import heapq

from . import cpus, intfmt
from ._kvm import NullCounterError
from .modelerror import ModelError


class Counters:
    """The counters EXPR names: labels and stored values (bases), and the
    struct view's other members [(member, text)]."""

    def __init__(self, expr, kind, labels, bases, others=()):
        self.expr = expr
        self.kind = kind                # "one", "array" or "struct"
        self.labels = labels
        self.bases = bases
        self.others = list(others)

    def name(self, index):
        """The counter index as the user writes it: tcpstat[3], vm_cnt.v_swtch."""
        label = self.labels[index]
        if self.kind == "one":
            return label
        return self.expr + (label if label.startswith("[") else "." + label)

    def null(self, err, index=None):
        """The core's NullCounterError err as one line naming the NULL
        counter (the first NULL one, when index is None)."""
        if index is None:
            index = next((i for i, b in enumerate(self.bases) if b == 0), 0)
        return ModelError("%s: %s" % (self.name(index), err))


# --- Sums and slots, read by the core. -------------------------------------


def sums(kd, found, partial):
    """(sums, CPUs left out) of every counter of found; the CPUs are []
    unless partial, where an unreadable CPU is left out instead of an
    error."""
    try:
        if partial:
            return kd.counter_u64_fetch_partial(found.bases)
        if found.kind == "one":
            return [kd.counter_u64_fetch(found.bases[0])], []
        return kd.counter_u64_fetch_array(found.bases), []
    except NullCounterError as err:
        raise found.null(err) from None


def shown_cpus(kd, listed, verbose):
    """The CPUs -v shows: the CPUs listed (-c), each of them present; else
    every present CPU when verbose (-v, -sort, -top); else None."""
    if listed is not None:
        return [cpus.require_present(kd, c) for c in listed]
    return kd.cpus() if verbose else None


def slots(kd, found, index, shown, missing):
    """[(cpu, signed slot or None when unreadable)] of counter index, for
    the CPUs shown, in their order (a slot at or above 2^63 is the
    decrement the kernel made)."""
    left_out = set(missing)
    readable = [c for c in shown if c not in left_out] if left_out else shown
    try:
        got = (kd.counter_u64_slots(found.bases[index], readable)
               if readable else [])
    except NullCounterError as err:
        raise found.null(err, index) from None
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
    last), with sort or top; only the first top of them with top."""
    if top is not None:
        return heapq.nlargest(top, rows, key=_by_value)
    if sort:
        return sorted(rows, key=_by_value, reverse=True)
    return rows


def rows_of(kd, found, shown, missing, sort=False, top=None):
    """The function of a counter index giving the rows -v shows of it
    (slots, then select), or None for every index when shown is None."""
    if shown is None:
        return lambda index: None
    return lambda index: select(slots(kd, found, index, shown, missing),
                                sort, top)


# --- Text and JSON. ---------------------------------------------------------


def partial_line(missing):
    """The line saying which CPUs -partial left out."""
    return "partial: CPU%s %s left out (unreadable)" % (
        "s" if len(missing) > 1 else "", cpus.format_list(missing))


def slot_lines(rows, total, letter, radix, indent, bar_width):
    """-v's "cpu N: VALUE SHARE BAR" lines of rows [(cpu, signed slot or
    None)]: SHARE of the sum total, BAR scaled so that the largest
    magnitude shown is bar_width long."""
    texts = [intfmt.integer(v, letter, signed=True, radix=radix)
             if v is not None else "unreadable" for _c, v in rows]
    width = max([len(t) for t in texts] or [1])
    cpu_width = max([len(str(c)) for c, _v in rows] or [1])
    largest = max([abs(v) for _c, v in rows if v is not None] or [0])
    total = intfmt.signed64(total)
    out = []
    for (cpu, value), text in zip(rows, texts):
        line = "%scpu %*d: %*s" % (indent, cpu_width, cpu, width, text)
        if value is not None:
            line += " %6s %s" % (intfmt.share(value, total),
                                 intfmt.bar(value, largest, bar_width))
        out.append(line.rstrip())
    return out


def lines(found, totals, missing, rows, letter=None, radix=10, bar_width=30,
          history=None):
    """counter-fetch's lines: the partial line, then a lone counter's slots
    and sum ("$N = SUM" when history is N, GDB's value history), or each
    counter's "LABEL = SUM" and its slots; then the struct view's other
    members.  rows is rows_of()'s function; letter a print/FMT letter of
    intfmt.INTEGER_FORMATS or None (radix: output-radix)."""
    if missing:
        yield partial_line(missing)
    indent = "" if found.kind == "one" else "  "
    for i, label in enumerate(found.labels):
        text = intfmt.integer(totals[i], letter, radix=radix)
        if found.kind != "one":
            yield "%s = %s" % (label, text)
        shown = rows(i)
        if shown is not None:
            yield from slot_lines(shown, totals[i], letter, radix, indent,
                                  bar_width)
        if found.kind == "one":
            yield "$%d = %s" % (history, text) if history else text
    for name, text in found.others:
        yield "%s = %s" % (name, text)


def document(found, totals, missing, rows, partial, vnet=None):
    """counter-fetch -json's document (a dict for json.dumps)."""
    items = []
    for i, label in enumerate(found.labels):
        item = {"name": label, "sum": totals[i]}
        shown = rows(i)
        if shown is not None:
            total = intfmt.signed64(totals[i])
            item["cpus"] = [{"cpu": c, "value": v,
                             "share": (round(100.0 * v / total, 3)
                                       if v is not None and total else None)}
                            for c, v in shown]
        items.append(item)
    doc = {"expression": found.expr, "counters": items,
           "partial": bool(partial), "missing_cpus": missing}
    if vnet is not None:
        doc["vnet"] = vnet
    if found.kind == "struct":
        doc["members"] = [{"name": n, "value": t} for n, t in found.others]
    return doc
