"""counter-fetch: counter(9) sums, as kvm_counter_u64_fetch, netstat -s and
vmstat -s compute them."""

import json
import re

import gdb

from . import compat, counters, cpus, default_cpu, fmt, gcounters, gtypes
from . import interrupt, parameters, target, vnet
from .args import parse_format, take_word
from .errors import user_errors
from .intfmt import INTEGER_FORMATS

USAGE = ("Usage: counter-fetch [/FMT] [-v] [-c CPUS] [-sort] [-top N] "
         "[-t TYPE] [-V VNET] [-partial] [-json] [-e] [--] EXPR")

# Options: name -> the metavariable of its value, or None for a flag.
OPTIONS = {"v": None, "e": None, "c": "CPUS", "sort": None, "top": "N",
           "t": "TYPE", "V": "VNET", "partial": None, "json": None}

_SIMPLE_EXPR = re.compile(
    r"[A-Za-z_$][\w$]*(\s*(\.|->)\s*[A-Za-z_]\w*|\[\d+\])*\Z")


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
    if letter is not None and letter not in INTEGER_FORMATS:
        raise gdb.GdbError("format /%s does not apply to a counter sum"
                           % letter)
    return opts, letter, rest.strip()


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
array of uint64_t ($ after the command), in the order they are printed.

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
  counter-fetch -json -partial vm_cnt

See "help kgdb-pcpu" for every per-CPU command and function."""

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
        found = gcounters.counters_of(kd, expr, value, opts.get("t"), letter)
        if opts.get("e"):
            gdb.write(self._explain(tgt, resolved, value, found) + "\n")
            return
        listed = cpus.parse(opts["c"]) if "c" in opts else None
        shown = counters.shown_cpus(kd, listed, opts.get("v") or
                                    opts.get("sort") or "top" in opts)
        top = self._top(opts)
        totals, missing = counters.sums(kd, found, opts.get("partial"))
        rows_of = counters.rows_of(kd, found, shown, missing,
                                   opts.get("sort"), top)

        def rows(index):
            interrupt.check()
            return rows_of(index)

        if opts.get("json"):
            doc = counters.document(found, totals, missing, rows,
                                    opts.get("partial"), opts.get("V"))
            gdb.write(json.dumps(doc) + "\n")
            return
        history = self._history(found, totals)
        _write(counters.lines(found, totals, missing, rows, letter,
                              fmt.output_radix(), parameters.bar_width(),
                              history))

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
    def _history(found, totals):
        """Put the sums in GDB's value history: the number of $N of a lone
        counter's sum, else None (and None in a GDB without add_history).
        An array's or a struct's sums enter together as one array of
        uint64_t: GDB makes it from an array literal of the numbers,
        nothing here encodes a value's bytes."""
        uint64 = gtypes.uint64_type()
        if found.kind == "one":
            return compat.add_history(gdb.Value(totals[0]).cast(uint64))
        compat.add_history(gdb.parse_and_eval("{%s}" % ", ".join(
            "(%s) %d" % (uint64, total) for total in totals)))
        return None

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
        try:
            return vnet.complete_vnets(text, word)
        except (gdb.error, gdb.GdbError, ValueError):
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


def _write(lines):
    """Write lines as they come, a block at a time (1024 CPUs' slots of
    300 counters are 300000 lines), honouring Ctrl-C between blocks; what
    came before an error is written."""
    block = []
    try:
        for line in lines:
            block.append(line)
            if len(block) >= 512:
                interrupt.check()
                gdb.write("\n".join(block) + "\n")
                block = []
    finally:
        if block:
            gdb.write("\n".join(block) + "\n")


CounterFetchCommand()
