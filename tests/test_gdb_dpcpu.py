"""dpcpu-print, dpcpu-off, $dpcpu, $dpcpu_ptr: real GDB on the fixture dumps.

The amd64 dump for the values, formats, member paths, -e, -s, -json, the
CPU grammar and completion; the sparse dump (CPUs 2, 4, 5 absent) and the
1024-CPU dump for -s, -json and absent CPUs.
"""

import json

import pytest

from conftest import fmt_p, print_text, run_gdb

VARS = ("dpcpu_int", "dpcpu_u64", "dpcpu_arr", "dpcpu_stats", "dpcpu_thread")


def explain_and_print(cmd):
    """A step that prints the expression dpcpu-print -e gives, then its value."""
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


def values(dump, name):
    return dump.truth["dpcpu"][name]["values"]


def expected(dump, name, cpus, fmt=None, pretty=False):
    entry = dump.truth["dpcpu"][name]
    lines = []
    for cpu in cpus:
        if str(cpu) in entry["values"]:
            lines.append("cpu %d: %s" % (cpu, print_text(entry["type"],
                                                         entry["values"][str(cpu)],
                                                         fmt, pretty)))
        else:
            lines.append("CPU %d not found" % cpu)
    return "\n".join(lines) + "\n"


def stats_lines(numbers, fmt=None):
    """The -s lines of {cpu: number}: total, then the first CPU of the
    smallest and of the largest value."""
    cpus = sorted(numbers, key=lambda c: c)
    low = min(cpus, key=lambda c: (numbers[c], cpus.index(c)))
    high = max(cpus, key=lambda c: (numbers[c], -cpus.index(c)))
    show = (lambda v: "0x%x" % v) if fmt == "x" else str
    return ["total: %s" % show(sum(numbers.values())),
            "min: %s (cpu %d)" % (show(numbers[low]), low),
            "max: %s (cpu %d)" % (show(numbers[high]), high)]


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


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
        ("fmt_after_option", "dpcpu-print -s /x dpcpu_int 0-1"),
        ("pretty", ["set print pretty on", "dpcpu-print dpcpu_stats 0-1",
                    "set print pretty off"]),
        ("radix", ["set output-radix 16", "dpcpu-print dpcpu_int 0-1",
                   "dpcpu-print -s dpcpu_int", "set output-radix 10"]),
        ("list", "dpcpu-print dpcpu_int 3,0-1"),
        ("all_word", "dpcpu-print dpcpu_int all"),
        ("a_word", "dpcpu-print dpcpu_int a"),
        ("absent", "dpcpu-print dpcpu_int 2-5"),
        ("absent_one", "dpcpu-print dpcpu_int 5"),
        # The CPU grammar: expressions as CPUs and range ends, -1.
        ("conv_cpu", ["set $c = 2", "dpcpu-print dpcpu_int $c"]),
        ("conv_range", ["set $c = 2", "dpcpu-print dpcpu_int 0-$c"]),
        ("expr_cpu", "dpcpu-print dpcpu_int mp_maxid - 1"),
        ("default_cpu", "dpcpu-print dpcpu_int -1"),
        ("default_in_list", "dpcpu-print dpcpu_int 0,-1"),
        ("too_big", "dpcpu-print dpcpu_int 0,%d" % dump.truth["mp_maxcpus"]),
        ("bad_list", "dpcpu-print dpcpu_int 3-1"),
        ("bad_list2", "dpcpu-print dpcpu_int x"),
        ("all_in_list", "dpcpu-print dpcpu_int 1,all"),
        ("not_dpcpu", "dpcpu-print mp_ncpus"),
        ("no_symbol", "dpcpu-print nosuchvar"),
        ("no_name", "dpcpu-print"),
        ("bad_fmt", "dpcpu-print /q dpcpu_int"),
        ("bad_option", "dpcpu-print -z dpcpu_int"),
        ("e_with_s", "dpcpu-print -e -s dpcpu_int"),
        ("e_default", "dpcpu-print -e dpcpu_int"),
        ("e_list", "dpcpu-print -e dpcpu_int 0,3"),
        ("e_absent", "dpcpu-print -e dpcpu_int 7"),
        # Member paths.
        ("path_member", "dpcpu-print dpcpu_stats.ds_calls"),
        ("path_member_x", "dpcpu-print /x dpcpu_stats.ds_bytes 2"),
        ("path_index", "dpcpu-print dpcpu_arr[2]"),
        ("path_index_expr", "dpcpu-print dpcpu_arr[mp_maxid - 1] 1"),
        ("path_full", "dpcpu-print pcpu_entry_dpcpu_stats.ds_bytes 0,3"),
        ("path_arrow", "dpcpu-print dpcpu_thread->td_tid"),
        ("path_e", explain_and_print("dpcpu-print -e dpcpu_arr[3] 2")),
        ("path_no_member", "dpcpu-print dpcpu_stats.nosuch"),
        ("path_not_struct", "dpcpu-print dpcpu_int.x"),
        ("path_out_of_bounds", "dpcpu-print dpcpu_arr[4]"),
        ("path_malformed", "dpcpu-print dpcpu_stats."),
        ("path_junk", "dpcpu-print dpcpu_arr[1]+2"),
        # -s and -json.
        ("s_int", "dpcpu-print -s dpcpu_int"),
        ("s_member", "dpcpu-print -s dpcpu_stats.ds_bytes"),
        ("s_index_list", "dpcpu-print -s dpcpu_arr[1] 3,1"),
        ("s_x", "dpcpu-print -s /x dpcpu_int"),
        ("s_absent", "dpcpu-print -s dpcpu_int 1-4"),
        ("s_struct", "dpcpu-print -s dpcpu_stats"),
        ("s_pointer", "dpcpu-print -s dpcpu_thread"),
        ("json_int", "dpcpu-print -json dpcpu_int"),
        ("json_s", "dpcpu-print -json -s dpcpu_stats.ds_calls 0,2-4"),
        ("json_struct", "dpcpu-print -json dpcpu_stats 1"),
        ("json_pointer", "dpcpu-print -json dpcpu_thread 0"),
        # Functions.
        ("fn_path", 'output $dpcpu("dpcpu_stats.ds_calls", 2)'),
        ("fn_index", 'output $dpcpu("pcpu_entry_dpcpu_arr[3]", 1)'),
        ("fn_default", 'output $dpcpu("dpcpu_int")'),
        ("fn_minus_one", 'output $dpcpu("dpcpu_int", -1)'),
        ("fn_lvalue", 'output &$dpcpu("dpcpu_stats.ds_calls", 3) == '
                      '&$dpcpu_ptr("dpcpu_stats", 3)->ds_calls'),
        ("fn_lvalue_addr", 'output/x (unsigned long)&$dpcpu("dpcpu_arr[1]", 2)'),
        ("fn_var", "output $dpcpu(pcpu_entry_dpcpu_stats.ds_bytes, 1)"),
        ("fn_absent", 'output $dpcpu("dpcpu_int", 5)'),
        ("fn_bad_path", 'output $dpcpu("dpcpu_stats.nosuch", 0)'),
        ("ptr_path", 'output $dpcpu_ptr("dpcpu_arr[2]", 1) == &$dpcpu("dpcpu_arr", 1)[2]'),
        ("ptr_type", ['set $p = $dpcpu_ptr("dpcpu_stats.ds_bytes", 0)',
                      "ptype $p"]),
        ("ptr_value", 'output *$dpcpu_ptr("dpcpu_stats.ds_bytes", 3)'),
        # dpcpu-off.
        ("off", "dpcpu-off"),
        ("off_arg", "dpcpu-off 3"),
        # Completion.
        ("complete_short", "complete dpcpu-print dpcpu_"),
        ("complete_full", "complete dpcpu-print pcpu_entry_dpcpu_s"),
        ("complete_cpus", "complete dpcpu-print dpcpu_int a"),
        ("complete_cpu_ids", "complete dpcpu-print dpcpu_int "),
        ("complete_cpu_list", "complete dpcpu-print dpcpu_int 1,"),
        ("complete_fmt", "complete dpcpu-print /x dpcpu_a"),
        ("complete_options", "complete dpcpu-print -"),
        ("complete_option_j", "complete dpcpu-print -j"),
        ("complete_after_option", "complete dpcpu-print -s dpcpu_st"),
        ("complete_after_e", "complete dpcpu-print -e -"),
        ("complete_after_s", "complete dpcpu-print -s -"),
        ("complete_members", "complete dpcpu-print dpcpu_stats."),
        ("complete_member_prefix", "complete dpcpu-print -s dpcpu_stats.ds_b"),
        ("complete_arrow", "complete dpcpu-print dpcpu_thread->td_ti"),
        ("help_print", "help dpcpu-print"),
        ("help_off", "help dpcpu-off"),
        ("help_fn", "help function dpcpu"),
        ("help_fn_ptr", "help function dpcpu_ptr"),
        ("still_usable", "output 6 * 7"),
    ]
    return run_gdb(dump, steps)


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


def test_formats_and_print_settings(dump, run):
    assert run.out("glued_fmt") == expected(dump, "dpcpu_int", [1], fmt="x")
    assert run.out("pretty") == expected(dump, "dpcpu_stats", [0, 1], pretty=True)
    ints = {int(c): v for c, v in values(dump, "dpcpu_int").items()}
    assert run.lines("fmt_after_option") == [
        "cpu 0: 0x%x" % ints[0], "cpu 1: 0x%x" % ints[1],
        "total: 0x%x" % (ints[0] + ints[1]),
        "min: 0x%x (cpu 0)" % ints[0], "max: 0x%x (cpu 1)" % ints[1]]
    # output-radix 16: print's hex, for the values and the total.
    assert run.lines("radix") == (
        ["cpu 0: 0x%x" % ints[0], "cpu 1: 0x%x" % ints[1]]
        + ["cpu %d: 0x%x" % (c, ints[c]) for c in dump.present()]
        + stats_lines({c: ints[c] for c in dump.present()}, "x"))


def test_cpu_lists(dump, run):
    assert run.out("list") == expected(dump, "dpcpu_int", [3, 0, 1])
    assert run.out("all_word") == expected(dump, "dpcpu_int", dump.present())
    assert run.out("a_word") == run.out("all_word")


def test_absent_cpu_is_ddbs_words(dump, run):
    assert dump.truth["absent"] == [] and dump.present() == [0, 1, 2, 3]
    assert run.lines("absent") == ["cpu 2: 1034", "cpu 3: 1051",
                                   "CPU 4 not found", "CPU 5 not found"]
    assert "absent" not in run.out("absent")
    # One CPU asked for and absent: an error, as $dpcpu gives.
    assert run.error("absent_one") == "CPU 5 not found"
    assert run.out("absent_one") == ""
    assert run.error("fn_absent") == "CPU 5 not found"


def test_cpu_grammar_expressions(dump, run):
    assert run.out("conv_cpu") == expected(dump, "dpcpu_int", [2])
    assert run.out("conv_range") == expected(dump, "dpcpu_int", [0, 1, 2])
    maxid = dump.truth["mp_maxid"]
    assert run.out("expr_cpu") == expected(dump, "dpcpu_int", [maxid - 1])
    selected = dump.truth["selected_cpu"]
    assert run.out("default_cpu") == expected(dump, "dpcpu_int", [selected])
    assert run.out("default_in_list") == expected(dump, "dpcpu_int",
                                                  [0, selected])


def test_errors(dump, run):
    maxcpus = dump.truth["mp_maxcpus"]
    assert run.error("too_big") == "CPU %d too big (mp_maxcpus is %d)" % (
        maxcpus, maxcpus)
    assert run.error("bad_list") == "invalid CPU range 3-1: 3-1 is reversed"
    assert run.error("bad_list2") == \
        "invalid CPU 'x': No symbol \"x\" in current context."
    assert run.error("all_in_list") == \
        "invalid CPU list '1,all': 'all' stands alone"
    message = run.error("not_dpcpu")
    assert message.startswith("mp_ncpus: ") and "is not a DPCPU variable" in message
    assert run.error("no_symbol") == 'No symbol "pcpu_entry_nosuchvar" or "nosuchvar".'
    assert run.error("no_name").startswith("Usage: dpcpu-print")
    assert run.error("bad_fmt") == 'Undefined output format "q".'
    assert run.error("bad_option") == "unknown option -z"
    assert "-e" in run.error("e_with_s")
    for step in ("too_big", "not_dpcpu", "no_symbol", "bad_option", "e_with_s"):
        assert run.out(step) == ""
    assert run.out("still_usable") == "42"


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
    assert run.error("e_absent") == "CPU 7 not found"


def test_member_paths(dump, run):
    stats = values(dump, "dpcpu_stats")
    arr = values(dump, "dpcpu_arr")
    cpus = dump.present()
    assert run.lines("path_member") == [
        "cpu %d: %d" % (c, stats[str(c)]["ds_calls"]) for c in cpus]
    assert run.lines("path_member_x") == ["cpu 2: 0x%x" % stats["2"]["ds_bytes"]]
    assert run.lines("path_index") == ["cpu %d: %d" % (c, arr[str(c)][2])
                                       for c in cpus]
    maxid = dump.truth["mp_maxid"]
    assert run.lines("path_index_expr") == ["cpu 1: %d" % arr["1"][maxid - 1]]
    assert run.lines("path_full") == ["cpu 0: %d" % stats["0"]["ds_bytes"],
                                      "cpu 3: %d" % stats["3"]["ds_bytes"]]
    threads = dump.truth["threads"]
    thread = values(dump, "dpcpu_thread")
    assert run.lines("path_arrow") == [
        "cpu %d: %d" % (c, threads[str(thread[str(c)])]["tid"]) for c in cpus]
    expr, value = run.out("path_e").split("\n", 1)
    assert expr == ("(*(long (*)[4])((char *)&pcpu_entry_dpcpu_arr + "
                    "dpcpu_off[2]))[3]")
    assert value.strip() == str(arr["2"][3])


def test_member_path_errors(run):
    assert run.error("path_no_member") == "There is no member named nosuch."
    assert run.error("path_not_struct") == \
        "Attempt to extract a component of a value that is not a structure."
    assert run.error("path_out_of_bounds") == \
        "index 4 is out of the bounds of long [4] (0 to 3)"
    assert run.error("path_malformed") == \
        'invalid DPCPU variable name "dpcpu_stats."'
    assert run.error("path_junk") == 'invalid DPCPU variable name "dpcpu_arr[1]+2"'
    assert run.error("fn_bad_path") == "There is no member named nosuch."
    for step in ("path_no_member", "path_not_struct", "path_out_of_bounds"):
        assert run.out(step) == ""


def test_totals(dump, run):
    cpus = dump.present()
    ints = {c: values(dump, "dpcpu_int")[str(c)] for c in cpus}
    lines = run.lines("s_int")
    assert lines[:-3] == expected(dump, "dpcpu_int", cpus).splitlines()
    assert lines[-3:] == stats_lines(ints)
    assert sum(ints.values()) == 4102          # known answer
    assert lines[-3] == "total: 4102"
    stats = values(dump, "dpcpu_stats")
    big = {c: stats[str(c)]["ds_bytes"] for c in cpus}
    assert run.lines("s_member")[-3:] == stats_lines(big)
    arr = values(dump, "dpcpu_arr")
    assert run.lines("s_index_list") == [
        "cpu 3: %d" % arr["3"][1], "cpu 1: %d" % arr["1"][1],
        "total: %d" % (arr["3"][1] + arr["1"][1]),
        "min: %d (cpu 1)" % arr["1"][1], "max: %d (cpu 3)" % arr["3"][1]]
    assert run.lines("s_x")[-3:] == stats_lines(ints, "x")
    # Absent CPUs are named and left out of the totals.
    assert run.lines("s_absent") == (
        ["cpu %d: %d" % (c, ints[c]) for c in (1, 2, 3)] + ["CPU 4 not found"]
        + stats_lines({c: ints[c] for c in (1, 2, 3)}))


def test_totals_need_integers(run):
    assert run.error("s_struct") == \
        "dpcpu-print -s: pcpu_entry_dpcpu_stats is struct dpcpu_stats, not an integer"
    assert run.error("s_pointer") == \
        "dpcpu-print -s: pcpu_entry_dpcpu_thread is struct thread *, not an integer"
    assert run.out("s_struct") == run.out("s_pointer") == ""


def test_json(dump, run):
    doc = json.loads(run.out("json_int"))
    ints = values(dump, "dpcpu_int")
    assert doc == {"variable": "pcpu_entry_dpcpu_int", "path": "", "type": "int",
                   "cpus": [{"cpu": c, "value": ints[str(c)]}
                            for c in dump.present()]}
    doc = json.loads(run.out("json_s"))
    stats = values(dump, "dpcpu_stats")
    calls = {c: stats[str(c)]["ds_calls"] for c in (0, 2, 3)}
    assert doc["path"] == ".ds_calls" and doc["type"] == "int"
    assert doc["cpus"] == [{"cpu": c, "value": calls[c]} for c in (0, 2, 3)] + \
        [{"cpu": 4, "error": "CPU 4 not found"}]
    assert doc["total"] == sum(calls.values())
    assert doc["min"] == {"cpu": 0, "value": calls[0]}
    assert doc["max"] == {"cpu": 3, "value": calls[3]}
    doc = json.loads(run.out("json_struct"))
    assert doc["type"] == "struct dpcpu_stats"
    assert doc["cpus"] == [{"cpu": 1, "value": print_text("struct dpcpu_stats",
                                                          stats["1"])}]
    doc = json.loads(run.out("json_pointer"))
    thread = values(dump, "dpcpu_thread")["0"]
    assert doc["cpus"] == [{"cpu": 0, "value": "(struct thread *) 0x%x" % thread}]
    for step in ("json_int", "json_s", "json_struct", "json_pointer"):
        assert len(run.lines(step)) == 1


def test_functions(dump, run):
    stats = values(dump, "dpcpu_stats")
    arr = values(dump, "dpcpu_arr")
    ints = values(dump, "dpcpu_int")
    selected = str(dump.truth["selected_cpu"])
    assert run.out("fn_path") == str(stats["2"]["ds_calls"])
    assert run.out("fn_index") == str(arr["1"][3])
    assert run.out("fn_default") == str(ints[selected])
    assert run.out("fn_minus_one") == str(ints[selected])
    assert run.out("fn_lvalue") == "1"
    arr_addr = dump.truth["dpcpu"]["dpcpu_arr"]["template_addr"]
    assert run.out("fn_lvalue_addr") == "0x%x" % (
        arr_addr + dump.truth["dpcpu_off"]["2"] + 8)
    assert run.out("fn_var") == str(stats["1"]["ds_bytes"])
    assert run.out("ptr_path") == "1"
    assert run.out("ptr_type") == "type = long *\n"
    assert run.out("ptr_value") == str(stats["3"]["ds_bytes"])


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


def test_completion(dump, run):
    short = run.lines("complete_short")
    for name in VARS:
        assert "dpcpu-print " + name in short
    assert run.lines("complete_full") == ["dpcpu-print pcpu_entry_dpcpu_stats"]
    assert run.lines("complete_cpus") == ["dpcpu-print dpcpu_int all"]
    assert run.lines("complete_cpu_ids") == \
        ["dpcpu-print dpcpu_int %d" % c for c in dump.present()] + \
        ["dpcpu-print dpcpu_int all"]
    # After a comma only CPUs: "1,all" would be refused.
    assert run.lines("complete_cpu_list") == \
        ["dpcpu-print dpcpu_int 1,%d" % c for c in dump.present()]
    assert run.lines("complete_fmt") == ["dpcpu-print /x dpcpu_arr"]
    assert run.lines("complete_options") == [
        "dpcpu-print -e", "dpcpu-print -json", "dpcpu-print -s"]
    assert run.lines("complete_option_j") == ["dpcpu-print -json"]
    assert run.lines("complete_after_option") == ["dpcpu-print -s dpcpu_stats"]
    # Only options that go together: -e alone, -s with -json.
    assert run.lines("complete_after_e") == []
    assert run.lines("complete_after_s") == ["dpcpu-print -s -json"]
    assert run.lines("complete_members") == [
        "dpcpu-print dpcpu_stats.ds_bytes", "dpcpu-print dpcpu_stats.ds_calls"]
    assert run.lines("complete_member_prefix") == [
        "dpcpu-print -s dpcpu_stats.ds_bytes"]
    assert run.lines("complete_arrow") == ["dpcpu-print dpcpu_thread->td_tid"]


def test_help(run):
    for step, first in (("help_print", "Print a DPCPU (dynamic per-CPU) variable"),
                        ("help_off", "Show each present CPU's DPCPU offset")):
        text = run.out(step)
        assert text.startswith(first)
        assert "\n\nUsage: " in text
        assert "Example" in text
    text = run.out("help_print")
    for word in ("-s", "-json", "-e", "PATH", "CPUS", "$c", "-1",
                 "CPU N not found"):
        assert word in text
    for step in ("help_fn", "help_fn_ptr"):
        text = run.out(step)
        assert "Usage: $dpcpu" in text and "member" in text
    assert "set $v = $dpcpu" in run.out("help_fn")


# --- Sparse CPU ids: CPUs 2, 4 and 5 absent. ---------------------------------

@pytest.fixture(scope="module")
def sparse(vmcore):
    return vmcore("amd64-15.0-sparse")


@pytest.fixture(scope="module")
def sparse_run(sparse):
    return run_gdb(sparse, [
        ("all", "dpcpu-print dpcpu_int"),
        ("s", "dpcpu-print -s dpcpu_int"),
        ("s_range", "dpcpu-print -s dpcpu_stats.ds_calls 0-7"),
        ("json", "dpcpu-print -json -s dpcpu_arr[0] 0-7"),
        ("absent", "dpcpu-print dpcpu_int 2"),
        ("fn_absent", 'output $dpcpu("dpcpu_int", 4)'),
        ("off", "dpcpu-off"),
    ])


def test_sparse_values_and_totals(sparse, sparse_run):
    present = sparse.present()
    assert present == [0, 1, 3, 6, 7]
    ints = {c: values(sparse, "dpcpu_int")[str(c)] for c in present}
    assert sparse_run.out("all") == expected(sparse, "dpcpu_int", present)
    assert sparse_run.lines("s") == \
        expected(sparse, "dpcpu_int", present).splitlines() + stats_lines(ints)
    stats = values(sparse, "dpcpu_stats")
    calls = {c: stats[str(c)]["ds_calls"] for c in present}
    lines = sparse_run.lines("s_range")
    assert lines[:8] == ["cpu %d: %d" % (c, calls[c]) if c in calls
                         else "CPU %d not found" % c for c in range(8)]
    assert lines[8:] == stats_lines(calls)


def test_sparse_json(sparse, sparse_run):
    doc = json.loads(sparse_run.out("json"))
    arr = values(sparse, "dpcpu_arr")
    firsts = {c: arr[str(c)][0] for c in sparse.present()}
    assert doc["cpus"] == [{"cpu": c, "value": firsts[c]} if c in firsts
                           else {"cpu": c, "error": "CPU %d not found" % c}
                           for c in range(8)]
    assert doc["total"] == sum(firsts.values())


def test_sparse_absent_and_off(sparse, sparse_run):
    assert sparse_run.error("absent") == "CPU 2 not found"
    assert sparse_run.error("fn_absent") == "CPU 4 not found"
    assert [int(l.split("]")[0].split("[")[1]) for l in sparse_run.lines("off")] \
        == sparse.present()


# --- 1024 CPUs. --------------------------------------------------------------

@pytest.fixture(scope="module")
def large(vmcore):
    return vmcore("amd64-15.0-large")


@pytest.fixture(scope="module")
def large_run(large):
    return run_gdb(large, [
        ("s", "dpcpu-print -s dpcpu_int"),
        ("s_member", "dpcpu-print -s /x dpcpu_stats.ds_bytes 1000-1023"),
        ("json", "dpcpu-print -json -s dpcpu_u64"),
    ])


def test_large_totals(large, large_run):
    present = large.present()
    assert len(present) == 1024
    ints = {c: values(large, "dpcpu_int")[str(c)] for c in present}
    lines = large_run.lines("s")
    assert len(lines) == 1024 + 3
    assert lines[:1024] == expected(large, "dpcpu_int", present).splitlines()
    assert lines[1024:] == stats_lines(ints)
    stats = values(large, "dpcpu_stats")
    big = {c: stats[str(c)]["ds_bytes"] for c in range(1000, 1024)}
    assert large_run.lines("s_member")[-3:] == stats_lines(big, "x")


def test_large_json(large, large_run):
    doc = json.loads(large_run.out("json"))
    u64 = {c: values(large, "dpcpu_u64")[str(c)] for c in large.present()}
    assert [e["cpu"] for e in doc["cpus"]] == large.present()
    assert all(e["value"] == u64[e["cpu"]] for e in doc["cpus"])
    assert doc["total"] == sum(u64.values())
    low = min(u64, key=lambda c: (u64[c], c))
    assert doc["min"] == {"cpu": low, "value": u64[low]}


# --- A corrupt dump: dpcpu_off[1] is garbage. --------------------------------

@pytest.fixture(scope="module")
def garbage(vmcore):
    return vmcore("amd64-15.0-corrupt-dpcpu-garbage")


def test_unreadable_copy_leaves_a_partial_total(garbage):
    run = run_gdb(garbage, [
        ("s", "dpcpu-print -s dpcpu_int"),
        ("json", "dpcpu-print -json -s dpcpu_stats.ds_calls"),
        ("arrow", "dpcpu-print dpcpu_thread->td_tid 1"),
    ])
    ints = {c: values(garbage, "dpcpu_int")[str(c)] for c in (0, 2, 3)}
    lines = run.lines("s")
    assert lines[1].startswith(
        "cpu 1: <error: cannot read CPU 1's copy of pcpu_entry_dpcpu_int "
        "(4 bytes at 0x")
    assert lines[4:] == ["total: %d (partial: CPU 1 unreadable)"
                         % sum(ints.values())] + stats_lines(ints)[1:]
    doc = json.loads(run.out("json"))
    assert doc["partial"] == [1]
    assert doc["cpus"][1]["cpu"] == 1 and "cannot read CPU 1's copy" in \
        doc["cpus"][1]["error"]
    assert run.out("arrow").startswith(
        "cpu 1: <error: cannot read CPU 1's copy of pcpu_entry_dpcpu_thread")
