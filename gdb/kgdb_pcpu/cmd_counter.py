"""counter-fetch: counter(9) sums, as kvm_counter_u64_fetch and netstat -s."""

import re

import gdb

from . import default_cpu, interrupt, parameters, target, vnet
from .common import split_options, parse_format, user_errors

_SIMPLE_EXPR = re.compile(r"[A-Za-z_$][\w$]*(\s*(\.|->)\s*[A-Za-z_]\w*|\[\d+\])*\Z")


def is_counter_type(gtype):
    """counter_u64_t: a pointer to a 64-bit integer."""
    gtype = gtype.strip_typedefs()
    if gtype.code != gdb.TYPE_CODE_PTR:
        return False
    inner = gtype.target().strip_typedefs()
    return inner.code == gdb.TYPE_CODE_INT and inner.sizeof == 8


def _pointer_size():
    return gdb.lookup_type("void").pointer().sizeof


def counter_base(value):
    """The stored value of a counter_u64_t (or of an integer given as one)."""
    gtype = value.type.strip_typedefs()
    if is_counter_type(gtype) or (gtype.code == gdb.TYPE_CODE_INT
                                  and gtype.sizeof == _pointer_size()):
        return int(value) & ((1 << 64) - 1)
    raise gdb.GdbError("not a counter_u64_t (type %s)" % value.type)


def format_number(value, fmt):
    """A uint64_t as print/FMT shows it."""
    value &= (1 << 64) - 1
    if fmt == "x":
        return "0x%x" % value
    if fmt == "z":
        return "0x%016x" % value
    if fmt == "o":
        return "0%o" % value if value else "0"
    if fmt == "t":
        return "%s" % bin(value)[2:]
    if fmt == "d":
        return "%d" % (value - (1 << 64) if value >= 1 << 63 else value)
    return "%d" % value


def _struct_counters(gtype, prefix, base, out):
    """(label, counter index) of each 64-bit field of a stats struct."""
    for field in gtype.fields():
        if field.bitpos is None or field.is_base_class:
            continue
        off = base + field.bitpos // 8
        name = prefix + (field.name or "")
        ftype = field.type.strip_typedefs()
        if ftype.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            _struct_counters(ftype, name + "." if field.name else prefix, off, out)
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


def lookup_stats_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        pass
    try:
        return gdb.parse_and_eval("(%s *)0" % name).type.target()
    except gdb.error:
        raise gdb.GdbError("No type \"%s\"." % name) from None


def _read_bases(tgt, value, count):
    """The stored values of the first count counters of an array or pointer."""
    gtype = value.type.strip_typedefs()
    size = tgt.pointer_size
    if gtype.code == gdb.TYPE_CODE_ARRAY and value.address is not None:
        addr = int(value.address)
    elif gtype.code == gdb.TYPE_CODE_PTR:
        addr = int(value)
    else:
        return [counter_base(value[i]) for i in range(count)]
    try:
        data = tgt.inferior.read_memory(addr, size * count).tobytes()
    except gdb.MemoryError:
        raise gdb.GdbError("Cannot access memory at address 0x%x" % addr) from None
    order = "big" if tgt.big_endian else "little"
    return [int.from_bytes(data[i * size:(i + 1) * size], order)
            for i in range(count)]


def bar(value, largest, width):
    if width <= 0 or largest <= 0 or value <= 0:
        return ""
    return "#" * max(1, round(width * value / largest))


class CounterFetchCommand(gdb.Command):
    """Print the sum of counter(9) counters over the present CPUs.

Usage: counter-fetch [/FMT] [-v] [-e] [-t TYPE] [-V VNET] EXPR

EXPR is a counter_u64_t (prints its sum, as kvm_counter_u64_fetch and the
kernel's counter_u64_fetch compute it: every present CPU's slot), or an array
of counters (prints "[i] = SUM" for each element).

-t TYPE names the elements of an array of counters by the fields of the
structure TYPE, as VNET_PCPUSTAT arrays are (the netstat -s view): one
"field = SUM" line per field of TYPE, zeros included.  Quote a TYPE that has
a space: -t 'struct tcpstat'.

-V VNET resolves the VNET variables EXPR names (tcpstat, V_tcpstat or
vnet_entry_tcpstat) in that network stack: vnet0, a jail name or a struct
vnet address.  Without -V, a VNET variable of a VIMAGE kernel resolves in the
default stack (the selected thread's td_vnet, else vnet0), so that
-t 'struct tcpstat' tcpstat is what netstat -s shows.

-v prints each present CPU's slot, "cpu N: VALUE" with a bar scaled to the
largest slot (set kgdb-pcpu bar-width), before the total.

-e prints the plain GDB expression of the default CPU's slot (of the first
element for an array) instead of the sum.

FMT is x, z, o, t, d or u, as in print/FMT.

Examples:
  counter-fetch vm_cnt.v_swtch
  counter-fetch -v /x vm_cnt.v_swtch
  counter-fetch -t 'struct tcpstat' tcpstat
  counter-fetch -V web -t 'struct tcpstat' tcpstat"""

    def __init__(self):
        # complete() below: the VNET of -V, else an expression.
        super().__init__("counter-fetch", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        fmt, raw, rest = parse_format(arg)
        opts, rest = split_options(rest, "ve", with_value="tV")
        if fmt is None:
            fmt, raw, rest = parse_format(rest)
        if fmt is not None and fmt not in "xzotdu":
            raise gdb.GdbError("format /%s does not apply to a counter sum" % fmt)
        expr = rest.strip()
        if not expr:
            raise gdb.GdbError("Usage: counter-fetch [/FMT] [-v] [-e] [-t TYPE] "
                               "[-V VNET] EXPR")
        tgt = target.current()
        kd = tgt.kd
        resolved = vnet.expression(expr, opts.get("V"))
        value = gdb.parse_and_eval(resolved)
        gtype = value.type.strip_typedefs()
        if "t" in opts:
            stats = lookup_stats_type(opts["t"])
            if stats.strip_typedefs().code not in (gdb.TYPE_CODE_STRUCT,
                                                   gdb.TYPE_CODE_UNION):
                raise gdb.GdbError("%s is not a struct" % opts["t"])
            labels = _struct_counters(stats.strip_typedefs(), "", 0, [])
            count = stats.sizeof // 8
            if gtype.code == gdb.TYPE_CODE_ARRAY:
                lo, hi = gtype.range()
                if not is_counter_type(gtype.target()):
                    raise gdb.GdbError("%s is not an array of counter_u64_t "
                                       "(type %s)" % (expr, value.type))
                if hi - lo + 1 < count:
                    raise gdb.GdbError(
                        "%s has %d counters, %s needs %d"
                        % (expr, hi - lo + 1, opts["t"], count))
            elif not (gtype.code == gdb.TYPE_CODE_PTR
                      and is_counter_type(gtype.target())):
                raise gdb.GdbError("%s is not an array of counter_u64_t (type %s)"
                                   % (expr, value.type))
            items = labels
        elif gtype.code == gdb.TYPE_CODE_ARRAY:
            if not is_counter_type(gtype.target()):
                raise gdb.GdbError("%s is not an array of counter_u64_t (type %s)"
                                   % (expr, value.type))
            lo, hi = gtype.range()
            count = hi - lo + 1
            items = [("[%d]" % i, i) for i in range(count)]
        elif is_counter_type(gtype):
            count = 0
            items = None
        else:
            raise gdb.GdbError("%s is not a counter_u64_t (type %s)"
                               % (expr, value.type))

        if opts.get("e"):
            gdb.write(self._explain(tgt, resolved, value, items) + "\n")
            return
        if items is None:
            base = counter_base(value)
            if opts.get("v"):
                self._slots(kd, base, fmt, "")
                gdb.write("total: %s\n" % format_number(kd.counter_u64_fetch(base), fmt))
            else:
                gdb.write(format_number(kd.counter_u64_fetch(base), fmt) + "\n")
            return
        bases = _read_bases(tgt, value, count)
        sums = kd.counter_u64_fetch_array(bases)
        for label, index in items:
            interrupt.check()
            gdb.write("%s = %s\n" % (label, format_number(sums[index], fmt)))
            if opts.get("v"):
                self._slots(kd, bases[index], fmt, "  ")

    @staticmethod
    def _slots(kd, base, fmt, indent):
        slots = kd.counter_u64_slots(base)
        shown = [(cpu, format_number(v, fmt), v) for cpu, v in slots]
        width = max([len(s) for _c, s, _v in shown] or [1])
        signed = [v - (1 << 64) if v >= 1 << 63 else v for _c, _s, v in shown]
        largest = max(signed or [0])
        bar_width = parameters.bar_width()
        for (cpu, text, _v), sval in zip(shown, signed):
            interrupt.check()
            line = "%scpu %d: %*s" % (indent, cpu, width, text)
            marks = bar(sval, largest, bar_width)
            if marks:
                line += " " + marks
            gdb.write(line.rstrip() + "\n")

    def complete(self, text, word):
        # The VNET of -V: vnet0 and the jail names; else an expression.
        words = text.split()
        if text[-1:].isspace() or not text:
            words.append("")
        if len(words) >= 2 and words[-2] == "-V":
            if word is None:
                return []       # GDB's first call: default word breaking
            from .cmd_vnet import complete_vnets
            try:
                return [n for n in complete_vnets(text, word) if n != "all"]
            except (gdb.error, gdb.GdbError):
                return []
        # GDB's expression completer reads the whole argument: past options,
        # ask it about the expression alone.
        try:
            _fmt, _raw, rest = parse_format(text)
            _opts, rest = split_options(rest, "ve", with_value="tV")
        except gdb.GdbError:
            return gdb.COMPLETE_EXPRESSION
        if not rest or rest == text.lstrip():
            return gdb.COMPLETE_EXPRESSION
        if word is None:
            return []           # GDB's first call: default word breaking
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
    def _explain(tgt, expr, value, items):
        kd = tgt.kd
        cpu = default_cpu.default_cpu()
        kd.zpcpu_addr(0, cpu)       # the core's checks: CPU present
        _how, stride = kd.zpcpu_stride()
        text = expr if _SIMPLE_EXPR.match(expr) else "(%s)" % expr
        gtype = value.type.strip_typedefs()
        if items is not None:
            text = "%s[0]" % text
            gtype = gtype.target()
        type_name = str(gtype.target()) if gtype.code == gdb.TYPE_CODE_PTR else "uint64_t"
        if stride:
            off = "%d * %d" % (stride, cpu)
        else:
            off = "cpuid_to_pcpu[%d]->pc_zpcpu_offset" % cpu
        return "*(%s *)((char *)%s + %s)" % (type_name, text, off)


CounterFetchCommand()
