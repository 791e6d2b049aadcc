"""counter-fetch: real GDB on the amd64 fixture dump."""

import re

import pytest

from conftest import run_gdb

MASK = (1 << 64) - 1


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


def explain_and_print(cmd):
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


@pytest.fixture(scope="module")
def run(dump):
    steps = []
    for i, name in enumerate(dump.truth["counters"]):
        steps += [("sum%d" % i, "counter-fetch " + name),
                  ("x%d" % i, "counter-fetch /x " + name),
                  ("v%d" % i, "counter-fetch -v " + name),
                  ("e%d" % i, explain_and_print("counter-fetch -e " + name)),
                  ("fn%d" % i, "output $counter(%s)" % name)]
    steps += [
        ("array", "counter-fetch tcpstat"),
        ("array_x", "counter-fetch /x tcpstat"),
        ("array_e", explain_and_print("counter-fetch -e tcpstat")),
        ("netstat", "counter-fetch -t 'struct tcpstat' tcpstat"),
        ("netstat_dq", 'counter-fetch -t "struct tcpstat" tcpstat'),
        ("netstat_unquoted", "counter-fetch -t struct tcpstat tcpstat"),
        ("netstat_v", "counter-fetch -v -t 'struct tcpstat' tcpstat"),
        ("array_v", "counter-fetch -v tcpstat"),
        ("glued", "counter-fetch/x vm_cnt.v_swtch"),
        ("combined", "counter-fetch -ve vm_cnt.v_swtch"),
        ("bars", ["set kgdb-pcpu bar-width 10", "counter-fetch -v vm_cnt.v_trap"]),
        ("no_bars", ["set kgdb-pcpu bar-width 0", "counter-fetch -v vm_cnt.v_trap",
                     "set kgdb-pcpu bar-width 30"]),
        ("fn_arith", "output $counter(vm_cnt.v_swtch) + 1"),
        ("fn_type", ["print $counter(vm_cnt.v_swtch)", "whatis $"]),
        ("fn_element", "output $counter(tcpstat[1])"),
        ("not_counter", "counter-fetch mp_ncpus"),
        ("not_counter_ptr", "counter-fetch cpuid_to_pcpu[0]"),
        ("no_expr", "counter-fetch"),
        ("bad_expr", "counter-fetch nosuchsymbol"),
        ("bad_type_name", "counter-fetch -t 'struct nosuch' tcpstat"),
        ("not_struct", "counter-fetch -t int tcpstat"),
        ("not_64bit_fields", "counter-fetch -t 'struct dpcpu_stats' tcpstat"),
        ("t_not_array", "counter-fetch -t 'struct tcpstat' mp_ncpus"),
        ("t_missing_value", "counter-fetch -t"),
        ("bad_option", "counter-fetch -q vm_cnt.v_swtch"),
        ("bad_format", "counter-fetch /s vm_cnt.v_swtch"),
        ("fn_bad", "output $counter(mp_ncpus)"),
        ("fn_arity", "output $counter()"),
        ("help", "help counter-fetch"),
    ]
    return run_gdb(dump, steps)


def counters(dump):
    return list(dump.truth["counters"].items())


def test_sum_of_every_counter(dump, run):
    for i, (name, c) in enumerate(counters(dump)):
        assert run.out("sum%d" % i) == "%d\n" % c["sum"], name
        assert run.out("x%d" % i) == "0x%x\n" % c["sum"], name
        assert run.out("fn%d" % i) == "%d" % c["sum"], name
        assert c["sum"] == sum(c["slots"].values()) & MASK


def test_sum_matches_libkvm_where_libkvm_is_right(dump):
    # On a dense amd64 13+ dump libkvm's loop gives the same sums.
    for name, c in counters(dump):
        assert dump.truth["libkvm_counter_sums"][name] == c["sum"]


def slot_lines(text):
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*cpu (\d+): +(\S+)( #+)?\Z", line)
        if m:
            out.append((int(m.group(1)), m.group(2), len(m.group(3) or "") - 1
                        if m.group(3) else 0))
    return out


def test_verbose_slots_then_total(dump, run):
    for i, (name, c) in enumerate(counters(dump)):
        lines = run.lines("v%d" % i)
        assert lines[-1] == "total: %d" % c["sum"]
        slots = slot_lines(run.out("v%d" % i))
        assert len(slots) == len(lines) - 1
        assert [(cpu, int(v)) for cpu, v, _bar in slots] == \
            [(cpu, c["slots"][str(cpu)]) for cpu in dump.present()]


def test_verbose_bars(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_trap"]
    slots = slot_lines(run.out("bars"))
    largest = max(c["slots"].values())
    for cpu, value, bar in slots:
        assert bar == round(10 * int(value) / largest)
    assert max(bar for _c, _v, bar in slots) == 10
    assert "#" not in run.out("no_bars")
    assert run.lines("no_bars")[0] == "cpu 0: %d" % c["slots"]["0"]


def test_explain_expression_is_the_slot(dump, run):
    selected = dump.truth["selected_cpu"]
    for i, (name, c) in enumerate(counters(dump)):
        expr, value = run.out("e%d" % i).split("\n", 1)
        assert expr == ("*(uint64_t *)((char *)%s + cpuid_to_pcpu[%d]->pc_zpcpu_offset)"
                        % (name, selected))
        assert value.strip() == "%d" % c["slots"][str(selected)]


def test_array_sums(dump, run):
    sums = dump.truth["counter_arrays"]["tcpstat"]["sums"]
    assert run.lines("array") == ["[%d] = %d" % (i, s) for i, s in enumerate(sums)]
    assert run.lines("array_x") == ["[%d] = 0x%x" % (i, s) for i, s in enumerate(sums)]
    assert sums == dump.truth["libkvm_counter_array_sums"]["tcpstat"]


def test_array_explain(dump, run):
    selected = dump.truth["selected_cpu"]
    expr, value = run.out("array_e").split("\n", 1)
    assert expr == ("*(uint64_t *)((char *)tcpstat[0] + cpuid_to_pcpu[%d]->pc_zpcpu_offset)"
                    % selected)
    element = dump.truth["counter_arrays"]["tcpstat"]["elements"][0]
    assert value.strip() == "%d" % element["slots"][str(selected)]


def test_array_verbose(dump, run):
    arr = dump.truth["counter_arrays"]["tcpstat"]
    lines = run.lines("array_v")
    per = 1 + len(dump.present())
    assert len(lines) == per * len(arr["sums"])
    for i, s in enumerate(arr["sums"]):
        assert lines[i * per] == "[%d] = %d" % (i, s)
        slots = slot_lines("\n".join(lines[i * per + 1:(i + 1) * per]))
        assert [(cpu, int(v)) for cpu, v, _b in slots] == \
            [(cpu, arr["elements"][i]["slots"][str(cpu)]) for cpu in dump.present()]


def test_netstat_view_every_field_zeros_included(dump, run):
    arr = dump.truth["counter_arrays"]["tcpstat"]
    expected = ["%s = %d" % (f, s) for f, s in zip(arr["fields"], arr["sums"])]
    assert run.err("netstat") == ""
    assert run.lines("netstat") == expected
    assert any(line.endswith(" = 0") for line in expected)
    assert run.out("netstat_dq") == run.out("netstat")
    assert run.out("netstat_unquoted") == run.out("netstat")
    lines = run.lines("netstat_v")
    assert lines[0] == expected[0]
    assert lines[1].startswith("  cpu 0: ")


def test_glued_and_combined_options(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_swtch"]
    assert run.out("glued") == "0x%x\n" % c["sum"]
    assert run.out("combined").startswith("*(uint64_t *)((char *)vm_cnt.v_swtch + ")


def test_counter_function(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_swtch"]
    assert run.out("fn_arith") == "%d" % (c["sum"] + 1)
    assert run.lines("fn_type")[-1] == "type = uint64_t"
    assert run.out("fn_element") == "%d" % dump.truth["counter_arrays"]["tcpstat"]["sums"][1]
    assert run.error("fn_bad") == "not a counter_u64_t (type int)"
    assert run.error("fn_arity") == "Usage: $counter(EXPR)"


def test_errors(run):
    assert run.error("not_counter") == "mp_ncpus is not a counter_u64_t (type int)"
    assert run.error("not_counter_ptr") == \
        "cpuid_to_pcpu[0] is not a counter_u64_t (type struct pcpu *)"
    assert run.error("no_expr").startswith("Usage: counter-fetch")
    assert run.error("bad_expr") == 'No symbol "nosuchsymbol" in current context.'
    assert run.error("bad_type_name") == 'No type "struct nosuch".'
    assert run.error("not_struct") == "int is not a struct"
    assert run.error("not_64bit_fields") == \
        "field ds_calls of struct dpcpu_stats is not a 64-bit counter"
    assert run.error("t_not_array") == \
        "mp_ncpus is not an array of counter_u64_t (type int)"
    assert run.error("t_missing_value") == "option -t needs a value"
    assert run.error("bad_option") == "unknown option -q"
    assert run.error("bad_format") == "format /s does not apply to a counter sum"


def test_help(run):
    text = run.out("help")
    assert text.startswith("Print the sum of counter(9) counters over the present CPUs.\n\n"
                           "Usage: counter-fetch")
    assert "-t 'struct tcpstat'" in text
