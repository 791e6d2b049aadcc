"""pcpu: ddb's "show pcpu" and "show allpcpu", the CPU table, the raw struct
pcpu, and pcpu apply.

Every value comes from the core: Kvm.read_fields reads the members of many
structs in gathered reads and decodes them in the target's byte order.  The
members' offsets, sizes and signedness come from GDB's types; ddb.py (the
one implementation of these outputs, shared with the command line) chooses
the members and formats them.  What ddb prints, per release and
architecture, and where the kernel records the dumping thread, are in
docs/FREEBSD.md, "ddb's show pcpu".
"""

import gdb

from . import (compat, cpus, ddb, default_cpu, gtypes, interrupt, members,
               symtab, target)
from ._kvm import KvmError
from .errors import one_line, user_errors
from .fmt import format_value

# --- Members from GDB's types ---------------------------------------------

def field_spec(gtype, name):
    """The Kvm.read_fields spec (offset, size, kind) of a pointer, integer
    or char array member of struct gtype (anonymous structs and unions
    searched), or None: no such member, a bit-field, another type."""
    if gtype is None:
        return None
    try:
        field, off = members.member(gtype, name)
    except gdb.GdbError:
        return None
    if field.bitsize or field.bitpos % 8:
        return None
    ftype = field.type.strip_typedefs()
    if ftype.code == gdb.TYPE_CODE_PTR:
        return off, ftype.sizeof, "u"
    if gtypes.is_integer(ftype) and ftype.sizeof in (1, 2, 4, 8):
        return off, ftype.sizeof, "i" if gtypes.is_signed(ftype) else "u"
    if (ftype.code == gdb.TYPE_CODE_ARRAY
            and ftype.target().strip_typedefs().sizeof == 1):
        return off, ftype.sizeof, "s"
    return None


def layout(tgt):
    """The ddb.Layout of tgt's kernel, made once per handle and osreldate."""
    osrel = tgt.osreldate()
    key = ("cmd_pcpu.layout", osrel)
    if key not in tgt.cache:
        types = {"pcpu": tgt.pcpu_type,
                 "thread": symtab.lookup_struct("thread"),
                 "proc": symtab.lookup_struct("proc")}
        tgt.cache[key] = ddb.Layout(
            lambda tag, name: field_spec(types[tag], name), osrel,
            tgt.vimage)
    return tgt.cache[key]


def _dumptid(tgt):
    """The kernel's dumptid (the thread that wrote the dump), or None when
    the kernel has no such variable or it cannot be read."""
    sym = symtab.lookup_symbol("dumptid")
    addr = symtab.symbol_address("dumptid")
    if sym is None or addr is None:
        return None
    gtype = sym.type.strip_typedefs()
    if not gtypes.is_integer(gtype):
        return None
    kind = "i" if gtypes.is_signed(gtype) else "u"
    row = tgt.kd.read_fields([addr], [(0, gtype.sizeof, kind)])[0]
    return None if row is None else row[0]


def cpu_table(tgt, cpu_ids):
    """The header facts and the rows of pcpu -l (a JSON-ready dict)."""
    return ddb.cpu_table(tgt.kd, layout(tgt), cpu_ids, _dumptid(tgt),
                         interrupt.check)


# --- pcpu apply ------------------------------------------------------------

APPLY_FLAGS = ("-q", "-s")


def split_apply(arg):
    """pcpu apply's argument: (flags, CPUS text, COMMAND)."""
    flags = set()
    rest = arg.strip()
    words = rest.split(None, 1)
    while words and words[0] in APPLY_FLAGS:
        flags.add(words[0])
        rest = words[1] if len(words) > 1 else ""
        words = rest.split(None, 1)
    if not rest:
        raise gdb.GdbError("pcpu apply: CPUS and COMMAND are required "
                           "(pcpu apply CPUS COMMAND)")
    if " -- " in rest:
        text, _sep, command = rest.partition(" -- ")
    else:
        text, command = words[0], words[1] if len(words) > 1 else ""
    if not command.strip():
        raise gdb.GdbError("pcpu apply: a COMMAND is required after %s"
                           % text.strip())
    return flags, text.strip(), command.strip()


def apply(arg):
    """pcpu apply: COMMAND once per CPU of CPUS, that CPU the default CPU;
    an error is reported and the loop goes on; Ctrl-C stops it."""
    flags, text, command = split_apply(arg)
    quiet, silent = "-q" in flags, "-s" in flags
    kd = target.kvm()
    for cpu in cpus.parse(text):
        interrupt.check()
        head = "" if quiet else "\ncpu %d:\n" % cpu
        if kd.pcpu_addr(cpu) is None:
            if not silent:
                gdb.write(head)
                gdb.write("CPU %d not found\n" % cpu, gdb.STDERR)
            continue
        try:
            with default_cpu.using(cpu):
                out = gdb.execute(command, from_tty=False, to_string=True)
        except gdb.error as err:
            if not silent:
                gdb.write(head)
                gdb.write(one_line(err) + "\n", gdb.STDERR)
            continue
        if out or not silent:
            gdb.write(head + out)


# --- The command -----------------------------------------------------------

OPTIONS = ("-r", "-l", "-json")


def split_options(arg):
    """pcpu's leading options: (set of options, rest).  A word that starts
    with "-" and a letter is an option; "-1" and "-$x" are CPU expressions;
    "--" ends the options."""
    opts = set()
    rest = arg.strip()
    while rest.startswith("-") and len(rest) > 1 and \
            (rest[1].isalpha() or rest[1] == "-"):
        word, _sep, rest = rest.partition(" ")
        rest = rest.strip()
        if word == "--":
            break
        if word not in OPTIONS:
            raise gdb.GdbError("unknown option %s" % word)
        opts.add(word)
    if "-r" in opts and len(opts) > 1:
        raise gdb.GdbError("-r cannot be combined with %s"
                           % " ".join(sorted(opts - {"-r"})))
    if "-json" in opts and "-l" not in opts:
        raise gdb.GdbError("-json needs -l (pcpu -l -json [CPUS])")
    return opts, rest


def _history(value):
    """value in the value history as print puts it there: "$N = " (GDB 12
    has gdb.add_history; an older GDB prints the value without $N)."""
    num = compat.add_history(value)
    return "" if num is None else "$%d = " % num


def _current_cpu_line():
    """show allpcpu's first line: the default CPU stands for the CPU ddb
    runs on."""
    try:
        return ddb.current_cpu_line(cpus.default())
    except (KvmError, gdb.error, ValueError) as err:
        return ddb.current_cpu_line(None, err)


def _is_one(text):
    items = cpus.split(text)
    return len(items) == 1 and items[0][0] == "one"


class PcpuCommand(gdb.Command):
    """Show a CPU's struct pcpu as ddb's "show pcpu" does, list the CPUs, or run a command on each CPU.

Usage: pcpu [CPU]
       pcpu all
       pcpu CPUS
       pcpu -r [CPUS]
       pcpu -l [-json] [CPUS]
       pcpu apply [-q] [-s] CPUS COMMAND

CPU is a present CPU: a number or any GDB expression ($c, mp_maxid - 1);
-1, or no CPU, is the default CPU.  CPUS is a list such as 0-3,8 or 0-$c
(an end may be an expression), or all.  An absent CPU is "CPU N not found",
as in ddb.

The summary has ddb's lines for the kernel's release and architecture:
cpuid, dynamic pcpu (the DPCPU offset), curthread (pid, tid and critical
nesting as that release's ddb prints them), curpcb, fpcurthread, idlethread,
the lines of the architecture's db_show_mdpcpu() (amd64: self, curpmap,
tssp, rsp0, kcr3, ucr3, scr3, ...; arm64: none) and, on a VIMAGE kernel,
curvnet.  The release comes from the kernel's osreldate, the architecture
from the members of its struct pcpu.  ddb's WITNESS list of spin locks is
not shown.

"all" (or "a") is ddb's "show allpcpu": "Current CPU: N" (the default CPU),
a blank line, then every present CPU's summary followed by a blank line.
CPUS prints each CPU's summary followed by a blank line; an absent or
unreadable CPU prints one line saying so, and the others still print.

-r prints the whole struct pcpu as print does (set print pretty and the
other print settings apply), and puts it in the value history ($N) as print
does; with CPUS, one value per CPU, each line starting "cpu N: ".  The same
value is $pcpu(CPU).

-l prints a table, one line per CPU (all present CPUs without CPUS): its
curthread's tid, pid, critical nesting and name, and whether that is the
CPU's idle thread.  Above it: the present CPUs as a list (0-2,4-6),
mp_ncpus, mp_maxid and mp_maxcpus, and the CPU of the dumping thread (the
kernel's dumptid) when the kernel recorded one.  -l -json prints the same as
one JSON document.

apply runs COMMAND once for each CPU of CPUS with that CPU as the default
CPU, so "pcpu", "$pcpu()", "dpcpu-print X" and the other commands and
functions given no CPU use it.  Each output follows a line "cpu N:".  An
error on one CPU is reported and the loop goes on with the next CPU (as
thread apply -c does); Ctrl-C stops it.  -q leaves out the "cpu N:" lines;
-s leaves out the CPUs whose COMMAND fails or prints nothing (as thread
apply -s).  CPUS is one word (0-3, all, 0-$c); write "CPUS -- COMMAND" for
CPUS with spaces in it.

The default CPU is the one "dpcpu-setcpu N" chose, else the CPU running
the selected thread (see "help dpcpu-setcpu").

Examples:
  pcpu
  pcpu 2
  pcpu all
  pcpu -r 0-1
  pcpu -l
  pcpu -l -json 0-3
  pcpu apply all print $pcpu().pc_curthread->td_name
  pcpu apply 0-3 dpcpu-print dpcpu_stats

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("pcpu", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if words and words[0] == "apply":
            apply(words[1] if len(words) > 1 else "")
            return
        opts, rest = split_options(arg)
        tgt = target.current()
        if "-l" in opts:
            self.table(tgt, rest, "-json" in opts)
        elif "-r" in opts:
            self.raw(tgt, rest)
        else:
            self.summary(tgt, rest)

    @staticmethod
    def summary(tgt, rest):
        lay = layout(tgt)
        if not rest or _is_one(rest):
            cpu = cpus.parse_one(rest) if rest else cpus.default()
            snap = ddb.Snapshot.read(tgt.kd, lay, [cpu])
            gdb.write("\n".join(ddb.summary_lines(snap, lay, cpu)) + "\n")
            return
        head = _current_cpu_line() if cpus.is_all(rest) else None
        for text in ddb.listing(tgt.kd, lay, cpus.parse(rest), head,
                                interrupt.check):
            interrupt.check()
            gdb.write(text + "\n")

    @staticmethod
    def raw(tgt, rest):
        if not rest or _is_one(rest):
            cpu = cpus.parse_one(rest) if rest else cpus.default()
            value = tgt.pcpu_value(cpu)
            gdb.write(_history(value) + format_value(value) + "\n")
            return
        for cpu in cpus.parse(rest):
            interrupt.check()
            try:
                value = tgt.pcpu_value(cpu)
            except KvmError as err:
                gdb.write("cpu %d: %s\n" % (cpu, one_line(err)))
                continue
            gdb.write("cpu %d: %s%s\n" % (cpu, _history(value),
                                          format_value(value)))

    @staticmethod
    def table(tgt, rest, as_json):
        cpu_ids = cpus.parse(rest) if rest else list(tgt.kd.cpus())
        doc = cpu_table(tgt, cpu_ids)
        text = ddb.table_json(doc) if as_json else ddb.table_text(doc)
        gdb.write(text + "\n")

    def complete(self, text, word):
        if word is None:
            return []
        return complete(text, word)


def _suffixes(candidates, token, word):
    """The candidates that extend token, cut to what follows word's start
    (GDB replaces only word: the end of token after a word break)."""
    cut = len(token) - len(word)
    return [c[cut:] for c in candidates if c.startswith(token)]


def _options_after(opts):
    """The options that may follow opts: none after -r, -l and -json
    together."""
    if "-r" in opts:
        return []
    if opts:
        return [o for o in ("-l", "-json") if o not in opts]
    return list(OPTIONS)


def complete(text, word):
    """What pcpu accepts next: an option after "-", CPUs, all and apply at
    the start of the argument; after apply, its flags, CPUs, then any GDB
    command."""
    ended = not text or text[-1].isspace()
    done = text.split()
    token = ""
    if not ended:
        token = done.pop()
    if done and done[0] == "apply":
        return _complete_apply(text, done, token, word)
    opts = []
    for w in done:
        if w not in OPTIONS:
            break
        opts.append(w)
    if len(opts) < len(done):
        # Inside a CPU argument with spaces ("mp_maxid - "): CPU ids.
        return cpus.complete(text.split(None, len(opts))[-1], word)
    if token.startswith("-") and (token == "-" or token[1].isalpha()):
        return _suffixes(_options_after(set(opts)), token, word)
    found = cpus.complete(token, word)
    if not done and token == word and "apply".startswith(token):
        found.append("apply")
    return found


def _complete_apply(text, done, token, word):
    """pcpu apply [-q] [-s] CPUS COMMAND: done starts with "apply"."""
    flags = 0
    while 1 + flags < len(done) and done[1 + flags] in APPLY_FLAGS:
        flags += 1
    at = 1 + flags                  # the index of the CPUS word
    if len(done) == at:
        if token.startswith("-"):
            used = set(done[1:at])
            return _suffixes([f for f in APPLY_FLAGS if f not in used],
                             token, word)
        return cpus.complete(token, word)
    parts = text.split(None, at + 1)
    command = parts[at + 1] if len(parts) > at + 1 else ""
    lines = gdb.execute("complete " + command, to_string=True).splitlines()
    cut = len(command) - len(word)
    return [l[cut:] for l in lines
            if l.startswith(command[:cut]) and not l.startswith("*** ")]


PcpuCommand()
