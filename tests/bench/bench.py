#!/usr/bin/python3
"""make bench: how fast the commands are, against what users write today.

Run with the Python that GDB embeds (make bench does), outside GDB:

    bench.py [--shape SHAPE | --dir DIR] [--reps N] [--slow-reps N]
             [--no-remote] [--json FILE]

It makes the fixture dump (the bench shape: 1024 CPUs and a 300-counter
array; the large shape until that exists), then runs this same file inside
ONE GDB session on the dump ("core"), and once more inside a GDB session on
the fixture kernel running live under gdbserver over a pipe ("remote").

Four operations, each done four ways in the same session:
  ours    the command: (a) counter-fetch of one counter, (b) counter-fetch of
          the counter array, (c) dpcpu-print of an int on every CPU,
          (d) pcpu all;
  cli     a GDB CLI while loop computing the same (defined with define, run
          with gdb.execute): what users write today;
  p&e     a Python loop with one gdb.parse_and_eval per CPU (and per counter),
          as FreeBSD's $PCPU works;
  floor   a Python loop doing only the Inferior.read_memory calls the
          operation needs, every address known in advance (computed before
          the clock starts), bytes in the same page read together; nothing
          is decoded or printed.
Times are medians of repeated runs (time.perf_counter inside GDB's Python).
Results are checked against each other (the "same" column); nothing is
asserted: speed is never a test.

Core: reads are counted with "set debug target 1" (GDB's own count of memory
transfers), in a separate untimed pass.  Remote: 'm' packets are counted
with "set debug remote 1"; "cold" is the first run after a stop (a
stepi makes a real resume and stop), when the
handle reads its one-time bulk tables; "warm" is the run right after.  The
minimum is the number of 'm' packets that the floor's reads need (runs of
needed bytes, split at GDB's largest 'm' reply), plus for counter-fetch the
read of EXPR itself (the counter pointer, or the array of pointers).
"stepi" makes the stop (one instruction of fixture_ready()'s epilogue).
"""

import json
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = "@@kpb@@"
OPS = ("a", "b", "c", "d")
TITLES = {
    "a": "(a) counter-fetch, 1 counter",
    "b": "(b) counter-fetch, array",
    "c": "(c) dpcpu-print int",
    "d": "(d) pcpu all",
}
COUNTER = "vm_cnt.v_swtch"
DPCPU = "dpcpu_int"


# ---------------------------------------------------------------------------
# Inside GDB.

def _in_gdb():
    try:
        import gdb
    except ImportError:
        return False
    return hasattr(gdb, "execute")


class Bench:
    """The operations of one GDB session, their variants and their inputs."""

    def __init__(self, cfg):
        import gdb
        import kgdb_pcpu
        from kgdb_pcpu import target
        self.gdb = gdb
        self.cfg = cfg
        self.target = target
        self.tgt = target.current()
        self.kd = kgdb_pcpu.kvm()
        self.inf = gdb.selected_inferior()
        self.cpus = self.kd.cpus()
        self.order = self.kd.byteorder
        self.page = self.tgt.page_size
        self.array, self.count = cfg["array"], cfg["count"]
        bench = self

        class Run(gdb.Command):
            def __init__(self):
                super().__init__("kpb-run", gdb.COMMAND_NONE)

            def invoke(self, arg, from_tty):
                fn, args = bench._call
                bench._result = fn(*args)

        Run()
        self.in_command(self._setup)

    # -- inputs, computed before any clock starts ---------------------------

    def _setup(self):
        gdb, kd = self.gdb, self.kd
        rule, stride = kd.zpcpu_stride()
        if stride:
            self.slot_expr = "%d * %%s" % stride
        else:
            self.slot_expr = "cpuid_to_pcpu[%s]->pc_zpcpu_offset"
        self.base = int(gdb.parse_and_eval(COUNTER)) & (2**64 - 1)
        arr = gdb.parse_and_eval(self.array)
        self.bases = [int(arr[i]) & (2**64 - 1) for i in range(self.count)]
        # (a) one slot per CPU.
        self.reads = {"a": [(kd.zpcpu_addr(self.base, c), 8) for c in self.cpus]}
        # (b) each CPU's slots, runs within a page read together.
        runs = []
        pages = set()
        for c in self.cpus:
            addrs = sorted(kd.zpcpu_addr(b, c) for b in self.bases)
            pages.update(a // self.page for a in addrs)
            runs += _page_runs(addrs, 8, self.page)
        self.reads["b"] = runs
        self.b_pages = len(pages)
        # (c) each CPU's copy of the int.
        self.dpcpu_tmpl = int(gdb.parse_and_eval("&pcpu_entry_%s" % DPCPU))
        self.dpcpu_size = gdb.parse_and_eval("pcpu_entry_%s" % DPCPU).type.sizeof
        self.reads["c"] = [(kd.dpcpu_addr(self.dpcpu_tmpl, c), self.dpcpu_size)
                           for c in self.cpus]
        # (d) the printed fields of each struct pcpu (one span), of each
        # thread named (one span), and each process's p_pid.
        self.md = self._md_fields()
        pc_fields = ["pc_cpuid", "pc_dynamic", "pc_curthread", "pc_curpcb",
                     "pc_fpcurthread", "pc_idlethread"] + [f for _l, f, _k in self.md]
        pc_lo, pc_hi = _span(gdb.lookup_type("struct pcpu"), pc_fields)
        td_type = gdb.lookup_type("struct thread")
        td_lo, td_hi = _span(td_type, ["td_tid", "td_name", "td_critnest", "td_proc"])
        proc_type = gdb.lookup_type("struct proc")
        pid_lo, pid_hi = _span(proc_type, ["p_pid"])
        reads, threads, procs = [], {}, set()
        for c in self.cpus:
            pc = gdb.parse_and_eval("*cpuid_to_pcpu[%d]" % c)
            reads.append((int(pc.address) + pc_lo, pc_hi - pc_lo))
            for field in ("pc_curthread", "pc_fpcurthread", "pc_idlethread"):
                td = int(pc[field])
                if td and td not in threads:
                    threads[td] = int(pc[field]["td_proc"])
        for td, proc in threads.items():
            reads.append((td + td_lo, td_hi - td_lo))
            if proc:
                procs.add(proc)
        reads += [(p + pid_lo, pid_hi - pid_lo) for p in sorted(procs)]
        self.reads["d"] = reads

    def _md_fields(self):
        """ddb's MD lines of this kernel: (label, member, printf conversion)."""
        from kgdb_pcpu import ddb
        members = {f.name for f in self.gdb.lookup_type("struct pcpu").fields()}
        osrel = int(self.gdb.parse_and_eval("osreldate"))
        return ddb.md_lines(ddb.arch_of(members.__contains__), osrel,
                            members.__contains__)

    # -- the four ways ---------------------------------------------------------

    def ours(self, op, to_string=True):
        cmd = {"a": "counter-fetch %s" % COUNTER,
               "b": "counter-fetch %s" % self.array,
               "c": "dpcpu-print %s" % DPCPU,
               "d": "pcpu all"}[op]
        return self.gdb.execute(cmd, to_string=to_string)

    def floor(self, op):
        return self.in_command(self._floor, op)

    def _floor(self, op):
        read = self.inf.read_memory
        for addr, size in self.reads[op]:
            read(addr, size)

    def in_command(self, fn, *args):
        """fn(*args) run inside a GDB command, as a user's Python command
        runs: GDB frees the values it made at the end of each command (and
        only then: a session-long script would keep every temporary value
        of every parse_and_eval, and GDB slows down as they pile up)."""
        self._call = (fn, args)
        # Not to_string: on a remote target that would take the debug
        # stream (the packets) with it.
        self.gdb.execute("kpb-run")
        return self._result

    def define_cli(self, limit=None):
        """The CLI loops (limit: the array loop over its first counters)."""
        slot = self.slot_expr % "$kpb_i"
        count = self.count if limit is None else limit
        defs = ["""define kpb_cli_a
  set $kpb_sum = (unsigned long long)0
  set $kpb_i = 0
  while $kpb_i <= mp_maxid
    if cpuid_to_pcpu[$kpb_i] != 0
      set $kpb_sum = $kpb_sum + *(unsigned long long *)((char *)(%s) + %s)
    end
    set $kpb_i = $kpb_i + 1
  end
  printf "%%llu\\n", $kpb_sum
end""" % (COUNTER, slot), """define kpb_cli_b
  set $kpb_j = 0
  while $kpb_j < %d
    set $kpb_sum = (unsigned long long)0
    set $kpb_i = 0
    while $kpb_i <= mp_maxid
      if cpuid_to_pcpu[$kpb_i] != 0
        set $kpb_sum = $kpb_sum + *(unsigned long long *)((char *)%s[$kpb_j] + %s)
      end
      set $kpb_i = $kpb_i + 1
    end
    printf "[%%d] = %%llu\\n", $kpb_j, $kpb_sum
    set $kpb_j = $kpb_j + 1
  end
end""" % (count, self.array, slot), """define kpb_cli_c
  set $kpb_i = 0
  while $kpb_i <= mp_maxid
    if cpuid_to_pcpu[$kpb_i] != 0
      printf "cpu %%d: %%d\\n", $kpb_i, *(int *)((char *)&pcpu_entry_%s + dpcpu_off[$kpb_i])
    end
    set $kpb_i = $kpb_i + 1
  end
end""" % DPCPU]
        md = []
        for label, field, conv in self.md:
            md.append('      printf "%-13s= %s\\n", $kpb_pc->%s' % (label, conv, field))
        thread = """      set $kpb_td = $kpb_pc->%s
      if $kpb_td != 0
        printf "%-13s= %%p: %s\\n", $kpb_td, %s
      else
        printf "%-13s= none\\n"
      end"""
        defs.append("""define kpb_cli_d
  printf "Current CPU: %%d\\n\\n", %d
  set $kpb_i = 0
  while $kpb_i <= mp_maxid
    set $kpb_pc = cpuid_to_pcpu[$kpb_i]
    if $kpb_pc != 0
      printf "cpuid        = %%d\\n", $kpb_pc->pc_cpuid
      printf "dynamic pcpu = %%p\\n", $kpb_pc->pc_dynamic
%s
      printf "curpcb       = %%p\\n", $kpb_pc->pc_curpcb
%s
%s
%s
      printf "\\n"
    end
    set $kpb_i = $kpb_i + 1
  end
end""" % (self._default_cpu(),
          thread % ("pc_curthread", "curthread",
                    'pid %d tid %d critnest %d \\"%s\\"',
                    "$kpb_td->td_proc->p_pid, $kpb_td->td_tid, "
                    "$kpb_td->td_critnest, $kpb_td->td_name", "curthread"),
          thread % ("pc_fpcurthread", "fpcurthread", 'pid %d \\"%s\\"',
                    "$kpb_td->td_proc->p_pid, $kpb_td->td_name", "fpcurthread"),
          thread % ("pc_idlethread", "idlethread", 'tid %d \\"%s\\"',
                    "$kpb_td->td_tid, $kpb_td->td_name", "idlethread"),
          "\n".join(md)))
        for text in defs:
            self.gdb.execute(text)

    def _default_cpu(self):
        from kgdb_pcpu import cpus
        return cpus.default()

    def cli(self, op, to_string=True):
        return self.gdb.execute("kpb_cli_%s" % op, to_string=to_string)

    def pe(self, op, limit=None):
        return self.in_command(self._pe, op, limit)

    def _pe(self, op, limit=None):
        """parse_and_eval per CPU, as FreeBSD's sys/tools/gdb does."""
        gdb = self.gdb
        pe = gdb.parse_and_eval
        maxid = int(pe("mp_maxid"))
        cpus = [c for c in range(maxid + 1)
                if int(pe("cpuid_to_pcpu[%d]" % c)) != 0]
        if op in ("a", "b"):
            exprs = ([COUNTER] if op == "a" else
                     ["%s[%d]" % (self.array, j)
                      for j in range(self.count if limit is None else limit)])
            out = []
            for j, expr in enumerate(exprs):
                total = 0
                for c in cpus:
                    total += int(pe("*(unsigned long long *)((char *)(%s) + %s)"
                                    % (expr, self.slot_expr % c)))
                out.append(total % 2**64)
            if op == "a":
                return "%d\n" % out[0]
            return "".join("[%d] = %d\n" % (j, s) for j, s in enumerate(out))
        if op == "c":
            return "".join(
                "cpu %d: %s\n" % (c, pe("*(int *)((char *)&pcpu_entry_%s + dpcpu_off[%d])"
                                         % (DPCPU, c)).format_string())
                for c in cpus)
        return self._pe_pcpu_all(cpus)

    def _pe_pcpu_all(self, cpus):
        """ddb's show allpcpu from one parse_and_eval per CPU, then gdb.Value
        field accesses: the GDB layer's way before it read raw bytes."""
        from kgdb_pcpu import ddb
        pe = self.gdb.parse_and_eval
        osrel = int(pe("osreldate"))
        crit = osrel >= 1300000

        def p(v):
            v = int(v) & (2**64 - 1)
            return "0x%x" % v if v else "0"

        def desc(td, form):
            if int(td) == 0:
                return "none"
            thr = td.dereference()
            name = thr["td_name"].string(errors="replace")
            tid = int(thr["td_tid"])
            if form == "idle":
                return '%s: tid %d "%s"' % (p(td), tid, name)
            proc = thr["td_proc"]
            pid = int(proc.dereference()["p_pid"]) if int(proc) else -1
            if form == "fpu":
                return '%s: pid %d "%s"' % (p(td), pid, name)
            if crit:
                return '%s: pid %d tid %d critnest %d "%s"' % (
                    p(td), pid, tid, int(thr["td_critnest"]), name)
            return '%s: pid %d tid %d "%s"' % (p(td), pid, tid, name)

        out = ["Current CPU: %d\n\n" % self._default_cpu()]
        for c in cpus:
            pc = pe("*cpuid_to_pcpu[%d]" % c)
            lines = ["%-13s= %d" % ("cpuid", int(pc["pc_cpuid"])),
                     "%-13s= %s" % ("dynamic pcpu", p(pc["pc_dynamic"])),
                     "%-13s= %s" % ("curthread", desc(pc["pc_curthread"], "cur")),
                     "%-13s= %s" % ("curpcb", p(pc["pc_curpcb"])),
                     "%-13s= %s" % ("fpcurthread", desc(pc["pc_fpcurthread"], "fpu")),
                     "%-13s= %s" % ("idlethread", desc(pc["pc_idlethread"], "idle"))]
            for label, field, conv in self.md:
                lines.append("%-13s= %s" % (label, ddb.c_format(conv, int(pc[field]))))
            out.append("\n".join(lines) + "\n\n")
        return "".join(out)

    def api(self):
        """The bare calls of the handle, timed."""
        kd, cpus = self.kd, self.cpus
        tmpl = self.dpcpu_tmpl
        return {
            "kd.counter_u64_fetch(base)": lambda: kd.counter_u64_fetch(self.base),
            "kd.counter_u64_fetch_array(%d bases)" % self.count:
                lambda: kd.counter_u64_fetch_array(self.bases),
            "kd.counter_u64_slots(base)": lambda: kd.counter_u64_slots(self.base),
            "kd.dpcpu_addr(addr, cpu), every CPU":
                lambda: [kd.dpcpu_addr(tmpl, c) for c in cpus],
            "kd.getpcpu(cpu), every CPU": lambda: [kd.getpcpu(c) for c in cpus],
            "kd.cpus()": kd.cpus,
        }


def _page_runs(addrs, size, page):
    """(first, length) reads covering sorted addrs, one per run in a page."""
    runs = []
    i = 0
    while i < len(addrs):
        first = addrs[i]
        j = i + 1
        while j < len(addrs) and (addrs[j] + size - 1) // page == first // page:
            j += 1
        runs.append((first, addrs[j - 1] + size - first))
        i = j
    return runs


def _span(gtype, names):
    """(lo, hi) byte offsets covering the named members of gtype."""
    los, his = [], []
    for name in names:
        f = gtype[name]
        lo = f.bitpos // 8
        los.append(lo)
        his.append(lo + f.type.sizeof)
    return min(los), max(his)


def _timed(fn, reps):
    times = []
    result = None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def _same_int_lines(a, b):
    return a.strip().splitlines() == b.strip().splitlines()


def _plain(out):
    """The command's output without the value history's "$N = " (the sum
    of counter-fetch goes into the history, as print puts a value there)."""
    return re.sub(r"^\$\d+ = ", "", out, flags=re.M)


def run_core(cfg):
    import gdb
    b = Bench(cfg)
    b.define_cli()
    res = {"ops": {}, "api": {}, "cpus": len(b.cpus), "count": b.count,
           "array": b.array}
    reps, slow_reps = cfg["reps"], cfg["slow_reps"]
    for op in OPS:
        b.ours(op)          # the handle's tables are loaded: a command right after another
        r = {"ours": [], "floor": []}
        # Alternate, so that drift in the machine's load hits both alike.
        for _ in range(2 * reps):
            t, out_ours = _timed(lambda: b.ours(op), 1)
            out_ours = _plain(out_ours)
            r["ours"] += t
            r["floor"] += _timed(lambda: b.floor(op), 1)[0]
        n = cfg["slow_reps_b"] if op == "b" else slow_reps
        r["cli"], out_cli = _timed(lambda: b.cli(op), n)
        r["pe"], out_pe = _timed(lambda: b.pe(op), n)
        if op == "d":
            same_cli = len(out_cli.splitlines()) == len(out_ours.splitlines())
        else:
            same_cli = _same_int_lines(out_cli, out_ours)
        r["same"] = {"cli": same_cli, "pe": out_pe == out_ours}
        r["floor_reads"] = len(b.reads[op])
        res["ops"][op] = r
        gdb.write("bench: %s done\n" % TITLES[op], gdb.STDERR)
    res["b_pages"] = b.b_pages
    for name, fn in b.api().items():
        fn()
        res["api"][name] = _timed(fn, reps)[0]
    # Untimed: GDB's own count of memory transfers, one run of each.
    log = cfg["debug_log"]
    for op in OPS:
        # Not to_string: that would take GDB's debug stream too.
        for variant, fn in (("ours", lambda: b.ours(op, to_string=False)),
                            ("floor", lambda: b.floor(op))):
            res["ops"][op]["reads_" + variant] = _count_xfers(gdb, fn, log)
    return res


def _count_xfers(gdb, fn, log):
    gdb.execute("set logging file %s" % log)
    gdb.execute("set logging overwrite on")
    gdb.execute("set logging redirect on")
    gdb.execute("set logging debugredirect on")
    gdb.execute("set logging enabled on")
    gdb.execute("set debug target 1")
    try:
        fn()
    finally:
        gdb.execute("set debug target 0")
        gdb.execute("set logging enabled off")
    count = 0
    with open(log, errors="replace") as f:
        for line in f:
            # TARGET_OBJECT_MEMORY, _RAW_MEMORY, _STACK_MEMORY, _CODE_MEMORY
            if ":target_xfer_partial (" in line and line.split("(", 1)[1][:2] in ("1,", "2,", "3,", "4,"):
                count += 1
    return count


def run_remote(cfg):
    """Packets of each variant; markers in the debug stream delimit them."""
    import gdb
    gdb.execute("delete")       # the breakpoint at fixture_ready: calls below
    b = Bench(cfg)
    limit = min(b.count, cfg["remote_slow_limit"])
    b.define_cli(limit=limit)
    res = {"ops": {}, "settings": {}, "cpus": len(b.cpus), "count": b.count,
           "limit": limit}
    for cmd in ("show dcache size", "show dcache line-size", "show stack-cache",
                "show code-cache", "info mem",
                "show remote memory-read-packet-size"):
        try:
            res["settings"][cmd] = gdb.execute(cmd, to_string=True).strip()
        except gdb.error as err:
            res["settings"][cmd] = "error: %s" % err

    def measured(name, fn):
        gdb.write("%s begin %s\n" % (MARK, name), gdb.STDLOG)
        t0 = time.perf_counter()
        try:
            out = fn()
        finally:
            t = time.perf_counter() - t0
            gdb.write("%s end %s\n" % (MARK, name), gdb.STDLOG)
        return t, out

    def new_stop():
        # One instruction of fixture_ready()'s epilogue: a real resume and
        # stop (gdb.events.cont, stop); the kernel's memory is unchanged.
        gdb.execute("stepi")

    pe_out = {}
    gdb.execute("set debug remote 1")
    try:
        for op in OPS:
            r = {}
            # Output goes to GDB's stdout: to_string would take the debug
            # stream (the packets) with it.
            new_stop()
            r["t_cold"], _ = measured("%s ours_cold" % op,
                                      lambda: b.ours(op, to_string=False))
            r["t_ours"], _ = measured("%s ours" % op,
                                      lambda: b.ours(op, to_string=False))
            r["t_floor"], _ = measured("%s floor" % op, lambda: b.floor(op))
            r["t_cli"], _ = measured("%s cli" % op,
                                     lambda: b.cli(op, to_string=False))
            r["t_pe"], out_pe = measured(
                "%s pe" % op, lambda: b.pe(op, limit if op == "b" else None))
            pe_out[op] = out_pe
            res["ops"][op] = r
            gdb.write("bench: remote %s done\n" % TITLES[op], gdb.STDERR)
    finally:
        gdb.execute("set debug remote 0")
    for op in OPS:
        r = res["ops"][op]
        out = _plain(b.ours(op))
        r["same_pe"] = (pe_out[op] == out if op != "b" else
                        pe_out[op].splitlines() == out.splitlines()[:limit])
        r["runs"] = [n for _a, n in _merge(b.reads[op])]
    # The one-time reads of the handle after a stop, each at its least:
    # mp_maxcpus, mp_ncpus, mp_maxid, cpuid_to_pcpu[] and all_cpus for every
    # operation; each CPU's pc_zpcpu_offset (8 bytes, a page apart) for the
    # counters; dpcpu_off[] for DPCPU.
    kd = b.kd
    psize = b.tgt.pointer_size
    table = kd.getmaxcpu() * psize
    common = [4, 4, 4, table, psize * ((kd.getmaxid() + 8 * psize) // (8 * psize))]
    res["bulk"] = {"a": common + [8] * len(b.cpus), "b": common + [8] * len(b.cpus),
                   "c": common + [table], "d": common}
    return res


def _merge(reads):
    """Reads merged where they touch: (first, length) runs."""
    runs = []
    for addr, size in sorted(reads):
        if runs and addr <= runs[-1][0] + runs[-1][1]:
            first, length = runs[-1]
            runs[-1] = (first, max(length, addr + size - first))
        else:
            runs.append((addr, size))
    return runs


def gdb_main():
    import gdb
    cfg = json.loads(os.environ["KGDB_PCPU_BENCH"])
    try:
        if cfg["mode"].startswith("freebsd"):
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import vs_freebsd
            res = vs_freebsd.gdb_main(cfg)
        elif cfg["mode"] == "core":
            res = run_core(cfg)
        else:
            res = run_remote(cfg)
    except Exception as err:  # report, and let the driver say so
        import traceback
        traceback.print_exc()
        res = {"error": "%s: %s" % (type(err).__name__, err)}
    with open(cfg["out"], "w") as f:
        json.dump(res, f)
    gdb.execute("kill", to_string=True) if cfg["mode"] == "remote" else None


# ---------------------------------------------------------------------------
# Outside GDB: the driver.

def _fixture(args):
    sys.path.insert(0, os.path.join(ROOT, "vmcores"))
    import mkvmcore
    shape = args.shape
    if shape is None:
        shape = "amd64-15.0-bench"
    outdir = args.dir or mkvmcore.make_vmcore(shape)
    with open(os.path.join(outdir, "truth.json")) as f:
        truth = json.load(f)
    if "bench_array" in truth:
        info = truth["bench_array"]
        array = info.get("symbol") or info.get("name") or "bench_array"
        count = info.get("count") or len(info.get("sums") or [])
    else:
        info = truth["counter_arrays"]["tcpstat"]
        array, count = "tcpstat", len(info["sums"])
    return mkvmcore, truth.get("shape", shape), outdir, array, count


def _kernel_args(mkvmcore, shape, truth_path):
    """The fixture kernel's command line, as mkvmcore runs it to dump it."""
    if hasattr(mkvmcore, "_boot_plan"):
        # The boot plan is compiled in: "kernel TRUTH" boots it (kernel.c).
        return [truth_path]
    plan = mkvmcore._plan(shape, None)
    args = ["--shape", plan["shape"], "--truth", truth_path,
            "--maxid", str(plan["maxid"]), "--selected", str(plan["selected"])]
    if plan["absent"]:
        args += ["--absent", ",".join(map(str, plan["absent"]))]
    if plan["intr"] is not None:
        args += ["--intr", str(plan["intr"])]
    return args


def _gdb_argv(gdb, load=True):
    argv = [gdb, "-nx", "-batch", "-iex", "set debuginfod enabled off",
            "-ex", "set pagination off", "-ex", "set width 0",
            "-ex", "set height 0", "-ex", "set confirm off"]
    if load:
        argv += ["-x", os.path.join(ROOT, "gdb", "kgdb-pcpu.py")]
    return argv


def _run_gdb(argv, cfg, stderr_path, timeout):
    import subprocess
    env = dict(os.environ, KGDB_PCPU_BENCH=json.dumps(cfg), LC_ALL="C")
    env.pop("PYTHONPATH", None)
    env.pop("DEBUGINFOD_URLS", None)
    with open(stderr_path, "w") as err:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=err, env=env, timeout=timeout, text=True)
    with open(cfg["out"]) as f:
        res = json.load(f)
    if "error" in res:
        raise SystemExit("bench: GDB side failed: %s (see %s)\n%s"
                         % (res["error"], stderr_path, proc.stdout[-2000:]))
    return res


def _count_packets(stderr_path):
    """{marker name: (number of 'm' packets, largest 'm' length)}."""
    counts, current, largest = {}, None, 0
    with open(stderr_path, errors="replace") as f:
        for line in f:
            if line.startswith(MARK):
                _m, what, name = line.rstrip("\n").split(" ", 2)
                current = name if what == "begin" else None
                if current is not None:
                    counts[current] = 0
                continue
            i = line.find("Sending packet: $m")
            if i >= 0:
                try:
                    length = int(line[i + 18:].split(",", 1)[1].split("#", 1)[0], 16)
                    largest = max(largest, length)
                except (IndexError, ValueError):
                    pass
                if current is not None:
                    counts[current] += 1
    return counts, largest


def _ms(times):
    return statistics.median(times) * 1e3


def _fmt_ms(v):
    return "%.3g" % v if v < 100 else "%.0f" % v


def _x(v):
    return "%.2f" % v if v < 10 else "%.0f" % v


def print_core(res, meta):
    print()
    print("Core dump: %s, %d CPUs, array %s of %d counters "
          "(median of %d runs; cli and p&e: %d, of (b): %d)"
          % (meta["shape"], res["cpus"], res["array"], res["count"],
             2 * meta["reps"], meta["slow_reps"], meta["slow_reps_b"]))
    head = ("operation", "ours ms", "floor ms", "cli ms", "p&e ms",
            "ours/floor", "cli/ours", "p&e/ours", "reads ours", "reads floor", "same")
    rows = []
    for op in OPS:
        r = res["ops"][op]
        ours, floor, cli, pe = (_ms(r[k]) for k in ("ours", "floor", "cli", "pe"))
        same = "yes" if r["same"]["cli"] and r["same"]["pe"] else \
            "NO (cli %s, p&e %s)" % (r["same"]["cli"], r["same"]["pe"])
        rows.append((TITLES[op], _fmt_ms(ours), _fmt_ms(floor), _fmt_ms(cli),
                     _fmt_ms(pe), "%.2f" % (ours / floor), _x(cli / ours),
                     _x(pe / ours), str(r["reads_ours"]), str(r["reads_floor"]), same))
    _table(head, rows)
    print("(b): %d distinct pages hold the array's slots"
          % res["b_pages"])
    print()
    print("Bare API calls (median):")
    _table(("call", "ms"), [(k, "%.3f" % _ms(v)) for k, v in res["api"].items()])


def print_remote(res, counts, largest, meta):
    print()
    print("Remote: the fixture kernel live under gdbserver over a pipe, stopped at "
          "fixture_ready; %d CPUs; 'm' packets (largest 'm' read: %d bytes)"
          % (res["cpus"], largest))
    head = ("operation", "ours cold", "cold minimum", "ours warm", "minimum",
            "floor", "cli", "p&e", "ours warm ms", "cli ms", "p&e ms", "same")
    rows = []
    scale = res["count"] / res["limit"]
    for op in OPS:
        r = res["ops"][op]
        minimum = sum(-(-n // largest) for n in r["runs"]) if largest else len(r["runs"])
        minimum += {"a": 1, "b": 1}.get(op, 0)   # reading EXPR itself
        cli, pe = counts.get("%s cli" % op, 0), counts.get("%s pe" % op, 0)
        t_cli, t_pe = r["t_cli"] * 1e3, r["t_pe"] * 1e3
        if op == "b" and scale != 1:
            cli, pe = "~%d" % (cli * scale), "~%d" % (pe * scale)
            t_cli, t_pe = t_cli * scale, t_pe * scale
            t_cli_s, t_pe_s = "~" + _fmt_ms(t_cli), "~" + _fmt_ms(t_pe)
        else:
            t_cli_s, t_pe_s = _fmt_ms(t_cli), _fmt_ms(t_pe)
        bulk = sum(-(-n // largest) for n in res["bulk"][op]) if largest else 0
        rows.append((TITLES[op], str(counts.get("%s ours_cold" % op)),
                     str(minimum + bulk),
                     str(counts.get("%s ours" % op)), str(minimum),
                     str(counts.get("%s floor" % op)), str(cli), str(pe),
                     _fmt_ms(r["t_ours"] * 1e3), t_cli_s, t_pe_s,
                     "yes" if r["same_pe"] else "NO"))
    _table(head, rows)
    print("cold: the first run after a stop (stepi); cold minimum: minimum plus the "
          "handle's one-time reads (mp_maxcpus, mp_ncpus, mp_maxid, cpuid_to_pcpu[], "
          "all_cpus; each CPU's pc_zpcpu_offset for (a) and (b); dpcpu_off[] for (c))")
    if scale != 1:
        print("~: the cli and p&e loops of (b) ran over the first %d of %d counters "
              "here, scaled" % (res["limit"], res["count"]))
    print("GDB's caches during the run:")
    for cmd, text in res["settings"].items():
        print("  %s: %s" % (cmd, " / ".join(text.splitlines())))


def _table(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")


def driver():
    import argparse
    import platform
    import subprocess
    import tempfile
    p = argparse.ArgumentParser(description="kgdb-pcpu benchmark (make bench)")
    p.add_argument("--shape", help="fixture shape (default: amd64-15.0-bench)")
    p.add_argument("--dir", help="an existing fixture directory instead")
    p.add_argument("--reps", type=int, default=15, help="runs of the fast variants (x2)")
    p.add_argument("--slow-reps", type=int, default=3, help="runs of the cli and p&e loops")
    p.add_argument("--slow-reps-b", type=int, default=1,
                   help="runs of the cli and p&e loops of (b) (minutes each)")
    p.add_argument("--remote-slow-limit", type=int, default=10,
                   help="counters of the array the remote cli and p&e loops cover")
    p.add_argument("--no-remote", action="store_true")
    p.add_argument("--no-core", action="store_true")
    p.add_argument("--gdb", default=os.environ.get("GDB", "gdb"))
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--freebsd-gdb", metavar="DIR",
                   help="FreeBSD's sys/tools (kernel-gdb.py, gdb/*.py): compare "
                        "$PCPU and $V with FreeBSD's own (tests/bench/vs_freebsd.py)")
    p.add_argument("--freebsd-reps", type=int, default=200,
                   help="calls of each $PCPU/$V query, ours and theirs")
    p.add_argument("--freebsd-sessions", type=int, default=3,
                   help="fresh GDB sessions timing each first call")
    args = p.parse_args()
    if args.no_core and args.no_remote:     # the FreeBSD comparison alone
        mkvmcore, array, count = None, None, 0
        shape, outdir = args.shape or "amd64-15.0-bench", "not made"
    else:
        mkvmcore, shape, outdir, array, count = _fixture(args)
    kernel, vmcore = os.path.join(outdir, "kernel"), os.path.join(outdir, "vmcore")
    tmp = tempfile.mkdtemp(prefix="kgdb-pcpu-bench.")
    cfg = {"mode": "core", "reps": args.reps, "slow_reps": args.slow_reps,
           "slow_reps_b": args.slow_reps_b,
           "array": array, "count": count, "out": os.path.join(tmp, "core.json"),
           "debug_log": os.path.join(tmp, "debug-target.log"),
           "remote_slow_limit": args.remote_slow_limit}
    gdb_version = subprocess.run([args.gdb, "--version"], stdout=subprocess.PIPE,
                                 text=True).stdout.splitlines()[0]
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    meta = {"shape": shape, "reps": args.reps, "slow_reps": args.slow_reps,
            "slow_reps_b": args.slow_reps_b}
    print("kgdb-pcpu bench: %s, %d CPUs (nproc), %s, Python %s, %s"
          % (model, os.cpu_count(), gdb_version, platform.python_version(),
             platform.platform()))
    print("fixture: %s (%s)" % (shape, outdir))
    sys.stdout.flush()
    argv = _gdb_argv(args.gdb) + ["-x", os.path.abspath(__file__), kernel, vmcore]
    out = {"meta": meta}
    if not args.no_core:
        core = _run_gdb(argv, cfg, os.path.join(tmp, "core.stderr"), 3600)
        print_core(core, meta)
        out["core"] = core
    if not args.no_remote:
        sys.stdout.flush()
        live_truth = os.path.join(tmp, "live-truth.json")
        kargs = _kernel_args(mkvmcore, shape, live_truth)
        rcfg = dict(cfg, mode="remote", out=os.path.join(tmp, "remote.json"))
        server = "target remote | exec gdbserver --once - %s %s" % (
            kernel, " ".join(kargs))
        argv = (_gdb_argv(args.gdb)
                + ["-ex", "file %s" % kernel, "-ex", server,
                   "-ex", "break fixture_ready", "-ex", "continue",
                   "-x", os.path.abspath(__file__)])
        stderr_path = os.path.join(tmp, "remote.stderr")
        remote = _run_gdb(argv, rcfg, stderr_path, 3600)
        counts, largest = _count_packets(stderr_path)
        print_remote(remote, counts, largest, meta)
        out["remote"] = remote
        out["packets"] = counts
    if args.freebsd_gdb:
        sys.stdout.flush()
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import vs_freebsd
        out["freebsd"] = vs_freebsd.compare(args, _run_gdb, _gdb_argv, _table, tmp)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    print()
    print("(raw logs in %s)" % tmp)


if __name__ == "__main__":
    if _in_gdb():
        gdb_main()
    else:
        driver()
