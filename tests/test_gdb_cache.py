"""What a command reads, counted by GDB itself ("set debug target 1").

The handle reads cpuid_to_pcpu, dpcpu_off and each CPU's pc_zpcpu_offset in
bulk once, and keeps them until the target runs or changes: a command right
after another reads none of them again, only the values it shows.  Read
COUNTS are asserted here, never times (make bench measures those).
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


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


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
                   "kgdb_pcpu.target.current().pcpu_fields['pc_zpcpu_offset']))"),
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
        ("cleared", ["python kgdb_pcpu.target.clear_cache()"]
         + logged(logs["cleared"], ["counter-fetch vm_cnt.v_swtch"])),
    ]
    result = run_gdb(dump, steps)
    c2p, offs, maxcpus, pcpus, zoff = eval(result.out("tables").strip())
    arrays = [(c2p, c2p + 8 * maxcpus), (offs, offs + 8 * maxcpus)]
    # pcpu all reads pc_zpcpu_offset inside the span of the one struct pcpu
    # it prints: not a table read.
    offsets = {(p + zoff, 8) for p in pcpus}
    return result, logs, (arrays, offsets)


def table_reads(log, tables):
    """Reads of the tables: of cpuid_to_pcpu or dpcpu_off, of one CPU's
    pc_zpcpu_offset alone, or of several CPUs' at once (on a core file the
    core merges nearby reads, native/kp_gather.c)."""
    arrays, offsets = tables

    def zpcpu_offsets(r):
        return r in offsets or sum(overlaps(r, a, a + n) for a, n in offsets) > 1

    return [r for r in reads(log)
            if zpcpu_offsets(r) or any(overlaps(r, lo, hi) for lo, hi in arrays)]


def test_first_command_reads_the_tables(dump, run):
    _result, logs, tables = run
    assert table_reads(logs["first"], tables)


@pytest.mark.parametrize("name", ["counter", "array", "dpcpu", "pcpu", "all"])
def test_a_command_after_another_reads_no_table_again(dump, run, name):
    _result, logs, tables = run
    assert reads(logs[name]), "nothing logged"
    assert table_reads(logs[name], tables) == []


def test_counter_fetch_reads_its_expression_then_the_slots_together(dump, run):
    _result, logs, _tables = run
    # The counter's pointer (vm_cnt.v_swtch), then, on a core file, one read
    # spanning every CPU's slot (4 pages apart: well inside the read window).
    got = reads(logs["counter"])
    assert len(got) == 2
    slots = dump.truth["counters"]["vm_cnt.v_swtch"]["slot_addrs"].values()
    assert got[1] == (min(slots), max(slots) + 8 - min(slots))


def test_counter_array_reads_no_more_than_the_pages_it_touches(dump, run):
    _result, logs, _tables = run
    slots = dump.truth["counter_arrays"]["tcpstat"]["elements"]
    pages = {a // 4096 for e in slots for a in e["slot_addrs"].values()}
    # The array of pointers, then each CPU's slots page by page.
    assert len(reads(logs["array"])) <= len(pages) + 1


def test_dpcpu_print_reads_at_most_one_value_per_cpu(dump, run):
    _result, logs, _tables = run
    # On a core file the core merges the CPUs' reads that lie within its
    # read window (native/kp_gather.c); a hole between areas splits them.
    got = reads(logs["dpcpu"])
    assert 1 <= len(got) <= len(dump.present())
    values = dump.truth["dpcpu"]["dpcpu_int"]
    for cpu in dump.present():
        addr = values["template_addr"] + dump.truth["dpcpu_off"][str(cpu)]
        assert any(a <= addr and addr + 4 <= a + n for a, n in got), cpu


def test_cleared_handle_reads_the_tables_again(dump, run):
    _result, logs, tables = run
    assert table_reads(logs["cleared"], tables)


def test_pcpu_all_reads_each_pcpu_thread_and_process_once(dump, run):
    _result, logs, _tables = run
    truth = dump.truth
    cpus = [truth["pcpu"][str(c)] for c in dump.present()]
    threads = {pc[f] for pc in cpus
               for f in ("curthread", "fpcurthread", "idlethread") if pc[f]}
    # The pid is shown for curthread and fpcurthread, not for idlethread.
    procs = {truth["threads"][str(td)]["proc"] for pc in cpus
             for td in (pc["curthread"], pc["fpcurthread"]) if td}
    procs.discard(0)
    assert len(reads(logs["pcpu"])) == len(cpus) + len(threads) + len(procs)
