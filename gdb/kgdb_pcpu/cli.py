"""kgdb-pcpu -N KERNEL -M CORE COMMAND: per-CPU data without GDB.

The command line of kgdb-pcpu(1) (man/kgdb-pcpu.1): the GDB commands' names,
arguments and output, over a kernel ELF file and an ELF core file with the
-N/-M convention of netstat(1) and vmstat(8).  This file is the face: the
arguments, the subcommands and the exit status.  The kernel's symbols,
types and values are elfkernel.py's (over the core's ElfKvm, which reads and
decodes everything in the target's byte order and pointer size), what a
counter expression names elfcounter.py's, the network stacks elfvnet.py's.
The text is written once for both GDB and this command line: ddb's by
ddb.py, counter-fetch's by counters.py, dpcpu-print's by dpcpufmt.py and
vnet-list's by vnets.py.

Every error is one line on stderr and exit status 1; usage errors exit 2
(argparse).
"""

import argparse
import json
import os
import sys

from . import _kvm, counters, cpus, ddb, dpcpufmt, elfcounter, elfvnet
from . import intfmt, vnets
from .elfkernel import Kernel, is_one
from .modelerror import ModelError

PROG = "python3 -m kgdb_pcpu"


class UsageError(Exception):
    """Arguments that do not go together: argparse's usage error, exit 2."""


def _split_format(words):
    """A leading /FMT of words: (format letter or None, the other words)."""
    if words and words[0].startswith("/"):
        letters = words[0][1:]
        if len(letters) != 1 or letters not in intfmt.INTEGER_FORMATS:
            raise ModelError("Undefined output format \"%s\"." % letters)
        return letters, words[1:]
    return None, words


# --- pcpu: ddb's show pcpu and show allpcpu, the CPU table. -----------------

def cmd_pcpu(kern, opts):
    text = " ".join(opts.cpus).strip()
    if opts.json and not opts.l:
        raise UsageError("-json needs -l (pcpu -l -json [CPUS])")
    if opts.r and (opts.l or opts.json):
        raise UsageError("-r cannot be combined with -l")
    kd = kern.kd
    lay = kern.pcpu_layout()
    if opts.l:
        doc = ddb.cpu_table(kd, lay, kern.cpus(text) if text else kd.cpus(),
                            kern.global_int("dumptid"))
        yield ddb.table_json(doc) if opts.json else ddb.table_text(doc)
        return
    if not text or is_one(text):
        cpu = kern.cpu(text) if text else kern.default_cpu()
        cpus.require_present(kd, cpu)
        if opts.r:
            yield kern.pcpu_show(cpu)
        else:
            yield from ddb.summary_lines(ddb.Snapshot.read(kd, lay, [cpu]),
                                         lay, cpu)
        return
    if opts.r:
        for cpu in kern.cpus(text):
            try:
                cpus.require_present(kd, cpu)
                yield "cpu %d: %s" % (cpu, kern.pcpu_show(cpu))
            except _kvm.KvmError as err:
                yield "cpu %d: %s" % (cpu, ddb.one_line(err))
        return
    head = None
    if cpus.is_all(text):
        try:
            head = ddb.current_cpu_line(kern.default_cpu())
        except ModelError as err:
            head = ddb.current_cpu_line(None, err)
    yield from ddb.listing(kd, lay, kern.cpus(text), head)


# --- dpcpu-print, dpcpu-off. ------------------------------------------------

def cmd_dpcpu_print(kern, opts):
    letter, words = _split_format(opts.words)
    if not words:
        raise UsageError("NAME is required")
    if len(words) > 2:
        raise UsageError("NAME[.PATH] and one CPU list are expected, not %s: "
                         "quote a list with spaces" % " ".join(words[1:]))
    symbol, addr, path, offset, desc = kern.dpcpu_variable(words[0])
    kd = kern.kd
    ids = kern.cpus(" ".join(words[1:])) if len(words) > 1 else kd.cpus()
    obj = kern.typed(addr + offset, desc)
    integer = obj.node.kind in ("int", "uint")
    if opts.s and not integer:
        raise ModelError("dpcpu-print -s: %s%s is not an integer"
                        % (symbol, path))
    present, absent = [], {}
    for cpu in ids:
        try:
            present.append(cpus.require_present(kd, cpu))
        except _kvm.CpuAbsentError as err:
            if len(ids) == 1:
                raise
            absent[cpu] = str(err)
    fields = [(offset + off, size, kind) for off, size, kind in obj.fields]
    rows = dict(zip(present, kd.dpcpu_fields(addr, present, fields)))

    def failure(cpu):
        """Why CPU cpu has no value: absent, or its copy unreadable."""
        if cpu in absent:
            return absent[cpu]
        return dpcpufmt.unreadable(symbol, cpu, desc[2],
                                   kd.dpcpu_addr(addr, cpu) + offset)

    def show(cpu):
        return obj.show(rows[cpu], letter)

    stats = dpcpufmt.Stats([(c, rows[c][0]) for c in ids
                            if integer and rows.get(c) is not None],
                           [c for c in ids if c in rows and rows[c] is None])
    if opts.json:
        values = [(cpu, None, failure(cpu)) if rows.get(cpu) is None
                  else (cpu, rows[cpu][0] if integer else show(cpu), None)
                  for cpu in ids]
        yield json.dumps(dpcpufmt.document(symbol, path, values,
                                           stats if opts.s else None))
        return
    for cpu in ids:
        if cpu in absent:
            yield failure(cpu)
        elif rows[cpu] is None:
            yield dpcpufmt.line(cpu, None, failure(cpu))
        else:
            yield dpcpufmt.line(cpu, show(cpu))
    if opts.s:
        yield from stats.lines(letter, 10, show)


def cmd_dpcpu_off(kern, opts):
    kd = kern.kd
    start, _stop = kd.dpcpu_bounds()
    for cpu in kd.cpus():
        try:
            off = kd.dpcpu_off(cpu)
        except _kvm.CpuAbsentError:
            off = 0
        yield ddb.dpcpu_off_line(cpu, off, start, kd.pointer_size)


# --- vnet-list: the network stacks of a VIMAGE kernel. ----------------------

def cmd_vnet_list(kern, opts):
    stacks = elfvnet.of(kern)
    if not stacks.vimage:
        raise ModelError(vnets.NOT_VIMAGE)
    for stack in stacks.stacks():
        yield vnets.list_line(stack)


# --- counter-fetch: counter(9) sums, netstat -s and vmstat -s. --------------

def cmd_counter_fetch(kern, opts):
    letter, words = _split_format(opts.words)
    stats = opts.t
    if stats in ("struct", "union") and len(words) > 1:
        stats, words = "%s %s" % (stats, words[0]), words[1:]
    if len(words) != 1:
        raise UsageError("one EXPR is needed, not %d words: quote an EXPR "
                         "with spaces" % len(words))
    if opts.top is not None and opts.top < 1:
        raise UsageError("-top needs a positive count, not %d" % opts.top)
    kd = kern.kd
    found = elfcounter.counters(kern, words[0], stats, opts.V)
    shown = counters.shown_cpus(kd, kern.cpus(opts.c) if opts.c is not None
                                else None,
                                opts.v or opts.sort or opts.top is not None)
    totals, missing = counters.sums(kd, found, opts.partial)
    rows = counters.rows_of(kd, found, shown, missing, opts.sort, opts.top)
    if opts.json:
        yield json.dumps(counters.document(found, totals, missing, rows,
                                           opts.partial, opts.V))
        return
    yield from counters.lines(found, totals, missing, rows, letter, 10,
                              opts.bar_width)


# --- Commands of the command line only. -------------------------------------

def cmd_maxcpu(kern, opts):
    yield str(kern.kd.getmaxcpu())


def cmd_ncpus(kern, opts):
    yield str(kern.kd.getncpus())


def cmd_cpus(kern, opts):
    yield cpus.format_list(kern.kd.cpus())


# --- The command line. ------------------------------------------------------

def _parser(prog):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Per-CPU data of a FreeBSD kernel core file, without GDB: "
                    "the GDB commands of kgdb-pcpu(1), same names, same output.")
    p.add_argument("-N", dest="kernel", required=True, metavar="KERNEL",
                   help="the kernel ELF file, with debug info (kernel.debug)")
    p.add_argument("-M", dest="core", required=True, metavar="CORE",
                   help="the ELF core file")
    p.add_argument("--zpcpu-stride", type=int, default=0, metavar="BYTES",
                   help="distance between CPUs' UMA_ZONE_PCPU slots, for a "
                        "kernel nothing identifies")
    p.add_argument("--maxcpus", type=int, default=0, metavar="N",
                   help="use N instead of a garbage mp_maxcpus")
    p.add_argument("--bar-width", type=int, default=30, metavar="N",
                   help="width of counter-fetch -v bars (0: none)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("pcpu", help="ddb's show pcpu: pcpu [CPU], pcpu all, "
                       "pcpu CPUS, pcpu -r [CPUS], pcpu -l [-json] [CPUS]")
    c.add_argument("-r", action="store_true",
                   help="the whole struct pcpu, as print shows it")
    c.add_argument("-l", action="store_true",
                   help="the CPU table: each CPU's curthread")
    c.add_argument("-json", action="store_true", help="with -l: JSON")
    c.add_argument("cpus", nargs="*", metavar="CPUS")
    c.set_defaults(run=cmd_pcpu, parser=c)

    c = sub.add_parser("dpcpu-print", aliases=["dpcpu"],
                       help="a DPCPU variable on each CPU: [/FMT] [-s] "
                       "[-json] NAME[.PATH] [CPUS]")
    c.add_argument("-s", action="store_true",
                   help="total, min and max of an integer")
    c.add_argument("-json", action="store_true", help="one JSON document")
    c.add_argument("words", nargs="+", metavar="ARG",
                   help="[/FMT] NAME[.PATH] [CPUS]")
    c.set_defaults(run=cmd_dpcpu_print, parser=c)

    c = sub.add_parser("dpcpu-off", help="ddb's show dpcpu_off")
    c.set_defaults(run=cmd_dpcpu_off, parser=c)

    c = sub.add_parser("counter-fetch", aliases=["counter"],
                       help="the sum of a counter(9) counter, an array of "
                       "them or a struct with them (vm_cnt)")
    c.add_argument("-v", action="store_true", help="each CPU's slot")
    c.add_argument("-c", metavar="CPUS", help="only these CPUs' slots")
    c.add_argument("-sort", action="store_true",
                   help="slots sorted by value, largest first")
    c.add_argument("-top", type=int, metavar="N", help="the N largest slots")
    c.add_argument("-t", metavar="TYPE",
                   help="name an array's counters by the members of TYPE "
                        "('struct tcpstat')")
    c.add_argument("-V", metavar="VNET",
                   help="the network stack: vnet0, a jail, an address")
    c.add_argument("-partial", action="store_true",
                   help="sum over the CPUs that can be read")
    c.add_argument("-json", action="store_true", help="one JSON document")
    c.add_argument("words", nargs="+", metavar="ARG", help="[/FMT] EXPR")
    c.set_defaults(run=cmd_counter_fetch, parser=c)

    c = sub.add_parser("vnet-list", help="the network stacks of a VIMAGE kernel")
    c.set_defaults(run=cmd_vnet_list, parser=c)
    for name, run, text in (("maxcpu", cmd_maxcpu, "mp_maxcpus (kvm_getmaxcpu)"),
                            ("ncpus", cmd_ncpus, "mp_ncpus (kvm_getncpus)"),
                            ("cpus", cmd_cpus, "the present CPUs, as a list")):
        c = sub.add_parser(name, help=text)
        c.set_defaults(run=run, parser=c)
    return p


def _write(lines):
    """Write lines to stdout as they come (a 1024-CPU pcpu all streams)."""
    out = sys.stdout
    for n, line in enumerate(lines, 1):
        out.write(line + "\n")
        if n % 256 == 0:
            out.flush()
    out.flush()


def main(argv=None, prog=PROG):
    opts = _parser(prog).parse_args(argv)
    name = os.path.basename(prog.split()[-1])
    options = {"zpcpu_stride": opts.zpcpu_stride}
    if opts.maxcpus:
        options["maxcpus"] = opts.maxcpus
    try:
        kd = _kvm.ElfKvm(opts.kernel, opts.core, **options)
        _write(opts.run(Kernel(kd), opts))
    except UsageError as err:
        opts.parser.error(str(err))
    except (ModelError, _kvm.KvmError, cpus.CpuSyntaxError) as err:
        sys.stdout.flush()
        print("%s: %s" % (name, " ".join(str(err).split())), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (| head -1): say so once, and keep Python
        # from failing again on the final flush of stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("%s: standard output closed" % name, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("%s: interrupted" % name, file=sys.stderr)
        return 130
    return 0
