"""The counter(9) counters a GDB value names (counter-fetch, $counter).

A counter_u64_t, an array of them (named by a stats struct's members with
-t: the netstat -s view), or a struct with counter_u64_t members (vm_cnt:
the vmstat -s view), read from GDB's types; the core reads the stored
pointers (read_pointers, read_fields).  The command line's twin, over the
ELF kernel's DWARF, is elfcounter.py; both give a counters.Counters.
"""

import gdb

from . import fmt, symtab, target
from .counters import Counters

_MASK = (1 << 64) - 1


def is_counter_type(gtype):
    """counter_u64_t: a pointer to a 64-bit integer."""
    gtype = gtype.strip_typedefs()
    if gtype.code != gdb.TYPE_CODE_PTR:
        return False
    inner = gtype.target().strip_typedefs()
    return inner.code == gdb.TYPE_CODE_INT and inner.sizeof == 8


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
    if stats_name is None:
        lo, hi = gtype.range()
        count = hi - lo + 1
        return Counters(expr, "array", ["[%d]" % i for i in range(count)],
                        _pointers(kd, value, count))
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
                    [bases[i] for _label, i in fields])


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
    return Counters(expr, "struct", labels, bases, others)


def counters_of(kd, expr, value, stats_name, letter=None):
    """The Counters of EXPR's value (stats_name: -t TYPE)."""
    gtype = value.type.strip_typedefs()
    if stats_name is not None or gtype.code == gdb.TYPE_CODE_ARRAY:
        return _array(kd, expr, value, stats_name)
    if is_counter_type(gtype):
        return Counters(expr, "one", [expr], [int(value) & _MASK])
    if (gtype.code == gdb.TYPE_CODE_PTR and int(value) != 0
            and gtype.target().strip_typedefs().code == gdb.TYPE_CODE_STRUCT):
        return _struct(kd, expr, value.dereference(), letter)
    if gtype.code == gdb.TYPE_CODE_STRUCT:
        return _struct(kd, expr, value, letter)
    raise gdb.GdbError("%s is not a counter_u64_t (type %s)"
                       % (expr, value.type))
