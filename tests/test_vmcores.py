"""The fixture dumps themselves: vmcores/mkvmcore.py's invariants.

Every shape is generated and its core is read back with plain GDB (no part
of the project's tool): layouts, symbols and values must be where
docs/FREEBSD.md says for the shape's release and equal to what truth.json
claims.  Each shape is read in ONE GDB session: the req_* functions below
list what every test of a shape will ask, all of it is evaluated at once
(the shapes in parallel), and the tests compare the answers.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "vmcores"))
import mkvmcore  # noqa: E402

MASK64 = (1 << 64) - 1
PAGE = 4096
JUNK = 0x4a554e4b4a554e4b
SHAPES = [s for s, shape in mkvmcore.SHAPES.items() if not shape.corrupt]
CORRUPT = list(mkvmcore.CORRUPT_KINDS)
CORRUPT_SHAPES = ["amd64-15.0-corrupt-" + k for k in CORRUPT]
MODULE_SHAPES = [s for s in SHAPES if mkvmcore.SHAPES[s].modules]
VIMAGE_SHAPES = [s for s in SHAPES if mkvmcore.SHAPES[s].vimage]

# Run inside GDB: evaluate each request of $FIXTURE_EXPRS (a JSON list) and
# print the results as one JSON line.  A request is an expression, or
# "!COMMAND" for a command's output, or "$lwp" for the selected thread's
# LWP id, or "?NAME" for whether symbol NAME is "global", "static" or
# "none", or "+A,B,...": the uint64_t sum of the 8-byte words at those
# addresses, or "&TAG|PC|ADDR|EXPR": EXPR with $obj = *(struct TAG *)ADDR,
# struct TAG as the code at PC (an expression) sees it (two CUs may define
# different struct TAGs; a char * result becomes its string).  Errors become
# {"error": message}.  GDB 13's C parser takes some 15 ms to find a
# "struct TAG" each time, so "struct TAG *" becomes typeof($__p1_TAG), a
# convenience variable of that type, and sizeof(struct TAG) sizeof(*$__p1_TAG):
# the same expressions at a hundredth of the cost.
GDB_SCRIPT = r'''
import json, os, re
import gdb


def struct_ptr(tag, depth):
    """$__pDEPTH_TAG, a NULL struct TAG * (** for depth 2, ...)."""
    name = "__p%d_%s" % (depth, tag)
    if gdb.convenience_variable(name) is None:
        t = gdb.lookup_type("struct " + tag)
        for _ in range(depth):
            t = t.pointer()
        gdb.set_convenience_variable(name, gdb.Value(0).cast(t))
    return "$" + name


def fast(expr):
    expr = re.sub(r"sizeof\(\s*struct\s+(\w+)\s*\)", lambda m: "sizeof(*%s)"
                  % struct_ptr(m.group(1), 1), expr)
    return re.sub(r"struct\s+(\w+)\s*(\*+)", lambda m: "typeof(%s)" %
                  struct_ptr(m.group(1), len(m.group(2))), expr)


def scoped(req):
    tag, pc, addr, expr = req[1:].split("|")
    block = gdb.block_for_pc(int(gdb.parse_and_eval(pc)))
    t = gdb.lookup_symbol(tag, block, gdb.SYMBOL_STRUCT_DOMAIN)[0].type
    obj = gdb.Value(int(addr, 0)).cast(t.pointer()).dereference()
    gdb.set_convenience_variable("obj", obj)
    v = gdb.parse_and_eval(expr)
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR and \
            t.target().strip_typedefs().code == gdb.TYPE_CODE_INT and \
            t.target().sizeof == 1:
        return v.string()
    return conv(v)


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

def linkage(name):
    if gdb.lookup_global_symbol(name) is not None:
        return "global"
    return "static" if gdb.lookup_static_symbol(name) is not None else "none"


def words_sum(addrs):
    mem = gdb.selected_inferior()
    total = 0
    for a in addrs.split(","):
        total += int.from_bytes(mem.read_memory(int(a), 8).tobytes(),
                                "little")
    return total & (2 ** 64 - 1)

out = []
for req in json.load(open(os.environ["FIXTURE_EXPRS"])):
    try:
        if req.startswith("!"):
            out.append(gdb.execute(req[1:], to_string=True))
        elif req.startswith("?"):
            out.append(linkage(req[1:]))
        elif req.startswith("+"):
            out.append(words_sum(req[1:]))
        elif req == "$lwp":
            out.append(gdb.selected_thread().ptid[1])
        elif req.startswith("&"):
            out.append(scoped(req))
        else:
            out.append(conv(gdb.parse_and_eval(fast(req))))
    except (gdb.error, gdb.MemoryError, RuntimeError) as e:
        out.append({"error": str(e)})
print("@@RESULT@@" + json.dumps(out))
'''


class Err:
    """Expected: an error message containing text."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, got):
        return isinstance(got, dict) and self.text in got.get("error", "")

    def __repr__(self):
        return f"Err({self.text!r})"


class Has:
    """Expected: command output containing text."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, got):
        return isinstance(got, str) and self.text in got

    def __repr__(self):
        return f"Has({self.text!r})"


class Core:
    """A generated fixture: its truth, and the answers of its GDB session."""

    def __init__(self, shape, outdir):
        self.shape = shape
        self.dir = Path(outdir)
        self.truth = json.loads((self.dir / "truth.json").read_text())
        self.results = {}

    def evaluate(self, script, exprs):
        req = self.dir / f".exprs-{os.getpid()}.json"
        req.write_text(json.dumps(exprs))
        try:
            r = subprocess.run(
                ["gdb", "-nx", "-batch",
                 "-iex", "set debuginfod enabled off",
                 "-x", str(script),
                 str(self.dir / "kernel"), str(self.dir / "vmcore")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                timeout=300, env=dict(mkvmcore._env(), FIXTURE_EXPRS=str(req)))
        finally:
            req.unlink()
        for line in r.stdout.splitlines():
            if line.startswith("@@RESULT@@"):
                self.results = dict(zip(exprs,
                                        json.loads(line[len("@@RESULT@@"):])))
                return
        raise AssertionError("gdb gave no result:\n" + r.stdout + r.stderr)

    def got(self, expr):
        assert expr in self.results, f"not asked in the session: {expr}"
        return self.results[expr]

    def check(self, pairs):
        """pairs: (request, expected, None: only asked); all mismatches
        in one failure."""
        bad = [f"{e}: got {self.got(e)!r}, expected {x!r}"
               for e, x in pairs if x is not None and not x == self.got(e)]
        assert not bad, f"{self.shape}:\n" + "\n".join(bad[:20])

    # Facts from the truth that the tests key on.
    @property
    def cpus(self):
        return self.truth["cpus"]

    @property
    def osreldate(self):
        return self.truth["osreldate"]

    @property
    def amd64(self):
        return self.truth["machine"] == "amd64"

    @property
    def pcpu_pointer(self):
        return self.amd64 and self.osreldate >= 1300000

    def sample(self):
        """A few present CPUs: first, last, selected, and one in between."""
        c = self.cpus
        s = set(c[:3] + c[-2:] + [self.truth["selected_cpu"], c[len(c) // 2]])
        return sorted(s)

    def stride(self):
        """The zpcpu stride before 13 (docs/FREEBSD.md, "counter(9) and zpcpu")."""
        return self.truth["pcpu_size"] if self.osreldate < 1200000 else PAGE

    def slot_expr(self, c_expr, cpu):
        """CPU cpu's slot address of counter c_expr."""
        if self.osreldate >= 1300000:
            return (f"(unsigned long)({c_expr}) + "
                    f"cpuid_to_pcpu[{cpu}]->pc_zpcpu_offset")
        return f"(unsigned long)({c_expr}) + {self.stride()} * {cpu}"

    def raw_slot_expr(self, c_expr, cpu):
        """As slot_expr, without struct pcpu (for absent CPUs)."""
        if self.pcpu_pointer:
            return (f"(unsigned long)({c_expr}) + (unsigned long)__pcpu + "
                    f"{PAGE} * {cpu}")
        return f"(unsigned long)({c_expr}) + {self.stride()} * {cpu}"

    def tcpstat_arrays(self):
        """(C expression of the array, its truth) of every tcpstat."""
        t = self.truth
        if not t["vimage"]:
            return [("tcpstat", t["counter_arrays"]["tcpstat"])]
        return [(f"((counter_u64_t *)((char *)&vnet_entry_tcpstat + "
                 f"{v['data_base']}))", v["vars"]["tcpstat"])
                for v in t["vnets"].values()]


# --- the sessions -----------------------------------------------------------

def _requests(core, kind):
    exprs = []
    for name, fn in sorted(globals().items()):
        if name.startswith(kind) and callable(fn):
            exprs += [e for e, _ in fn(core)]
    return list(dict.fromkeys(exprs))


# --ncpus: (shape, CPUs, MAXCPU then)
NCPUS = [("amd64-15.0", 300, 1024), ("amd64-12.4", 2, 256),
         ("arm64-14.3", 9, 1024), ("amd64-11.4", 64, 256)]


def ncpus_pairs(ncpus, maxcpu):
    return [("mp_maxcpus", maxcpu), ("mp_ncpus", ncpus),
            ("mp_maxid", ncpus - 1),
            (f"cpuid_to_pcpu[{ncpus - 1}]->pc_cpuid", ncpus - 1),
            (f"cpuid_to_pcpu[{ncpus - 1}]->pc_idlethread->td_name",
             f"idle: cpu{ncpus - 1}")]


def _session(shape, script, ncpus=None, maxcpu=None):
    core = Core(shape, mkvmcore.make_vmcore(shape, ncpus))
    if ncpus is not None:
        exprs = [e for e, _ in ncpus_pairs(ncpus, maxcpu)]
    else:
        exprs = _requests(core, "corrupt_req_" if core.truth.get("corrupt")
                          else "req_")
    core.evaluate(script, exprs)
    return core


@pytest.fixture(scope="session")
def sessions(tmp_path_factory):
    """Every shape's Core, made and read in parallel, one GDB each (and
    the --ncpus cases, as "SHAPE@N")."""
    script = tmp_path_factory.mktemp("gdb") / "eval.py"
    script.write_text(GDB_SCRIPT)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jobs = {s: pool.submit(_session, s, script)
                for s in SHAPES + CORRUPT_SHAPES}
        jobs.update({f"{s}@{n}": pool.submit(_session, s, script, n, m)
                     for s, n, m in NCPUS})
        yield jobs


@pytest.fixture(params=SHAPES)
def core(request, sessions):
    return sessions[request.param].result()


@pytest.fixture(params=MODULE_SHAPES)
def modcore(request, sessions):
    return sessions[request.param].result()


@pytest.fixture(params=VIMAGE_SHAPES)
def vimage(request, sessions):
    return sessions[request.param].result()


@pytest.fixture(params=CORRUPT_SHAPES)
def broken(request, sessions):
    return sessions[request.param].result()


# --- the truth file on its own ---------------------------------------------

REQUIRED_KEYS = {
    "shape", "release", "osreldate", "mp_maxcpus", "mp_maxid", "mp_ncpus",
    "cpus", "absent", "pcpu_size", "page_size", "pcpu_symbol_value",
    "start_set_pcpu", "stop_set_pcpu", "zpcpu_stride", "selected_cpu",
    "pcpu", "threads", "allproc", "linker_files", "vm_cnt", "dpcpu_off",
    "dpcpu", "counters", "counter_arrays", "libkvm_counter_sums", "vimage",
}


def test_truth_is_consistent(core):
    t = core.truth
    assert REQUIRED_KEYS <= set(t)
    assert t["shape"] == core.shape
    assert t["osreldate"] == mkvmcore.RELEASES[t["release"]]
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
    if t["vm_cnt"]["counters"]:
        assert all(v == 0 for v in
                   t["counters"]["vm_cnt.v_intr"]["slots"].values())
        soft = t["counters"]["vm_cnt.v_soft"]
        assert all(v >= 1 << 63 for v in soft["slots"].values())
        if len(t["cpus"]) > 1:
            assert sum(soft["slots"].values()) > MASK64, "v_soft must wrap"
    else:
        assert t["counters"] == {}
    if t["vimage"]:
        assert "tcpstat" not in t["counter_arrays"]
        assert "plain_vnet_vars" not in t
    else:
        assert set(t["plain_vnet_vars"]) == {"ipforwarding", "tcp_mssdflt"}
    for _, tcp in core.tcpstat_arrays():
        assert len(tcp["fields"]) == len(tcp["values"]) == \
            len(tcp["sums"]) >= 20
        assert 0 in tcp["sums"]
        for i, e in enumerate(tcp["elements"]):
            assert sum(e["slots"].values()) & MASK64 == tcp["sums"][i]
            slots += [v for v in e["slots"].values() if v]
    assert len(slots) == len(set(slots)), "counter slots are not distinct"
    sel = t["pcpu"][str(t["selected_cpu"])]
    assert t["threads"][str(sel["curthread"])]["tid"] == t["selected_tid"]
    vnets = {v["addr"] for v in t["vnets"].values()} if t["vimage"] else set()
    assert all(th["vnet"] == 0 or th["vnet"] in vnets
               for th in t["threads"].values())
    on_allproc = [td for p in t["allproc"] for td in p["threads"]]
    assert sorted(on_allproc) == sorted(int(a) for a in t["threads"])
    assert t["linker_files"][0]["filename"] == "kernel"


def test_vmcore_is_an_elf_core(core):
    head = (core.dir / "vmcore").read_bytes()[:18]
    assert head[:4] == b"\x7fELF"
    assert struct.unpack("<H", head[16:18])[0] == 4  # ET_CORE


# --- globals, the release's layouts ------------------------------------------

def req_globals(c):
    t = c.truth
    maxcpu = t["mp_maxcpus"]
    return [
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
    ]


def req_cpusets(c):
    return [("all_cpus.__bits", None), ("stopped_cpus.__bits", None)]


def test_globals(core):
    t = core.truth
    maxcpu = t["mp_maxcpus"]
    core.check(req_globals(core))

    def members(words):
        return [i for i in range(maxcpu)
                if (words[i // 64] & MASK64) >> (i % 64) & 1]
    assert members(core.got("all_cpus.__bits")) == t["cpus"]
    assert members(core.got("stopped_cpus.__bits")) == t["stopped_cpus"]


def test_pcpu_size_rule(core):
    size = core.truth["pcpu_size"]
    if core.amd64 and core.osreldate >= 1200000:
        assert size == PAGE
    else:
        assert size < PAGE and PAGE % size == 0


def _member(struct_name, field):
    return f"sizeof(((struct {struct_name} *)0)->{field})"


NO_MEMBER = Err("no member named")


def req_release_layout(c):
    """What each release's struct pcpu (MI and MD), struct thread, struct
    vmmeter and struct tcpstat have and have not (docs/FREEBSD.md)."""
    v = c.osreldate
    pairs = [
        (_member("pcpu", "pc_sched"), 8 if v >= 1300000 else NO_MEMBER),
        (_member("pcpu", "pc_zpcpu_offset"),
         8 if v >= 1300000 else NO_MEMBER),
        (_member("pcpu", "pc_early_dummy_counter"),
         8 if v >= 1200000 else NO_MEMBER),
        (_member("pcpu", "pc_vfs_freevnodes"),
         1 if v >= 1500000 else NO_MEMBER),
        (_member("pcpu", "pc_unused1"), 3 if v >= 1500000 else 4),
        (_member("thread", "td_vnet"), 8),
        (_member("thread", "td_oncpu"), 4 if v >= 1300000 else 1),
        (_member("proc", "p_list"), 16),
        ("(unsigned long)&((struct proc *)0)->p_list", 0),
        ("sizeof(vm_cnt.v_swtch)", 8 if v >= 1200000 else 4),
        (_member("tcpstat", "tcps_sack_rexmits_tso"),
         8 if v >= 1500000 else NO_MEMBER),
    ]
    if v < 1200000:
        pairs += [("sizeof(((struct pcpu *)0)->pc_cnt) == sizeof(vm_cnt)",
                   1),
                  ("(unsigned long)&((struct pcpu *)0)->pc_cnt > "
                   "(unsigned long)&((struct pcpu *)0)->pc_spinlocks", 1)]
    else:
        pairs.append((_member("pcpu", "pc_cnt"), NO_MEMBER))
    if c.amd64:
        pairs += [
            (_member("pcpu", "pc_commontssp"),
             NO_MEMBER if v >= 1300000 else 8),
            (_member("pcpu", "pc_pad0"), 8 if v >= 1300000 else NO_MEMBER),
            (_member("pcpu", "pc_smp_tlb_done"),
             NO_MEMBER if v >= 1300000 else 4),
            (_member("pcpu", "pc_smp_tlb_gen"),
             4 if v >= 1300000 else NO_MEMBER),
            (_member("pcpu", "pc_pm_save_cnt"),
             NO_MEMBER if v >= 1300000 else 8),
            (_member("pcpu", "pc_kpmap_store"),
             8 if v >= 1400000 else NO_MEMBER),
            (_member("pcpu", "pc_monitorbuf"), 128),
            ("(unsigned long)&((struct pcpu *)0)->pc_monitorbuf % 128", 0),
        ]
    else:
        pairs += [(_member("pcpu", "pc_mpidr"), 8 if v >= 1500000 else 4),
                  (_member("pcpu", "pc_curvmpmap"), 8)]
    return pairs


def test_release_layout(core):
    t = core.truth
    assert t["release"] == mkvmcore.SHAPES[core.shape].release
    assert t["mp_maxcpus"] == mkvmcore.SHAPES[core.shape].maxcpu
    core.check(req_release_layout(core))


def req_pcpu_structs(c):
    t = c.truth
    pairs = []
    for cpu in c.sample():
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
        for field, value in p.get("cnt", {}).items():
            pairs.append((f"{pc}->pc_cnt.{field}", value))
    for cpu in t["absent"]:
        pairs += [(f"(unsigned long)cpuid_to_pcpu[{cpu}]", 0),
                  (f"dpcpu_off[{cpu}]", 0)]
    if t["mp_maxid"] + 1 < t["mp_maxcpus"]:
        pairs.append((f"(unsigned long)cpuid_to_pcpu[{t['mp_maxid'] + 1}]",
                      0))
    return pairs


def test_pcpu_structs(core):
    core.check(req_pcpu_structs(core))
    if core.osreldate < 1200000:
        assert all("cnt" in p for p in core.truth["pcpu"].values())


def req_cpuhead(c):
    t = c.truth
    first, last = t["cpus"][0], t["cpus"][-1]
    pairs = [
        ("cpuhead.stqh_first == cpuid_to_pcpu[%d]" % first, 1),
        ("cpuhead.stqh_last == &cpuid_to_pcpu[%d]->pc_allcpu.stqe_next"
         % last, 1),
        ("(unsigned long)cpuid_to_pcpu[%d]->pc_allcpu.stqe_next" % last, 0),
    ]
    for a, b in zip(t["cpus"], t["cpus"][1:]):
        if a in c.sample():
            pairs.append((f"cpuid_to_pcpu[{a}]->pc_allcpu.stqe_next == "
                          f"cpuid_to_pcpu[{b}]", 1))
    return pairs


def test_cpuhead(core):
    core.check(req_cpuhead(core))


def _ap_alloc(t):
    return -(-(t["pcpu_size"] + t["dpcpu_size"]) // PAGE) * PAGE


def req_pcpu_placement(c):
    t = c.truth
    cpus = c.sample()
    if c.pcpu_pointer:
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
            pairs.append((f"*(unsigned long *)(__pcpu + {cpu})", JUNK))
        return pairs
    if t["pcpu_symbol_value"] is not None:
        # The static array __pcpu[MAXCPU]; no pc_zpcpu_offset before 13.
        pairs = [("(unsigned long)&__pcpu[0]", t["pcpu_symbol_value"]),
                 ("sizeof(__pcpu) / sizeof(__pcpu[0])", t["mp_maxcpus"]),
                 ("cpuid_to_pcpu[0]->pc_zpcpu_offset", NO_MEMBER),
                 ("cpuid_to_pcpu[0]->pc_sched", NO_MEMBER)]
        return pairs + [(f"cpuid_to_pcpu[{cpu}] == &__pcpu[{cpu}]", 1)
                        for cpu in cpus]
    # arm64: pcpu0 for CPU 0, separate allocations with DPCPU after.
    size = t["pcpu_size"]
    pairs = [("cpuid_to_pcpu[0] == &pcpu0", 1),
             ("(unsigned long)&pcpu0", t["pcpu0"]),
             ("__pcpu", Err("No symbol"))]
    for cpu in cpus:
        pc = f"cpuid_to_pcpu[{cpu}]"
        pairs.append((f"{pc}->pc_zpcpu_offset", PAGE * cpu))
        if cpu == 0:
            continue
        pairs += [
            (f"(unsigned long){pc} % 4096", 0),
            (f"dpcpu_off[{cpu}] == (unsigned long){pc} + {size} - "
             f"(unsigned long)&__start_set_pcpu", 1),
            # The page after each AP's allocation is not in the core.
            (f"*(char *)((char *){pc} + {_ap_alloc(t)})",
             Err("Cannot access memory")),
        ]
    return pairs


def test_pcpu_placement(core):
    core.check(req_pcpu_placement(core))


# --- DPCPU ------------------------------------------------------------------

def req_dpcpu_section(c):
    t = c.truth
    start, stop = t["start_set_pcpu"], t["stop_set_pcpu"]
    pairs = [("(unsigned long)&__start_set_pcpu", start),
             ("(unsigned long)&__stop_set_pcpu", stop),
             ("sizeof(pcpu_entry_modspace)", 2048),
             # Linker-made: symbols without debug info, as in a kernel.debug.
             ("!whatis __start_set_pcpu", Has("no debug info")),
             ("!whatis __stop_set_pcpu", Has("no debug info"))]
    for name, var in t["dpcpu"].items():
        sym = var["symbol"]
        pairs += [(f"(unsigned long)&{sym}", var["template_addr"]),
                  (f"sizeof({sym})", var["size"]),
                  (f"(unsigned long)&{sym} >= {start} && "
                   f"(unsigned long)&{sym} + sizeof({sym}) <= {stop}", 1),
                  (sym, var["template"])]
    return pairs


def test_dpcpu_section(core):
    t = core.truth
    core.check(req_dpcpu_section(core))
    start, stop = t["start_set_pcpu"], t["stop_set_pcpu"]
    assert t["dpcpu_size"] == -(-(stop - start) // PAGE) * PAGE
    assert stop - start >= 2048


def req_dpcpu_areas(c):
    """Each CPU's area is page-aligned (on arm64 APs, right after the
    struct pcpu) and DPCPU_SIZE bytes are there."""
    t = c.truth
    start, size = t["start_set_pcpu"], t["dpcpu_size"]
    pairs = []
    for cpu in c.sample():
        area = (t["dpcpu_off"][str(cpu)] + start) & MASK64
        pairs += [(f"*(unsigned char *){area + size - 1}", 0),
                  (f"*(int *)((char *)&pcpu_entry_dpcpu_int - {start} + "
                   f"{area})", 1000 + 17 * cpu)]
    return pairs


def test_dpcpu_areas(core):
    t = core.truth
    core.check(req_dpcpu_areas(core))
    for cpu in core.sample():
        area = (t["dpcpu_off"][str(cpu)] + t["start_set_pcpu"]) & MASK64
        if t["pcpu_symbol_value"] is None and cpu != 0:
            assert area == t["pcpu"][str(cpu)]["addr"] + t["pcpu_size"]
        else:
            assert area % PAGE == 0, cpu


DPCPU_READ = {
    "dpcpu_int": "*(int *)",
    "dpcpu_u64": "*(unsigned long *)",
    "dpcpu_arr": "*(long (*)[4])",
    "dpcpu_stats": "*(struct dpcpu_stats *)",
    "dpcpu_thread": "(unsigned long)*(struct thread **)",
}


def req_dpcpu_values(c):
    pairs = []
    for name, var in c.truth["dpcpu"].items():
        read = DPCPU_READ[name]
        for cpu in c.sample():
            want = var["values"][str(cpu)]
            pairs += [
                (f"{read}((char *)&{var['symbol']} + dpcpu_off[{cpu}])", want),
                (f"{read}((char *)&{var['symbol']} + "
                 f"cpuid_to_pcpu[{cpu}]->pc_dynamic)", want),
            ]
    return pairs


def test_dpcpu_values(core):
    core.check(req_dpcpu_values(core))
    var = core.truth["dpcpu"]["dpcpu_thread"]
    for cpu in core.cpus:  # dpcpu_thread is each CPU's idle thread
        assert var["values"][str(cpu)] == \
            core.truth["pcpu"][str(cpu)]["idlethread"]


# --- counter(9) -------------------------------------------------------------

def _slot_checked(t):
    """The counters whose slot formula is checked CPU by CPU: the first
    and last allocated, and the wrapping one."""
    names = list(t["counters"])
    picked = names[:1] + names[-1:]
    if "vm_cnt.v_soft" in names:
        picked.append("vm_cnt.v_soft")
    return picked


def req_counter_slots(c):
    t = c.truth
    pairs = [(f"(unsigned long){expr}", cnt["value"])
             for expr, cnt in t["counters"].items()
             if not expr.startswith("vm_cnt.")]
    for expr in _slot_checked(t):
        cnt = t["counters"][expr]
        for cpu in c.sample():
            slot = c.slot_expr(expr, cpu)
            pairs += [(slot, cnt["slot_addrs"][str(cpu)]),
                      (f"*(unsigned long *)({slot})", cnt["slots"][str(cpu)]),
                      (f"*(unsigned long *)({c.raw_slot_expr(expr, cpu)})",
                       cnt["slots"][str(cpu)])]
        for cpu, junk in cnt["absent_slots"].items():
            pairs.append(
                (f"*(unsigned long *)({c.raw_slot_expr(expr, cpu)})", junk))
    return pairs


def test_counter_slots(core):
    core.check(req_counter_slots(core))


def _sum_request(addrs):
    return "+" + ",".join(str(a) for a in addrs)


def req_counter_sums(c):
    """Every named counter summed over the present CPUs' slots (whose
    addresses req_counter_slots checks on a sample of CPUs)."""
    return [(_sum_request(cnt["slot_addrs"][str(cpu)] for cpu in c.cpus),
             cnt["sum"]) for cnt in c.truth["counters"].values()]


def test_counter_sums(core):
    core.check(req_counter_sums(core))


def test_counters_share_slot_pages(core):
    """UMA hands out 8-byte items in order: counters share CPU pages."""
    t = core.truth
    if t["vm_cnt"]["counters"]:
        a, b = t["counters"]["vm_cnt.v_swtch"], t["counters"]["vm_cnt.v_trap"]
        first, second = a["value"], b["value"]
    else:
        tcp = core.tcpstat_arrays()[0][1]
        a, b = tcp["elements"][0], tcp["elements"][1]
        first, second = tcp["values"][0], tcp["values"][1]
    assert second - first == 8
    for cpu in core.sample():
        assert b["slot_addrs"][str(cpu)] - a["slot_addrs"][str(cpu)] == 8
        assert a["slot_addrs"][str(cpu)] // PAGE == \
            b["slot_addrs"][str(cpu)] // PAGE
    if core.pcpu_pointer:
        # An offset from __pcpu, not an address.
        assert first == a["slot_addrs"]["0"] - t["pcpu_symbol_value"]
    else:
        assert first == a["slot_addrs"]["0"]


def _ptype_offsets(text):
    """[(offset, size, member)] of a `ptype/o` listing."""
    return [(int(m[1]), int(m[2]), m[3]) for m in re.finditer(
        r"/\*\s+(\d+)\s+\|\s+(\d+) \*/\s+[^;/]*?(\w+);", text)]


def req_tcpstat_array(c):
    t = c.truth
    if t["vimage"]:
        # A VNET variable, one array per vnet (test_vnet_variables).
        return [("tcpstat", Err("No symbol")),
                ("sizeof(vnet_entry_tcpstat)",
                 t["vnet_vars"]["tcpstat"]["size"]),
                ("!ptype/o struct tcpstat", None)]
    tcp = t["counter_arrays"]["tcpstat"]
    n = len(tcp["fields"])
    pairs = [("sizeof(tcpstat) / sizeof(tcpstat[0])", n),
             ("sizeof(struct tcpstat) / 8", n),
             ("(unsigned long)&tcpstat", tcp["addr"]),
             ("tcpstat", tcp["values"]),
             ("!ptype/o struct tcpstat", None)]
    for i in (0, n // 2, n - 1):
        for cpu in c.sample():
            pairs.append((f"*(unsigned long *)"
                          f"({c.slot_expr(f'tcpstat[{i}]', cpu)})",
                          tcp["elements"][i]["slots"][str(cpu)]))
    return pairs


def test_tcpstat_array(core):
    core.check(req_tcpstat_array(core))
    # Field f is counter [offsetof(struct tcpstat, f) / 8].
    fields = core.tcpstat_arrays()[0][1]["fields"]
    assert _ptype_offsets(core.got("!ptype/o struct tcpstat")) == \
        [(8 * i, 8, f) for i, f in enumerate(fields)]
    for _, tcp in core.tcpstat_arrays():
        names = tcp["fields"]
        if core.osreldate >= 1500000:
            # main's struct tcpstat (docs/FREEBSD.md, "struct tcpstat").
            i = names.index("tcps_sack_rexmits")
            assert names[i + 1:i + 3] == ["tcps_sack_rexmits_tso",
                                          "tcps_sack_rexmit_bytes"]
            i = names.index("tcps_sc_recvcookie")
            assert names[i + 1:i + 3] == ["tcps_sc_spurcookie",
                                          "tcps_sc_failcookie"]
            assert names[123] == "tcps_rcvacktooold"
        else:
            assert len(names) == 36


def _libkvm_cases(t):
    """(stored value, libkvm's sum, the true sum) of a few counters."""
    if t["vm_cnt"]["counters"]:
        return [(t["counters"][n]["value"], t["libkvm_counter_sums"][n],
                 t["counters"][n]["sum"])
                for n in ("vm_cnt.v_swtch", "vm_cnt.v_soft")]
    if t["vimage"]:
        return []
    tcp = t["counter_arrays"]["tcpstat"]
    return [(tcp["values"][0], t["libkvm_counter_array_sums"]["tcpstat"][0],
             tcp["sums"][0])]


def _libkvm_addrs(c, value):
    """Where kvm_counter_u64_fetch() reads: base + sizeof(struct pcpu) * i
    for i < mp_ncpus, plus __pcpu on amd64 13+ (lib/libkvm/kvm_pcpu.c)."""
    t = c.truth
    base = value + (t["pcpu_symbol_value"] if c.pcpu_pointer else 0)
    return [(base + t["pcpu_size"] * i) & MASK64
            for i in range(t["mp_ncpus"])]


def req_libkvm_model(c):
    return [(_sum_request(_libkvm_addrs(c, value)), None)
            for value, _, _ in _libkvm_cases(c.truth)]


def test_libkvm_model(core):
    """libkvm's loop, done by hand in GDB, gives what truth records (a
    failed read makes libkvm's whole sum 0); it is right where libkvm's
    stride is the kernel's, wrong on arm64 (512-byte pcpu) and with sparse
    CPU ids."""
    t = core.truth
    rights = []
    for value, libkvm, true in _libkvm_cases(t):
        got = core.got(_sum_request(_libkvm_addrs(core, value)))
        assert (0 if isinstance(got, dict) else got) == libkvm
        rights.append(libkvm == true)
    if rights:
        assert rights[0] == (core.amd64 and not t["absent"])


# --- vm_cnt -------------------------------------------------------------------

def req_vm_cnt(c):
    v = c.truth["vm_cnt"]
    pairs = [("(unsigned long)&vm_cnt", v["addr"]),
             ("(unsigned long)&vm_cnt % 64", 0)]
    pairs += [(f"vm_cnt.{f}", value) for f, value in v["uint"].items()]
    if v["counters"]:
        n = len(v["fields"])
        pairs += [("(unsigned long)&((struct vmmeter *)0)->v_page_size "
                   "/ sizeof(counter_u64_t)", n),
                  ("vm_cnt", {**dict(zip(v["fields"], v["values"])),
                              **v["uint"]})]
    else:
        pairs += [("vm_cnt.v_free_count", v["v_free_count"]),
                  ("vm_cnt.v_wire_count", v["v_wire_count"])]
    return pairs


def test_vm_cnt(core):
    """vm_cnt as vmstat -s reads it: on 12.4 and later its 36 counters
    (each sum is the named counter's), on 11.4 u_int members, each CPU's
    share of the statistics in its pc_cnt."""
    t = core.truth
    v = t["vm_cnt"]
    core.check(req_vm_cnt(core))
    if v["counters"]:
        assert v["fields"][0] == "v_swtch" and v["fields"][-1] == \
            "v_wire_count" and len(v["fields"]) == 36
        for f, value, total in zip(v["fields"], v["values"], v["sums"]):
            assert t["counters"]["vm_cnt." + f]["value"] == value
            assert t["counters"]["vm_cnt." + f]["sum"] == total
    else:
        for cpu in core.cpus:
            cnt = t["pcpu"][str(cpu)]["cnt"]
            assert cnt["v_swtch"] == 9000000 + 1000 * cpu


# --- processes and threads ---------------------------------------------------

def req_selected_thread(c):
    t = c.truth
    sel = t["selected_cpu"]
    pc = f"cpuid_to_pcpu[{sel}]"
    return [
        ("$lwp", t["selected_tid"]),
        (f"{pc}->pc_curthread->td_tid", t["selected_tid"]),
        (f"{pc}->pc_curthread->td_oncpu", sel),
        (f"{pc}->pc_curthread->td_proc->p_pid", 1234),
        (f"{pc}->pc_curthread->td_name", "sh"),
        (f"{pc}->pc_curthread->td_critnest", 0),
        (f"{pc}->pc_fpcurthread == {pc}->pc_curthread", 1),
        (f"{pc}->pc_curthread != {pc}->pc_idlethread", 1),
    ]


def test_selected_thread(core):
    core.check(req_selected_thread(core))


def req_threads(c):
    t = c.truth
    nocpu = -1 if c.osreldate >= 1300000 else 255
    pairs = []
    for cpu in c.sample():
        idle = f"cpuid_to_pcpu[{cpu}]->pc_idlethread"
        p = t["pcpu"][str(cpu)]
        running = p["curthread"] == p["idlethread"]
        tid = t["threads"][str(p["idlethread"])]["tid"]
        pairs += [(f"{idle}->td_tid", tid),
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
                  (f"(unsigned long){td}->td_pcb", th["pcb"]),
                  (f"(unsigned long){td}->td_vnet", th["vnet"])]
    return pairs


def test_threads(core):
    core.check(req_threads(core))
    names = {th["name"] for th in core.truth["threads"].values()}
    assert ("swi4: clock (0)" in names) == (len(core.cpus) > 2)
    assert all(th["pid"] in (11, 12, 1234)
               for th in core.truth["threads"].values())


def req_allproc(c):
    """allproc (LIST by p_list) and each process's p_threads (TAILQ by
    td_plist), as FreeBSD's sys/tools/gdb tdfind() walks them."""
    procs = c.truth["allproc"]
    pairs = []
    p = "allproc.lh_first"
    for proc in procs:
        pairs += [(f"(unsigned long){p}", proc["addr"]),
                  (f"{p}->p_pid", proc["pid"]),
                  (f"{p}->p_comm", proc["comm"])]
        td = f"{p}->p_threads.tqh_first"
        for addr in proc["threads"][:3] + proc["threads"][-1:]:
            i = proc["threads"].index(addr)
            pairs.append((f"(unsigned long){td}"
                          + "->td_plist.tqe_next" * i, addr))
        p += "->p_list.le_next"
    pairs.append((f"(unsigned long){p}", 0))
    return pairs


def test_allproc(core):
    t = core.truth
    core.check(req_allproc(core))
    assert [p["pid"] for p in t["allproc"]][-1] == 11
    assert {p["pid"] for p in t["allproc"]} == \
        {th["pid"] for th in t["threads"].values()}


# --- the kernel linker and modules --------------------------------------------

def lf_expr(i):
    """The i-th file on linker_files, as a GDB expression."""
    return "linker_files.tqh_first" + "->link.tqe_next" * i


def req_linker_files(c):
    lfs = c.truth["linker_files"]
    pairs = [("(unsigned long)linker_kernel_file", lfs[0]["addr"]),
             (f"(unsigned long){lf_expr(len(lfs))}", 0),
             (f"linker_files.tqh_last == &{lf_expr(len(lfs) - 1)}"
              "->link.tqe_next", 1),
             # linker_files is file-static in kern_linker.c, as in FreeBSD.
             ("?linker_files", "static")]
    for i, lf in enumerate(lfs):
        e = lf_expr(i)
        pairs += [(f"(unsigned long){e}", lf["addr"]),
                  (f'$_streq({e}->filename, "{lf["filename"]}")', 1),
                  (f'$_streq({e}->pathname, "{lf["pathname"]}")', 1),
                  (f"{e}->id", lf["id"]),
                  (f"{e}->flags & 1", 1),
                  (f"(unsigned long){e}->address", lf["address"]),
                  (f"{e}->size", lf["size"]),
                  (f'$_streq({e}->ops->cls->name, "{lf["class"]}")', 1)]
    return pairs


def test_linker_files(core):
    t = core.truth
    lfs = t["linker_files"]
    core.check(req_linker_files(core))
    assert lfs[0]["filename"] == "kernel" and lfs[0]["id"] == 1
    assert lfs[0]["pathname"] == str(core.dir / "kernel")
    if not t.get("modules"):
        assert len(lfs) == 1
        return
    assert [lf["filename"] for lf in lfs] == \
        ["kernel", "mod_dso.ko", "mod_obj.ko"]
    assert [lf["class"] for lf in lfs] == ["elf64", "elf64", "elf64_obj"]
    assert [lf["id"] for lf in lfs] == [1, 2, 3]
    for name, m in t["modules"].items():
        lf = lfs[[x["addr"] for x in lfs].index(m["linker_file"])]
        assert lf["filename"] == m["filename"] == name + ".ko"
        assert lf["pathname"] == m["path"] == str(core.dir / lf["filename"])
        assert m["kind"] == {"elf64": "dso", "elf64_obj": "obj"}[m["class"]]
        assert (lf["address"], lf["size"]) == (m["address"], m["size"])


def _method(i):
    return f"{lf_expr(i)}->ops->cls->methods[0].func"


def _ef(t, i, expr):
    """expr on linker file i as its class's struct elf_file."""
    return f"&elf_file|{_method(i)}|{t['linker_files'][i]['addr']}|{expr}"


def req_linker_classes(c):
    """Each class's methods[0].func is in its own source file, and the
    struct elf_file seen from there is that file's."""
    t = c.truth
    lfs = t["linker_files"]
    src = {"elf64": "link_elf.c", "elf64_obj": "link_elf_obj.c"}
    pairs = []
    for i, lf in enumerate(lfs):
        pairs += [(f"!info line *({_method(i)})", Has(f'/{src[lf["class"]]}"')),
                  (_ef(t, i, "sizeof($obj)"), None),
                  (f"{lf_expr(i)}->ops->cls->size", None)]
    start, stop = t["start_set_pcpu"], t["stop_set_pcpu"]
    pairs += [(_ef(t, 0, "$obj.pcpu_start"), start),
              (_ef(t, 0, "$obj.pcpu_stop"), stop),
              (_ef(t, 0, "$obj.pcpu_base"), start)]
    if t["vimage"]:
        pairs += [(_ef(t, 0, "$obj.vnet_start"), t["start_set_vnet"]),
                  (_ef(t, 0, "$obj.vnet_base"), t["start_set_vnet"])]
    else:
        pairs.append((_ef(t, 0, "$obj.vnet_start"), NO_MEMBER))
    for name, m in t.get("modules", {}).items():
        i = [x["addr"] for x in lfs].index(m["linker_file"])
        pairs += [(_ef(t, i, "$obj.lf.filename"), m["filename"]),
                  (_ef(t, i, "(unsigned long)$obj.address"), m["address"])]
        if m["kind"] == "dso":
            pairs += [(_ef(t, i, "$obj.pcpu_start"), m["image_start"]),
                      (_ef(t, i, "$obj.pcpu_stop"), m["image_stop"]),
                      (_ef(t, i, "$obj.pcpu_base"), m["base"])]
            if t["vimage"]:
                pairs += [
                    (_ef(t, i, "$obj.vnet_start"), m["vnet_image_start"]),
                    (_ef(t, i, "$obj.vnet_stop"), m["vnet_image_stop"]),
                    (_ef(t, i, "$obj.vnet_base"), m["vnet_base"])]
            continue
        pairs.append((_ef(t, i, "$obj.nprogtab"), m["nprogtab"]))
        sets = [("set_pcpu", "")]
        if t["vimage"]:
            sets.append(("set_vnet", "vnet_"))
        for setname, pfx in sets:
            pe = f"$obj.progtab[{m[pfx + 'progtab_index']}]"
            start, stop = m[pfx + "image_start"], m[pfx + "image_stop"]
            pairs += [
                (_ef(t, i, f"{pe}.name"), setname),
                (_ef(t, i, f"(unsigned long){pe}.addr"), m[pfx + "base"]),
                (_ef(t, i, f"{pe}.size"), stop - start),
                (_ef(t, i, f"(unsigned long){pe}.origaddr"),
                 start if m["origaddr"] else NO_MEMBER),
                # Without origaddr, the image address is the section
                # address of the module's objfile.
                ("!info files", Has(f"0x{start:016x} - 0x{stop:016x} is "
                                    f"{setname} in {m['path']}"))]
    return pairs


def test_linker_classes_and_elf_files(core):
    t = core.truth
    core.check(req_linker_classes(core))
    n = len(t["linker_files"])
    sizes = [core.got(_ef(t, i, "sizeof($obj)")) for i in range(n)]
    assert sizes == [core.got(f"{lf_expr(i)}->ops->cls->size")
                     for i in range(n)]
    if n == 3:
        assert sizes[1] != sizes[2], "one struct elf_file for both classes"
    for m in t.get("modules", {}).values():
        if m["kind"] == "obj":
            assert m["origaddr"] == (t["osreldate"] >= 1500000)


DPCPU_TYPES = {"int", "uint64_t", "struct mod_dso_stats"}


def req_module_dpcpu(c):
    """Every CPU's copy of each module variable is where the kernel put
    it: relocated from the module's set_pcpu into modspace, plus
    dpcpu_off[cpu]; the image holds the template."""
    t = c.truth
    modspace = "(unsigned long)&pcpu_entry_modspace"
    pairs = []
    for m in t.get("modules", {}).values():
        start, base = m["image_start"], m["base"]
        pairs.append((f"!info symbol {start}",
                      Has(f"in section set_pcpu of {m['path']}")))
        for v in m["vars"].values():
            sym = v["symbol"]
            pairs += [
                (f"(unsigned long)&{sym}", v["template_addr"]),
                (f"sizeof({sym})", v["size"]),
                (sym, v["template"]),
                (f"{v['reloc_addr']} >= {modspace} && {v['reloc_addr']} + "
                 f"sizeof({sym}) <= {modspace} + {t['dpcpu_modmin']}", 1)]
            for cpu in c.cpus:
                pairs.append((f"*({v['type']} *)((char *)&{sym} - {start} "
                              f"+ {base} + dpcpu_off[{cpu}])",
                              v["values"][str(cpu)]))
    return pairs


def test_module_dpcpu_variables(modcore):
    t = modcore.truth
    modcore.check(req_module_dpcpu(modcore))
    for name, m in t["modules"].items():
        start, stop, base = m["image_start"], m["image_stop"], m["base"]
        assert m["address"] <= start < stop <= m["address"] + m["size"]
        for var, v in m["vars"].items():
            assert v["symbol"] == "pcpu_entry_" + var
            assert v["type"] in DPCPU_TYPES
            assert start <= v["template_addr"] < stop
            assert v["reloc_addr"] == v["template_addr"] - start + base
            for cpu in modcore.cpus:
                assert v["values"][str(cpu)] != v["template"]


def req_module_vnet(c):
    t = c.truth
    if not t.get("modules"):
        return []
    if not t["vimage"]:
        return [pair for m in t["modules"].values()
                for pair in m["plain_vnet_vars"].items()]
    modspace = "(unsigned long)&vnet_entry_modspace"
    pairs = []
    for m in t["modules"].values():
        start, base = m["vnet_image_start"], m["vnet_base"]
        for v in m["vnet_vars"].values():
            sym = v["symbol"]
            pairs += [(f"(unsigned long)&{sym}", v["template_addr"]),
                      (sym, v["template"]),
                      (f"{v['reloc_addr']} >= {modspace} && "
                       f"{v['reloc_addr']} < {modspace} + "
                       f"{t['vnet_modmin']}", 1)]
            for vname, vnet in t["vnets"].items():
                pairs.append(
                    (f"*({v['type']} *)((char *)&{sym} - {start} + {base} + "
                     f"((struct vnet *){vnet['addr']})->vnet_data_base)",
                     v["values"][vname]))
    return pairs


def test_module_vnet_variables(modcore):
    t = modcore.truth
    modcore.check(req_module_vnet(modcore))
    for m in t["modules"].values():
        if not t["vimage"]:
            assert "vnet_vars" not in m
            continue
        for var, v in m["vnet_vars"].items():
            assert v["symbol"] == "vnet_entry_" + var
            assert m["vnet_image_start"] <= v["template_addr"] < \
                m["vnet_image_stop"]
            assert v["reloc_addr"] == \
                v["template_addr"] - m["vnet_image_start"] + m["vnet_base"]
            assert set(v["values"]) == set(t["vnets"])
            assert len(set(v["values"].values())) == len(t["vnets"])


def req_unlisted_module(c):
    """GDB has the symbols of mod_unlisted.ko; no linker file has it."""
    t = c.truth
    if not t.get("modules"):
        return []
    u = t["unlisted_module"]
    v = u["vars"]["mod_unlisted_int"]
    return [("(unsigned long)&pcpu_entry_mod_unlisted_int",
             v["template_addr"]),
            ("pcpu_entry_mod_unlisted_int", v["template"]),
            (f"!info symbol {v['template_addr']}",
             Has(f"in section set_pcpu of {u['path']}"))] + \
        [(f'$_streq({lf_expr(i)}->filename, "{u["filename"]}")', 0)
         for i in range(len(t["linker_files"]))]


def test_unlisted_module(modcore):
    t = modcore.truth
    u = t["unlisted_module"]
    modcore.check(req_unlisted_module(modcore))
    assert u["filename"] == "mod_unlisted.ko"
    assert u["path"] == str(modcore.dir / "mod_unlisted.ko")
    assert u["filename"] not in [lf["filename"] for lf in t["linker_files"]]
    v = u["vars"]["mod_unlisted_int"]
    assert u["image_start"] <= v["template_addr"] < u["image_stop"]


# --- VNET: plain globals without VIMAGE; vnets and jails with it --------------

def req_plain_vnet(c):
    t = c.truth
    if t["vimage"]:
        return []
    return list(t["plain_vnet_vars"].items()) + [
        (sym, Err("No symbol")) for sym in
        ("vnet_entry_ipforwarding", "vnet0", "vnet_head", "__start_set_vnet",
         "sysctl___kern_features_vimage")]


def test_plain_vnet_variables(core):
    core.check(req_plain_vnet(core))


def req_vnet_section(c):
    t = c.truth
    if not t["vimage"]:
        return []
    start, stop = t["start_set_vnet"], t["stop_set_vnet"]
    pairs = [("(unsigned long)&__start_set_vnet", start),
             ("(unsigned long)&__stop_set_vnet", stop),
             ("sizeof(vnet_entry_modspace)", t["vnet_modmin"]),
             ("(unsigned long)vnet0", t["vnet0"]),
             ("(unsigned long)&sysctl___kern_features_vimage",
              t["features_vimage"]),
             ('$_streq(sysctl___kern_features_vimage.oid_name, "vimage")', 1),
             ("!whatis __start_set_vnet", Has("no debug info")),
             ("!whatis __stop_set_vnet", Has("no debug info"))]
    pairs += [(name, Err("No symbol"))
              for name in ("ipforwarding", "tcp_mssdflt", "tcpstat")]
    for name, var in t["vnet_vars"].items():
        sym = var["symbol"]
        pairs += [(f"(unsigned long)&{sym}", var["template_addr"]),
                  (f"sizeof({sym})", var["size"]),
                  (f"(unsigned long)&{sym} >= {start} && "
                   f"(unsigned long)&{sym} + sizeof({sym}) <= {stop}", 1)]
        if "template" in var:
            pairs.append((sym, var["template"]))
    return pairs


def test_vnet_section(vimage):
    t = vimage.truth
    vimage.check(req_vnet_section(vimage))
    start, stop = t["start_set_vnet"], t["stop_set_vnet"]
    assert t["vnet_size"] == -(-(stop - start) // PAGE) * PAGE
    for name, var in t["vnet_vars"].items():
        assert var["symbol"] == "vnet_entry_" + name


def req_vnets_and_jails(c):
    t = c.truth
    if not t["vimage"]:
        return []
    new_vnet = t["osreldate"] >= 1300000
    pairs = [(_member("vnet", "vnet_shutdown"),
              1 if new_vnet else NO_MEMBER)]
    if new_vnet:
        pairs.append(("sizeof(struct vnet) % 64", 0))
    else:
        pairs.append(("sizeof(struct vnet)", 48))
    e = "vnet_head.lh_first"
    for name in t["vnet_head"]:
        v = t["vnets"][name]
        ve = f"((struct vnet *){v['addr']})"
        pairs += [(f"(unsigned long){e}", v["addr"]),
                  (f"{ve}->vnet_magic_n", t["vnet_magic_n"]),
                  (f"(unsigned long){ve}->vnet_data_mem", v["data_mem"]),
                  (f"{ve}->vnet_data_base", v["data_base"]),
                  (f"{ve}->vnet_ifcnt", v["ifcnt"]),
                  (f"{ve}->vnet_sockcnt", v["sockcnt"]),
                  (f"{ve}->vnet_state", v["state"]),
                  (f"(unsigned long){ve}->vnet_data_mem % 4096", 0)]
        if new_vnet:
            pairs.append((f"{ve}->vnet_shutdown", 0))
        e += "->vnet_le.le_next"
    pairs.append((f"(unsigned long){e}", 0))
    jails = t["jails"]
    pairs += [("(unsigned long)&prison0", jails["0"]["addr"]),
              ("prison0.pr_id", 0), ("prison0.pr_name", "0"),
              ("prison0.pr_vnet == vnet0", 1)]
    e = "allprison.tqh_first"
    for name in ("web", "db"):
        j = jails[name]
        pairs += [(f"(unsigned long){e}", j["addr"]),
                  (f"{e}->pr_name", name), (f"{e}->pr_id", j["id"]),
                  (f"(unsigned long){e}->pr_vnet", j["vnet"]),
                  (f"(unsigned long){e}->pr_vnet",
                   t["vnets"][name]["addr"]),
                  (f"{e}->pr_parent == &prison0", 1)]
        e += "->pr_list.tqe_next"
    pairs.append((f"(unsigned long){e}", 0))
    return pairs


def test_vnets_and_jails(vimage):
    """VNET_MAGIC_N and struct vnet of the release: 0x3e0d8f29 without
    vnet_shutdown on 12.4, 0x5e4a6f28 with it from 13.0."""
    t = vimage.truth
    vimage.check(req_vnets_and_jails(vimage))
    assert t["vnet_magic_n"] == (0x5e4a6f28 if t["osreldate"] >= 1300000
                                 else 0x3e0d8f29)
    assert t["vnet_head"] == ["db", "web", "vnet0"]
    assert set(t["vnets"]) == {"vnet0", "web", "db"}
    assert t["vnets"]["vnet0"]["addr"] == t["vnet0"]
    for name, v in t["vnets"].items():
        assert v["magic"] == t["vnet_magic_n"]
        assert v["jails"] == (["0"] if name == "vnet0" else [name])
        assert v["data_base"] == (v["data_mem"] - t["start_set_vnet"]) & MASK64
    # prison0 is the host, not on allprison; the jails are, in jid order.
    assert list(t["jails"]) == ["0", "web", "db"]


def req_vnet_variables(c):
    """Each vnet's copy of ipforwarding, tcp_mssdflt and tcpstat is at
    &vnet_entry_X + vnet_data_base."""
    t = c.truth
    if not t["vimage"]:
        return []
    pairs = []
    for v in t["vnets"].values():
        base = v["data_base"]
        for var in ("ipforwarding", "tcp_mssdflt"):
            pairs.append((f"*(int *)((char *)&vnet_entry_{var} + {base})",
                          v["vars"][var]))
    for arr, tcp in c.tcpstat_arrays():
        n = len(tcp["fields"])
        pairs += [(f"(unsigned long){arr}", tcp["addr"]),
                  (f"*(counter_u64_t (*)[{n}]){arr}", tcp["values"])]
        for i in (0, n // 2, n - 1):
            for cpu in c.cpus:
                pairs.append(
                    (f"*(unsigned long *)({c.slot_expr(f'{arr}[{i}]', cpu)})",
                     tcp["elements"][i]["slots"][str(cpu)]))
    return pairs


def test_vnet_variables(vimage):
    t = vimage.truth
    vimage.check(req_vnet_variables(vimage))
    tmpl = {n: v.get("template") for n, v in t["vnet_vars"].items()}
    for var in ("ipforwarding", "tcp_mssdflt"):
        values = [v["vars"][var] for v in t["vnets"].values()]
        assert len(set(values)) == len(values) and tmpl[var] not in values
    tcps = [v["vars"]["tcpstat"] for v in t["vnets"].values()]
    assert len({tuple(tcp["sums"]) for tcp in tcps}) == len(tcps)
    assert len({tuple(tcp["fields"]) for tcp in tcps}) == 1


def test_vnet_of_threads(vimage):
    """The selected thread runs in jail web: its td_vnet is the default
    vnet of a kgdb session; the interrupt thread's is db's."""
    t = vimage.truth
    assert t["vnet_default"] == "web"
    by_addr = {v["addr"]: n for n, v in t["vnets"].items()}
    for cpu in vimage.cpus:
        td = t["threads"][str(t["pcpu"][str(cpu)]["curthread"])]
        if cpu == t["selected_cpu"]:
            assert by_addr[td["vnet"]] == t["vnet_default"]
        elif td["pid"] == 12:
            assert by_addr[td["vnet"]] == "db"
        else:
            assert td["vnet"] == 0


# --- the benchmark fixture --------------------------------------------------

def test_bench_fixture(sessions):
    bench = sessions["amd64-15.0-bench"].result()
    t = bench.truth
    assert t["bench_array"] == {"symbol": "tcpstat",
                                "struct": "struct tcpstat", "count": 300}
    assert t["mp_maxcpus"] == t["mp_ncpus"] == 1024
    tcp = t["counter_arrays"]["tcpstat"]
    assert len(tcp["fields"]) == 300 == len(set(tcp["fields"]))
    assert tcp["fields"][:3] == ["tcps_connattempt", "tcps_accepts",
                                 "tcps_connects"]
    assert tcp["fields"][123] == "tcps_rcvacktooold"
    assert tcp["fields"][124:] == [f"tcps_ext{i:03d}" for i in range(176)]
    # UMA packs the 8-byte items: one CPU's 300 slots are in a few pages.
    for cpu in t["cpus"]:
        pages = {e["slot_addrs"][str(cpu)] // PAGE for e in tcp["elements"]}
        assert len(pages) <= 2, cpu
    assert bench.got("sizeof(struct tcpstat) / 8") == 300


def gdb_live(kernel, truth, cwd, exprs, setup=()):
    """Run kernel TRUTH under gdbserver to fixture_ready; run the setup
    commands, then evaluate exprs."""
    args = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
            "-ex", f"target remote | exec gdbserver - {kernel} {truth}",
            "-ex", "break fixture_ready", "-ex", "continue"]
    for command in setup:
        args += ["-ex", command]
    args += ["-ex", "echo @@\\n"]
    for e in exprs:
        args += ["-ex", f"output {e}", "-ex", "echo \\n"]
    args += ["-ex", "kill"]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300, cwd=str(cwd),
                       env=mkvmcore._env())
    assert "Breakpoint 1, fixture_ready ()" in r.stdout, r.stdout + r.stderr
    return r.stdout.split("@@\n", 1)[1].splitlines()[:len(exprs)]


@pytest.mark.parametrize("shape", ["amd64-15.0-bench", "amd64-14.3-modules"])
def test_kernel_runs_live_under_gdbserver(shape, tmp_path):
    """DIR/kernel TRUTH, started by nobody but gdbserver, boots the plan it
    was built for and stops at fixture_ready."""
    d = Path(mkvmcore.make_vmcore(shape))
    truth = tmp_path / "live.json"
    cpu = 1023 if "bench" in shape else 3
    out = gdb_live(d / "kernel", truth, tmp_path, [
        "mp_ncpus", "mp_maxcpus",
        f"*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[{cpu}])"])
    t = json.loads(truth.read_text())
    assert t["shape"] == shape
    assert out == [str(t["mp_ncpus"]), str(t["mp_maxcpus"]),
                   str(1000 + 17 * cpu)]
    if "modules" in shape:
        # Run again: the module is where that run's own truth says (the
        # host may or may not let gdbserver turn address randomization off).
        again = tmp_path / "again.json"
        out = gdb_live(d / "kernel", again, tmp_path, [
            "*(int *)((char *)&pcpu_entry_mod_dso_int - $image + $base"
            f" + dpcpu_off[{cpu}])"], setup=[
            "python import json; m = json.load(open(%r))['modules']"
            "['mod_dso']; gdb.set_convenience_variable('image', "
            "m['image_start']); gdb.set_convenience_variable('base', "
            "m['base'])" % str(again)])
        m = json.loads(again.read_text())["modules"]["mod_dso"]
        assert out == [str(m["vars"]["mod_dso_int"]["values"][str(cpu)])]


# --- corrupt dumps ----------------------------------------------------------

def _healthy(t):
    return [("cpuid_to_pcpu[3]->pc_cpuid", 3),
            ("*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[3])",
             t["dpcpu"]["dpcpu_int"]["values"]["3"])]


def corrupt_req_defect(c):
    """Plain GDB sees the one defect, and the rest of the dump healthy."""
    t = c.truth
    cor = t["corrupt"]
    kind = cor["kind"]
    if kind.startswith("maxcpus-"):
        return [("mp_maxcpus", cor["value"]), ("mp_maxid", 3)] + _healthy(t)
    if kind == "maxid-beyond":
        return [("mp_maxid", cor["value"]),
                ("mp_maxid >= sizeof(cpuid_to_pcpu) / 8", 1)] + _healthy(t)
    if kind == "pcpu-unmapped":
        return [("(unsigned long)cpuid_to_pcpu[2]", cor["value"]),
                ("cpuid_to_pcpu[2]->pc_cpuid", Err("Cannot access memory"))
                ] + _healthy(t)
    if kind == "dpcpu-garbage":
        return [("dpcpu_off[1]", JUNK),
                ("cpuid_to_pcpu[1]->pc_dynamic", t["dpcpu_off"]["1"]),
                ("*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[1])",
                 Err("Cannot access memory"))] + _healthy(t)
    if kind == "counter-nowhere":
        pairs = [("(unsigned long)vm_cnt.v_swtch", cor["value"]),
                 (f"*(unsigned long *)({c.slot_expr('vm_cnt.v_trap', 0)})",
                  t["counters"]["vm_cnt.v_trap"]["slots"]["0"])] + _healthy(t)
        for cpu in c.cpus:
            slot = c.slot_expr("vm_cnt.v_swtch", cpu)
            pairs += [(slot, cor["slot_addrs"][str(cpu)]),
                      (f"*(unsigned long *)({slot})",
                       Err("Cannot access memory"))]
        return pairs
    if kind == "not-freebsd":
        return [(sym, Err("No symbol")) for sym in
                ("cpuid_to_pcpu", "mp_maxcpus", "mp_maxid", "dpcpu_off",
                 "__pcpu", "linker_files")] + \
            [("nwidgets", t["nwidgets"]),
             ("(unsigned long)widgets", t["widgets"])]
    return []


def test_corrupt_truth(broken):
    t = broken.truth
    kind = t["corrupt"]["kind"]
    assert t["shape"] == "amd64-15.0-corrupt-" + kind
    assert t["corrupt"]["expect"] == mkvmcore.CORRUPT_KINDS[kind][1]
    if kind != "not-freebsd":
        assert t["mp_ncpus"] == 4 and t["release"] == "15.0"
    if kind.startswith("maxcpus-"):
        assert t["corrupt"]["value"] == {"huge": 0x7fffffff, "negative": -4,
                                         "zero": 0}[kind.split("-")[1]]
        assert t["corrupt"]["expect"] == f"mp_maxcpus is {t['corrupt']['value']}"


def test_corrupt_defect(broken):
    t = broken.truth
    c = t["corrupt"]
    if c["kind"] != "truncated":
        broken.check(corrupt_req_defect(broken))
        return
    size = (broken.dir / "vmcore").stat().st_size
    assert size == c["cut_size"] == c["original_size"] // 2
    r = subprocess.run(["gdb", "-nx", "-batch", "-iex",
                        "set debuginfod enabled off",
                        str(broken.dir / "kernel"),
                        str(broken.dir / "vmcore")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300, env=mkvmcore._env())
    assert "not a core dump" in r.stdout or "truncated" in r.stdout, r.stdout


# --- the generator ----------------------------------------------------------

def run_mkvmcore(*args):
    return subprocess.run([sys.executable, str(ROOT / "vmcores/mkvmcore.py"),
                           *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def test_list_shapes():
    r = run_mkvmcore("--list-shapes")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == list(mkvmcore.SHAPES)


def test_every_shape_names_a_release():
    for name, shape in mkvmcore.SHAPES.items():
        assert name.startswith(f"{shape.machine}-{shape.release}")
    assert {(s.machine, s.release) for s in mkvmcore.SHAPES.values()} == {
        ("amd64", r) for r in ("11.4", "12.4", "13.5", "14.3", "15.0")} | {
        ("arm64", "14.3"), ("arm64", "15.0")}
    assert mkvmcore.DEFAULT_SHAPE == "amd64-15.0"


@pytest.mark.parametrize("args, message", [
    (["--shape", "vax"], "unknown shape 'vax'"),
    (["--shape", "amd64-15.0-up", "--ncpus", "2"], "fixed CPU layout"),
    (["--shape", "amd64-12.4", "--ncpus", "257"], "from 1 to 256"),
    (["--shape", "amd64-15.0", "--ncpus", "0"], "from 1 to 1024"),
])
def test_bad_arguments_fail_loudly(args, message, tmp_path):
    r = run_mkvmcore(*args, "--outdir", str(tmp_path / "out"))
    assert r.returncode != 0
    assert r.stderr.startswith("mkvmcore: error: ")
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_default_outdirs():
    base = ROOT / "build" / "vmcores"
    assert mkvmcore.default_outdir("amd64-15.0") == base / "amd64-15.0"
    assert mkvmcore.default_outdir("amd64-15.0", 4) == base / "amd64-15.0"
    assert mkvmcore.default_outdir("arm64-14.3", 8) == base / "arm64-14.3-8"


def test_rebuild_is_skipped_when_up_to_date(tmp_path, sessions):
    """A directory whose stamp matches is reused (here a copy of the up
    shape's); one whose truth.json is gone is rebuilt."""
    out = tmp_path / "up"
    shutil.copytree(sessions["amd64-15.0-up"].result().dir, out)
    assert mkvmcore.make_vmcore("amd64-15.0-up", outdir=out) == str(out)
    mtime = (out / "vmcore").stat().st_mtime_ns
    r = run_mkvmcore("--shape", "amd64-15.0-up", "--outdir", str(out))
    assert r.returncode == 0 and r.stdout.strip() == str(out)
    assert (out / "vmcore").stat().st_mtime_ns == mtime
    (out / "truth.json").unlink()
    mkvmcore.make_vmcore("amd64-15.0-up", outdir=out)
    assert (out / "truth.json").is_file()
    assert (out / "vmcore").stat().st_mtime_ns != mtime


@pytest.mark.parametrize("shape, ncpus, maxcpu", NCPUS)
def test_ncpus(shape, ncpus, maxcpu, sessions):
    c = sessions[f"{shape}@{ncpus}"].result()
    assert c.truth["cpus"] == list(range(ncpus))
    assert c.dir == mkvmcore.default_outdir(shape, ncpus)
    c.check(ncpus_pairs(ncpus, maxcpu))


@pytest.mark.slow
def test_all_shapes_generate_quickly(tmp_path):
    import time
    start = time.monotonic()
    for shape in mkvmcore.SHAPES:
        mkvmcore.make_vmcore(shape, outdir=tmp_path / shape, force=True)
    assert time.monotonic() - start < 90
