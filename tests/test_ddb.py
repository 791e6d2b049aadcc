"""ddb.py, pure Python: ddb's show pcpu, show allpcpu and show dpcpu_off text
and pcpu -l's table, from plain values, without GDB or a dump.

The expected text is written here from FreeBSD's own source (docs/FREEBSD.md:
subr_pcpu.c show_pcpu(), each architecture's db_show_mdpcpu(), subr_prf.c's
%p, show dpcpu_off), never from the tool."""

import json
import re

import pytest

from conftest import ROOT
from kgdb_pcpu import ddb
from kgdb_pcpu._kvm import CpuAbsentError, KvmError

PACKAGE = ROOT / "gdb" / "kgdb_pcpu"


# --- The kernel's printf conversions ------------------------------------------

@pytest.mark.parametrize("conv, value, text", [
    (ddb.P, 0, "0"),                                   # %p of NULL
    (ddb.P, 0xfffff80003a1b000, "0xfffff80003a1b000"),
    (ddb.LX, 0, "0x0"),
    (ddb.LX, 0xfffffe0000000000, "0xfffffe0000000000"),
    (ddb.X0, 0x1f, "0x1f"),
    (ddb.X0, 0x100000010, "0x10"),                      # an int argument
    (ddb.X, 0xabc, "abc"),                             # %x: no 0x
    (ddb.U, 0xffffffff, "4294967295"),
    (ddb.D, 0xffffffff, "-1"),
    (ddb.D, 7, "7"),
])
def test_c_format(conv, value, text):
    assert ddb.c_format(conv, value) == text


def test_pointer_and_label():
    assert ddb.pointer(0) == "0"
    assert ddb.pointer(0x1000) == "0x1000"
    assert ddb.pointer(-1) == "0xffffffffffffffff"
    assert ddb.label("cpuid") == "cpuid        = "
    assert ddb.label("dynamic pcpu") == "dynamic pcpu = "
    assert ddb.one_line("a\n\n  b  \n") == "a; b"
    assert ddb.one_line("") == "error"


# --- Architecture, release and the MD lines ----------------------------------

def has_all(_member):
    return True


AMD64_11 = ["curpmap", "tssp", "commontssp", "rsp0", "gs32p", "ldt", "tss",
            "tlb gen"]
AMD64_12_0 = ["curpmap", "tssp", "commontssp", "rsp0", "gs32p", "ldt", "tss"]
AMD64_12_2 = ["curpmap", "tssp", "commontssp", "rsp0", "kcr3", "ucr3", "scr3",
              "gs32p", "ldt", "tss", "tlb gen"]
AMD64_13 = ["self", "curpmap", "tssp", "rsp0", "kcr3", "ucr3", "scr3", "gs32p",
            "ldt", "tss"]


@pytest.mark.parametrize("arch, osrel, labels", [
    ("amd64", 1104000, AMD64_11),
    ("amd64", 1200086, AMD64_12_0),
    ("amd64", 1201000, AMD64_12_0),     # 12.1 predates r354586
    ("amd64", 1202000, AMD64_12_2),
    ("amd64", 1204000, AMD64_12_2),
    ("amd64", 1300139, AMD64_13),
    ("amd64", 1500000, AMD64_13),
    ("amd64", None, AMD64_13),          # unknown release: the newest
    ("arm64", 1104000, []),
    ("arm64", 1500000, []),
    ("riscv", 1104000, []),
    ("riscv", 1400081, ["curpmap", "pending_ipis", "hart"]),
    ("i386", 1500000, ["APIC ID", "currentldt", "trampstk", "kesp0",
                       "common_tssp", "tlb gen"]),
    (None, 1500000, []),
])
def test_md_lines_by_release(arch, osrel, labels):
    assert [l[0] for l in ddb.md_lines(arch, osrel, has_all)] == labels


def test_md_lines_only_members_the_kernel_has():
    # 11.x's i386 struct pcpu has no 4/4-split members.
    old = {"pc_apic_id", "pc_currentldt", "pc_smp_tlb_done"}
    lines = ddb.md_lines("i386", 1104000, old.__contains__)
    assert lines == (("APIC ID", "pc_apic_id", ddb.D),
                     ("currentldt", "pc_currentldt", ddb.X0),
                     ("tlb gen", "pc_smp_tlb_done", ddb.U))


@pytest.mark.parametrize("members, arch", [
    ({"pc_rsp0", "pc_tssp", "pc_curpmap"}, "amd64"),
    ({"pc_currentldt", "pc_apic_id"}, "i386"),
    ({"pc_midr", "pc_curpmap"}, "arm64"),
    ({"pc_hart", "pc_curpmap"}, "riscv"),
    ({"pc_rsp0"}, None),
    (set(), None),
])
def test_arch_of(members, arch):
    assert ddb.arch_of(members.__contains__) == arch


@pytest.mark.parametrize("osrel, form", [
    (1104000, ddb.CUR_PID), (1199999, ddb.CUR_PID), (1200000, ddb.CUR_TID),
    (1204000, ddb.CUR_TID), (1300000, ddb.CUR_CRITNEST),
    (1500000, ddb.CUR_CRITNEST), (None, ddb.CUR_CRITNEST)])
def test_curthread_form(osrel, form):
    assert ddb.curthread_form(osrel) == form


# --- A kernel made of plain values --------------------------------------------

def spec_of(members):
    """A spec(tag, name) giving each member of members[tag] an 8-byte slot
    at its index (a char array for names ending in _name)."""
    def spec(tag, name):
        names = members.get(tag, ())
        if name not in names:
            return None
        kind = "s" if name.endswith("_name") else "u"
        return names.index(name) * 8, 8, kind
    return spec


AMD64_PCPU = ddb.PCPU_MI + ("pc_prvspace", "pc_curpmap", "pc_tssp", "pc_rsp0",
                            "pc_kcr3", "pc_ucr3", "pc_saved_ucr3", "pc_gs32p",
                            "pc_ldt", "pc_tss")
ARM64_PCPU = ddb.PCPU_MI + ("pc_midr",)
MEMBERS = {"pcpu": AMD64_PCPU, "thread": ddb.THREAD, "proc": ddb.PROC}


class FakeKvm:
    """The core's answers over structs given as {address: {member: value}}:
    read_fields finds a member by the offset spec_of gave it."""

    def __init__(self, members, structs, pcpus, maxcpus=4):
        self.members = members
        self.structs = structs
        self.pcpus = pcpus                  # {cpu: struct pcpu address}
        self.maxcpus = maxcpus
        self.calls = 0

    def pcpu_addr(self, cpu):
        return self.pcpus.get(cpu)

    def read_fields(self, addrs, specs):
        self.calls += 1
        out = []
        for addr in addrs:
            struct = self.structs.get(addr)
            if struct is None:
                out.append(None)
                continue
            tag = struct["tag"]
            names = self.members[tag]
            out.append(tuple(struct[names[off // 8]] for off, _s, _k in specs))
        return out

    def getpcpu(self, cpu):
        raise KvmError("cannot read struct pcpu of CPU %d (256 bytes at 0x%x)"
                       % (cpu, self.pcpus[cpu]))

    def cpus(self):
        return sorted(self.pcpus)

    def getncpus(self):
        return len(self.pcpus)

    def getmaxid(self):
        return max(self.pcpus)

    def getmaxcpu(self):
        return self.maxcpus


def amd64_pcpu(cpu, cur, idle, fpu=0):
    pc = dict.fromkeys(AMD64_PCPU, 0)
    pc.update(tag="pcpu", pc_cpuid=cpu, pc_dynamic=0x1000 * cpu,
              pc_curthread=cur, pc_idlethread=idle, pc_fpcurthread=fpu,
              pc_curpcb=0xfe00 + cpu, pc_prvspace=0xffffffff82000000 + cpu,
              pc_curpmap=0xffffffff81000000, pc_tssp=0xffffffff81800000,
              pc_rsp0=0xfffffe0000001000, pc_kcr3=0x2000, pc_ucr3=0xffffffffffffffff,
              pc_saved_ucr3=0, pc_gs32p=0xffffffff81900000, pc_ldt=0,
              pc_tss=0xffffffff81a00000)
    return pc


def thread(tid, name, proc, critnest=0, vnet=0):
    return {"tag": "thread", "td_tid": tid, "td_name": name, "td_proc": proc,
            "td_critnest": critnest, "td_vnet": vnet}


def kernel():
    """CPUs 0, 1 and 3 (2 absent) of an amd64 15.0 kernel: CPU 0 runs an
    idle thread, CPU 1 the dumping thread (tid 100100), CPU 3 a thread
    whose struct proc cannot be read."""
    structs = {
        0xa000: amd64_pcpu(0, 0xd000, 0xd000),
        0xa100: amd64_pcpu(1, 0xd100, 0xd010, fpu=0xd100),
        0xa300: amd64_pcpu(3, 0xd300, 0xd030),
        0xd000: thread(100003, "idle: cpu0", 0xe000),
        0xd010: thread(100004, "idle: cpu1", 0xe000),
        0xd030: thread(100006, "idle: cpu3", 0xe000),
        0xd100: thread(100100, "doadump", 0xe100, critnest=1, vnet=0xc000),
        0xd300: thread(100300, "lost", 0xe300),
        0xe000: {"tag": "proc", "p_pid": 11},
        0xe100: {"tag": "proc", "p_pid": 1234},
    }
    return FakeKvm(MEMBERS, structs, {0: 0xa000, 1: 0xa100, 3: 0xa300})


AMD64_MD_CPU1 = [
    "self         = 0xffffffff82000001",
    "curpmap      = 0xffffffff81000000",
    "tssp         = 0xffffffff81800000",
    "rsp0         = 0xfffffe0000001000",
    "kcr3         = 0x2000",
    "ucr3         = 0xffffffffffffffff",
    "scr3         = 0x0",
    "gs32p        = 0xffffffff81900000",
    "ldt          = 0",
    "tss          = 0xffffffff81a00000",
]


def test_show_pcpu_of_15_0():
    kd = kernel()
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=True)
    snap = ddb.Snapshot.read(kd, lay, [1])
    assert kd.calls == 3                # struct pcpu, threads, processes
    assert ddb.summary_lines(snap, lay, 1) == [
        "cpuid        = 1",
        "dynamic pcpu = 0x1000",
        'curthread    = 0xd100: pid 1234 tid 100100 critnest 1 "doadump"',
        "curpcb       = 0xfe01",
        'fpcurthread  = 0xd100: pid 1234 "doadump"',
        'idlethread   = 0xd010: tid 100004 "idle: cpu1"',
    ] + AMD64_MD_CPU1 + ["curvnet      = 0xc000"]


@pytest.mark.parametrize("osrel, curthread", [
    (1104000, 'curthread    = 0xd100: pid 1234 "doadump"'),
    (1204000, 'curthread    = 0xd100: pid 1234 tid 100100 "doadump"'),
])
def test_curthread_of_older_releases(osrel, curthread):
    kd = kernel()
    lay = ddb.Layout(spec_of(MEMBERS), osrel, vimage=False)
    lines = ddb.summary_lines(ddb.Snapshot.read(kd, lay, [1]), lay, 1)
    assert lines[2] == curthread
    assert lines[4] == 'fpcurthread  = 0xd100: pid 1234 "doadump"'
    assert not any(l.startswith("curvnet") for l in lines)


def test_arm64_has_no_md_lines_and_fpcurthread_none():
    members = dict(MEMBERS, pcpu=ARM64_PCPU)
    pc = dict.fromkeys(ARM64_PCPU, 0)
    pc.update(tag="pcpu", pc_cpuid=0, pc_curthread=0xd000,
              pc_idlethread=0xd000, pc_midr=0x410fd083)
    kd = FakeKvm(members, {0xa000: pc,
                           0xd000: thread(100003, "idle: cpu0", 0xe000),
                           0xe000: {"tag": "proc", "p_pid": 11}}, {0: 0xa000})
    lay = ddb.Layout(spec_of(members), 1500068, vimage=False)
    assert lay.arch == "arm64" and lay.md == ()
    assert ddb.summary_lines(ddb.Snapshot.read(kd, lay, [0]), lay, 0) == [
        "cpuid        = 0",
        "dynamic pcpu = 0",
        'curthread    = 0xd000: pid 11 tid 100003 critnest 0 "idle: cpu0"',
        "curpcb       = 0",
        "fpcurthread  = none",
        'idlethread   = 0xd000: tid 100003 "idle: cpu0"',
    ]


def test_unreadable_threads_and_processes():
    kd = kernel()
    kd.structs[0xa000]["pc_fpcurthread"] = 0xdead0
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=True)
    snap = ddb.Snapshot.read(kd, lay, [0, 3])
    assert ddb.summary_lines(snap, lay, 3)[2] == (
        "curthread    = 0xd300: <error: cannot read struct proc at 0xe300>")
    assert ddb.summary_lines(snap, lay, 0)[4] == (
        "fpcurthread  = 0xdead0: <error: cannot read struct thread at 0xdead0>")


def test_absent_and_unreadable_cpus():
    kd = kernel()
    kd.pcpus[2] = 0xbad00
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=False)
    snap = ddb.Snapshot.read(kd, lay, [2, 3])
    with pytest.raises(KvmError, match=r"cannot read struct pcpu of CPU 2 "):
        ddb.summary_lines(snap, lay, 2)
    del kd.pcpus[2]
    snap = ddb.Snapshot.read(kd, lay, [2])
    with pytest.raises(CpuAbsentError, match=r"\ACPU 2 not found\Z"):
        ddb.summary_lines(snap, lay, 2)
    assert ddb.block(snap, lay, 2) == "CPU 2 not found"
    # A Snapshot of plain values, without the core, says so too.
    alone = ddb.Snapshot({5: 0xa500}, {0xa500: None}, {}, {})
    assert ddb.block(alone, lay, 5) == "cannot read struct pcpu of CPU 5"


def test_show_allpcpu_listing():
    kd = kernel()
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=False)
    head = ddb.current_cpu_line(1)
    assert head == "Current CPU: 1"
    texts = list(ddb.listing(kd, lay, [0, 2, 1], head))
    assert texts[:2] == ["Current CPU: 1", ""]
    assert texts[2].splitlines()[0] == "cpuid        = 0"
    assert texts[3:6] == ["", "CPU 2 not found", ""]
    assert texts[6].splitlines()[:2] == ["cpuid        = 1",
                                         "dynamic pcpu = 0x1000"]
    assert texts[7:] == [""]
    assert ddb.current_cpu_line(None, KvmError("no default\nCPU")) == \
        "Current CPU: none (no default; CPU)"


def test_long_listings_read_in_chunks():
    pcpus = {cpu: 0x100000 + cpu * 0x100 for cpu in range(600)}
    structs = {addr: amd64_pcpu(cpu, 0, 0) for cpu, addr in pcpus.items()}
    kd = FakeKvm(MEMBERS, structs, pcpus, maxcpus=1024)
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=False)
    checks = []
    blocks = [t for t in ddb.listing(kd, lay, list(range(600)), None,
                                     lambda: checks.append(1)) if t]
    assert len(blocks) == 600 and len(checks) == 3      # 256 + 256 + 88
    assert blocks[599].splitlines()[2] == "curthread    = none"


# --- pcpu -l ----------------------------------------------------------------------

def test_cpu_table_and_its_text():
    kd = kernel()
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=False)
    doc = ddb.cpu_table(kd, lay, [3, 0, 2], 100100)
    # CPU 1 is read too, to find the dumping thread, but not listed.
    assert doc["dump_cpu"] == 1 and [r["cpu"] for r in doc["cpus"]] == [3, 0, 2]
    assert doc["present"] == [0, 1, 3] and doc["present_list"] == "0-1,3"
    assert doc["cpus"][1] == {"cpu": 0, "curthread": "0xd000", "tid": 100003,
                              "pid": 11, "critnest": 0, "name": "idle: cpu0",
                              "idle": True}
    assert doc["cpus"][2] == {"cpu": 2, "error": "CPU 2 not found"}
    assert json.loads(ddb.table_json(doc)) == doc
    assert ddb.table_text(doc).splitlines() == [
        "CPUs 0-1,3 (mp_ncpus 3, mp_maxid 3, mp_maxcpus 4)",
        "dumping thread: tid 100100 on CPU 1",
        "CPU      TID    PID CRIT IDLE NAME",
        "  3   100300      -    0 no   lost",
        "  0   100003     11    0 yes  idle: cpu0",
        "  2  CPU 2 not found",
    ]


def test_table_without_a_dumping_thread():
    kd = kernel()
    kd.structs[0xa000]["pc_curthread"] = 0
    kd.structs[0xa100]["pc_curthread"] = 0xbeef0
    lay = ddb.Layout(spec_of(MEMBERS), 1500068, vimage=False)
    for dumptid, line in ((0, ["dumping thread: none (dumptid is 0)"]),
                          (None, []), (99, ["dumping thread: tid 99 on no CPU"])):
        text = ddb.table_text(ddb.cpu_table(kd, lay, [0, 1], dumptid))
        assert text.splitlines() == [
            "CPUs 0-1,3 (mp_ncpus 3, mp_maxid 3, mp_maxcpus 4)"] + line + [
            "CPU      TID    PID CRIT IDLE NAME",
            "  0        -      -    - no   none",
            "  1  0xbeef0: <error: cannot read struct thread at 0xbeef0>"]


def test_table_cpu_column_widens():
    row = {"cpu": 1023, "curthread": "0xd000", "tid": 100003, "pid": 11,
           "critnest": 0, "name": "idle", "idle": True}
    assert ddb.row_text(row, 4) == "1023   100003     11    0 yes  idle"


# --- show dpcpu_off -----------------------------------------------------------

def test_dpcpu_off_line():
    assert ddb.dpcpu_off_line(1, 0x1f000, 0xffffffff81e00000, 8) == \
        "dpcpu_off[ 1] = 0x1f000 (+ DPCPU_START = 0xffffffff81e1f000)"
    assert ddb.dpcpu_off_line(12, 0, 0, 8) == \
        "dpcpu_off[12] = 0x0 (+ DPCPU_START = 0)"
    # The sum wraps at the target's pointer size.
    assert ddb.dpcpu_off_line(0, 0x80000000, 0x80001000, 4) == \
        "dpcpu_off[ 0] = 0x80000000 (+ DPCPU_START = 0x1000)"


# --- One implementation -----------------------------------------------------------

def test_ddb_text_lives_only_in_ddb_py():
    """The tables and the text of ddb's output are written once: neither
    the GDB command nor the command line carries a copy."""
    marks = ('"pc_smp_tlb_done"', '"pc_saved_ucr3"', '"%-13s= "', "MD_LINES",
             '"Current CPU: %d"', '"dumping thread: tid %d %s"',
             'critnest %s "%s"', '"%s  %7s %6s %4s %-4s %s"')
    for path in PACKAGE.glob("*.py"):
        if path.name != "ddb.py":
            text = path.read_text()
            assert not [m for m in marks if m in text], path.name
    for name in ("cli.py", "elfkernel.py"):
        assert "dpcpu_off[%2d]" not in (PACKAGE / name).read_text()
    source = (PACKAGE / "ddb.py").read_text()
    assert not re.search(r"^\s*(import gdb|from \S+ import .*\bgdb\b)", source,
                         re.M)
    for word in ("read_memory", "import struct", "from_bytes", "unpack"):
        assert word not in source
