"""$pcpu, $dpcpu, $dpcpu_ptr, $PCPU, $maxcpu, $ncpus in real GDB ($counter: test_gdb_counter.py)."""

import pytest

from conftest import run_gdb


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


@pytest.fixture(scope="module")
def run(dump):
    steps = []
    for cpu in dump.present():
        steps += [
            ("cpuid%d" % cpu, "output $pcpu(%d).pc_cpuid" % cpu),
            ("addr%d" % cpu, "output &$pcpu(%d)" % cpu),
            ("tid%d" % cpu, "output $pcpu(%d).pc_curthread->td_tid" % cpu),
            ("name%d" % cpu, "output $pcpu(%d).pc_curthread->td_name" % cpu),
            ("int%d" % cpu, 'output $dpcpu("dpcpu_int", %d)' % cpu),
            ("int_full%d" % cpu, 'output $dpcpu("pcpu_entry_dpcpu_int", %d)' % cpu),
            ("int_var%d" % cpu, "output $dpcpu(pcpu_entry_dpcpu_int, %d)" % cpu),
            ("bytes%d" % cpu, 'output $dpcpu("dpcpu_stats", %d).ds_bytes' % cpu),
            ("arr%d" % cpu, 'output $dpcpu("dpcpu_arr", %d)[2]' % cpu),
            ("thread%d" % cpu, 'output $dpcpu("dpcpu_thread", %d)->td_tid' % cpu),
            ("ptr%d" % cpu, 'output $dpcpu_ptr("dpcpu_int", %d)' % cpu),
            ("ptr_var%d" % cpu, "output $dpcpu_ptr(pcpu_entry_dpcpu_stats, %d)" % cpu),
            ("amp%d" % cpu, 'output &$dpcpu("dpcpu_int", %d) == $dpcpu_ptr("dpcpu_int", %d)'
             % (cpu, cpu)),
            ("PCPU_cur%d" % cpu, 'output $PCPU("curthread", %d)' % cpu),
            ("PCPU_cpuid%d" % cpu, 'output $PCPU("cpuid", %d)' % cpu),
            ("PCPU_pc%d" % cpu, 'output $PCPU("pc_cpuid", %d)' % cpu),
            ("PCPU_dpcpu%d" % cpu, 'output $PCPU("dpcpu_int", %d)' % cpu),
        ]
    steps += [
        ("pcpu_default", "output $pcpu().pc_cpuid"),
        ("dpcpu_default", 'output $dpcpu("dpcpu_int")'),
        ("PCPU_default", 'output $PCPU("cpuid")'),
        ("PCPU_name", 'output $PCPU("curthread")->td_name'),
        ("maxcpu", "output $maxcpu()"),
        ("ncpus", "output $ncpus()"),
        ("maxcpu_type", ["print $maxcpu()", "whatis $"]),
        ("arith", "output $pcpu(1).pc_cpuid + $dpcpu(\"dpcpu_int\", 1)"),
        ("history", ["print $pcpu(2)", "output $.pc_cpuid"]),
        ("pcpu_absent", "output $pcpu(7)"),
        ("pcpu_too_big", "output $pcpu(256)"),
        ("pcpu_arity", "output $pcpu(1, 2)"),
        ("pcpu_bad_cpu", 'output $pcpu("x")'),
        ("dpcpu_nosuch", 'output $dpcpu("nosuch", 1)'),
        ("dpcpu_not_per_cpu", "output $dpcpu(mp_ncpus, 1)"),
        ("dpcpu_not_var", "output $dpcpu(5, 1)"),
        ("dpcpu_absent", 'output $dpcpu("dpcpu_int", 7)'),
        ("dpcpu_arity", "output $dpcpu()"),
        ("dpcpu_ptr_arity", 'output $dpcpu_ptr("a", 1, 2)'),
        ("PCPU_nosuch", 'output $PCPU("nosuch")'),
        ("PCPU_not_string", "output $PCPU(5)"),
        ("maxcpu_arity", "output $maxcpu(1)"),
        ("still_usable", "output 6 * 7"),
        ("help_pcpu", "help function pcpu"),
        ("help_dpcpu", "help function dpcpu"),
        ("help_dpcpu_ptr", "help function dpcpu_ptr"),
        ("help_counter", "help function counter"),
        ("help_PCPU", "help function PCPU"),
        ("help_maxcpu", "help function maxcpu"),
        ("help_ncpus", "help function ncpus"),
    ]
    return run_gdb(dump, steps)


def dpcpu(dump, name, cpu):
    return dump.truth["dpcpu"][name]["values"][str(cpu)]


def test_pcpu_function(dump, run):
    for cpu in dump.present():
        pc = dump.pcpu(cpu)
        td = dump.truth["threads"][str(pc["curthread"])]
        assert run.out("cpuid%d" % cpu) == "%d" % cpu
        assert run.out("addr%d" % cpu) == "(struct pcpu *) 0x%x" % pc["addr"]
        assert run.out("tid%d" % cpu) == "%d" % td["tid"]
        assert run.out("name%d" % cpu).startswith('"%s' % td["name"])
    assert run.out("pcpu_default") == "%d" % dump.truth["selected_cpu"]
    assert run.out("history").endswith("}\n2")


def test_dpcpu_function(dump, run):
    for cpu in dump.present():
        assert run.out("int%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_int", cpu)
        assert run.out("int_full%d" % cpu) == run.out("int%d" % cpu)
        assert run.out("int_var%d" % cpu) == run.out("int%d" % cpu)
        assert run.out("bytes%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_stats", cpu)["ds_bytes"]
        assert run.out("arr%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_arr", cpu)[2]
        td = dump.truth["threads"][str(dpcpu(dump, "dpcpu_thread", cpu))]
        assert run.out("thread%d" % cpu) == "%d" % td["tid"]
    selected = dump.truth["selected_cpu"]
    assert run.out("dpcpu_default") == "%d" % dpcpu(dump, "dpcpu_int", selected)


def test_dpcpu_ptr_function(dump, run):
    for cpu in dump.present():
        off = dump.truth["dpcpu_off"][str(cpu)]
        entry = dump.truth["dpcpu"]["dpcpu_int"]
        assert run.out("ptr%d" % cpu) == "(int *) 0x%x" % (entry["template_addr"] + off)
        stats = dump.truth["dpcpu"]["dpcpu_stats"]
        assert run.out("ptr_var%d" % cpu) == \
            "(struct dpcpu_stats *) 0x%x" % (stats["template_addr"] + off)
        assert run.out("amp%d" % cpu) == "1"


def test_PCPU_function(dump, run):
    for cpu in dump.present():
        pc = dump.pcpu(cpu)
        assert run.out("PCPU_cur%d" % cpu) == "(struct thread *) 0x%x" % pc["curthread"]
        assert run.out("PCPU_cpuid%d" % cpu) == "%d" % cpu
        assert run.out("PCPU_pc%d" % cpu) == "%d" % cpu
        assert run.out("PCPU_dpcpu%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_int", cpu)
    selected = dump.truth["selected_cpu"]
    assert run.out("PCPU_default") == "%d" % selected
    td = dump.truth["threads"][str(dump.pcpu(selected)["curthread"])]
    assert run.out("PCPU_name").startswith('"%s' % td["name"])


def test_maxcpu_ncpus(dump, run):
    assert run.out("maxcpu") == "%d" % dump.truth["mp_maxcpus"]
    assert run.out("ncpus") == "%d" % dump.truth["mp_ncpus"]
    assert run.lines("maxcpu_type")[-1] == "type = int"
    assert run.out("arith") == "%d" % (1 + dpcpu(dump, "dpcpu_int", 1))


def test_function_errors(dump, run):
    assert run.error("pcpu_absent") == "CPU 7 not found"
    assert run.error("pcpu_too_big") == "CPU 256 too big (mp_maxcpus is 256)"
    assert run.error("pcpu_arity") == "Usage: $pcpu([CPU])"
    assert run.error("pcpu_bad_cpu").startswith("invalid CPU argument of $pcpu")
    assert run.error("dpcpu_nosuch") == 'No symbol "pcpu_entry_nosuch" or "nosuch".'
    assert "is not a DPCPU variable" in run.error("dpcpu_not_per_cpu")
    assert run.error("dpcpu_not_var").startswith("not a variable")
    assert run.error("dpcpu_absent") == "CPU 7 not found"
    assert run.error("dpcpu_arity") == "Usage: $dpcpu(NAME [, CPU])"
    assert run.error("dpcpu_ptr_arity") == "Usage: $dpcpu_ptr(NAME [, CPU])"
    assert run.error("PCPU_nosuch") == \
        "no member pc_nosuch in struct pcpu and no DPCPU variable nosuch"
    assert run.error("PCPU_not_string").startswith("$PCPU: FIELD must be a string")
    assert run.error("maxcpu_arity") == "Usage: $maxcpu()"
    assert run.out("still_usable") == "42"


@pytest.mark.parametrize("name, usage", [
    ("pcpu", "Usage: $pcpu([CPU])"),
    ("dpcpu", "Usage: $dpcpu(NAME [, CPU])"),
    ("dpcpu_ptr", "Usage: $dpcpu_ptr(NAME [, CPU])"),
    ("counter", "Usage: $counter(EXPR)"),
    ("PCPU", "Usage: $PCPU(FIELD [, CPU])"),
    ("maxcpu", "Usage: $maxcpu()"),
    ("ncpus", "Usage: $ncpus()"),
])
def test_function_help(run, name, usage):
    text = run.out("help_" + name)
    summary, rest = text.split("\n\n", 1)
    assert summary.endswith(".") and "\n" not in summary
    assert rest.startswith(usage + "\n")
    assert "Returns:" in text
