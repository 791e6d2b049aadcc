"""The core values on every release shape (amd64 11.4 to 15.0, arm64 14.3 and
15.0) and on 15.0 with sparse CPU ids, one CPU and 1024 CPUs.  Real GDB with
kgdb-pcpu, compared to truth.json."""

import pytest

from conftest import SHAPES, expected_pcpu_lines, print_text, run_gdb

VARS = ("dpcpu_int", "dpcpu_u64", "dpcpu_arr", "dpcpu_stats", "dpcpu_thread")



@pytest.fixture(scope="module", params=SHAPES)
def shape_run(request, vmcore):
    dump = vmcore(request.param)
    truth = dump.truth
    steps = [
        ("all", "pcpu all"),
        ("default", "pcpu"),
        ("maxcpu", "output $maxcpu()"),
        ("ncpus", "output $ncpus()"),
        ("every_id", "dpcpu-print dpcpu_int 0-%d" % truth["mp_maxid"]),
        ("off", "dpcpu-off"),
        ("array", "counter-fetch tcpstat"),
        ("netstat", "counter-fetch -t 'struct tcpstat' tcpstat"),
        ("verbose", "counter-fetch -v " + verbose_counter(truth)[0]),
    ]
    for name in VARS:
        steps.append(("var_" + name, "dpcpu-print " + name))
    for i, name in enumerate(truth["counters"]):
        steps.append(("counter%d" % i, "counter-fetch " + name))
        steps.append(("fn_counter%d" % i, "output $counter(%s)" % name))
    for cpu in truth["absent"]:
        steps.append(("absent%d" % cpu, "pcpu %d" % cpu))
        steps.append(("absent_fn%d" % cpu, "output $pcpu(%d)" % cpu))
    return dump, run_gdb(dump, steps)


def verbose_counter(truth):
    """A counter to show slot by slot, and its truth: vm_cnt.v_swtch, or
    tcpstat[0] on 11.4, whose vm_cnt has no counters."""
    if "vm_cnt.v_swtch" in truth["counters"]:
        return "vm_cnt.v_swtch", truth["counters"]["vm_cnt.v_swtch"]
    tcp = truth["counter_arrays"]["tcpstat"]
    return "tcpstat[0]", dict(tcp["elements"][0], sum=tcp["sums"][0])


def test_pcpu_all_and_default(shape_run):
    dump, run = shape_run
    selected = dump.truth["selected_cpu"]
    expected = ["Current CPU: %d" % selected, ""]
    for cpu in dump.present():
        expected += expected_pcpu_lines(dump.truth, cpu) + [""]
    assert run.lines("all") == expected
    assert run.lines("default") == expected_pcpu_lines(dump.truth, selected)


def test_absent_cpus(shape_run):
    dump, run = shape_run
    for cpu in dump.truth["absent"]:
        assert run.error("absent%d" % cpu) == "CPU %d not found" % cpu
        assert run.error("absent_fn%d" % cpu) == "CPU %d not found" % cpu


def test_maxcpu_ncpus(shape_run):
    dump, run = shape_run
    assert run.out("maxcpu") == "%d" % dump.truth["mp_maxcpus"]
    assert run.out("ncpus") == "%d" % dump.truth["mp_ncpus"]


def test_dpcpu_int_on_every_cpu_id(shape_run):
    dump, run = shape_run
    values = dump.truth["dpcpu"]["dpcpu_int"]["values"]
    expected = []
    for cpu in range(dump.truth["mp_maxid"] + 1):
        if str(cpu) in values:
            expected.append("cpu %d: %d" % (cpu, values[str(cpu)]))
        else:
            expected.append("CPU %d not found" % cpu)
    assert run.lines("every_id") == expected
    assert sorted(int(c) for c in values) == sorted(dump.present())


@pytest.mark.parametrize("name", VARS)
def test_dpcpu_variables(shape_run, name):
    dump, run = shape_run
    entry = dump.truth["dpcpu"][name]
    assert run.lines("var_" + name) == [
        "cpu %d: %s" % (cpu, print_text(entry["type"], entry["values"][str(cpu)]))
        for cpu in dump.present()]


def test_dpcpu_off(shape_run):
    dump, run = shape_run
    start = dump.truth["start_set_pcpu"]
    lines = []
    for cpu in dump.present():
        off = dump.truth["dpcpu_off"][str(cpu)]
        total = (off + start) % (1 << 64)
        lines.append("dpcpu_off[%2d] = 0x%x (+ DPCPU_START = %s)"
                     % (cpu, off, "0x%x" % total if total else "0"))
    assert run.lines("off") == lines


def test_counter_sums(shape_run):
    dump, run = shape_run
    for i, (name, c) in enumerate(dump.truth["counters"].items()):
        out = run.out("counter%d" % i)
        assert out.startswith("$") and out.split(" = ")[1] == "%d\n" % c["sum"], name
        assert run.out("fn_counter%d" % i) == "%d" % c["sum"], name


def test_counter_slots_skip_absent_cpus(shape_run):
    dump, run = shape_run
    c = verbose_counter(dump.truth)[1]
    lines = run.lines("verbose")
    assert lines[-1].split(" = ")[1] == "%d" % c["sum"]
    got = [tuple(l.split(":")[0].split()) + (int(l.split(":")[1].split()[0]),)
           for l in lines[:-1]]
    assert got == [("cpu", str(cpu), c["slots"][str(cpu)]) for cpu in dump.present()]


def test_counter_arrays(shape_run):
    dump, run = shape_run
    arr = dump.truth["counter_arrays"]["tcpstat"]
    assert run.lines("array") == ["[%d] = %d" % (i, s) for i, s in enumerate(arr["sums"])]
    assert run.lines("netstat") == ["%s = %d" % (f, s)
                                    for f, s in zip(arr["fields"], arr["sums"])]
