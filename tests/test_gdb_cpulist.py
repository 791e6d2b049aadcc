"""The CPU grammar in real GDB on the fixture dumps: N, N-M, lists, all, GDB
expressions as ends ($c, mp_maxid - 1, 0-$c), -1 for the default CPU, and
the errors for absent and too big CPUs, through kgdb_pcpu.cpus and through
the commands and functions that take one CPU."""

import pytest

from conftest import run_gdb

# show(TEXT) prints cpus.parse(TEXT), or the one line a command would give.
SETUP = [
    "python import kgdb_pcpu.cpus as C, kgdb_pcpu.errors as E",
    "python exec(\"def show(text, parse=C.parse):\\n"
    " try:\\n  print(E.user_errors(parse)(text))\\n"
    " except gdb.GdbError as err:\\n  print('error: %s' % err)\")",
]


def show(text, one=False):
    if one:
        return "python show(%r, C.parse_one)" % text
    return "python show(%r)" % text


@pytest.fixture(scope="module")
def amd64(vmcore):
    return vmcore("amd64-15.0")


@pytest.fixture(scope="module")
def sparse(vmcore):
    return vmcore("amd64-15.0-sparse")


def _steps(dump):
    maxid = dump.truth["mp_maxid"]
    return [
        ("n", show("2")),
        ("hex", show("0x1")),
        ("range", show("0-2")),
        ("list", show("3,0-1,1")),
        ("all", show("all")),
        ("a", show("a")),
        ("dollar_c", ["set $c = 2", show("$c")]),
        ("range_c", ["set $c = 2", show("0-$c")]),
        ("range_c_dash", ["set $c = 2", show("1 -$c")]),
        ("minus_c", ["set $c = 2", show("3 - $c")]),
        ("maxid_minus", show("mp_maxid - 1")),
        ("range_maxid", show("0-mp_maxid")),
        ("paren", show("(mp_maxid-1)")),
        ("default", show("-1")),
        ("default_in_list", show("0,-1")),
        ("one_default", show("-1", one=True)),
        ("one_expr", show("mp_maxid", one=True)),
        ("too_big", show(str(dump.truth["mp_maxcpus"]))),
        ("too_big_range", show("0-99999999999")),
        ("too_big_huge", show("99999999999")),
        ("negative", show("-2")),
        ("reversed", show("2-1")),
        ("empty", show("")),
        ("empty_item", show("1,,2")),
        ("all_in_list", show("1,all")),
        ("not_int", show('"x"')),
        ("bad_expr", show("nosuch_symbol")),
        ("one_list", show("0-1", one=True)),
        ("maxid", "output mp_maxid"),
        ("fn_expr", "output $pcpu(mp_maxid - 1).pc_cpuid"),
        ("fn_c", ["set $c = 1", "output $pcpu($c).pc_cpuid"]),
        ("fn_default", "output $pcpu(-1).pc_cpuid"),
        ("fn_too_big", "output $pcpu(%d)" % dump.truth["mp_maxcpus"]),
        ("fn_huge", "output $pcpu(99999999999)"),
        ("fn_negative", "output $pcpu(-2)"),
        ("fn_not_int", 'output $pcpu("x")'),
        ("setcpu_expr", ["dpcpu-setcpu mp_maxid - 1", "dpcpu-setcpu",
                         "dpcpu-setcpu auto"]),
        ("setcpu_list", "dpcpu-setcpu 0-1"),
        ("setcpu_too_big", "dpcpu-setcpu %d" % (dump.truth["mp_maxcpus"] + 9)),
        ("setcpu_absent", "dpcpu-setcpu %d" % (maxid + 1)),
        ("complete_setcpu", "complete dpcpu-setcpu "),
        ("complete_setcpu_1", "complete dpcpu-setcpu 1"),
        ("usable", "output 6 * 7"),
    ]


@pytest.fixture(scope="module")
def run_amd64(amd64):
    return run_gdb(amd64, [("setup", SETUP)] + _steps(amd64))


@pytest.fixture(scope="module")
def run_sparse(sparse):
    absent = sparse.truth["absent"]
    steps = [("setup", SETUP)] + _steps(sparse) + [
        ("absent_kept", show("0-%d" % sparse.truth["mp_maxid"])),
        ("absent_one", show(str(absent[0]), one=True)),
        ("absent_fn", "output $pcpu(%d)" % absent[0]),
        ("absent_PCPU", 'output $PCPU("cpuid", %d)' % absent[0]),
        ("absent_setcpu", "dpcpu-setcpu %d" % absent[0]),
        ("absent_setcpu_after", "dpcpu-setcpu"),
    ]
    return run_gdb(sparse, steps)


def test_grammar_on_amd64(amd64, run_amd64):
    run = run_amd64
    sel = amd64.truth["selected_cpu"]
    maxid = amd64.truth["mp_maxid"]
    maxcpus = amd64.truth["mp_maxcpus"]
    assert run.out("n") == "[2]\n"
    assert run.out("hex") == "[1]\n"
    assert run.out("range") == "[0, 1, 2]\n"
    assert run.out("list") == "[3, 0, 1]\n"
    assert run.out("all") == "%s\n" % amd64.present()
    assert run.out("a") == "%s\n" % amd64.present()
    assert run.out("dollar_c") == "[2]\n"
    assert run.out("range_c") == "[0, 1, 2]\n"
    assert run.out("range_c_dash") == "[1, 2]\n"
    assert run.out("minus_c") == "[1]\n"      # "a - b" is a subtraction
    assert run.out("maxid_minus") == "[%d]\n" % (maxid - 1)
    assert run.out("range_maxid") == "%s\n" % list(range(maxid + 1))
    assert run.out("paren") == "[%d]\n" % (maxid - 1)
    assert run.out("default") == "[%d]\n" % sel
    assert run.out("default_in_list") == "%s\n" % ([0] if sel == 0 else [0, sel])
    assert run.out("one_default") == "%d\n" % sel
    assert run.out("one_expr") == "%d\n" % maxid
    assert run.out("too_big") == "error: CPU %d too big (mp_maxcpus is %d)\n" % (
        maxcpus, maxcpus)
    assert run.out("too_big_range") == ("error: CPU 99999999999 too big "
                                        "(mp_maxcpus is %d)\n" % maxcpus)
    assert run.out("too_big_huge") == ("error: CPU 99999999999 too big "
                                       "(mp_maxcpus is %d)\n" % maxcpus)
    assert run.out("negative") == "error: CPU -2 not found\n"
    assert run.out("reversed") == ("error: invalid CPU range 2-1: 2-1 is "
                                   "reversed\n")
    assert run.out("empty") == "error: a CPU is required\n"
    assert run.out("empty_item") == ("error: invalid CPU list '1,,2': empty "
                                     "item\n")
    assert run.out("all_in_list") == ("error: invalid CPU list '1,all': 'all' "
                                      "stands alone\n")
    assert run.out("not_int") == ("error: invalid CPU '\"x\"': not an integer "
                                  "(type char [2])\n")
    assert run.out("bad_expr") == ("error: invalid CPU 'nosuch_symbol': No "
                                   "symbol \"nosuch_symbol\" in current "
                                   "context.\n")
    assert run.out("one_list") == ("error: invalid CPU '0-1': one CPU is "
                                   "needed here, not a list\n")


def test_one_cpu_faces_on_amd64(amd64, run_amd64):
    run = run_amd64
    sel = amd64.truth["selected_cpu"]
    maxid = amd64.truth["mp_maxid"]
    maxcpus = amd64.truth["mp_maxcpus"]
    assert run.out("fn_expr") == "%d" % (maxid - 1)
    assert run.out("fn_c") == "1"
    assert run.out("fn_default") == "%d" % sel
    assert run.error("fn_too_big") == "CPU %d too big (mp_maxcpus is %d)" % (
        maxcpus, maxcpus)
    assert run.error("fn_huge") == ("CPU 99999999999 too big (mp_maxcpus is "
                                    "%d)" % maxcpus)
    assert run.error("fn_negative") == "CPU -2 not found"
    assert run.error("fn_not_int") == ("invalid argument of $pcpu: not an "
                                       "integer (type char [2])")
    assert run.out("setcpu_expr").startswith("Commands use CPU %d, set by "
                                             "dpcpu-setcpu" % (maxid - 1))
    assert run.error("setcpu_list") == ("invalid CPU '0-1': one CPU is needed "
                                        "here, not a list")
    assert run.error("setcpu_too_big") == ("CPU %d too big (mp_maxcpus is %d)"
                                           % (maxcpus + 9, maxcpus))
    assert run.error("setcpu_absent") == "CPU %d not found" % (maxid + 1)
    assert run.lines("complete_setcpu") == sorted(
        ["dpcpu-setcpu auto"] + ["dpcpu-setcpu %d" % c for c in amd64.present()])
    assert run.lines("complete_setcpu_1") == ["dpcpu-setcpu 1"]
    assert run.out("usable") == "42"


def test_grammar_on_sparse(sparse, run_sparse):
    run = run_sparse
    present = sparse.present()
    absent = sparse.truth["absent"]
    maxid = sparse.truth["mp_maxid"]
    assert absent and maxid > max(present) - 1
    # all is the present CPUs only; a range keeps the absent ones, for the
    # command to say "CPU N not found" where it reaches them.
    assert run.out("all") == "%s\n" % present
    assert run.out("absent_kept") == "%s\n" % list(range(maxid + 1))
    assert run.out("default") == "[%d]\n" % sparse.truth["selected_cpu"]
    assert run.out("range_maxid") == "%s\n" % list(range(maxid + 1))
    assert run.out("absent_one") == "error: CPU %d not found\n" % absent[0]
    assert run.error("absent_fn") == "CPU %d not found" % absent[0]
    assert run.error("absent_PCPU") == "CPU %d not found" % absent[0]
    assert run.error("absent_setcpu") == "CPU %d not found" % absent[0]
    # A refused dpcpu-setcpu changes nothing.
    assert run.out("absent_setcpu_after").startswith(
        "Commands use CPU %d, the CPU of the selected thread"
        % sparse.truth["selected_cpu"])
    assert run.lines("complete_setcpu") == sorted(
        ["dpcpu-setcpu auto"] + ["dpcpu-setcpu %d" % c for c in present])
