"""dpcpu-print, dpcpu-setcpu, dpcpu-off: real GDB on the amd64 fixture dump."""

import pytest

from conftest import fmt_p, print_text, run_gdb

VARS = ("dpcpu_int", "dpcpu_u64", "dpcpu_arr", "dpcpu_stats", "dpcpu_thread")


def explain_and_print(cmd):
    """A step that prints the expression dpcpu-print -e gives, then its value."""
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


@pytest.fixture(scope="module")
def run(dump):
    steps = []
    for name in VARS:
        steps.append(("all_" + name, "dpcpu-print " + name))
        steps.append(("full_" + name, "dpcpu-print pcpu_entry_" + name))
        steps.append(("x_" + name, "dpcpu-print /x " + name))
        for cpu in dump.present():
            steps.append(("e_%s_%d" % (name, cpu),
                          explain_and_print("dpcpu-print -e %s %d" % (name, cpu))))
    steps += [
        ("glued_fmt", "dpcpu-print/x dpcpu_int 1"),
        ("pretty", ["set print pretty on", "dpcpu-print dpcpu_stats 0-1",
                    "set print pretty off"]),
        ("list", "dpcpu-print dpcpu_int 3,0-1"),
        ("all_word", "dpcpu-print dpcpu_int all"),
        ("a_word", "dpcpu-print dpcpu_int a"),
        ("absent", "dpcpu-print dpcpu_int 2-5"),
        ("too_big", "dpcpu-print dpcpu_int 0,256"),
        ("bad_list", "dpcpu-print dpcpu_int 3-1"),
        ("bad_list2", "dpcpu-print dpcpu_int x"),
        ("not_dpcpu", "dpcpu-print mp_ncpus"),
        ("no_symbol", "dpcpu-print nosuchvar"),
        ("no_name", "dpcpu-print"),
        ("bad_fmt", "dpcpu-print /q dpcpu_int"),
        ("e_default", "dpcpu-print -e dpcpu_int"),
        ("e_list", "dpcpu-print -e dpcpu_int 0,3"),
        ("e_absent", "dpcpu-print -e dpcpu_int 7"),
        ("setcpu_show0", "dpcpu-setcpu"),
        ("setcpu", ["dpcpu-setcpu 2", "dpcpu-setcpu"]),
        ("setcpu_expr", ["dpcpu-setcpu 1+2", "dpcpu-setcpu"]),
        ("setcpu_absent", "dpcpu-setcpu 7"),
        ("setcpu_too_big", "dpcpu-setcpu 1000"),
        ("setcpu_negative", "dpcpu-setcpu -1"),
        ("setcpu_after_errors", "dpcpu-setcpu"),
        ("setcpu_e_default", ["set kgdb-pcpu follow-thread off",
                              "dpcpu-print -e dpcpu_int",
                              "set kgdb-pcpu follow-thread on"]),
        ("off", "dpcpu-off"),
        ("off_arg", "dpcpu-off 3"),
        ("complete_short", "complete dpcpu-print dpcpu_"),
        ("complete_full", "complete dpcpu-print pcpu_entry_dpcpu_s"),
        ("complete_cpus", "complete dpcpu-print dpcpu_int a"),
        ("complete_fmt", "complete dpcpu-print /x dpcpu_a"),
        ("help_print", "help dpcpu-print"),
        ("help_setcpu", "help dpcpu-setcpu"),
        ("help_off", "help dpcpu-off"),
    ]
    return run_gdb(dump, steps)


def expected(dump, name, cpus, fmt=None, pretty=False):
    entry = dump.truth["dpcpu"][name]
    lines = []
    for cpu in cpus:
        if str(cpu) in entry["values"]:
            lines.append("cpu %d: %s" % (cpu, print_text(entry["type"],
                                                         entry["values"][str(cpu)],
                                                         fmt, pretty)))
        else:
            lines.append("cpu %d: absent" % cpu)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", VARS)
def test_every_cpu_value(dump, run, name):
    assert run.out("all_" + name) == expected(dump, name, dump.present())
    assert run.err("all_" + name) == ""


@pytest.mark.parametrize("name", VARS)
def test_prefixed_name_is_the_same(run, name):
    assert run.out("full_" + name) == run.out("all_" + name)


@pytest.mark.parametrize("name", VARS)
def test_hex_format(dump, run, name):
    assert run.out("x_" + name) == expected(dump, name, dump.present(), fmt="x")


def test_template_is_not_any_cpus_value(dump):
    # The fixture's template differs from every copy: a reader of the plain
    # symbol would see it.
    for name in VARS:
        entry = dump.truth["dpcpu"][name]
        assert entry["template"] not in entry["values"].values()


def test_format_glued_to_command(dump, run):
    assert run.out("glued_fmt") == expected(dump, "dpcpu_int", [1], fmt="x")


def test_print_pretty(dump, run):
    assert run.out("pretty") == expected(dump, "dpcpu_stats", [0, 1], pretty=True)


def test_cpu_lists(dump, run):
    assert run.out("list") == expected(dump, "dpcpu_int", [3, 0, 1])
    assert run.out("all_word") == expected(dump, "dpcpu_int", dump.present())
    assert run.out("a_word") == run.out("all_word")


def test_absent_cpu_named_explicitly(dump, run):
    assert run.out("absent") == expected(dump, "dpcpu_int", [2, 3, 4, 5])
    assert "cpu 4: absent\ncpu 5: absent\n" in run.out("absent")


def test_errors(dump, run):
    assert run.error("too_big") == "CPU 256 too big (mp_maxcpus is 256)"
    assert run.error("bad_list") == "invalid CPU list '3-1': range 3-1 is reversed"
    assert run.error("bad_list2") == "invalid CPU list 'x': 'x' is not N or N-M"
    message = run.error("not_dpcpu")
    assert message.startswith("mp_ncpus: ") and "is not a DPCPU variable" in message
    assert run.error("no_symbol") == 'No symbol "pcpu_entry_nosuchvar" or "nosuchvar".'
    assert run.error("no_name").startswith("Usage: dpcpu-print")
    assert run.error("bad_fmt") == 'Undefined output format "q".'
    for step in ("too_big", "not_dpcpu", "no_symbol"):
        assert run.out(step) == ""


@pytest.mark.parametrize("name", VARS)
def test_explain_expression_computes_the_value(dump, run, name):
    entry = dump.truth["dpcpu"][name]
    for cpu in dump.present():
        expr, value = run.out("e_%s_%d" % (name, cpu)).split("\n", 1)
        assert expr.endswith("((char *)&pcpu_entry_%s + dpcpu_off[%d])" % (name, cpu))
        assert value.strip() == print_text(entry["type"], entry["values"][str(cpu)])


def test_explain_forms(dump, run):
    selected = dump.truth["selected_cpu"]
    assert run.out("e_default") == \
        "*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[%d])\n" % selected
    assert run.lines("e_list") == [
        "*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[0])",
        "*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[3])"]
    assert run.out("e_dpcpu_arr_1").startswith(
        "*(long (*)[4])((char *)&pcpu_entry_dpcpu_arr + dpcpu_off[1])\n")
    assert run.error("e_absent") == "pcpu_entry_dpcpu_int: CPU 7 not found"


def test_dpcpu_setcpu(run):
    assert run.out("setcpu_show0") == "Current DPCPU CPU: 0\n"
    assert run.out("setcpu") == "Current DPCPU CPU: 2\n"
    assert run.out("setcpu_expr") == "Current DPCPU CPU: 3\n"
    assert run.error("setcpu_absent") == "CPU 7 not found"
    assert run.error("setcpu_too_big") == "CPU 1000 too big (mp_maxcpus is 256)"
    assert run.error("setcpu_negative") == "CPU -1 not found"
    # A refused CPU leaves the current one alone.
    assert run.out("setcpu_after_errors") == "Current DPCPU CPU: 3\n"
    # With follow-thread off, the current CPU is the default one.
    assert run.out("setcpu_e_default") == \
        "*(int *)((char *)&pcpu_entry_dpcpu_int + dpcpu_off[3])\n"


def test_dpcpu_off_is_ddbs_form(dump, run):
    start = dump.truth["start_set_pcpu"]
    expected_lines = []
    for cpu in dump.present():
        off = dump.truth["dpcpu_off"][str(cpu)]
        expected_lines.append("dpcpu_off[%2d] = 0x%x (+ DPCPU_START = %s)"
                              % (cpu, off, fmt_p((off + start) % (1 << 64))))
    assert run.lines("off") == expected_lines
    assert run.lines("off")[0].startswith("dpcpu_off[ 0] = 0x")
    assert run.error("off_arg") == "dpcpu-off takes no argument"


def test_dynamic_pcpu_is_dpcpu_off(dump):
    for cpu in dump.present():
        assert dump.pcpu(cpu)["dynamic"] == dump.truth["dpcpu_off"][str(cpu)]


def test_completion(run):
    short = run.lines("complete_short")
    for name in VARS:
        assert "dpcpu-print " + name in short
    assert run.lines("complete_full") == ["dpcpu-print pcpu_entry_dpcpu_stats"]
    assert run.lines("complete_cpus") == ["dpcpu-print dpcpu_int all"]
    assert run.lines("complete_fmt") == ["dpcpu-print /x dpcpu_arr"]


def test_help(run):
    for step, first in (("help_print", "Print a DPCPU (dynamic per-CPU) variable on each CPU."),
                        ("help_setcpu", "Set libkvm's current CPU (kvm_dpcpu_setcpu)."),
                        ("help_off", "Show each present CPU's DPCPU offset")):
        text = run.out(step)
        assert text.startswith(first)
        assert "\n\nUsage: " in text
        assert "Example" in text
