"""The fixture dumps themselves: vmcores/mkvmcore.py's invariants.

Every shape is generated and its core is read back with plain GDB (no part
of the project's tool): layouts, symbols and values must be where
FREEBSD-PCPU.md says and equal to what truth.json claims.  The healthy
shapes share the general checks; modules, VNET, the benchmark fixture and
the corrupt dumps have their own.
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
JUNK = 0x4a554e4b4a554e4b
SHAPES = [s for s, shape in mkvmcore.SHAPES.items() if not shape.corrupt]
CORRUPT = list(mkvmcore.CORRUPT_KINDS)

# Run inside GDB: evaluate each request of $FIXTURE_EXPRS (a JSON list) and
# print the results as one JSON line.  A request is an expression, or
# "!COMMAND" for a command's output, or "$lwp" for the selected thread's
# LWP id, or "&TAG|PC|ADDR|EXPR": EXPR with $obj = *(struct TAG *)ADDR, struct
# TAG as the code at PC sees it (two CUs may define different struct TAGs;
# a char * result becomes its string).  Errors become {"error": message}.
GDB_SCRIPT = r'''
import json, os
import gdb


def scoped(req):
    tag, pc, addr, expr = req[1:].split("|")
    block = gdb.block_for_pc(int(pc, 0))
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

out = []
for req in json.load(open(os.environ["FIXTURE_EXPRS"])):
    try:
        if req.startswith("!"):
            out.append(gdb.execute(req[1:], to_string=True))
        elif req == "$lwp":
            out.append(gdb.selected_thread().ptid[1])
        elif req.startswith("&"):
            out.append(scoped(req))
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
    "libkvm_counter_sums", "vimage",
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
    assert all(v == 0 for v in t["counters"]["vm_cnt.v_intr"]["slots"].values())
    soft = t["counters"]["vm_cnt.v_soft"]
    assert all(v >= 1 << 63 for v in soft["slots"].values())
    if len(t["cpus"]) > 1:
        assert sum(soft["slots"].values()) > MASK64, "v_soft must wrap"
    if t["vimage"]:
        arrays = [v["vars"]["tcpstat"] for v in t["vnets"].values()]
        assert "tcpstat" not in t["counter_arrays"]
        assert "plain_vnet_vars" not in t
    else:
        arrays = [t["counter_arrays"]["tcpstat"]]
        assert set(t["plain_vnet_vars"]) == {"ipforwarding", "tcp_mssdflt"}
    for tcp in arrays:
        assert len(tcp["fields"]) == len(tcp["values"]) == \
            len(tcp["sums"]) >= 20
        assert 0 in tcp["sums"]
        for i, e in enumerate(tcp["elements"]):
            assert sum(e["slots"].values()) & MASK64 == tcp["sums"][i]
            slots += [v for v in e["slots"].values() if v]
    assert len(slots) == len(set(slots)), "counter slots are not distinct"
    sel = t["pcpu"][str(t["selected_cpu"])]
    assert t["threads"][str(sel["curthread"])]["tid"] == t["selected_tid"]
    if t["vimage"]:
        vnets = {v["addr"] for v in t["vnets"].values()}
        assert all(th["vnet"] == 0 or th["vnet"] in vnets
                   for th in t["threads"].values())
    else:
        assert all("vnet" not in th for th in t["threads"].values())


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
    if t["vimage"]:
        # A VNET variable, one array per vnet (test_vnet_variables).
        got = core.eval(["tcpstat", "sizeof(vnet_entry_tcpstat)"])
        assert "No symbol" in got[0]["error"]
        assert got[1] == t["vnet_vars"]["tcpstat"]["size"]
        return
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
        tid = t["threads"][str(t["pcpu"][str(cpu)]["idlethread"])]["tid"]
        assert tid > 100000
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
                  (f"(unsigned long){td}->td_pcb", th["pcb"])]
    core.check(pairs)
    names = {th["name"] for th in t["threads"].values()}
    assert ("swi4: clock (0)" in names) == (len(t["cpus"]) > 2)


# --- VNET variables as plain globals (kernels without VIMAGE) ---------------

def test_plain_vnet_variables(core):
    t = core.truth
    if t["vimage"]:
        return
    core.check(t["plain_vnet_vars"].items())
    got = core.eval(["vnet_entry_ipforwarding", "vnet0", "vnet_head",
                     "__start_set_vnet"])
    assert all("No symbol" in g["error"] for g in got)


# --- modules (linker_files, DSO and object modules) -------------------------

@pytest.fixture(scope="module", params=["modules", "vimage"])
def modcore(request, gdb_script):
    return Core(mkvmcore.make_vmcore(request.param), gdb_script)


def lf_expr(i):
    """The i-th file on linker_files, as a GDB expression."""
    return "linker_files.tqh_first" + "->link.tqe_next" * i


def test_linker_files(modcore):
    t = modcore.truth
    lfs = t["linker_files"]
    assert [lf["filename"] for lf in lfs] == \
        ["kernel", "mod_dso.ko", "mod_obj.ko"]
    assert [lf["class"] for lf in lfs] == ["elf64", "elf64", "elf64_obj"]
    assert [lf["id"] for lf in lfs] == [1, 2, 3]
    assert lfs[0]["pathname"] == str(modcore.dir / "kernel")
    for name, m in t["modules"].items():
        lf = lfs[[x["addr"] for x in lfs].index(m["linker_file"])]
        assert lf["filename"] == m["filename"] == name + ".ko"
        assert lf["pathname"] == m["path"] == str(modcore.dir / lf["filename"])
        assert m["kind"] == {"elf64": "dso", "elf64_obj": "obj"}[m["class"]]
        assert (lf["address"], lf["size"]) == (m["address"], m["size"])
    pairs = [("(unsigned long)linker_kernel_file", lfs[0]["addr"]),
             (f"(unsigned long){lf_expr(len(lfs))}", 0),
             (f"linker_files.tqh_last == &{lf_expr(len(lfs) - 1)}"
              "->link.tqe_next", 1)]
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
    modcore.check(pairs)
    # linker_files is file-static in kern_linker.c, as in FreeBSD.
    assert "static" in modcore.eval(["!info variables ^linker_files$"])[0]


def test_linker_classes_and_elf_files(modcore):
    """Each class's methods[0].func is in its own source file, and the
    struct elf_file seen from there is that file's."""
    t = modcore.truth
    lfs = t["linker_files"]
    n = len(lfs)
    funcs = modcore.eval([f"(unsigned long){lf_expr(i)}->ops->cls->"
                          "methods[0].func" for i in range(n)])
    lines = modcore.eval([f"!info line *{pc}" for pc in funcs])
    for lf, line in zip(lfs, lines):
        src = {"elf64": "link_elf.c", "elf64_obj": "link_elf_obj.c"}
        assert f'/{src[lf["class"]]}"' in line, line

    def field(i, expr):
        return f"&elf_file|{funcs[i]}|{lfs[i]['addr']}|{expr}"

    pairs = [(field(i, "sizeof($obj)"), None) for i in range(n)]
    sizes = modcore.eval(e for e, _ in pairs)
    cls_sizes = modcore.eval(f"{lf_expr(i)}->ops->cls->size"
                             for i in range(n))
    assert sizes == cls_sizes
    assert sizes[1] != sizes[2], "one struct elf_file for both classes"
    start, stop = t["start_set_pcpu"], t["stop_set_pcpu"]
    pairs = [(field(0, "$obj.pcpu_start"), start),
             (field(0, "$obj.pcpu_stop"), stop),
             (field(0, "$obj.pcpu_base"), start)]
    if t["vimage"]:
        pairs += [(field(0, "$obj.vnet_start"), t["start_set_vnet"]),
                  (field(0, "$obj.vnet_base"), t["start_set_vnet"])]
    for name, m in t["modules"].items():
        i = [x["addr"] for x in lfs].index(m["linker_file"])
        pairs += [(field(i, "$obj.lf.filename"), m["filename"]),
                  (field(i, "(unsigned long)$obj.address"), m["address"])]
        if m["kind"] == "dso":
            pairs += [(field(i, "$obj.pcpu_start"), m["image_start"]),
                      (field(i, "$obj.pcpu_stop"), m["image_stop"]),
                      (field(i, "$obj.pcpu_base"), m["base"])]
            if t["vimage"]:
                pairs += [
                    (field(i, "$obj.vnet_start"), m["vnet_image_start"]),
                    (field(i, "$obj.vnet_stop"), m["vnet_image_stop"]),
                    (field(i, "$obj.vnet_base"), m["vnet_base"])]
            continue
        pairs.append((field(i, "$obj.nprogtab"), m["nprogtab"]))
        sets = [("set_pcpu", "")]
        if t["vimage"]:
            sets.append(("set_vnet", "vnet_"))
        for setname, pfx in sets:
            pe = f"$obj.progtab[{m[pfx + 'progtab_index']}]"
            pairs += [
                (field(i, f"{pe}.name"), setname),
                (field(i, f"(unsigned long){pe}.origaddr"),
                 m[pfx + "image_start"]),
                (field(i, f"(unsigned long){pe}.addr"), m[pfx + "base"]),
                (field(i, f"{pe}.size"),
                 m[pfx + "image_stop"] - m[pfx + "image_start"])]
    modcore.check(pairs)


DPCPU_TYPES = {"int", "uint64_t", "struct mod_dso_stats"}


def test_module_dpcpu_variables(modcore):
    """Every CPU's copy of each module variable is where the kernel put
    it: relocated from the module's set_pcpu into modspace, plus
    dpcpu_off[cpu]; the image holds the template."""
    t = modcore.truth
    modspace = "(unsigned long)&pcpu_entry_modspace"
    pairs = []
    for name, m in t["modules"].items():
        start, stop, base = m["image_start"], m["image_stop"], m["base"]
        assert m["address"] <= start < stop <= m["address"] + m["size"]
        for var, v in m["vars"].items():
            sym = v["symbol"]
            assert sym == "pcpu_entry_" + var and v["type"] in DPCPU_TYPES
            assert start <= v["template_addr"] < stop
            assert v["reloc_addr"] == v["template_addr"] - start + base
            pairs += [
                (f"(unsigned long)&{sym}", v["template_addr"]),
                (f"sizeof({sym})", v["size"]),
                (sym, v["template"]),
                (f"{v['reloc_addr']} >= {modspace} && {v['reloc_addr']} + "
                 f"sizeof({sym}) <= {modspace} + {t['dpcpu_modmin']}", 1)]
            for cpu in modcore.cpus:
                assert v["values"][str(cpu)] != v["template"]
                pairs.append((f"*({v['type']} *)((char *)&{sym} - {start} "
                              f"+ {base} + dpcpu_off[{cpu}])",
                              v["values"][str(cpu)]))
        info = modcore.eval([f"!info symbol {start}"])[0]
        assert f"in section set_pcpu of {m['path']}" in info
    modcore.check(pairs)


def test_module_vnet_variables(modcore):
    t = modcore.truth
    if not t["vimage"]:
        pairs = []
        for m in t["modules"].values():
            assert "vnet_vars" not in m
            pairs += list(m["plain_vnet_vars"].items())
        modcore.check(pairs)
        return
    modspace = "(unsigned long)&vnet_entry_modspace"
    pairs = []
    for m in t["modules"].values():
        start, base = m["vnet_image_start"], m["vnet_base"]
        for var, v in m["vnet_vars"].items():
            sym = v["symbol"]
            assert sym == "vnet_entry_" + var
            assert start <= v["template_addr"] < m["vnet_image_stop"]
            assert v["reloc_addr"] == v["template_addr"] - start + base
            assert set(v["values"]) == set(t["vnets"])
            assert len(set(v["values"].values())) == len(t["vnets"])
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
    modcore.check(pairs)


def test_unlisted_module(modcore):
    """GDB has the symbols of mod_unlisted.ko; no linker file has it."""
    t = modcore.truth
    u = t["unlisted_module"]
    v = u["vars"]["mod_unlisted_int"]
    lfs = t["linker_files"]
    assert u["filename"] == "mod_unlisted.ko"
    assert u["path"] == str(modcore.dir / "mod_unlisted.ko")
    assert u["filename"] not in [lf["filename"] for lf in lfs]
    assert u["image_start"] <= v["template_addr"] < u["image_stop"]
    modcore.check(
        [("(unsigned long)&pcpu_entry_mod_unlisted_int", v["template_addr"]),
         ("pcpu_entry_mod_unlisted_int", v["template"])]
        + [(f'$_streq({lf_expr(i)}->filename, "{u["filename"]}")', 0)
           for i in range(len(lfs))])
    info = modcore.eval([f"!info symbol {v['template_addr']}"])[0]
    assert f"in section set_pcpu of {u['path']}" in info


# --- VIMAGE: vnets, jails, VNET variables -----------------------------------

@pytest.fixture(scope="module")
def vimage(gdb_script):
    return Core(mkvmcore.make_vmcore("vimage"), gdb_script)


def test_vnet_section(vimage):
    t = vimage.truth
    start, stop = t["start_set_vnet"], t["stop_set_vnet"]
    pairs = [("(unsigned long)&__start_set_vnet", start),
             ("(unsigned long)&__stop_set_vnet", stop),
             ("sizeof(vnet_entry_modspace)", t["vnet_modmin"]),
             ("(unsigned long)vnet0", t["vnet0"])]
    for name, var in t["vnet_vars"].items():
        sym = var["symbol"]
        assert sym == "vnet_entry_" + name
        pairs += [(f"(unsigned long)&{sym}", var["template_addr"]),
                  (f"sizeof({sym})", var["size"]),
                  (f"(unsigned long)&{sym} >= {start} && "
                   f"(unsigned long)&{sym} + sizeof({sym}) <= {stop}", 1)]
        if "template" in var:
            pairs.append((sym, var["template"]))
    vimage.check(pairs)
    assert t["vnet_size"] == -(-(stop - start) // PAGE) * PAGE
    for sym in ("__start_set_vnet", "__stop_set_vnet"):
        assert "no debug info" in vimage.eval([f"!whatis {sym}"])[0]
    # The plain names are no symbols on a VIMAGE kernel.
    got = vimage.eval(["ipforwarding", "tcp_mssdflt", "tcpstat"])
    assert all("No symbol" in g["error"] for g in got)


def test_vnets_and_jails(vimage):
    t = vimage.truth
    assert t["vnet_head"] == ["db", "web", "vnet0"]
    assert set(t["vnets"]) == {"vnet0", "web", "db"}
    assert t["vnets"]["vnet0"]["addr"] == t["vnet0"]
    pairs = []
    e = "vnet_head.lh_first"
    for name in t["vnet_head"]:
        v = t["vnets"][name]
        ve = f"((struct vnet *){v['addr']})"
        assert v["jails"] == (["0"] if name == "vnet0" else [name])
        assert v["data_base"] == (v["data_mem"] - t["start_set_vnet"]) & MASK64
        pairs += [(f"(unsigned long){e}", v["addr"]),
                  (f"{ve}->vnet_magic_n", 0x5e4a6f28),
                  (f"{ve}->vnet_magic_n", v["magic"]),
                  (f"(unsigned long){ve}->vnet_data_mem", v["data_mem"]),
                  (f"{ve}->vnet_data_base", v["data_base"]),
                  (f"{ve}->vnet_ifcnt", v["ifcnt"]),
                  (f"{ve}->vnet_sockcnt", v["sockcnt"]),
                  (f"{ve}->vnet_state", v["state"]),
                  (f"{ve}->vnet_shutdown", 0),
                  (f"(unsigned long){ve}->vnet_data_mem % 4096", 0)]
        e += "->vnet_le.le_next"
    pairs.append((f"(unsigned long){e}", 0))
    # prison0 is the host, not on allprison; the jails are, in jid order.
    jails = t["jails"]
    assert list(jails) == ["0", "web", "db"]
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
    vimage.check(pairs)


def test_vnet_variables(vimage):
    """Each vnet's copy of ipforwarding, tcp_mssdflt and tcpstat is at
    &vnet_entry_X + vnet_data_base; the copies and the template differ."""
    t = vimage.truth
    tmpl = {n: v.get("template") for n, v in t["vnet_vars"].items()}
    pairs = []
    for name, v in t["vnets"].items():
        base = v["data_base"]
        for var in ("ipforwarding", "tcp_mssdflt"):
            assert v["vars"][var] != tmpl[var]
            pairs.append((f"*(int *)((char *)&vnet_entry_{var} + {base})",
                          v["vars"][var]))
        tcp = v["vars"]["tcpstat"]
        arr = f"((counter_u64_t *)((char *)&vnet_entry_tcpstat + {base}))"
        pairs.append((f"(unsigned long){arr}", tcp["addr"]))
        n = len(tcp["fields"])
        for i in range(n):
            pairs.append((f"(unsigned long){arr}[{i}]", tcp["values"][i]))
        for i in (0, n // 2, n - 1):
            for cpu in vimage.cpus:
                pairs.append(
                    (f"*(unsigned long *)"
                     f"({vimage.slot_expr(f'{arr}[{i}]', cpu)})",
                     tcp["elements"][i]["slots"][str(cpu)]))
    vimage.check(pairs)
    for var in ("ipforwarding", "tcp_mssdflt"):
        values = [v["vars"][var] for v in t["vnets"].values()]
        assert len(set(values)) == len(values), var
    tcps = [v["vars"]["tcpstat"] for v in t["vnets"].values()]
    assert len({tuple(tcp["sums"]) for tcp in tcps}) == len(tcps)
    assert len({tuple(tcp["fields"]) for tcp in tcps}) == 1


def test_vnet_of_threads(vimage):
    """The selected thread runs in jail web: its td_vnet is the default
    vnet of a kgdb session; the interrupt thread's is db's."""
    t = vimage.truth
    assert t["vnet_default"] == "web"
    by_addr = {v["addr"]: n for n, v in t["vnets"].items()}
    pairs = []
    for cpu in vimage.cpus:
        td = t["pcpu"][str(cpu)]["curthread"]
        vnet = t["threads"][str(td)]["vnet"]
        pairs.append((f"(unsigned long)cpuid_to_pcpu[{cpu}]->pc_curthread"
                      "->td_vnet", vnet))
        if cpu == t["selected_cpu"]:
            assert by_addr[vnet] == t["vnet_default"]
        elif t["threads"][str(td)]["pid"] == 12:
            assert by_addr[vnet] == "db"
        else:
            assert vnet == 0
    vimage.check(pairs)


# --- the benchmark fixture --------------------------------------------------

@pytest.fixture(scope="module")
def bench(gdb_script):
    return Core(mkvmcore.make_vmcore("bench"), gdb_script)


def test_bench_fixture(bench):
    t = bench.truth
    assert t["bench_array"] == {"symbol": "tcpstat",
                                "struct": "struct tcpstat", "count": 300}
    assert t["mp_maxcpus"] == t["mp_ncpus"] == 1024
    tcp = t["counter_arrays"]["tcpstat"]
    assert len(tcp["fields"]) == 300 == len(set(tcp["fields"]))
    assert tcp["fields"][:3] == ["tcps_connattempt", "tcps_accepts",
                                 "tcps_connects"]
    assert tcp["fields"][120] == "tcps_rcvacktooold"
    assert tcp["fields"][121:] == [f"tcps_ext{i:03d}" for i in range(179)]
    # UMA packs the 8-byte items: one CPU's 300 slots are in a few pages.
    for cpu in t["cpus"]:
        pages = {e["slot_addrs"][str(cpu)] // PAGE for e in tcp["elements"]}
        assert len(pages) <= 2, cpu
    bench.check([("sizeof(struct tcpstat)", 2400),
                 ("sizeof(tcpstat) / sizeof(tcpstat[0])", 300),
                 ("(unsigned long)&((struct tcpstat *)0)->tcps_ext178 / 8",
                  299),
                 ("sizeof(pcpu_entry_dpcpu_int)", 4)])
    assert bench.eval(["!whatis pcpu_entry_dpcpu_int"])[0].strip() == \
        "type = int"


def gdb_live(kernel, truth, cwd, exprs):
    """Run kernel TRUTH under gdbserver to fixture_ready; evaluate exprs."""
    args = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
            "-ex", f"target remote | exec gdbserver - {kernel} {truth}",
            "-ex", "break fixture_ready", "-ex", "continue",
            "-ex", "echo @@\\n"]
    for e in exprs:
        args += ["-ex", f"output {e}", "-ex", "echo \\n"]
    args += ["-ex", "kill"]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300, cwd=str(cwd),
                       env=mkvmcore._env())
    assert "Breakpoint 1, fixture_ready ()" in r.stdout, r.stdout + r.stderr
    return r.stdout.split("@@\n", 1)[1].splitlines()[:len(exprs)]


@pytest.mark.parametrize("shape", ["bench", "modules"])
def test_kernel_runs_live_under_gdbserver(shape, tmp_path):
    """DIR/kernel TRUTH, started by nobody but gdbserver, boots the plan it
    was built for and stops at fixture_ready."""
    d = Path(mkvmcore.make_vmcore(shape))
    truth = tmp_path / "live.json"
    cpu = 1023 if shape == "bench" else 3
    out = gdb_live(d / "kernel", truth, tmp_path, [
        "mp_ncpus", "mp_maxcpus",
        f"*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[{cpu}])"])
    t = json.loads(truth.read_text())
    assert t["shape"] == shape
    assert out == [str(t["mp_ncpus"]), str(t["mp_maxcpus"]),
                   str(1000 + 17 * cpu)]
    assert t["mp_ncpus"] == (1024 if shape == "bench" else 4)
    if shape == "modules":
        # Run again: the module is where the first run's truth says.
        m = t["modules"]["mod_dso"]
        out = gdb_live(d / "kernel", tmp_path / "again.json", tmp_path, [
            f"*(int *)((char *)&pcpu_entry_mod_dso_int - {m['image_start']}"
            f" + {m['base']} + dpcpu_off[{cpu}])"])
        assert out == [str(m["vars"]["mod_dso_int"]["values"][str(cpu)])]


# --- corrupt dumps ----------------------------------------------------------

@pytest.fixture(scope="module", params=CORRUPT)
def broken(request, gdb_script):
    return Core(mkvmcore.make_vmcore("corrupt-" + request.param), gdb_script)


def test_corrupt_truth(broken):
    t = broken.truth
    kind = t["corrupt"]["kind"]
    assert t["shape"] == "corrupt-" + kind
    assert t["corrupt"]["expect"] == mkvmcore.CORRUPT_KINDS[kind][1]
    if kind != "not-freebsd":
        assert t["mp_ncpus"] == 4 and t["osreldate"] >= 1300000


def test_corrupt_defect(broken):
    """Plain GDB sees the one defect, and the rest of the dump healthy."""
    t = broken.truth
    c = t["corrupt"]
    kind = c["kind"]
    healthy = [("cpuid_to_pcpu[3]->pc_cpuid", 3),
               ("*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[3])",
                t.get("dpcpu", {}).get("dpcpu_int", {}).get("values", {})
                .get("3"))]
    if kind.startswith("maxcpus-"):
        broken.check([("mp_maxcpus", c["value"]), ("mp_maxid", 3)] + healthy)
        assert c["value"] == {"huge": 0x7fffffff, "negative": -4,
                              "zero": 0}[kind.split("-")[1]]
        assert c["expect"] == f"mp_maxcpus is {c['value']}"
    elif kind == "maxid-beyond":
        broken.check([("mp_maxid", c["value"]),
                      ("mp_maxid >= sizeof(cpuid_to_pcpu) / 8", 1)] + healthy)
    elif kind == "pcpu-unmapped":
        broken.check([("(unsigned long)cpuid_to_pcpu[2]", c["value"])]
                     + healthy)
        got = broken.eval(["cpuid_to_pcpu[2]->pc_cpuid"])[0]
        assert "Cannot access memory" in got["error"]
    elif kind == "dpcpu-garbage":
        broken.check([("dpcpu_off[1]", JUNK),
                      ("cpuid_to_pcpu[1]->pc_dynamic", t["dpcpu_off"]["1"])]
                     + healthy)
        got = broken.eval(["*(int *)((char *)&pcpu_entry_dpcpu_int + "
                           "dpcpu_off[1])"])[0]
        assert "Cannot access memory" in got["error"]
    elif kind == "counter-nowhere":
        slots = [broken.slot_expr("vm_cnt.v_swtch", cpu)
                 for cpu in broken.cpus]
        broken.check([("(unsigned long)vm_cnt.v_swtch", c["value"])]
                     + [(s, c["slot_addrs"][str(cpu)])
                        for s, cpu in zip(slots, broken.cpus)]
                     + [(f"*(unsigned long *)("
                         f"{broken.slot_expr('vm_cnt.v_trap', 0)})",
                         t["counters"]["vm_cnt.v_trap"]["slots"]["0"])]
                     + healthy)
        got = broken.eval(f"*(unsigned long *)({s})" for s in slots)
        assert all("Cannot access memory" in g["error"] for g in got)
    elif kind == "truncated":
        size = (broken.dir / "vmcore").stat().st_size
        assert size == c["cut_size"] == c["original_size"] // 2
        r = subprocess.run(["gdb", "-nx", "-batch", "-iex",
                            "set debuginfod enabled off",
                            str(broken.dir / "kernel"),
                            str(broken.dir / "vmcore")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300, env=mkvmcore._env())
        assert "not a core dump" in r.stdout or "truncated" in r.stdout, \
            r.stdout
    else:
        assert kind == "not-freebsd"
        got = broken.eval(["cpuid_to_pcpu", "mp_maxcpus", "mp_maxid",
                           "dpcpu_off", "__pcpu", "linker_files",
                           "nwidgets", "(unsigned long)widgets"])
        assert all("No symbol" in g["error"] for g in got[:6])
        assert got[6:] == [t["nwidgets"], t["widgets"]]


# --- the generator ----------------------------------------------------------

def run_mkvmcore(*args):
    return subprocess.run([sys.executable, str(ROOT / "vmcores/mkvmcore.py"),
                           *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def test_list_shapes():
    r = run_mkvmcore("--list-shapes")
    assert r.returncode == 0
    assert [ln.split()[0] for ln in r.stdout.splitlines()] == \
        list(mkvmcore.SHAPES)


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
    for shape in mkvmcore.SHAPES:
        mkvmcore.make_vmcore(shape, outdir=tmp_path / shape, force=True)
    assert time.monotonic() - start < 60
