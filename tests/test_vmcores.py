"""The fixture dumps themselves: vmcores/mkvmcore.py's invariants.

Every shape is generated and its core is read back with plain GDB (no part
of the project's tool): layouts, symbols and values must be where
FREEBSD-PCPU.md says and equal to what truth.json claims.
"""

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "vmcores"))
import mkvmcore  # noqa: E402

MASK64 = (1 << 64) - 1
PAGE = 4096
SHAPES = list(mkvmcore.SHAPES)

# Run inside GDB: evaluate each request of $FIXTURE_EXPRS (a JSON list) and
# print the results as one JSON line.  A request is an expression, or
# "!COMMAND" for a command's output, or "$lwp" for the selected thread's
# LWP id.  Errors become {"error": message}.
GDB_SCRIPT = r'''
import json, os
import gdb

def conv(v):
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_ARRAY:
        elt = t.target().strip_typedefs()
        if elt.code == gdb.TYPE_CODE_INT and elt.sizeof == 1:
            return v.string(length=t.sizeof).split("\0")[0]
        lo, hi = t.range()
        return [conv(v[i]) for i in range(lo, hi + 1)]
    if t.code == gdb.TYPE_CODE_STRUCT:
        return {f.name: conv(v[f.name]) for f in t.fields()}
    return int(v)

out = []
for req in json.load(open(os.environ["FIXTURE_EXPRS"])):
    try:
        if req.startswith("!"):
            out.append(gdb.execute(req[1:], to_string=True))
        elif req == "$lwp":
            out.append(gdb.selected_thread().ptid[1])
        else:
            out.append(conv(gdb.parse_and_eval(req)))
    except (gdb.error, gdb.MemoryError, RuntimeError) as e:
        out.append({"error": str(e)})
print("@@RESULT@@" + json.dumps(out))
'''


class Core:
    """A generated fixture: its truth, and GDB evaluation on its core."""

    def __init__(self, outdir, script):
        self.dir = Path(outdir)
        self.script = script
        self.truth = json.loads((self.dir / "truth.json").read_text())

    def eval(self, exprs):
        req = self.dir / f".exprs-{os.getpid()}.json"
        req.write_text(json.dumps(list(exprs)))
        try:
            r = subprocess.run(
                ["gdb", "-nx", "-batch",
                 "-iex", "set debuginfod enabled off",
                 "-x", str(self.script),
                 str(self.dir / "kernel"), str(self.dir / "vmcore")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                timeout=300, env=dict(os.environ, FIXTURE_EXPRS=str(req)))
        finally:
            req.unlink()
        for line in r.stdout.splitlines():
            if line.startswith("@@RESULT@@"):
                return json.loads(line[len("@@RESULT@@"):])
        raise AssertionError("gdb gave no result:\n" + r.stdout + r.stderr)

    def check(self, pairs):
        """pairs: (expression, expected); all mismatches in one failure."""
        pairs = list(pairs)
        got = self.eval(e for e, _ in pairs)
        bad = [f"{e}: got {g!r}, expected {x!r}"
               for (e, x), g in zip(pairs, got) if g != x]
        assert not bad, "\n".join(bad[:20])

    # Facts from the truth that the tests key on.
    @property
    def cpus(self):
        return self.truth["cpus"]

    @property
    def version13(self):
        return self.truth["osreldate"] >= 1300000

    @property
    def pcpu_pointer(self):
        return self.truth["machine"] == "amd64" and self.version13

    def sample(self):
        """A few present CPUs: first, last, selected, and one in between."""
        c = self.cpus
        s = set(c[:3] + c[-2:] + [self.truth["selected_cpu"], c[len(c) // 2]])
        return sorted(s)

    def slot_expr(self, c_expr, cpu):
        """CPU cpu's slot address of counter c_expr, by FREEBSD-PCPU.md 5."""
        if self.version13:
            return (f"(unsigned long)({c_expr}) + "
                    f"cpuid_to_pcpu[{cpu}]->pc_zpcpu_offset")
        stride = "sizeof(struct pcpu)" if self.truth["osreldate"] < 1200000 \
            else str(PAGE)
        return f"(unsigned long)({c_expr}) + {stride} * {cpu}"

    def raw_slot_expr(self, c_expr, cpu):
        """As slot_expr, without struct pcpu (for absent CPUs)."""
        if self.pcpu_pointer:
            return (f"(unsigned long)({c_expr}) + (unsigned long)__pcpu + "
                    f"{PAGE} * {cpu}")
        stride = self.truth["pcpu_size"] if self.truth["osreldate"] < 1200000 \
            else PAGE
        return f"(unsigned long)({c_expr}) + {stride} * {cpu}"


@pytest.fixture(scope="session")
def gdb_script(tmp_path_factory):
    path = tmp_path_factory.mktemp("gdb") / "eval.py"
    path.write_text(GDB_SCRIPT)
    return path


@pytest.fixture(scope="module", params=SHAPES)
def core(request, gdb_script):
    return Core(mkvmcore.make_vmcore(request.param), gdb_script)


# --- the truth file on its own ---------------------------------------------

REQUIRED_KEYS = {
    "shape", "osreldate", "mp_maxcpus", "mp_maxid", "mp_ncpus", "cpus",
    "absent", "pcpu_size", "page_size", "pcpu_symbol_value",
    "start_set_pcpu", "stop_set_pcpu", "zpcpu_stride", "selected_cpu",
    "pcpu", "threads", "dpcpu_off", "dpcpu", "counters", "counter_arrays",
    "libkvm_counter_sums",
}


def test_truth_is_consistent(core):
    t = core.truth
    assert REQUIRED_KEYS <= set(t)
    keys = {str(c) for c in t["cpus"]}
    assert t["cpus"] == [c for c in range(t["mp_maxid"] + 1)
                         if c not in t["absent"]]
    assert t["mp_ncpus"] == len(t["cpus"])
    assert t["selected_cpu"] in t["cpus"]
    assert set(t["pcpu"]) == keys and set(t["dpcpu_off"]) == keys
    assert t["stopped_cpus"] == [c for c in t["cpus"]
                                 if c != t["selected_cpu"]]
    assert t["cpuhead"] == t["cpus"]
    for name, var in t["dpcpu"].items():
        assert set(var["values"]) == keys, name
        assert var["symbol"] == "pcpu_entry_" + name
        assert var["template"] not in var["values"].values(), name
    for cpu in t["cpus"]:
        assert t["dpcpu"]["dpcpu_int"]["values"][str(cpu)] == 1000 + 17 * cpu
    slots = []
    for name, c in t["counters"].items():
        assert set(c["slots"]) == keys, name
        assert {int(k) for k in c["absent_slots"]} == set(t["absent"]), name
        assert c["sum"] == sum(c["slots"].values()) & MASK64, name
        slots += [v for v in c["slots"].values() if v]
    assert len(slots) == len(set(slots)), "counter slots are not distinct"
    assert all(v == 0 for v in t["counters"]["vm_cnt.v_intr"]["slots"].values())
    soft = t["counters"]["vm_cnt.v_soft"]
    assert all(v >= 1 << 63 for v in soft["slots"].values())
    if len(t["cpus"]) > 1:
        assert sum(soft["slots"].values()) > MASK64, "v_soft must wrap"
    tcp = t["counter_arrays"]["tcpstat"]
    assert len(tcp["fields"]) == len(tcp["values"]) == len(tcp["sums"]) >= 20
    assert 0 in tcp["sums"]
    sel = t["pcpu"][str(t["selected_cpu"])]
    assert t["threads"][str(sel["curthread"])]["tid"] == t["selected_tid"]


def test_vmcore_is_an_elf_core(core):
    head = (core.dir / "vmcore").read_bytes()[:18]
    assert head[:4] == b"\x7fELF"
    assert struct.unpack("<H", head[16:18])[0] == 4  # ET_CORE


# --- globals and struct pcpu ------------------------------------------------

def test_globals(core):
    t = core.truth
    maxcpu = t["mp_maxcpus"]
    core.check([
        ("mp_maxid", t["mp_maxid"]),
        ("mp_ncpus", t["mp_ncpus"]),
        ("mp_maxcpus", maxcpu),
        ("osreldate", t["osreldate"]),
        ("sizeof(struct pcpu)", t["pcpu_size"]),
        ("sizeof(mp_maxid)", 4),
        ("sizeof(cpuid_to_pcpu) / sizeof(cpuid_to_pcpu[0])", maxcpu),
        ("sizeof(dpcpu_off) / sizeof(dpcpu_off[0])", maxcpu),
        ("sizeof(all_cpus) * 8", maxcpu),
        ("sizeof(all_cpus.__bits[0])", 8),
    ])
    bits = core.eval(["all_cpus.__bits", "stopped_cpus.__bits"])

    def members(words):
        return [i for i in range(maxcpu)
                if (words[i // 64] & MASK64) >> (i % 64) & 1]
    assert members(bits[0]) == t["cpus"]
    assert members(bits[1]) == t["stopped_cpus"]


def test_pcpu_size_rule(core):
    size = core.truth["pcpu_size"]
    if core.truth["machine"] == "amd64":
        assert size == PAGE
    elif core.version13:
        assert size < PAGE and PAGE % size == 0
    else:
        assert PAGE % size != 0


def test_pcpu_structs(core):
    t = core.truth
    pairs = []
    for cpu in core.sample():
        p = t["pcpu"][str(cpu)]
        pc = f"cpuid_to_pcpu[{cpu}]"
        pairs += [
            (f"(unsigned long){pc}", p["addr"]),
            (f"{pc}->pc_cpuid", cpu),
            (f"{pc}->pc_dynamic", p["dynamic"]),
            (f"dpcpu_off[{cpu}]", t["dpcpu_off"][str(cpu)]),
            (f"{pc}->pc_dynamic == dpcpu_off[{cpu}]", 1),
            (f"(unsigned long){pc}->pc_curthread", p["curthread"]),
            (f"(unsigned long){pc}->pc_idlethread", p["idlethread"]),
            (f"(unsigned long){pc}->pc_fpcurthread", p["fpcurthread"]),
            (f"(unsigned long){pc}->pc_curpcb", p["curpcb"]),
            (f"{pc}->pc_curpcb == {pc}->pc_curthread->td_pcb", 1),
            (f"{pc}->pc_cp_time", p["cp_time"]),
            (f"{pc}->pc_domain", p["domain"]),
            (f"{pc}->pc_switchticks", p["switchticks"]),
            (f"(unsigned long){pc}->pc_allcpu.stqe_next", p["allcpu_next"]),
            (f"(unsigned long){pc}->pc_rm_queue.rmq_next == "
             f"(unsigned long)&{pc}->pc_rm_queue", 1),
        ]
        for field, value in p["md"].items():
            pairs.append((f"(unsigned long){pc}->pc_{field}", value))
    for cpu in t["absent"]:
        pairs += [(f"(unsigned long)cpuid_to_pcpu[{cpu}]", 0),
                  (f"dpcpu_off[{cpu}]", 0)]
    if t["mp_maxid"] + 1 < t["mp_maxcpus"]:
        pairs.append((f"(unsigned long)cpuid_to_pcpu[{t['mp_maxid'] + 1}]",
                      0))
    core.check(pairs)


def test_cpuhead(core):
    t = core.truth
    first, last = t["cpus"][0], t["cpus"][-1]
    pairs = [
        ("cpuhead.stqh_first == cpuid_to_pcpu[%d]" % first, 1),
        ("cpuhead.stqh_last == &cpuid_to_pcpu[%d]->pc_allcpu.stqe_next"
         % last, 1),
        ("(unsigned long)cpuid_to_pcpu[%d]->pc_allcpu.stqe_next" % last, 0),
    ]
    for a, b in zip(t["cpus"], t["cpus"][1:]):
        if a in core.sample():
            pairs.append((f"cpuid_to_pcpu[{a}]->pc_allcpu.stqe_next == "
                          f"cpuid_to_pcpu[{b}]", 1))
    core.check(pairs)


def test_pcpu_placement(core):
    t = core.truth
    cpus = core.sample()
    if core.pcpu_pointer:
        # One page per CPU id at the pointer __pcpu; zpcpu offsets from it.
        pairs = [("(unsigned long)__pcpu", t["pcpu_symbol_value"]),
                 ("(unsigned long)__pcpu % 4096", 0),
                 ("sizeof(__pcpu)", 8)]
        for cpu in cpus:
            pc = f"cpuid_to_pcpu[{cpu}]"
            pairs += [
                (f"(unsigned long){pc} - (unsigned long)__pcpu", PAGE * cpu),
                (f"{pc} == __pcpu + {cpu}", 1),
                (f"{pc}->pc_prvspace == {pc}", 1),
                (f"{pc}->pc_zpcpu_offset",
                 t["pcpu_symbol_value"] + PAGE * cpu),
            ]
        for cpu in t["absent"]:
            pairs.append((f"*(unsigned long *)(__pcpu + {cpu})",
                          0x4a554e4b4a554e4b))
        core.check(pairs)
    elif t["pcpu_symbol_value"] is not None:
        # The static array __pcpu[MAXCPU]; no pc_zpcpu_offset before 13.
        pairs = [("(unsigned long)&__pcpu[0]", t["pcpu_symbol_value"]),
                 ("sizeof(__pcpu) / sizeof(__pcpu[0])", t["mp_maxcpus"])]
        pairs += [(f"cpuid_to_pcpu[{cpu}] == &__pcpu[{cpu}]", 1)
                  for cpu in cpus]
        core.check(pairs)
        got = core.eval(["cpuid_to_pcpu[0]->pc_zpcpu_offset",
                         "cpuid_to_pcpu[0]->pc_sched"])
        assert all("no member named" in g["error"] for g in got)
    else:
        # arm64: pcpu0 for CPU 0, separate allocations with DPCPU after.
        size = t["pcpu_size"]
        pairs = [("cpuid_to_pcpu[0] == &pcpu0", 1),
                 ("(unsigned long)&pcpu0", t["pcpu0"])]
        apstart = []
        for cpu in cpus:
            pc = f"cpuid_to_pcpu[{cpu}]"
            pairs.append((f"{pc}->pc_zpcpu_offset", PAGE * cpu))
            if cpu == 0:
                continue
            pairs += [
                (f"(unsigned long){pc} % 4096", 0),
                (f"dpcpu_off[{cpu}] == (unsigned long){pc} + {size} - "
                 f"(unsigned long)&__start_set_pcpu", 1),
            ]
            apstart.append(cpu)
        core.check(pairs)
        # The page after each AP's allocation is not in the core.
        alloc = -(-(size + t["dpcpu_size"]) // PAGE) * PAGE
        got = core.eval([f"*(char *)((char *)cpuid_to_pcpu[{cpu}] + {alloc})"
                         for cpu in apstart]
                        + ["__pcpu"])
        assert all("Cannot access memory" in g["error"] for g in got[:-1])
        assert "No symbol" in got[-1]["error"]


# --- DPCPU ------------------------------------------------------------------

def test_dpcpu_section(core):
    t = core.truth
    start, stop = t["start_set_pcpu"], t["stop_set_pcpu"]
    pairs = [("(unsigned long)&__start_set_pcpu", start),
             ("(unsigned long)&__stop_set_pcpu", stop),
             ("sizeof(pcpu_entry_modspace)", 2048)]
    for name, var in t["dpcpu"].items():
        sym = var["symbol"]
        pairs += [(f"(unsigned long)&{sym}", var["template_addr"]),
                  (f"sizeof({sym})", var["size"]),
                  (f"(unsigned long)&{sym} >= {start} && "
                   f"(unsigned long)&{sym} + sizeof({sym}) <= {stop}", 1),
                  (sym, var["template"])]
    core.check(pairs)
    assert t["dpcpu_size"] == -(-(stop - start) // PAGE) * PAGE
    assert stop - start >= 2048
    # Linker-made: symbols without debug info, as in a kernel.debug.
    for sym in ("__start_set_pcpu", "__stop_set_pcpu"):
        assert "no debug info" in core.eval([f"!whatis {sym}"])[0]


def test_dpcpu_areas(core):
    """Each CPU's area is page-aligned (on arm64 APs, right after the
    struct pcpu) and DPCPU_SIZE bytes are there."""
    t = core.truth
    start, size = t["start_set_pcpu"], t["dpcpu_size"]
    pairs = []
    for cpu in core.sample():
        area = (t["dpcpu_off"][str(cpu)] + start) & MASK64
        if t["pcpu_symbol_value"] is None and cpu != 0:
            assert area == t["pcpu"][str(cpu)]["addr"] + t["pcpu_size"]
        else:
            assert area % PAGE == 0, cpu
        pairs += [(f"*(unsigned char *){area + size - 1}", 0),
                  (f"*(int *)((char *)&pcpu_entry_dpcpu_int - {start} + "
                   f"{area})", 1000 + 17 * cpu)]
    core.check(pairs)


DPCPU_READ = {
    "dpcpu_int": "*(int *)",
    "dpcpu_u64": "*(unsigned long *)",
    "dpcpu_arr": "*(long (*)[4])",
    "dpcpu_stats": "*(struct dpcpu_stats *)",
    "dpcpu_thread": "(unsigned long)*(struct thread **)",
}


def test_dpcpu_values(core):
    t = core.truth
    pairs = []
    for name, var in t["dpcpu"].items():
        read = DPCPU_READ[name]
        for cpu in core.sample():
            want = var["values"][str(cpu)]
            pairs += [
                (f"{read}((char *)&{var['symbol']} + dpcpu_off[{cpu}])", want),
                (f"{read}((char *)&{var['symbol']} + "
                 f"cpuid_to_pcpu[{cpu}]->pc_dynamic)", want),
            ]
    core.check(pairs)


def test_dpcpu_thread_is_idle_thread(core):
    t = core.truth
    var = t["dpcpu"]["dpcpu_thread"]
    for cpu in t["cpus"]:
        assert var["values"][str(cpu)] == t["pcpu"][str(cpu)]["idlethread"]


# --- counter(9) -------------------------------------------------------------

def test_counter_slots(core):
    t = core.truth
    pairs = []
    for expr, c in t["counters"].items():
        pairs.append((f"(unsigned long){expr}", c["value"]))
        for cpu in core.sample():
            slot = core.slot_expr(expr, cpu)
            pairs += [(slot, c["slot_addrs"][str(cpu)]),
                      (f"*(unsigned long *)({slot})", c["slots"][str(cpu)]),
                      (f"*(unsigned long *)({core.raw_slot_expr(expr, cpu)})",
                       c["slots"][str(cpu)])]
        for cpu, junk in c["absent_slots"].items():
            pairs.append(
                (f"*(unsigned long *)({core.raw_slot_expr(expr, cpu)})",
                 junk))
    core.check(pairs)


def test_counter_sums(core):
    """Sum the slots of present CPUs in GDB, for every named counter."""
    t = core.truth
    names = list(t["counters"])
    if len(t["cpus"]) > 64:
        names = ["vm_cnt.v_swtch", "vm_cnt.v_soft", "vm_cnt.v_intr"]
    exprs = [f"*(unsigned long *)({core.slot_expr(n, cpu)})"
             for n in names for cpu in t["cpus"]]
    got = core.eval(exprs)
    n = len(t["cpus"])
    for i, name in enumerate(names):
        assert sum(got[i * n:(i + 1) * n]) & MASK64 == \
            t["counters"][name]["sum"], name


def test_counters_share_slot_pages(core):
    """UMA hands out 8-byte items in order: counters share CPU pages."""
    t = core.truth
    a, b = t["counters"]["vm_cnt.v_swtch"], t["counters"]["vm_cnt.v_trap"]
    assert b["value"] - a["value"] == 8
    for cpu in core.sample():
        assert b["slot_addrs"][str(cpu)] - a["slot_addrs"][str(cpu)] == 8
        assert a["slot_addrs"][str(cpu)] // PAGE == \
            b["slot_addrs"][str(cpu)] // PAGE
    if core.pcpu_pointer:
        # An offset from __pcpu, not an address.
        assert a["value"] == a["slot_addrs"]["0"] - t["pcpu_symbol_value"]
    else:
        assert a["value"] == a["slot_addrs"]["0"]


def test_tcpstat_array(core):
    t = core.truth
    tcp = t["counter_arrays"]["tcpstat"]
    n = len(tcp["fields"])
    pairs = [("sizeof(tcpstat) / sizeof(tcpstat[0])", n),
             ("sizeof(struct tcpstat) / 8", n),
             ("(unsigned long)&tcpstat", tcp["addr"])]
    for i, field in enumerate(tcp["fields"]):
        pairs += [(f"(unsigned long)&((struct tcpstat *)0)->{field} / 8", i),
                  (f"(unsigned long)tcpstat[{i}]", tcp["values"][i])]
    cpus = core.sample()
    for i in (0, n // 2, n - 1):
        for cpu in cpus:
            pairs.append((f"*(unsigned long *)"
                          f"({core.slot_expr(f'tcpstat[{i}]', cpu)})",
                          tcp["elements"][i]["slots"][str(cpu)]))
    core.check(pairs)
    for i in range(n):
        assert sum(tcp["elements"][i]["slots"].values()) & MASK64 == \
            tcp["sums"][i]


def test_libkvm_model(core):
    """libkvm's loop, done by hand in GDB, gives what truth records."""
    t = core.truth
    names = ["vm_cnt.v_swtch", "vm_cnt.v_soft"]
    pcpu = "(unsigned long)__pcpu" if core.pcpu_pointer else "0"
    values = core.eval([f"(unsigned long){n}" for n in names]
                       + [pcpu, "sizeof(struct pcpu)"])
    *bases, offset, size = values
    got = core.eval(f"*(unsigned long *){(b + offset + size * i) & MASK64}"
                    for b in bases for i in range(t["mp_ncpus"]))
    k = t["mp_ncpus"]
    for j, name in enumerate(names):
        assert sum(got[j * k:(j + 1) * k]) & MASK64 == \
            t["libkvm_counter_sums"][name], name
    right = t["libkvm_counter_sums"]["vm_cnt.v_swtch"] == \
        t["counters"]["vm_cnt.v_swtch"]["sum"]
    assert right == (t["shape"] not in ("sparse", "arm64"))


# --- threads ----------------------------------------------------------------

def test_selected_thread(core):
    t = core.truth
    sel = t["selected_cpu"]
    pc = f"cpuid_to_pcpu[{sel}]"
    got = core.eval(["$lwp"])
    assert got == [t["selected_tid"]]
    core.check([
        (f"{pc}->pc_curthread->td_tid", t["selected_tid"]),
        (f"{pc}->pc_curthread->td_oncpu", sel),
        (f"{pc}->pc_curthread->td_proc->p_pid", 1234),
        (f"{pc}->pc_curthread->td_name", "sh"),
        (f"{pc}->pc_curthread->td_critnest", 0),
        (f"{pc}->pc_fpcurthread == {pc}->pc_curthread", 1),
        (f"{pc}->pc_curthread != {pc}->pc_idlethread", 1),
    ])


def test_threads(core):
    t = core.truth
    nocpu = -1 if core.version13 else 255
    pairs = []
    for cpu in core.sample():
        idle = f"cpuid_to_pcpu[{cpu}]->pc_idlethread"
        running = t["pcpu"][str(cpu)]["curthread"] == \
            t["pcpu"][str(cpu)]["idlethread"]
        pairs += [(f"{idle}->td_tid", 100003 + cpu),
                  (f"{idle}->td_name", f"idle: cpu{cpu}"),
                  (f"{idle}->td_critnest", 1),
                  (f"{idle}->td_proc->p_pid", 11),
                  (f"{idle}->td_proc->p_comm", "idle"),
                  (f"{idle}->td_oncpu", cpu if running else nocpu)]
    threads = list(t["threads"].items())
    for addr, th in threads[:4] + threads[-4:]:
        td = f"((struct thread *){addr})"
        pairs += [(f"{td}->td_tid", th["tid"]),
                  (f"{td}->td_proc->p_pid", th["pid"]),
                  (f"{td}->td_name", th["name"]),
                  (f"{td}->td_critnest", th["critnest"]),
                  (f"{td}->td_oncpu", th["oncpu"]),
                  (f"(unsigned long){td}->td_pcb", th["pcb"])]
    core.check(pairs)
    names = {th["name"] for th in t["threads"].values()}
    assert ("swi4: clock (0)" in names) == (len(t["cpus"]) > 2)


# --- the generator ----------------------------------------------------------

def run_mkvmcore(*args):
    return subprocess.run([sys.executable, str(ROOT / "vmcores/mkvmcore.py"),
                           *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def test_list_shapes():
    r = run_mkvmcore("--list-shapes")
    assert r.returncode == 0
    assert [ln.split()[0] for ln in r.stdout.splitlines()] == SHAPES


@pytest.mark.parametrize("args, message", [
    (["--shape", "vax"], "unknown shape 'vax'"),
    (["--shape", "up", "--ncpus", "2"], "fixed CPU layout"),
    (["--shape", "freebsd11", "--ncpus", "65"], "from 1 to 64"),
    (["--shape", "amd64", "--ncpus", "0"], "from 1 to 1024"),
])
def test_bad_arguments_fail_loudly(args, message, tmp_path):
    r = run_mkvmcore(*args, "--outdir", str(tmp_path / "out"))
    assert r.returncode != 0
    assert r.stderr.startswith("mkvmcore: error: ")
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_default_outdirs():
    base = ROOT / "build" / "vmcores"
    assert mkvmcore.default_outdir("amd64") == base / "amd64"
    assert mkvmcore.default_outdir("amd64", 4) == base / "amd64"
    assert mkvmcore.default_outdir("arm64", 8) == base / "arm64-8"


def test_rebuild_is_skipped_when_up_to_date(tmp_path):
    out = tmp_path / "up"
    assert mkvmcore.make_vmcore("up", outdir=out) == str(out)
    mtime = (out / "vmcore").stat().st_mtime_ns
    r = run_mkvmcore("--shape", "up", "--outdir", str(out))
    assert r.returncode == 0 and r.stdout.strip() == str(out)
    assert (out / "vmcore").stat().st_mtime_ns == mtime
    (out / "truth.json").unlink()
    mkvmcore.make_vmcore("up", outdir=out)
    assert (out / "truth.json").is_file()
    assert (out / "vmcore").stat().st_mtime_ns != mtime


@pytest.mark.parametrize("shape, ncpus, maxcpu", [
    ("amd64", 300, 1024),
    ("amd64-12", 2, 256),
    ("arm64", 9, 1024),
    ("freebsd11", 64, 64),
])
def test_ncpus(shape, ncpus, maxcpu, tmp_path, gdb_script):
    c = Core(mkvmcore.make_vmcore(shape, ncpus, tmp_path / "out"), gdb_script)
    assert c.truth["cpus"] == list(range(ncpus))
    c.check([("mp_maxcpus", maxcpu), ("mp_ncpus", ncpus),
             ("mp_maxid", ncpus - 1),
             (f"cpuid_to_pcpu[{ncpus - 1}]->pc_cpuid", ncpus - 1),
             (f"cpuid_to_pcpu[{ncpus - 1}]->pc_idlethread->td_name",
              f"idle: cpu{ncpus - 1}")])


def test_all_shapes_generate_quickly(tmp_path):
    start = time.monotonic()
    for shape in SHAPES:
        mkvmcore.make_vmcore(shape, outdir=tmp_path / shape, force=True)
    assert time.monotonic() - start < 60
