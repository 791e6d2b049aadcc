"""What a command reads, counted by GDB itself ("set debug target 1").

The handle reads cpuid_to_pcpu, dpcpu_off and each CPU's pc_zpcpu_offset in
bulk once, and keeps them until the target runs or changes: a command right
after another reads none of them again, only the values it shows.  Read
COUNTS are asserted here, never times (make bench measures those), and only
of the reads a command makes for what it shows: GDB reads memory of its own
now and then (program headers of the core, for one), which is not counted.
"""

import re

import pytest

from conftest import run_gdb

XFER = re.compile(r":target_xfer_partial \(([1-4]), [^,]*, [^,]*, [^,]*, "
                  r"(0x[0-9a-f]+), (\d+)\)")


def reads(path):
    """(address, length) of every memory transfer GDB logged in path."""
    with open(path, errors="replace") as f:
        return [(int(m.group(2), 16), int(m.group(3)))
                for m in XFER.finditer(f.read())]


def logged(path, commands):
    """Steps running commands with GDB's target debug log in path."""
    return (["set logging file %s" % path, "set logging overwrite on",
             "set logging redirect on", "set logging debugredirect on",
             "set logging enabled on", "set debug target 1"]
            + list(commands)
            + ["set debug target 0", "set logging enabled off"])


def overlaps(read, lo, hi):
    addr, size = read
    return addr < hi and lo < addr + size


def reads_of(path, spans):
    """The reads logged in path that touch any (address, size) of spans."""
    return [r for r in reads(path)
            if any(overlaps(r, a, a + n) for a, n in spans)]


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


@pytest.fixture(scope="module")
def run(dump, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cache")
    logs = {name: str(tmp / ("%s.log" % name))
            for name in ("counter", "array", "dpcpu", "pcpu", "all",
                         "cleared", "first")}
    steps = [
        ("tables", "python import kgdb_pcpu; kd = kgdb_pcpu.kvm(); "
                   "print((int(gdb.parse_and_eval('(unsigned long)&cpuid_to_pcpu')), "
                   "int(gdb.parse_and_eval('(unsigned long)&dpcpu_off')), "
                   "kd.getmaxcpu(), "
                   "[kd.pcpu_addr(c) for c in kd.cpus()], "
                   "kgdb_pcpu.target.current().pcpu_fields['pc_zpcpu_offset'], "
                   "[gdb.lookup_type(t).sizeof for t in ('struct pcpu', "
                   "'struct thread', 'struct proc')], "
                   "gdb.parse_and_eval('tcpstat').type.sizeof))"),
        ("first", logged(logs["first"], ["counter-fetch vm_cnt.v_swtch"])),
        ("warm", ["dpcpu-print dpcpu_int", "pcpu all", "counter-fetch tcpstat"]),
        ("counter", logged(logs["counter"], ["counter-fetch vm_cnt.v_swtch"])),
        ("array", logged(logs["array"], ["counter-fetch tcpstat"])),
        ("dpcpu", logged(logs["dpcpu"], ["dpcpu-print dpcpu_int"])),
        ("pcpu", logged(logs["pcpu"], ["pcpu all"])),
        ("all", logged(logs["all"], ["counter-fetch vm_cnt.v_swtch",
                                     "dpcpu-print dpcpu_int", "pcpu all",
                                     "pcpu 2", "print $dpcpu(\"dpcpu_int\", 1)",
                                     "print $counter(vm_cnt.v_swtch)"])),
        # What gdb.events.cont and memory_changed call: the tables go.
        ("cleared", ["python kgdb_pcpu.target.invalidate()"]
         + logged(logs["cleared"], ["counter-fetch vm_cnt.v_swtch"])),
    ]
    result = run_gdb(dump, steps)
    c2p, offs, maxcpus, pcpus, zoff, sizes, tcpstat_size = \
        eval(result.out("tables").strip())
    arrays = [(c2p, c2p + 8 * maxcpus), (offs, offs + 8 * maxcpus)]
    # pcpu all reads pc_zpcpu_offset inside the span of the one struct pcpu
    # it prints: not a table read.
    offsets = {(p + zoff, 8) for p in pcpus}
    layout = dict(zip(("pcpu", "thread", "proc"), sizes), tcpstat=tcpstat_size,
                  pcpus=pcpus)
    return result, logs, (arrays, offsets), layout


def table_reads(log, tables):
    """Reads of the tables: of cpuid_to_pcpu or dpcpu_off, or from a CPU's
    pc_zpcpu_offset on (one CPU's alone, or several CPUs' at once: on a core
    file the core merges nearby reads, native/kp_gather.c).  A read of whole
    struct pcpus begins at a struct pcpu, not at its pc_zpcpu_offset."""
    arrays, offsets = tables
    starts = {a for a, _n in offsets}
    return [r for r in reads(log)
            if r[0] in starts or any(overlaps(r, lo, hi) for lo, hi in arrays)]


def test_first_command_reads_the_tables(dump, run):
    _result, logs, tables, _layout = run
    assert table_reads(logs["first"], tables)


@pytest.mark.parametrize("name", ["counter", "array", "dpcpu", "pcpu", "all"])
def test_a_command_after_another_reads_no_table_again(dump, run, name):
    _result, logs, tables, _layout = run
    assert reads(logs[name]), "nothing logged"
    assert table_reads(logs[name], tables) == []


def test_counter_fetch_reads_its_expression_then_the_slots_together(dump, run):
    _result, logs, _tables, _layout = run
    # The counter's pointer (vm_cnt.v_swtch), then, on a core file, one read
    # spanning every CPU's slot (4 pages apart: well inside the read window).
    counter = dump.truth["counters"]["vm_cnt.v_swtch"]
    slots = counter["slot_addrs"].values()
    got = reads_of(logs["counter"], [(counter["addr"], 8)] + [(a, 8) for a in slots])
    assert got == [(counter["addr"], 8),
                   (min(slots), max(slots) + 8 - min(slots))]


def test_counter_array_reads_no_more_than_the_pages_it_touches(dump, run):
    _result, logs, _tables, layout = run
    array = dump.truth["counter_arrays"]["tcpstat"]
    slots = [a for e in array["elements"] for a in e["slot_addrs"].values()]
    pages = {a // 4096 for a in slots}
    # The array of pointers, then each CPU's slots page by page.
    got = reads_of(logs["array"], [(array["addr"], layout["tcpstat"])]
                   + [(a, 8) for a in slots])
    assert 2 <= len(got) <= len(pages) + 1
    assert got[0] == (array["addr"], layout["tcpstat"])


def test_dpcpu_print_reads_at_most_one_value_per_cpu(dump, run):
    _result, logs, _tables, _layout = run
    # On a core file the core merges the CPUs' reads that lie within its
    # read window (native/kp_gather.c); a hole between areas splits them.
    values = dump.truth["dpcpu"]["dpcpu_int"]
    addrs = [values["template_addr"] + dump.truth["dpcpu_off"][str(cpu)]
             for cpu in dump.present()]
    got = reads_of(logs["dpcpu"], [(a, 4) for a in addrs])
    assert 1 <= len(got) <= len(dump.present())
    for addr in addrs:
        assert any(a <= addr and addr + 4 <= a + n for a, n in got), hex(addr)


def test_cleared_handle_reads_the_tables_again(dump, run):
    _result, logs, tables, _layout = run
    assert table_reads(logs["cleared"], tables)


def test_pcpu_all_reads_pcpus_threads_and_processes_together(dump, run):
    _result, logs, _tables, layout = run
    truth = dump.truth
    cpus = [truth["pcpu"][str(c)] for c in dump.present()]
    threads = {pc[f] for pc in cpus
               for f in ("curthread", "fpcurthread", "idlethread") if pc[f]}
    # The pid is shown for curthread and fpcurthread, not for idlethread.
    procs = {truth["threads"][str(td)]["proc"] for pc in cpus
             for td in (pc["curthread"], pc["fpcurthread"]) if td}
    procs.discard(0)
    spans = ([(a, layout["pcpu"]) for a in layout["pcpus"]]
             + [(td, layout["thread"]) for td in threads]
             + [(p, layout["proc"]) for p in procs])
    got = reads_of(logs["pcpu"], spans)
    for addr, size in spans:
        assert any(overlaps(r, addr, addr + size) for r in got), hex(addr)
    # The fields of every struct pcpu, then of every thread shown, then of
    # every process: on a core file each kind is one read, for the fixture
    # puts each kind within the core's read window (native/kp_gather.c).
    assert len(got) <= 3, got
