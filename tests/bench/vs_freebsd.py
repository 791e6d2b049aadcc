"""make bench BENCH_ARGS="--freebsd-gdb DIR": kgdb-pcpu's $PCPU and $V
against FreeBSD 15's own (sys/tools/gdb), on the same dump, in the same run.

DIR holds FreeBSD's kernel-gdb.py and its modules as a FreeBSD source tree
has them (sys/tools: DIR/kernel-gdb.py, DIR/gdb/pcpu.py, vnet.py, freebsd.py,
acttrace.py), fetched by the developer; nothing of them is in this project,
and nothing is downloaded here.

Both are loaded into one GDB: FreeBSD's first, then kgdb-pcpu, whose $PCPU
and $V replace FreeBSD's under their names; FreeBSD's are then registered
again as $fbsd_PCPU and $fbsd_V (a subclass that only renames the function:
its invoke is FreeBSD's own).  Each query is evaluated the way a user
types it (gdb.parse_and_eval of the expression, the value fetched), ours and
theirs in turn, and its time per call is the median of many calls.  The first
call of a query is timed in a GDB session of its own, fresh, one per
implementation, several sessions each.

FreeBSD's default CPU and vnet come from the selected thread's td_tid as
kgdb sets it (ptid[2]); a GDB core of the fixture process carries the LWP in
ptid[1], so the queries name their CPU and vnet.  FreeBSD's $V with a second
argument needs GDB 14 or newer (gdb.Type.is_string_like): under older GDB
its rows say so.
"""

import json
import os
import statistics
import sys
import time

# (function, what, the query with our names); FreeBSD's is the same with
# $fbsd_PCPU / $fbsd_V.  The fixture is a VIMAGE one (jail "db").
QUERIES = [
    ("$PCPU", "struct pcpu member", '$PCPU("curthread", 1)'),
    ("$PCPU", "DPCPU variable", '$PCPU("dpcpu_int", 2)'),
    ("$PCPU", "DPCPU struct", '$PCPU("dpcpu_stats", 3)'),
    ("$V", "vnet0", '$V("ipforwarding", vnet0)'),
    ("$V", "jail by name", '$V("ipforwarding", "db")'),
    ("$V", "counter array", '$V("tcpstat", vnet0)'),
]
# The first call of each function, in fresh sessions.
FIRST = ['$PCPU("dpcpu_int", 2)', '$V("ipforwarding", vnet0)']
SHAPE = "amd64-15.0-vimage"


def theirs(expr):
    return expr.replace("$PCPU(", "$fbsd_PCPU(").replace("$V(", "$fbsd_V(")


def loader(freebsd_dir):
    """FreeBSD's kernel-gdb.py in DIR (its modules in DIR/gdb)."""
    path = os.path.join(freebsd_dir, "kernel-gdb.py")
    if not os.path.isfile(path) or \
            not os.path.isfile(os.path.join(freebsd_dir, "gdb", "pcpu.py")):
        raise SystemExit("bench: --freebsd-gdb %s: no kernel-gdb.py with "
                         "gdb/pcpu.py beside it (FreeBSD's sys/tools)" % freebsd_dir)
    return path


# ---------------------------------------------------------------------------
# Inside GDB, FreeBSD's scripts loaded (-x DIR/kernel-gdb.py).

def _register_theirs():
    """FreeBSD's $PCPU and $V again as $fbsd_PCPU and $fbsd_V; kgdb-pcpu,
    loaded after FreeBSD's, has its own $PCPU and $V in their place."""
    import gdb
    if "kgdb_pcpu.commands" not in sys.modules:
        raise RuntimeError("kgdb-pcpu is not loaded")

    def renamed(cls, name):
        class Renamed(cls):
            def __init__(self):
                gdb.Function.__init__(self, name)
        return Renamed()

    renamed(sys.modules["pcpu"].pcpu, "fbsd_PCPU")
    renamed(sys.modules["vnet"].vnet, "fbsd_V")


def _call(expr):
    """Time of one evaluation of expr, its value fetched; the value's text
    (outside the clock) or the error."""
    import gdb
    t0 = time.perf_counter()
    try:
        value = gdb.parse_and_eval(expr)
        value.fetch_lazy()
    except Exception as err:  # FreeBSD's may raise anything
        return time.perf_counter() - t0, "error: %s: %s" % (type(err).__name__, err)
    t = time.perf_counter() - t0
    return t, str(value)


def run_per_call(cfg):
    _register_theirs()
    res = {}
    for _func, _what, expr in QUERIES:
        r = {"ours": [], "theirs": []}
        # Once each untimed: GDB's and both sides' lookups of this query's
        # names are made; then ours and theirs in turn.
        _t, r["ours_value"] = _call(expr)
        _t, r["theirs_value"] = _call(theirs(expr))
        for _ in range(cfg["reps"]):
            for side, e in (("ours", expr), ("theirs", theirs(expr))):
                if r[side + "_value"].startswith("error: "):
                    continue
                r[side].append(_call(e)[0])
        res[expr] = r
    return res


def run_first_call(cfg):
    _register_theirs()
    expr = cfg["expr"] if cfg["side"] == "ours" else theirs(cfg["expr"])
    t, value = _call(expr)
    return {"t": t, "value": value}


# ---------------------------------------------------------------------------
# The driver.

def compare(args, run_gdb, gdb_argv, table, tmp):
    """Run the comparison; print its tables (with table(head, rows)); the
    raw results."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), "vmcores"))
    import mkvmcore
    fbsd = loader(args.freebsd_gdb)
    outdir = mkvmcore.make_vmcore(SHAPE)
    files = [os.path.join(outdir, "kernel"), os.path.join(outdir, "vmcore")]
    bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py")
    ours_loader = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "gdb", "kgdb-pcpu.py")
    argv = (gdb_argv(args.gdb, load=False)
            + ["-x", fbsd, "-x", ours_loader, "-x", bench] + files)
    base = {"reps": args.freebsd_reps}
    cfg = dict(base, mode="freebsd", out=os.path.join(tmp, "freebsd.json"))
    per_call = run_gdb(argv, cfg, os.path.join(tmp, "freebsd.stderr"), 3600)
    first = {}
    for expr in FIRST:
        for side in ("ours", "theirs"):
            for i in range(args.freebsd_sessions):
                cfg = dict(base, mode="freebsd-first", expr=expr, side=side,
                           out=os.path.join(tmp, "first.json"))
                r = run_gdb(argv, cfg, os.path.join(tmp, "first.stderr"), 600)
                first.setdefault(expr, {}).setdefault(side, []).append(r)
    print_tables(per_call, first, args, outdir, table)
    return {"per_call": per_call, "first": first}


def _ms(times):
    return statistics.median(times) * 1e3


def _cell(times, value):
    if value.startswith("error: "):
        return "fails"
    return "%.3f" % _ms(times)


def print_tables(per_call, first, args, outdir, table):
    print()
    print("Against FreeBSD 15's sys/tools/gdb (%s), same GDB, same dump "
          "(%s); ms per call, median of %d calls each, ours and theirs in turn:"
          % (args.freebsd_gdb, outdir, args.freebsd_reps))
    rows = []
    notes = []
    for func, what, expr in QUERIES:
        r = per_call[expr]
        ov, tv = r["ours_value"], r["theirs_value"]
        if ov.startswith("error: ") or tv.startswith("error: "):
            ratio = "-"
            same = "-"
            for side, v in (("ours", ov), ("theirs", tv)):
                if v.startswith("error: "):
                    notes.append("%s %s: %s" % (side, expr, v[len("error: "):]))
        else:
            ratio = "%.2f" % (_ms(r["theirs"]) / _ms(r["ours"]))
            same = "yes" if ov == tv else "NO"
        rows.append((func, what, expr, _cell(r["ours"], ov), _cell(r["theirs"], tv),
                     ratio, same))
    table(("function", "query", "expression", "ours ms", "theirs ms",
            "theirs/ours", "same value"), rows)
    for n in notes:
        print("  " + n.splitlines()[0])
    print()
    print("First call in a fresh GDB session (both loaded), median of %d "
          "sessions each:" % args.freebsd_sessions)
    rows = []
    for expr in FIRST:
        sides = first[expr]
        cells = []
        for side in ("ours", "theirs"):
            runs = sides[side]
            if any(x["value"].startswith("error: ") for x in runs):
                cells.append(None)
            else:
                cells.append(statistics.median(x["t"] for x in runs) * 1e3)
        ratio = "%.2f" % (cells[1] / cells[0]) if None not in cells else "-"
        rows.append((expr,) + tuple("fails" if c is None else "%.2f" % c
                                    for c in cells) + (ratio,))
    table(("expression", "ours ms", "theirs ms", "theirs/ours"), rows)
    print("theirs/ours above 1: kgdb-pcpu is faster by that factor.")


def gdb_main(cfg):
    if cfg["mode"] == "freebsd":
        return run_per_call(cfg)
    return run_first_call(cfg)


if __name__ == "__main__":
    raise SystemExit("run through bench.py --freebsd-gdb DIR")
