"""counter(9) counters in an ELF dump, without GDB: what EXPR names, the
sums and the slots.

EXPR is a counter_u64_t, an array of them (named by a stats struct's
members with -t, the netstat -s view), or a struct with counter_u64_t
members (vm_cnt: the vmstat -s view); a VNET variable resolves in a
network stack (elfvnet.py).  The core reads the pointers and sums the
slots (read_pointers, counter_u64_fetch*, counter_u64_slots).  The layouts
of struct vmmeter and struct tcpstat, and NULL counters, are in
docs/FREEBSD.md ("struct vmmeter and vmstat -s", "struct tcpstat",
"counter(9) and zpcpu").
"""

import heapq
import re

from . import intfmt
from ._kvm import NullCounterError
from .elfkernel import VNET_PREFIX, UserError
from .elfvnet import Vnets

_ADDRESS = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")


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
        """NullCounterError err as a UserError naming the NULL counter (the
        first NULL one, when index is None)."""
        if index is None:
            index = next((i for i, b in enumerate(self.bases) if b == 0), 0)
        return UserError("%s: %s" % (self.name(index), err))


def _stats_labels(kern, tag, prefix, base, out):
    """(label, 64-bit word index) of each 64-bit member of struct tag."""
    for m in kern.members(tag) or ():
        name, off = prefix + (m[0] or ""), base + m[1]
        if m[3] == "struct" and m[6] is not None:
            _stats_labels(kern, m[6], name + "." if m[0] else prefix, off, out)
        elif m[3] == "array" and m[4] in ("int", "uint") and m[5] == 8 \
                and off % 8 == 0:
            out.extend(("%s[%d]" % (name, i), off // 8 + i)
                       for i in range(m[2] // 8))
        elif m[3] in ("int", "uint") and m[2] == 8 and off % 8 == 0:
            out.append((name, off // 8))
        else:
            raise UserError("field %s of struct %s is not a 64-bit counter"
                            % (name, tag))
    return out


def counters(kern, expr, stats, vnet):
    """The Counters of EXPR in kern (an elfkernel.Kernel); stats: -t TYPE,
    vnet: -V VNET (None: the default stack)."""
    kd = kern.kd
    if _ADDRESS.match(expr) and stats is None:
        return Counters(expr, "one", [expr], [int(expr, 0)])
    symbol, addr, desc = kern.expression(expr)
    vnets = Vnets(kern)
    if symbol.startswith(VNET_PREFIX) and vnets.vimage:
        base = vnets.resolve(vnet) if vnet is not None else vnets.default()
        addr = kd.vnet_addr(addr, base)
    elif vnet is not None and vnets.vimage:
        raise UserError("-V: %s is not a VNET variable" % expr)
    psize = kd.pointer_size
    counter = desc[3] == "pointer" and desc[2] == psize
    array = desc[3] == "array" and desc[4] == "pointer" and desc[5] == psize
    if stats is not None:
        tag = stats[len("struct "):].strip() if stats.startswith("struct ") \
            else stats
        if kern.members(tag) is None:
            raise UserError("No struct type named %s." % tag)
        labels = _stats_labels(kern, tag, "", 0, [])
        count = max([i for _l, i in labels] or [-1]) + 1
        if not array:
            raise UserError("%s is not an array of counter_u64_t" % expr)
        if desc[2] // psize < count:
            raise UserError("%s has %d counters, %s needs %d"
                            % (expr, desc[2] // psize, stats, count))
        bases = kd.read_pointers(addr, count)
        return Counters(expr, "array", [l for l, _i in labels],
                        [bases[i] for _l, i in labels])
    if counter:
        return Counters(expr, "one", [expr], kd.read_pointers(addr, 1))
    if array:
        count = desc[2] // psize
        return Counters(expr, "array", ["[%d]" % i for i in range(count)],
                        kd.read_pointers(addr, count))
    if desc[3] == "struct" and desc[6] is not None:
        return _struct_counters(kern, expr, addr, desc[6])
    raise UserError("%s is not a counter_u64_t, an array of them or a struct "
                    "with counter_u64_t members" % expr)


def _struct_counters(kern, expr, addr, tag):
    """The vmstat -s view: each pointer member is a counter_u64_t (the ELF
    target's types do not say what a pointer points to; struct vmmeter's
    pointers are all counters), the others shown as they are."""
    psize = kern.kd.pointer_size
    labels, offsets, others = [], [], []
    for m in kern.members(tag) or ():
        if m[0] is None:
            continue
        if m[3] == "pointer" and m[2] == psize:
            labels.append(m[0])
            offsets.append(m[1])
        elif m[3] == "array" and m[4] == "pointer" and m[5] == psize:
            labels.extend("%s[%d]" % (m[0], i) for i in range(m[2] // psize))
            offsets.extend(m[1] + i * psize for i in range(m[2] // psize))
        else:
            obj = kern.typed(addr + m[1], m)
            row = kern.kd.read_fields([obj.address], obj.fields)[0]
            others.append((m[0], obj.show(row)))
    if not labels:
        raise UserError("%s is not a counter_u64_t and has no counter_u64_t "
                        "member" % expr)
    row = kern.kd.read_fields([addr], [(o, psize, "u") for o in offsets])[0]
    if row is None:
        raise UserError("Cannot access memory at address 0x%x" % addr)
    return Counters(expr, "struct", labels, list(row), others)


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


def _by_value(row):
    return row[1] if row[1] is not None else -(1 << 64)


def slots(kd, found, index, shown, missing, sort=False, top=None):
    """[(cpu, signed slot or None when unreadable)] of counter index for
    the CPUs shown, in their order; sorted by value, largest first, with
    sort or top, and only the top largest with top."""
    readable = [c for c in shown if c not in missing]
    try:
        got = dict(kd.counter_u64_slots(found.bases[index], readable))
    except NullCounterError as err:
        raise found.null(err, index) from None
    rows = [(c, intfmt.signed64(got[c]) if c in got else None) for c in shown]
    if top is not None:
        return heapq.nlargest(top, rows, key=_by_value)
    if sort:
        return sorted(rows, key=_by_value, reverse=True)
    return rows
