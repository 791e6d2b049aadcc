"""counter-fetch and $counter: real GDB on fixture dumps.

The amd64 15.0 dump's counters have slots that tell CPUs apart (1000001,
1000008, ...), a counter of zeros (vm_cnt.v_intr) and one whose slots the
kernel decremented (vm_cnt.v_soft: each slot is at or above 2^63, the sum
small).  Expected values come from truth.json; print's own text of the same
numbers is the reference for formats and output-radix.
"""

import json
import re

import pytest

from conftest import run_gdb

MASK = (1 << 64) - 1
SHAPE = "amd64-15.0"
HISTORY = re.compile(r"\$(\d+) = (\S+)\Z")
SLOT = re.compile(r"\s*cpu +(\d+): +(\S+)(?: +(-?[\d.]+%|[<>]-?999%|-))?(?: ([#]+|-+))?\Z")
FORMATS = "xzotdu"


def signed(value):
    value &= MASK
    return value - (1 << 64) if value >> 63 else value


def history(text):
    """(N, value text) of a "$N = VALUE" line."""
    m = HISTORY.match(text.strip())
    assert m, "not a $N = VALUE line: %r" % text
    return int(m.group(1)), m.group(2)


def slots(text):
    """[(cpu, value text, share text, bar)] of -v's lines."""
    out = []
    for line in text.splitlines():
        m = SLOT.match(line)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3), m.group(4) or ""))
    return out


def printed(run, step):
    """The value part of print's "$N = VALUE"."""
    return history(run.out(step).strip().splitlines()[-1])[1]


def explain_and_print(cmd):
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore(SHAPE)


def counters(dump):
    return list(dump.truth["counters"].items())


@pytest.fixture(scope="module")
def run(dump):
    truth = dump.truth
    soft = truth["counters"]["vm_cnt.v_soft"]
    steps = []
    for i, (name, c) in enumerate(counters(dump)):
        steps += [("sum%d" % i, "counter-fetch " + name),
                  ("hist%d" % i, "output $"),
                  ("x%d" % i, "counter-fetch /x " + name),
                  ("v%d" % i, "counter-fetch -v " + name),
                  ("e%d" % i, explain_and_print("counter-fetch -e " + name)),
                  ("fn%d" % i, "output $counter(%s)" % name)]
    for f in FORMATS:
        steps += [("fmt_" + f, "counter-fetch /%s vm_cnt.v_soft" % f),
                  ("print_" + f, "print/%s (uint64_t)%d" % (f, soft["sum"])),
                  ("fmt_v_" + f, "counter-fetch -v /%s vm_cnt.v_soft" % f),
                  ("print_slot_" + f, "print/%s (int64_t)%d"
                   % (f, signed(soft["slots"]["0"])))]
    for radix in (16, 8):
        steps += [("radix%d" % radix, ["set output-radix %d" % radix,
                                        "counter-fetch vm_cnt.v_swtch"]),
                  ("radix%d_print" % radix, "print (uint64_t)%d"
                   % truth["counters"]["vm_cnt.v_swtch"]["sum"]),
                  ("radix%d_d" % radix, "counter-fetch /d vm_cnt.v_swtch"),
                  ("radix%d_v" % radix, "counter-fetch -v vm_cnt.v_soft"),
                  ("radix%d_slot" % radix, ["print (int64_t)%d"
                                             % signed(soft["slots"]["0"]),
                                             "set output-radix 10"])]
    steps += [
        ("array", "counter-fetch tcpstat"),
        ("array_hist", ["output $[3]", "echo \\n", "whatis $"]),
        ("array_x", "counter-fetch /x tcpstat"),
        ("array_e", explain_and_print("counter-fetch -e tcpstat")),
        ("netstat", "counter-fetch -t 'struct tcpstat' tcpstat"),
        # -t's sums enter the history as the array of uint64_t they are.
        ("netstat_hist", ["output $[1]", "echo \\n", "whatis $"]),
        ("netstat_dq", 'counter-fetch -t "struct tcpstat" tcpstat'),
        ("netstat_unquoted", "counter-fetch -t struct tcpstat tcpstat"),
        ("netstat_v", "counter-fetch -v -t 'struct tcpstat' tcpstat"),
        ("netstat_v_top", "counter-fetch -top 1 -t 'struct tcpstat' tcpstat"),
        ("array_v", "counter-fetch -v tcpstat"),
        ("vmstat", "counter-fetch vm_cnt"),
        ("vmstat_hist", ["whatis $", "output $[1]"]),
        ("vmstat_ptr", "counter-fetch &vm_cnt"),
        ("vmstat_v", "counter-fetch -v -c 1 vm_cnt"),
        ("vmstat_others", "output vm_cnt.v_page_size"),
        ("glued", "counter-fetch/x vm_cnt.v_swtch"),
        ("fmt_after_options", "counter-fetch -v /x vm_cnt.v_swtch"),
        ("combined", "counter-fetch -ve vm_cnt.v_swtch"),
        ("neg_bars", "counter-fetch -v vm_cnt.v_soft"),
        ("zero_bars", "counter-fetch -v vm_cnt.v_intr"),
        ("bars", ["set kgdb-pcpu bar-width 10", "counter-fetch -v vm_cnt.v_trap"]),
        ("no_bars", ["set kgdb-pcpu bar-width 0", "counter-fetch -v vm_cnt.v_trap",
                     "set kgdb-pcpu bar-width 30"]),
        ("filter", "counter-fetch -c 3,1 vm_cnt.v_trap"),
        ("filter_expr", "counter-fetch -c '$one - 2' vm_cnt.v_trap"),
        ("sort", "counter-fetch -sort vm_cnt.v_trap"),
        ("top", "counter-fetch -top 2 vm_cnt.v_trap"),
        ("top_prefix", "counter-fetch -to 2 -so vm_cnt.v_trap"),
        ("json", "counter-fetch -json vm_cnt.v_trap"),
        ("json_v", "counter-fetch -json -v -top 3 tcpstat"),
        ("json_struct", "counter-fetch -json vm_cnt"),
        ("dashdash", "counter-fetch -- vm_cnt.v_swtch"),
        ("fn_arith", "output $counter(vm_cnt.v_swtch) + 1"),
        ("fn_type", ["print $counter(vm_cnt.v_swtch)", "whatis $"]),
        ("fn_element", "output $counter(tcpstat[1])"),
        # NULL counters: one line, naming the counter.
        ("null", "counter-fetch (counter_u64_t)0"),
        ("null_v", "counter-fetch -v (counter_u64_t)0"),
        ("null_json", "counter-fetch -json (counter_u64_t)0"),
        ("null_fn", "output $counter((counter_u64_t)0)"),
        ("null_elem", ["set $arr = {tcpstat[0], tcpstat[1], (counter_u64_t)0}",
                       "counter-fetch $arr"]),
        ("null_elem_v", "counter-fetch -v $arr[2]"),
        ("null_struct", ["set $vm = vm_cnt", "set var $vm.v_trap = 0",
                         "counter-fetch $vm"]),
        ("null_netstat", ["set $stats = {%s}" % ", ".join(
            "(counter_u64_t)0" if i == 3 else "tcpstat[%d]" % i
            for i in range(len(truth["counter_arrays"]["tcpstat"]["sums"]))),
                          "counter-fetch -t 'struct tcpstat' $stats"]),
        # Errors.
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
        ("bad_top", "counter-fetch -top 0 vm_cnt.v_swtch"),
        ("bad_cpu", "counter-fetch -c 9 vm_cnt.v_swtch"),
        ("e_json", "counter-fetch -e -json vm_cnt.v_swtch"),
        ("fn_bad", "output $counter(mp_ncpus)"),
        ("fn_arity", "output $counter()"),
        # Completion offers only what the command accepts.
        ("complete_options", "complete counter-fetch -"),
        ("complete_option_prefix", "complete counter-fetch -v -so"),
        ("complete_tag_keyword", "complete counter-fetch -t str"),
        ("complete_tag", "complete counter-fetch -t struct tcps"),
        ("complete_cpu", "complete counter-fetch -c "),
        ("complete_expr", "complete counter-fetch -v vm_cnt.v_swt"),
        ("complete_plain", "complete counter-fetch vm_cnt.v_swt"),
        ("help", "help counter-fetch"),
        ("still_usable", "output 6 * 7"),
    ]
    return run_gdb(dump, steps, pre=["set $one = 4"])


def test_sum_of_every_counter_enters_the_value_history(dump, run):
    numbers = []
    for i, (name, c) in enumerate(counters(dump)):
        n, text = history(run.out("sum%d" % i))
        assert text == "%d" % c["sum"], name
        assert run.out("hist%d" % i) == "%d" % c["sum"], name
        assert run.out("x%d" % i) == "$%d = 0x%x\n" % (n + 1, c["sum"]), name
        assert run.out("fn%d" % i) == "%d" % c["sum"], name
        assert c["sum"] == sum(c["slots"].values()) & MASK
        numbers.append(n)
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_sum_matches_libkvm_where_libkvm_is_right(dump):
    # On a dense amd64 13+ dump libkvm's loop gives the same sums.
    for name, c in counters(dump):
        assert dump.truth["libkvm_counter_sums"][name] == c["sum"]


def test_formats_are_prints(run):
    for f in FORMATS:
        assert history(run.out("fmt_" + f))[1] == printed(run, "print_" + f), f
        first = slots(run.out("fmt_v_" + f))[0]
        assert first[0] == 0
        assert first[1] == printed(run, "print_slot_" + f), f


def test_output_radix_is_followed(run):
    for radix in (16, 8):
        out = run.out("radix%d" % radix)
        assert history(out)[1] == printed(run, "radix%d_print" % radix)
        assert history(out)[1].startswith("0x" if radix == 16 else "0")
        assert history(run.out("radix%d_d" % radix))[1].isdigit()
        first = slots(run.out("radix%d_v" % radix))[0]
        assert first[1] == printed(run, "radix%d_slot" % radix)


def test_verbose_slots_then_the_sum(dump, run):
    for i, (name, c) in enumerate(counters(dump)):
        lines = run.lines("v%d" % i)
        assert history(lines[-1])[1] == "%d" % c["sum"]
        rows = slots(run.out("v%d" % i))
        assert len(rows) == len(lines) - 1
        assert [(cpu, int(v)) for cpu, v, _s, _b in rows] == \
            [(cpu, signed(c["slots"][str(cpu)])) for cpu in dump.present()]


def test_verbose_share_column(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_trap"]
    for cpu, _v, share, _bar in slots(run.out("bars")):
        assert share == "%.1f%%" % (100.0 * c["slots"][str(cpu)] / c["sum"])
    for _cpu, _v, share, _bar in slots(run.out("zero_bars")):
        assert share == "-"


def test_bars_scaled_to_the_largest_magnitude(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_trap"]
    rows = slots(run.out("bars"))
    largest = max(c["slots"].values())
    for cpu, value, _s, bar in rows:
        assert len(bar) == round(10 * int(value) / largest)
    assert max(len(bar) for *_x, bar in rows) == 10
    assert "#" not in run.out("no_bars")
    assert "%" in run.out("no_bars")


def test_decremented_slot_is_signed_with_a_bar(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_soft"]
    rows = slots(run.out("neg_bars"))
    values = [signed(c["slots"][str(cpu)]) for cpu in dump.present()]
    assert all(v < 0 for v in values)
    assert [int(v) for _c, v, _s, _b in rows] == values
    largest = max(abs(v) for v in values)
    for (_cpu, _v, _s, bar), value in zip(rows, values):
        assert bar == "-" * max(1, round(30 * abs(value) / largest))
    assert max(len(b) for *_x, b in rows) == 30
    # Each slot is far below a sum the slots' wrap-around makes small.
    assert {share for _c, _v, share, _b in rows} == {"<-999%"}
    assert history(run.lines("neg_bars")[-1])[1] == "%d" % c["sum"]
    assert not any(bar for *_x, bar in slots(run.out("zero_bars")))


def test_cpu_filter_sort_and_top(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_trap"]
    total = "%d" % c["sum"]

    def shown(step):
        return [(cpu, int(v)) for cpu, v, _s, _b in slots(run.out(step))]

    assert shown("filter") == [(3, c["slots"]["3"]), (1, c["slots"]["1"])]
    assert history(run.lines("filter")[-1])[1] == total     # every CPU's sum
    assert shown("filter_expr") == [(2, c["slots"]["2"])]
    by_value = sorted(((int(k), v) for k, v in c["slots"].items()),
                      key=lambda r: -r[1])
    assert shown("sort") == by_value
    assert shown("top") == by_value[:2]
    assert shown("top_prefix") == by_value[:2]
    # The bars of what is shown are scaled to the largest shown.
    assert max(len(b) for *_x, b in slots(run.out("filter"))) == 30


def test_json(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_trap"]
    doc = json.loads(run.out("json"))
    assert doc["expression"] == "vm_cnt.v_trap"
    assert doc["counters"] == [{"name": "vm_cnt.v_trap", "sum": c["sum"]}]
    assert doc["partial"] is False and doc["missing_cpus"] == []
    arr = dump.truth["counter_arrays"]["tcpstat"]
    doc = json.loads(run.out("json_v"))
    assert [e["sum"] for e in doc["counters"]] == arr["sums"]
    first = doc["counters"][0]
    slots0 = arr["elements"][0]["slots"]
    want = sorted(((int(k), v) for k, v in slots0.items()), key=lambda r: -r[1])[:3]
    assert [(e["cpu"], e["value"]) for e in first["cpus"]] == want
    assert first["cpus"][0]["share"] == round(100.0 * want[0][1] / arr["sums"][0], 3)
    doc = json.loads(run.out("json_struct"))
    names = [n[len("vm_cnt."):] for n in dump.truth["counters"] if n.startswith("vm_cnt.")]
    assert [e["name"] for e in doc["counters"]] == names
    assert {"name": "v_page_size", "value": run.out("vmstat_others")} in doc["members"]


def test_explain_expression_is_the_slot(dump, run):
    selected = dump.truth["selected_cpu"]
    for i, (name, c) in enumerate(counters(dump)):
        expr, value = run.out("e%d" % i).split("\n", 1)
        assert expr == ("*(uint64_t *)((char *)%s + cpuid_to_pcpu[%d]->pc_zpcpu_offset)"
                        % (name, selected))
        assert value.strip() == "%d" % c["slots"][str(selected)]


def test_array_sums_enter_the_history_as_an_array(dump, run):
    sums = dump.truth["counter_arrays"]["tcpstat"]["sums"]
    assert run.lines("array") == ["[%d] = %d" % (i, s) for i, s in enumerate(sums)]
    assert run.lines("array_x") == ["[%d] = 0x%x" % (i, s) for i, s in enumerate(sums)]
    assert run.lines("array_hist") == ["%d" % sums[3], "type = uint64_t [%d]" % len(sums)]
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
        rows = slots("\n".join(lines[i * per + 1:(i + 1) * per]))
        assert [(cpu, int(v)) for cpu, v, _s, _b in rows] == \
            [(cpu, arr["elements"][i]["slots"][str(cpu)]) for cpu in dump.present()]


def test_netstat_view_every_field_zeros_included(dump, run):
    arr = dump.truth["counter_arrays"]["tcpstat"]
    expected = ["%s = %d" % (f, s) for f, s in zip(arr["fields"], arr["sums"])]
    assert run.err("netstat") == ""
    assert run.lines("netstat") == expected
    assert any(line.endswith(" = 0") for line in expected)
    assert run.lines("netstat_hist") == ["%d" % arr["sums"][1],
                                         "type = uint64_t [%d]" % len(arr["fields"])]
    assert run.out("netstat_dq") == run.out("netstat")
    assert run.out("netstat_unquoted") == run.out("netstat")
    lines = run.lines("netstat_v")
    assert lines[0] == expected[0]
    assert lines[1].startswith("  cpu 0: ")
    # -top 1: each field with its largest slot only.
    lines = run.lines("netstat_v_top")
    assert len(lines) == 2 * len(expected)
    assert lines[0::2] == expected


def test_vmstat_view(dump, run):
    names = [n for n in dump.truth["counters"] if n.startswith("vm_cnt.")]
    lines = run.lines("vmstat")
    want = ["%s = %d" % (n[len("vm_cnt."):], dump.truth["counters"][n]["sum"])
            for n in names]
    assert lines[:len(want)] == want
    assert "v_page_size = %s" % run.out("vmstat_others") in lines[len(want):]
    assert all(not line.startswith("v_swtch") for line in lines[len(want):])
    assert run.lines("vmstat_hist") == ["type = uint64_t [%d]" % len(names),
                                        "%d" % dump.truth["counters"][names[1]]["sum"]]
    assert run.out("vmstat_ptr") == run.out("vmstat")
    lines = run.lines("vmstat_v")
    first = dump.truth["counters"][names[0]]
    assert lines[0] == want[0]
    assert [(c, int(v)) for c, v, _s, _b in slots(lines[1])] == [(1, first["slots"]["1"])]


def test_options_before_and_after_format(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_swtch"]
    assert history(run.out("glued"))[1] == "0x%x" % c["sum"]
    assert history(run.lines("fmt_after_options")[-1])[1] == "0x%x" % c["sum"]
    assert slots(run.out("fmt_after_options"))[0][1] == "0x%x" % c["slots"]["0"]
    assert run.out("combined").startswith("*(uint64_t *)((char *)vm_cnt.v_swtch + ")
    assert history(run.out("dashdash"))[1] == "%d" % c["sum"]


def test_counter_function(dump, run):
    c = dump.truth["counters"]["vm_cnt.v_swtch"]
    assert run.out("fn_arith") == "%d" % (c["sum"] + 1)
    assert run.lines("fn_type")[-1] == "type = uint64_t"
    assert run.out("fn_element") == "%d" % dump.truth["counter_arrays"]["tcpstat"]["sums"][1]
    assert run.error("fn_bad") == "not a counter_u64_t (type int)"
    assert run.error("fn_arity") == "Usage: $counter(EXPR)"


def test_null_counter_is_an_error_naming_it(run):
    null = "counter is NULL (not allocated)"
    assert run.error("null") == "(counter_u64_t)0: " + null
    assert run.out("null") == ""
    assert run.error("null_v") == "(counter_u64_t)0: " + null
    assert run.out("null_v") == ""
    assert run.error("null_json") == "(counter_u64_t)0: " + null
    assert run.error("null_fn") == null
    assert run.error("null_elem") == "$arr[2]: " + null
    assert run.out("null_elem") == ""
    assert run.error("null_elem_v") == "$arr[2]: " + null
    assert run.error("null_struct") == "$vm.v_trap: " + null
    assert run.error("null_netstat") == "$stats.tcps_drops: " + null


def test_errors(run):
    assert run.error("not_counter") == "mp_ncpus is not a counter_u64_t (type int)"
    assert run.error("not_counter_ptr") == ("cpuid_to_pcpu[0] is not a counter_u64_t "
                                            "and has no counter_u64_t member "
                                            "(type struct pcpu)")
    assert run.error("no_expr").startswith("Usage: counter-fetch")
    assert run.error("bad_expr") == 'No symbol "nosuchsymbol" in current context.'
    assert run.error("bad_type_name") == 'No type "struct nosuch".'
    assert run.error("not_struct") == "int is not a struct"
    assert run.error("not_64bit_fields") == \
        "field ds_calls of struct dpcpu_stats is not a 64-bit counter"
    assert run.error("t_not_array") == \
        "mp_ncpus is not an array of counter_u64_t (type int)"
    assert run.error("t_missing_value") == "option -t needs a value (TYPE)"
    assert run.error("bad_option").startswith("unknown option -q (-v, -e, -c")
    assert run.error("bad_format") == "format /s does not apply to a counter sum"
    assert run.error("bad_top") == "-top needs a positive count, not 0"
    assert run.error("bad_cpu") == "CPU 9 not found"
    assert run.error("e_json") == "-e and -json do not go together"
    assert run.out("still_usable") == "42"


def test_completion(run):
    options = ["-V", "-c", "-e", "-json", "-partial", "-sort", "-t", "-top", "-v"]
    assert run.lines("complete_options") == ["counter-fetch " + o for o in options]
    assert run.lines("complete_option_prefix") == ["counter-fetch -v -sort"]
    assert run.lines("complete_tag_keyword") == ["counter-fetch -t struct"]
    assert "counter-fetch -t struct tcpstat" in run.lines("complete_tag")
    assert all(line.startswith("counter-fetch -t struct tcps")
               for line in run.lines("complete_tag"))
    assert run.lines("complete_cpu") == ["counter-fetch -c " + c
                                         for c in ("0", "1", "2", "3", "all")]
    assert run.lines("complete_expr") == ["counter-fetch -v vm_cnt.v_swtch"]
    assert run.lines("complete_plain") == ["counter-fetch vm_cnt.v_swtch"]


def test_help(run):
    text = run.out("help")
    assert text.startswith("Print the sum of counter(9) counters over the present CPUs.\n\n"
                           "Usage: counter-fetch")
    for word in ("-t 'struct tcpstat'", "-partial", "-json", "-sort", "-top N",
                 "-c CPUS", "vmstat -s", "value history"):
        assert word in text


# --- Other shapes: sparse CPU ids, and dumps whose slots cannot be read. -----


def test_sparse_filter_and_absent_cpu(vmcore):
    dump = vmcore("amd64-15.0-sparse")
    c = dump.truth["counters"]["vm_cnt.v_swtch"]
    run = run_gdb(dump, [("v", "counter-fetch -v vm_cnt.v_swtch"),
                         ("absent", "counter-fetch -c 2 vm_cnt.v_swtch"),
                         ("range", "counter-fetch -c 6-7 vm_cnt.v_swtch")])
    assert [cpu for cpu, *_x in slots(run.out("v"))] == dump.present()
    assert history(run.lines("v")[-1])[1] == "%d" % c["sum"]
    assert run.error("absent") == "CPU 2 not found"
    assert [(cpu, int(v)) for cpu, v, *_x in slots(run.out("range"))] == \
        [(6, c["slots"]["6"]), (7, c["slots"]["7"])]


def test_partial_sums_over_readable_cpus(vmcore):
    dump = vmcore("amd64-15.0-corrupt-counter-nowhere")
    name = dump.truth["corrupt"]["counter"]
    other = dump.truth["counters"]["vm_cnt.v_trap"]
    run = run_gdb(dump, [
        ("strict", "counter-fetch %s" % name),
        ("partial", "counter-fetch -partial %s" % name),
        ("partial_v", "counter-fetch -partial -v %s" % name),
        ("partial_json", "counter-fetch -partial -json %s" % name),
        ("partial_other", "counter-fetch -partial vm_cnt.v_trap"),
    ])
    assert run.error("strict").startswith("cannot read counter slot")
    label = "partial: CPUs %d-%d left out (unreadable)" % (dump.present()[0],
                                                           dump.present()[-1])
    assert run.lines("partial")[0] == label
    assert history(run.lines("partial")[1])[1] == "0"
    lines = run.lines("partial_v")
    assert lines[0] == label
    assert [l.split() for l in lines[1:-1]] == [["cpu", "%d:" % c, "unreadable"]
                                                for c in dump.present()]
    doc = json.loads(run.out("partial_json"))
    assert doc["partial"] is True
    assert doc["missing_cpus"] == dump.present()
    assert doc["counters"] == [{"name": name, "sum": 0}]
    # A counter every CPU of which can be read is whole, -partial or not.
    assert [history(l)[1] for l in run.lines("partial_other")] == ["%d" % other["sum"]]


@pytest.mark.parametrize("shape", ["amd64-12.4", "arm64-14.3", "amd64-13.5"])
def test_vmstat_view_per_release(vmcore, shape):
    """struct vmmeter's counters from 12.0 on (docs/FREEBSD.md)."""
    dump = vmcore(shape)
    names = [n for n in dump.truth["counters"] if n.startswith("vm_cnt.")]
    run = run_gdb(dump, [("vmstat", "counter-fetch vm_cnt")])
    lines = run.lines("vmstat")
    assert lines[:len(names)] == ["%s = %d" % (n[len("vm_cnt."):],
                                               dump.truth["counters"][n]["sum"])
                                  for n in names]


def test_11_has_no_vm_cnt_counters_but_tcpstat(vmcore):
    """11.x: struct vmmeter's members are plain integers (per-CPU copies in
    pc_cnt); the protocol statistics are already counter(9) arrays."""
    dump = vmcore("amd64-11.4")
    arr = dump.truth["counter_arrays"]["tcpstat"]
    run = run_gdb(dump, [("vmstat", "counter-fetch vm_cnt"),
                         ("netstat", "counter-fetch -t 'struct tcpstat' tcpstat"),
                         ("v", "counter-fetch -v tcpstat[1]")])
    assert run.error("vmstat") == ("vm_cnt is not a counter_u64_t and has no "
                                   "counter_u64_t member (type struct vmmeter)")
    assert run.lines("netstat") == ["%s = %d" % (f, s) for f, s in
                                    zip(arr["fields"], arr["sums"])]
    assert [(c, int(v)) for c, v, *_x in slots(run.out("v"))] == \
        [(c, arr["elements"][1]["slots"][str(c)]) for c in dump.present()]
