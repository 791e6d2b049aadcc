"""counter(9) counters in an ELF dump, without GDB: what EXPR names.

EXPR is a counter_u64_t, an array of them (named by a stats struct's
members with -t, the netstat -s view), or a struct with counter_u64_t
members (vm_cnt: the vmstat -s view); a VNET variable resolves in a
network stack (elfvnet.py).  The core reads the pointers (read_pointers,
read_fields); the sums, the slots and the text are counters.py's, as in
GDB, whose twin of this module is gcounters.py.  The layouts of struct
vmmeter and struct tcpstat are in docs/FREEBSD.md ("struct vmmeter and
vmstat -s", "struct tcpstat").
"""

import re

from . import elfvnet
from .counters import Counters
from .linkersets import VNET_PREFIX
from .modelerror import ModelError

_ADDRESS = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")


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
            raise ModelError("field %s of struct %s is not a 64-bit counter"
                            % (name, tag))
    return out


def counters(kern, expr, stats, vnet):
    """The Counters of EXPR in kern (an elfkernel.Kernel); stats: -t TYPE,
    vnet: -V VNET (None: the default stack)."""
    kd = kern.kd
    if _ADDRESS.match(expr) and stats is None:
        return Counters(expr, "one", [expr], [int(expr, 0)])
    symbol, addr, desc = kern.expression(expr)
    vnets = elfvnet.of(kern)
    if symbol.startswith(VNET_PREFIX) and vnets.vimage:
        stack = (vnets.resolve(vnet) if vnet is not None
                 else elfvnet.default(kern, vnets))
        addr = kd.vnet_addr(addr, stack.data_base)
    elif vnet is not None and vnets.vimage:
        raise ModelError("-V: %s is not a VNET variable" % expr)
    psize = kd.pointer_size
    counter = desc[3] == "pointer" and desc[2] == psize
    array = desc[3] == "array" and desc[4] == "pointer" and desc[5] == psize
    if stats is not None:
        tag = stats[len("struct "):].strip() if stats.startswith("struct ") \
            else stats
        if kern.members(tag) is None:
            raise ModelError("No struct type named %s." % tag)
        labels = _stats_labels(kern, tag, "", 0, [])
        count = max([i for _l, i in labels] or [-1]) + 1
        if not array:
            raise ModelError("%s is not an array of counter_u64_t" % expr)
        if desc[2] // psize < count:
            raise ModelError("%s has %d counters, %s needs %d"
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
    raise ModelError("%s is not a counter_u64_t, an array of them or a struct "
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
        raise ModelError("%s is not a counter_u64_t and has no counter_u64_t "
                        "member" % expr)
    row = kern.kd.read_fields([addr], [(o, psize, "u") for o in offsets])[0]
    if row is None:
        raise ModelError("Cannot access memory at address 0x%x" % addr)
    return Counters(expr, "struct", labels, list(row), others)
