"""DPCPU commands: dpcpu-print and dpcpu-off."""

import json

import gdb

from . import cpus, ddb, dpcpufmt, fmt, gtypes, interrupt, symbols, target
from .args import parse_format
from .errors import user_errors
from ._kvm import CpuAbsentError

USAGE = "Usage: dpcpu-print [/FMT] [-e|-s|-json] NAME[.PATH] [CPUS]"
OPTIONS = ("-e", "-s", "-json")


def _parse(arg):
    """(fmt, raw, options, name, cpus text) of dpcpu-print's argument."""
    fmt_letter, raw, rest = parse_format(arg)
    options = set()
    while True:
        parts = rest.split(None, 1)
        word = parts[0] if parts else ""
        after = parts[1] if len(parts) > 1 else ""
        if word == "--":
            rest = after.lstrip()
            break
        if not word.startswith("-") or word[1:2].isdigit() or word == "-":
            break
        if word not in OPTIONS:
            raise gdb.GdbError("unknown option %s" % word)
        options.add(word)
        rest = after
    if fmt_letter is None and not raw:
        fmt_letter, raw, rest = parse_format(rest)
    name, cpus_text = _name_word(rest.strip())
    if not name:
        raise gdb.GdbError(USAGE)
    if len(options) > 1 and "-e" in options:
        raise gdb.GdbError("dpcpu-print: -e prints expressions, not values: "
                           "it does not go with -s or -json")
    return fmt_letter, raw, options, name, cpus_text.strip()


def _name_word(text):
    """(NAME[.PATH], the rest) of text: NAME ends at white space outside
    brackets, so an index may be an expression (foo[mp_maxid - 1])."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch.isspace() and depth <= 0:
            return text[:i], text[i:].strip()
    return text, ""


def _line(copy, fmt_letter, raw):
    """The line of a present CPU's copy (dpcpufmt.line)."""
    if copy.value is None:
        return dpcpufmt.line(copy.cpu, None, copy.error)
    return dpcpufmt.line(copy.cpu, fmt.format_value(copy.value, fmt_letter,
                                                     raw))


def _json_value(copy, fmt_letter, raw):
    code = copy.value.type.strip_typedefs().code
    if code == gdb.TYPE_CODE_INT:
        return copy.number
    if code == gdb.TYPE_CODE_BOOL:
        return bool(copy.number)
    return fmt.format_value(copy.value, fmt_letter, raw)


def _stats(copies):
    """The dpcpufmt.Stats of the copies that have a number.  Absent CPUs
    are not counted; present CPUs whose copy could not be read are listed."""
    return dpcpufmt.Stats([(c.cpu, c.number) for c in copies
                           if c.number is not None],
                          [c.cpu for c in copies if c.error and not c.absent])


def _check_integer(var, path):
    """-s needs integers: gdb.GdbError naming the type otherwise."""
    gtype = path.type_of(var.type)
    if not gtypes.is_integer(gtype):
        raise gdb.GdbError("dpcpu-print -s: %s%s is %s, not an integer"
                           % (var.name, path.text, gtype))


class DpcpuPrintCommand(gdb.Command):
    """Print a DPCPU (dynamic per-CPU) variable, or a member of it, on each CPU.

Usage: dpcpu-print [/FMT] [-e|-s|-json] NAME[.PATH] [CPUS]

NAME is the variable as DPCPU_DEFINE names it (foo) or its symbol
(pcpu_entry_foo).  The kernel's set_pcpu section is only a template: CPU n's
copy is at &pcpu_entry_foo + dpcpu_off[n], which is what is printed.  A
module's variable is found where the kernel copied the module's set_pcpu.

PATH picks a part of each CPU's copy, as in C: .member, [index], ->member
(foo.stats[2].calls).  Member names complete with TAB after the dot.

CPUS is a CPU list: N, N-M, lists of them (0-3,8), or all; an end may be
any expression ($c, 0-$c, mp_maxid - 1), and -1 is the default CPU.  The
default is every present CPU.  Each CPU's value is printed as print prints
it (set print pretty, output-radix and the other print settings apply),
after "cpu N: ".  An absent CPU of CPUS prints "CPU N not found".

FMT is a print format letter (x, d, u, o, t, a, c, f, s, z) and/or r (raw).

-e prints, instead of the values, the plain GDB expression that computes the
copy of each CPU of CPUS (without CPUS: of the default CPU), to use in any
expression or to learn the arithmetic.
-s adds, after the values of an integer, "total: N", "min: V (cpu C)" and
"max: V (cpu C)" over the CPUs printed; a total without some CPU whose copy
cannot be read says so: "total: N (partial: CPU 1 unreadable)".
-json prints one JSON document instead: the variable, its type and each
CPU's value (integers as numbers, others as print shows them), with -s's
total, min and max, and "partial": the CPUs whose copy cannot be read.

Examples:
  dpcpu-print dpcpu_int
  dpcpu-print /x pcpu_entry_dpcpu_int 0-3,8
  dpcpu-print -s dpcpu_stats.ds_calls
  dpcpu-print -e dpcpu_int 2
  dpcpu-print -json dpcpu_stats $c

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("dpcpu-print", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        fmt_letter, raw, options, name, cpus_text = _parse(arg)
        kd = target.kvm()       # first: a dump no handle reads says why
        var, path = symbols.lookup_path(name)
        if "-e" in options:
            ids = cpus.parse(cpus_text) if cpus_text else [cpus.default()]
            var.template(kd)
            path.type_of(var.type)
            for cpu in ids:
                interrupt.check()
                gdb.write(var.expression(kd, cpu, path) + "\n")
            return
        ids = cpus.parse(cpus_text) if cpus_text else kd.cpus()
        if "-s" in options:
            _check_integer(var, path)
        copies = var.copies(kd, ids, path)
        if len(ids) == 1 and copies[0].absent:
            raise CpuAbsentError(copies[0].error)
        if "-json" in options:
            self._json(var, path, copies, fmt_letter, raw, "-s" in options)
            return
        lines = []
        for copy in copies:
            interrupt.check()
            if copy.absent:
                lines.append(copy.error)
            else:
                lines.append(_line(copy, fmt_letter, raw))
            if len(lines) >= 64:
                gdb.write("\n".join(lines) + "\n")
                lines = []
        if "-s" in options:
            lines += self._stats_lines(copies, fmt_letter, raw)
        if lines:
            gdb.write("\n".join(lines) + "\n")

    @staticmethod
    def _stats_lines(copies, fmt_letter, raw):
        by_cpu = {c.cpu: c for c in copies}
        return _stats(copies).lines(
            fmt_letter, fmt.output_radix(),
            lambda cpu: fmt.format_value(by_cpu[cpu].value, fmt_letter, raw))

    @staticmethod
    def _json(var, path, copies, fmt_letter, raw, stats):
        values = []
        for copy in copies:
            interrupt.check()
            values.append((copy.cpu, None, copy.error) if copy.value is None
                          else (copy.cpu, _json_value(copy, fmt_letter, raw),
                                None))
        doc = dpcpufmt.document(var.name, path.text, values,
                                _stats(copies) if stats else None,
                                str(path.type_of(var.type)))
        gdb.write(json.dumps(doc) + "\n")

    def complete(self, text, word):
        if word is None:
            return []
        return complete(text, word)


def complete(text, word):
    """dpcpu-print's completions of the last word of text: options after
    "-" before NAME, DPCPU names (and members after a dot) for NAME, CPUs
    and "all" for CPUS.  Each is given as GDB wants it: the part from word
    on (GDB breaks words at ".", "-", "[" and ",")."""
    line = text.lstrip()
    ends_in_space = not line or line[-1].isspace()
    words = line.split()
    current = "" if ends_in_space else words.pop()
    before = [w for w in words if not w.startswith("/")]
    options = [w for w in before if w in OPTIONS or w == "--"]
    args = [w for w in before if w not in options]
    if not args:
        if current.startswith("-") and "--" not in options:
            # -e goes alone; -s and -json go together.
            allowed = () if "-e" in options else \
                [o for o in OPTIONS if o not in options
                 and not (options and o == "-e")]
            candidates = [o for o in allowed if o.startswith(current)]
        elif current.startswith("/"):
            candidates = []
        else:
            candidates = symbols.complete_dpcpu(current)
    else:
        return cpus.complete(" ".join(args[1:] + [current]), word)
    cut = len(current) - len(word)
    return [c[cut:] for c in candidates if c.startswith(current[:cut])]


class DpcpuOffCommand(gdb.Command):
    """Show each present CPU's DPCPU offset, as ddb's "show dpcpu_off" does.

Usage: dpcpu-off

One line per present CPU: "dpcpu_off[ N] = 0x... (+ DPCPU_START = 0x...)",
the offset of the CPU's copy of the set_pcpu section and the address of that
copy (DPCPU_START is __start_set_pcpu).

Example:
  dpcpu-off

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("dpcpu-off", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("dpcpu-off takes no argument")
        tgt = target.current()
        kd = tgt.kd
        start, _stop = kd.dpcpu_bounds()
        lines = []
        for cpu in kd.cpus():
            interrupt.check()
            try:
                off = kd.dpcpu_off(cpu)
            except CpuAbsentError:
                off = 0         # dpcpu_off[N] is 0: ddb prints it so
            lines.append(ddb.dpcpu_off_line(cpu, off, start, tgt.pointer_size))
        gdb.write("".join(line + "\n" for line in lines))


DpcpuPrintCommand()
DpcpuOffCommand()
