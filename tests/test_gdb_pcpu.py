"""pcpu [CPU], pcpu all, pcpu CPUS, pcpu -r: real GDB on the amd64 fixture dump."""

import re

import pytest

from conftest import expected_pcpu_lines, run_gdb


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


@pytest.fixture(scope="module")
def run(dump):
    cpus = dump.present()
    steps = []
    for cpu in cpus:
        steps.append(("pcpu%d" % cpu, "pcpu %d" % cpu))
        steps.append(("tlb%d" % cpu, "output $pcpu(%d).pc_smp_tlb_done" % cpu))
    steps += [
        ("default", "pcpu"),
        ("all", "pcpu all"),
        ("all_a", "pcpu a"),
        ("list", "pcpu 0,2-3"),
        ("list_absent", "pcpu 1,7"),
        ("expr", "pcpu 1+1"),
        ("hex", "pcpu 0x2"),
        ("raw", "pcpu -r 2"),
        ("raw_print", "print *cpuid_to_pcpu[2]"),
        ("raw_default", "pcpu -r"),
        ("raw_print_default", "print *cpuid_to_pcpu[%d]" % dump.truth["selected_cpu"]),
        ("raw_pretty", ["set print pretty on", "pcpu -r 3"]),
        ("raw_print_pretty", ["print *cpuid_to_pcpu[3]", "set print pretty off"]),
        ("raw_absent", "pcpu -r 7"),
        ("absent", "pcpu 7"),
        ("too_big", "pcpu 300"),
        ("negative", "pcpu -1"),
        ("bad_cpu", "pcpu nosuchsymbol"),
        ("bad_type", "pcpu cpuid_to_pcpu"),
        ("bad_option", "pcpu -z"),
        ("still_usable", "print 1 + 1"),
        ("follow_off", ["set kgdb-pcpu follow-thread off", "pcpu"]),
        ("follow_off_setcpu", ["dpcpu-setcpu 3", "pcpu"]),
        ("follow_on_setcpu", ["set kgdb-pcpu follow-thread on", "pcpu"]),
        ("help", "help pcpu"),
    ]
    return run_gdb(dump, steps)


def block(dump, run, cpu):
    return expected_pcpu_lines(dump.truth, cpu, int(run.out("tlb%d" % cpu)))


def test_pcpu_each_cpu(dump, run):
    for cpu in dump.present():
        assert run.lines("pcpu%d" % cpu) == block(dump, run, cpu)
        assert run.err("pcpu%d" % cpu) == ""


def test_pcpu_ddb_sample_lines(dump, run):
    # The exact ddb form of FREEBSD-PCPU.md section 6, field by field.
    lines = run.lines("pcpu2")
    pc = dump.pcpu(2)
    assert lines[0] == "cpuid        = 2"
    assert lines[1] == "dynamic pcpu = 0x%x" % pc["dynamic"]
    assert re.match(r'curthread    = 0x[0-9a-f]+: pid \d+ tid \d+ critnest \d+ "[^"]*"\Z',
                    lines[2])
    assert lines[3] == "curpcb       = 0x%x" % pc["curpcb"]
    assert lines[5].startswith("idlethread   = 0x%x: tid " % pc["idlethread"])
    assert "self         = 0x%x" % pc["md"]["prvspace"] in lines


def test_pcpu_fpcurthread_none_and_set(dump, run):
    for cpu in dump.present():
        fpu = dump.pcpu(cpu)["fpcurthread"]
        line = [l for l in run.lines("pcpu%d" % cpu) if l.startswith("fpcurthread")][0]
        if fpu:
            td = dump.truth["threads"][str(fpu)]
            assert line == 'fpcurthread  = 0x%x: pid %d "%s"' % (fpu, td["pid"], td["name"])
        else:
            assert line == "fpcurthread  = none"


def test_pcpu_default_is_selected_threads_cpu(dump, run):
    selected = dump.truth["selected_cpu"]
    assert run.lines("default") == block(dump, run, selected)


def test_pcpu_all(dump, run):
    expected = ["Current CPU: %d" % dump.truth["selected_cpu"], ""]
    for cpu in dump.present():
        expected += block(dump, run, cpu) + [""]
    assert run.lines("all") == expected
    assert run.out("all_a") == run.out("all")


def test_pcpu_list(dump, run):
    expected = []
    for cpu in (0, 2, 3):
        expected += block(dump, run, cpu) + [""]
    assert run.lines("list") == expected
    assert run.lines("list_absent") == block(dump, run, 1) + ["", "CPU 7 not found", ""]


def test_pcpu_cpu_expression(dump, run):
    assert run.out("expr") == run.out("pcpu2")
    assert run.out("hex") == run.out("pcpu2")


def test_pcpu_raw_is_print(run):
    printed = re.sub(r"^\$\d+ = ", "", run.out("raw_print"))
    assert run.out("raw") == printed
    assert run.out("raw").startswith("{pc_curthread = 0x")
    assert run.out("raw_default") == re.sub(r"^\$\d+ = ", "", run.out("raw_print_default"))


def test_pcpu_raw_honours_print_pretty(run):
    pretty = run.out("raw_pretty")
    assert pretty.startswith("{\n  pc_curthread = 0x")
    assert pretty == re.sub(r"^\$\d+ = ", "", run.out("raw_print_pretty"))


def test_pcpu_errors_are_one_line(dump, run):
    assert run.error("absent") == "CPU 7 not found"
    assert run.out("absent") == ""
    assert run.error("raw_absent") == "CPU 7 not found"
    assert run.error("too_big") == "CPU 300 too big (mp_maxcpus is %d)" % dump.truth["mp_maxcpus"]
    assert run.error("negative") == "CPU -1 not found"
    assert run.error("bad_cpu").startswith("invalid CPU 'nosuchsymbol'")
    assert "not an integer" in run.error("bad_type")
    assert run.error("bad_option") == "unknown option -z"
    assert run.out("still_usable").strip().endswith("= 2")


def test_pcpu_default_cpu_settings(dump, run):
    # follow-thread off: libkvm's current CPU, 0 until dpcpu-setcpu.
    assert run.lines("follow_off") == block(dump, run, 0)
    assert run.lines("follow_off_setcpu") == block(dump, run, 3)
    # follow-thread on: the selected thread's CPU wins over dpcpu-setcpu.
    assert run.lines("follow_on_setcpu") == block(dump, run, dump.truth["selected_cpu"])


def test_pcpu_help(run):
    text = run.out("help")
    assert text.startswith("Show a CPU's struct pcpu as ddb's \"show pcpu\" does.\n\nUsage: pcpu [CPU]")
    assert "Examples:" in text
    assert "selected" in text and "dpcpu-setcpu" in text
