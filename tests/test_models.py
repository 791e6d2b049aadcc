"""The GDB-free models that the GDB commands and the command line share:
counters.py (counter-fetch), vnets.py (the network stacks), dpcpufmt.py
(dpcpu-print's lines) and intfmt.py, without GDB or a dump: plain values
through a small stand-in for the core's handle.  Then the layering: each
output is written in one module, no face imports another, and nothing in
the package encodes or decodes bytes."""

import re

import pytest

from conftest import ROOT
from kgdb_pcpu import counters, dpcpufmt, intfmt, vnets
from kgdb_pcpu._kvm import CpuAbsentError, FaultError, NullCounterError
from kgdb_pcpu.modelerror import ModelError

PACKAGE = ROOT / "gdb" / "kgdb_pcpu"
NULL = "counter is NULL (not allocated)"


class Core:
    """The Kvm calls the models make, over plain values: present CPUs,
    counters {base: {cpu: slot}} (None: unreadable), and memory {address:
    {offset: value}} for read_pointers, walk_list and read_fields."""

    def __init__(self, present=(0, 1, 2, 3), counters_=None, memory=None):
        self.present = list(present)
        self.counters = counters_ or {}
        self.memory = memory or {}
        self.calls = []

    # CPUs
    def cpus(self):
        return list(self.present)

    def getmaxcpu(self):
        return 256

    def pcpu_addr(self, cpu):
        return 0x1000 + cpu if cpu in self.present else None

    # counter(9)
    def _slots(self, base):
        if base == 0:
            raise NullCounterError(NULL)
        return self.counters[base]

    def counter_u64_fetch(self, base):
        slots = self._slots(base)
        if None in slots.values():
            raise FaultError("cannot read counter slot")
        return sum(slots.values()) & ((1 << 64) - 1)

    def counter_u64_fetch_array(self, bases):
        return [self.counter_u64_fetch(b) for b in bases]

    def counter_u64_fetch_partial(self, bases):
        missing = sorted({c for b in bases for c, v in self._slots(b).items()
                          if v is None})
        return ([sum(v for c, v in self._slots(b).items() if c not in missing)
                 & ((1 << 64) - 1) for b in bases], missing)

    def counter_u64_slots(self, base, cpus=None):
        self.calls.append(("slots", base, list(cpus)))
        return [(c, self._slots(base)[c]) for c in cpus]

    # memory
    def read_pointers(self, addr, count):
        return [self.memory[addr][0]] * count

    def walk_list(self, first, next_offset, limit=1000000):
        out = []
        while first:
            out.append(first)
            first = self.memory[first][next_offset]
        return out

    def read_fields(self, addrs, fields):
        self.calls.append(("read_fields", list(addrs)))
        return [tuple(self.memory[a][off] for off, _size, _kind in fields)
                if a in self.memory else None for a in addrs]


# --- counters.py ------------------------------------------------------------

SLOTS = {0xa: {0: 10, 1: (1 << 64) - 5, 2: 7, 3: 0},
         0xb: {0: 1, 1: 2, 2: 3, 3: 4}}


def test_counter_names_and_null_counters():
    one = counters.Counters("vm_cnt.v_swtch", "one", ["vm_cnt.v_swtch"], [0])
    arr = counters.Counters("tcpstat", "array", ["[0]", "[1]"], [0xa, 0])
    view = counters.Counters("$vm", "struct", ["v_swtch", "v_trap"], [0xa, 0xb])
    assert one.name(0) == "vm_cnt.v_swtch"
    assert arr.name(1) == "tcpstat[1]" and view.name(1) == "$vm.v_trap"
    with pytest.raises(ModelError) as err:
        counters.sums(Core(counters_=SLOTS), arr, False)
    assert str(err.value) == "tcpstat[1]: " + NULL
    with pytest.raises(ModelError, match=r"^vm_cnt\.v_swtch: counter is NULL"):
        counters.sums(Core(counters_=SLOTS), one, True)
    assert isinstance(err.value, ValueError)   # one line in GDB and the CLI


def test_sums_strict_and_partial():
    kd = Core(counters_={0xa: SLOTS[0xa], 0xc: {0: 5, 1: None, 2: 6, 3: None}})
    arr = counters.Counters("x", "array", ["[0]", "[1]"], [0xa, 0xc])
    with pytest.raises(FaultError):         # the core's error, unchanged
        counters.sums(kd, arr, False)
    assert counters.sums(kd, arr.__class__("x", "one", ["x"], [0xa]),
                         False) == ([12], [])
    assert counters.sums(kd, arr, True) == ([10 + 7 + 0, 11], [1, 3])


def test_slots_are_signed_and_unreadable_cpus_none():
    kd = Core(counters_=SLOTS)
    found = counters.Counters("x", "one", ["x"], [0xa])
    assert counters.slots(kd, found, 0, [0, 1, 2, 3], []) == \
        [(0, 10), (1, -5), (2, 7), (3, 0)]
    # CPUs -partial left out are not asked for, and show as None.
    assert counters.slots(kd, found, 0, [3, 2, 1], [2]) == \
        [(3, 0), (2, None), (1, -5)]
    assert kd.calls[-1] == ("slots", 0xa, [3, 1])


def test_select_sort_and_top():
    rows = [(0, 3), (1, None), (2, 9), (3, -4), (4, 9)]
    assert counters.select(rows, False, None) == rows
    assert counters.select(rows, True, None) == \
        [(2, 9), (4, 9), (0, 3), (3, -4), (1, None)]
    assert counters.select(rows, False, 2) == [(2, 9), (4, 9)]
    assert counters.select(rows, True, 10)[-1] == (1, None)


def test_shown_cpus():
    kd = Core(present=[0, 2, 5])
    assert counters.shown_cpus(kd, None, False) is None
    assert counters.shown_cpus(kd, None, True) == [0, 2, 5]
    assert counters.shown_cpus(kd, [5, 0], False) == [5, 0]
    with pytest.raises(CpuAbsentError, match="^CPU 1 not found$"):
        counters.shown_cpus(kd, [1], True)


def test_slot_lines_text():
    rows = [(0, 10), (1, -5), (12, None)]
    assert counters.slot_lines(rows, 5, None, 10, "", 10) == [
        "cpu  0:         10 200.0% ##########",
        "cpu  1:         -5 -100.0% -----",
        "cpu 12: unreadable"]
    # A sum the slots' wrap-around makes small, the radix, no bars.
    assert counters.slot_lines([(3, -1)], (1 << 64) - 1, None, 16, "  ", 0) == \
        ["  cpu 3: 0xffffffffffffffff 100.0%"]
    assert counters.slot_lines([(0, 0)], 0, "x", 10, "", 30) == \
        ["cpu 0: 0x0      -"]


def test_lines_of_one_counter_an_array_and_a_struct():
    kd = Core(counters_=SLOTS)
    one = counters.Counters("c", "one", ["c"], [0xa])
    totals, missing = counters.sums(kd, one, False)
    rows = counters.rows_of(kd, one, [1, 0], missing, sort=True)
    assert list(counters.lines(one, totals, missing, rows, history=7)) == [
        "cpu 0: 10  83.3% " + "#" * 30, "cpu 1: -5 -41.7% " + "-" * 15,
        "$7 = 12"]
    view = counters.Counters("vm", "struct", ["a", "b[0]"], [0xa, 0xb],
                             [("v_page_size", "4096")])
    totals, missing = counters.sums(kd, view, False)
    none = counters.rows_of(kd, view, None, missing)
    assert list(counters.lines(view, totals, missing, none, "x")) == \
        ["a = 0xc", "b[0] = 0xa", "v_page_size = 4096"]
    rows = counters.rows_of(kd, view, [3], missing)
    assert list(counters.lines(view, totals, [2, 3], rows)) == [
        "partial: CPUs 2-3 left out (unreadable)", "a = 12", "  cpu 3: 0   0.0%",
        "b[0] = 10", "  cpu 3: 4  40.0% " + "#" * 30, "v_page_size = 4096"]
    assert counters.partial_line([5]) == "partial: CPU 5 left out (unreadable)"


def test_json_document():
    kd = Core(counters_=SLOTS)
    arr = counters.Counters("t", "array", ["[0]", "[1]"], [0xa, 0xb])
    totals, missing = counters.sums(kd, arr, False)
    doc = counters.document(arr, totals, missing,
                            counters.rows_of(kd, arr, [0, 1], missing, top=1),
                            False, "web")
    assert doc == {"expression": "t", "partial": False, "missing_cpus": [],
                   "vnet": "web", "counters": [
                       {"name": "[0]", "sum": 12,
                        "cpus": [{"cpu": 0, "value": 10, "share": 83.333}]},
                       {"name": "[1]", "sum": 10,
                        "cpus": [{"cpu": 1, "value": 2, "share": 20.0}]}]}
    view = counters.Counters("vm", "struct", ["a"], [0xa], [("n", "1")])
    doc = counters.document(view, [0], [1], lambda i: [(1, None)], True)
    assert doc["counters"] == [{"name": "a", "sum": 0,
                                "cpus": [{"cpu": 1, "value": None, "share": None}]}]
    assert doc["members"] == [{"name": "n", "value": "1"}] and "vnet" not in doc


# --- vnets.py ---------------------------------------------------------------

VNET0, WEB, DB, ODD = 0x100, 0x200, 0x300, 0x400
MAGIC = vnets.MAGIC


def vimage(magic=MAGIC, shutdown=True, jail_names=("web", "db")):
    """A kernel with vnet0, two more stacks on vnet_head (newest first) and
    jails on allprison: struct vnet {next @0, data_base @8, magic @16},
    struct prison {next @0, name @8, vnet @16}."""
    memory = {
        0x10: {0: VNET0},                     # vnet0
        0x20: {0: DB},                        # vnet_head.lh_first
        0x30: {0: 0x1000},                    # allprison.tqh_first
        VNET0: {0: 0, 8: 0xb000, 16: magic},
        WEB: {0: VNET0, 8: 0xb100, 16: magic},
        DB: {0: WEB, 8: 0xb200, 16: magic},
        ODD: {0: 0, 8: 0xb300, 16: 0x12345678},
        0x1000: {0: 0x1100, 8: jail_names[0], 16: WEB},
        0x1100: {0: 0x1200, 8: jail_names[1], 16: DB},
        0x1200: {0: 0, 8: "nonet", 16: 0},
        0x40: {8: "0"},                       # prison0
    }
    layout = vnets.Layout(vnet0=0x10, vnet_head=0x20, vnet_next=0,
                          data_base=(8, 8, "u"), magic=(16, 4, "u"),
                          has_shutdown=shutdown, allprison=0x30, pr_next=0,
                          pr_name=(8, 256, "s"), pr_vnet=(16, 8, "u"),
                          prison0=0x40)
    return vnets.Vnets(Core(memory=memory), layout)


def test_magic_by_era():
    assert vnets.expected_magic(True) == 0x5e4a6f28
    assert vnets.expected_magic(False) == 0x3e0d8f29
    assert vimage(magic=0x3e0d8f29, shutdown=False).data_base(WEB) == 0xb100
    with pytest.raises(ModelError) as err:
        vimage(magic=0x3e0d8f29, shutdown=True).data_base(WEB)
    assert str(err.value) == ("0x200 is not a struct vnet (vnet_magic_n is "
                              "0x3e0d8f29, not 0x5e4a6f28)")


def test_data_base_checks():
    v = vimage()
    assert v.data_base(DB) == 0xb200
    with pytest.raises(ModelError, match="^the vnet is NULL$"):
        v.data_base(0)
    with pytest.raises(ModelError, match="^0x999 is not a struct vnet: cannot"):
        v.data_base(0x999)
    with pytest.raises(ModelError, match=r"vnet_magic_n is 0x12345678"):
        v.stack_at(ODD)


def test_stacks_jails_and_vnet_list():
    v = vimage()
    assert v.vimage and v.base() == VNET0
    assert v.jails() == [("web", WEB), ("db", DB), ("nonet", 0)]
    assert [(s.address, s.data_base) for s in v.stacks()] == \
        [(VNET0, 0xb000), (WEB, 0xb100), (DB, 0xb200)]
    assert [vnets.list_line(s) for s in v.stacks()] == [
        "0x100 vnet_data_base 0xb000 vnet0", "0x200 vnet_data_base 0xb100 web",
        "0x300 vnet_data_base 0xb200 db"]
    # An unreadable struct vnet, a stack no jail uses.
    lost = vnets.Stack(v, 0x999, None)
    assert vnets.list_line(lost) == "0x999 vnet_data_base ? -"
    with pytest.raises(ModelError, match="^0x999 is not a struct vnet: cannot"):
        lost.checked_base()
    assert v.stacks()[1].checked_base() == 0xb100
    # The lists are read once.
    reads = len(v.kd.calls)
    v.stacks()
    v.jails()
    assert len(v.kd.calls) == reads


def test_resolve_and_default():
    v = vimage()
    assert v.resolve("db").address == DB and v.resolve("db").name() == "db"
    assert v.resolve(" vnet0 ").address == VNET0
    assert v.resolve("0").address == VNET0                # prison0's name
    assert v.resolve("0x200").name() == "web"
    with pytest.raises(ModelError, match='^jail "nonet" has no vnet$'):
        v.resolve("nonet")
    with pytest.raises(ModelError) as err:
        v.resolve("mail")
    assert str(err.value) == ('No jail named "mail" (vnets: vnet0, web, db, '
                              'nonet, or a struct vnet address)')
    with pytest.raises(ModelError, match="^a VNET is required"):
        v.resolve("  ")
    # A jail named vnet0 wins, as FreeBSD's $V looks in allprison first.
    assert vimage(jail_names=("vnet0", "db")).resolve("vnet0").address == WEB
    assert v.default(DB).address == DB
    assert v.default(0).address == VNET0 and v.default(None).name() == "vnet0"


def test_not_vimage():
    v = vnets.Vnets(Core(), vnets.Layout())
    assert not v.vimage and v.jails() == []
    with pytest.raises(ModelError, match='^No symbol "vnet0" in the kernel.$'):
        v.stacks()
    assert vnets.is_address(" 0x10 ") and not vnets.is_address("web")


# --- dpcpufmt.py ------------------------------------------------------------

def test_dpcpu_lines():
    assert dpcpufmt.line(3, "1017") == "cpu 3: 1017"
    assert dpcpufmt.line(1, None, "why") == "cpu 1: <error: why>"
    assert dpcpufmt.unreadable("pcpu_entry_x", 1, 4, 0xdead) == \
        "cannot read CPU 1's copy of pcpu_entry_x (4 bytes at 0xdead)"


def test_dpcpu_stats():
    st = dpcpufmt.Stats([(3, 7), (0, -2), (1, 7), (2, -2)], [5, 6])
    show = "v{}".format
    assert st.lines(None, 10, show) == ["total: 10 (partial: CPU 5-6 unreadable)",
                                        "min: v0 (cpu 0)", "max: v3 (cpu 3)"]
    assert st.document() == {"total": 10, "partial": [5, 6],
                             "min": {"cpu": 0, "value": -2},
                             "max": {"cpu": 3, "value": 7}}
    neg = dpcpufmt.Stats([(0, -3)], [])
    assert neg.lines("x", 10, show)[0] == "total: 0xfffffffffffffffd"
    # A letter print does not apply to a sum (c): output-radix's way.
    assert neg.lines("c", 16, show)[0] == "total: 0xfffffffffffffffd"
    assert neg.lines(None, 10, show)[0] == "total: -3"
    big = dpcpufmt.Stats([(0, (1 << 64) - 1), (1, 2)], [])
    assert big.lines("z", 10, show)[0] == "total: 0x%032x" % ((1 << 64) + 1)
    empty = dpcpufmt.Stats([], [1])
    assert empty.lines(None, 10, show) == ["total: 0 (partial: CPU 1 unreadable)"]
    assert empty.document() == {"total": 0, "partial": [1]}


def test_dpcpu_document():
    values = [(0, 1000, None), (2, None, "CPU 2 not found"), (1, "{a = 1}", None)]
    doc = dpcpufmt.document("pcpu_entry_x", ".a", values,
                            dpcpufmt.Stats([(0, 1000)], []), "int")
    assert list(doc) == ["variable", "path", "type", "cpus", "total", "min", "max"]
    assert doc["cpus"] == [{"cpu": 0, "value": 1000},
                           {"cpu": 2, "error": "CPU 2 not found"},
                           {"cpu": 1, "value": "{a = 1}"}]
    assert dpcpufmt.document("x", "", []) == {"variable": "x", "path": "",
                                              "cpus": []}


def test_intfmt():
    assert intfmt.integer(255, None, 1, True) == "-1"
    assert intfmt.integer(8, None, radix=8) == "010"
    assert intfmt.signed64((1 << 64) - 1) == -1
    assert intfmt.share(1, 0) == "-" and intfmt.share(20, 1) == ">999%"
    assert intfmt.bar(-1, 100, 10) == "-" and intfmt.bar(5, 10, 0) == ""


# --- One implementation of each output; the layers. ------------------------

# Text that exactly one module writes.
MARKS = {
    "counters.py": ('"partial: CPU%s', '"%scpu %*d: %*s"',
                    '"missing_cpus": missing'),
    "vnets.py": ("vnet_data_base %s", "0x5e4a6f28", "0x3e0d8f29",
                 "is not a struct vnet", "No jail named \\\"%s\\\" (vnets"),
    "dpcpufmt.py": ('"total: %s"', "(partial: CPU %s unreadable)",
                    '"cpu %d: <error: %s>"', "copy of %s ("),
    "ddb.py": ("dpcpu_off[%2d]", '"0x%x" % value if value else "0"'),
    "intfmt.py": ("def integer(", "def bar(", "def share(", "def signed64("),
}


def sources():
    return {p.name: p.read_text() for p in PACKAGE.glob("*.py")}


def test_each_output_is_written_once():
    texts = sources()
    for owner, marks in MARKS.items():
        for mark in marks:
            assert mark in texts[owner], (owner, mark)
            others = [n for n, t in texts.items() if n != owner and mark in t]
            assert not others, (mark, others)


def test_shared_models_need_no_gdb():
    texts = sources()
    for name in ("counters.py", "vnets.py", "dpcpufmt.py", "modelerror.py",
                 "intfmt.py", "elfvnet.py", "elfcounter.py"):
        imports = re.findall(r"^[ \t]*(?:from \S+ )?import .*$", texts[name],
                             re.M)
        assert not [l for l in imports if re.search(r"\bgdb\b", l)], name
        assert not [l for l in imports if re.search(r"\b(cmd|fn)_\w+|\bcli\b", l)], name


def test_no_face_imports_another_face():
    """commands.py loads the GDB faces and __main__.py runs the command
    line's; no other module imports a face (a face imports the model)."""
    for name, text in sources().items():
        if name in ("commands.py", "__main__.py"):
            continue
        imports = re.findall(r"^[ \t]*(?:from \S+ )?import .*$", text, re.M)
        faces = [l for l in imports if re.search(r"\b(cmd|fn)_\w+|\bcli\b", l)]
        assert not faces, (name, faces)


def test_nothing_encodes_or_decodes_bytes():
    for name, text in sources().items():
        for word in ("to_bytes", "from_bytes", "import struct", "unpack(",
                     "byteorder)"):
            assert word not in text, (name, word)


@pytest.mark.parametrize("name", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_files_are_small(name):
    assert len((PACKAGE / name).read_text().splitlines()) < 500, name
