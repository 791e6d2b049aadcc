"""$pcpu, $PCPU, $maxcpu, $ncpus, $CPU_FIRST, $CPU_NEXT, $CPU_ABSENT in real
GDB on the fixture dumps ($dpcpu, $dpcpu_ptr: test_gdb_dpcpu.py; $counter:
test_gdb_counter.py).

$PCPU must give what FreeBSD 15's own $PCPU gives (docs/FREEBSD.md): the
member pc_FIELD of cpuid_to_pcpu[CPU], or the DPCPU variable pcpu_entry_FIELD
at the CPU's pc_dynamic; each is compared with that formula written as a
plain GDB expression."""

import pytest

from conftest import run_gdb

LOOP_NEXT = """\
set $c = $CPU_FIRST()
set $n = 0
while 1
  printf "cpu %d cpuid %d\\n", $c, $pcpu($c).pc_cpuid
  set $n = $n + 1
  set $c = $CPU_NEXT($c)
  if $c == $CPU_FIRST()
    loop_break
  end
end
printf "count %d\\n", $n
"""

LOOP_FOREACH = """\
set $i = 0
while $i <= mp_maxid
  if !$CPU_ABSENT($i)
    printf "cpu %d dpcpu_int %d\\n", $i, $PCPU("dpcpu_int", $i)
  end
  set $i = $i + 1
end
"""


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    path = tmp_path_factory.mktemp("loops")
    (path / "next.gdb").write_text(LOOP_NEXT)
    (path / "foreach.gdb").write_text(LOOP_FOREACH)
    return path


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


@pytest.fixture(scope="module")
def sparse(vmcore):
    return vmcore("amd64-15.0-sparse")


def dpcpu(dump, name, cpu):
    return dump.truth["dpcpu"][name]["values"][str(cpu)]


@pytest.fixture(scope="module")
def run(dump, scripts):
    steps = []
    for cpu in dump.present():
        steps += [
            ("cpuid%d" % cpu, "output $pcpu(%d).pc_cpuid" % cpu),
            ("addr%d" % cpu, "output &$pcpu(%d)" % cpu),
            ("tid%d" % cpu, "output $pcpu(%d).pc_curthread->td_tid" % cpu),
            ("name%d" % cpu, "output $pcpu(%d).pc_curthread->td_name" % cpu),
            ("PCPU_cur%d" % cpu, 'output $PCPU("curthread", %d)' % cpu),
            ("PCPU_cpuid%d" % cpu, 'output $PCPU("cpuid", %d)' % cpu),
            ("PCPU_dpcpu%d" % cpu, 'output $PCPU("dpcpu_int", %d)' % cpu),
            # FreeBSD's $PCPU, as plain GDB expressions.
            ("fbsd_member%d" % cpu,
             'output &$PCPU("curthread", %d) == &cpuid_to_pcpu[%d]->pc_curthread'
             % (cpu, cpu)),
            ("fbsd_dpcpu%d" % cpu,
             'output &$PCPU("dpcpu_int", %d) == (int *)(cpuid_to_pcpu[%d]->'
             'pc_dynamic + (unsigned long)&pcpu_entry_dpcpu_int)' % (cpu, cpu)),
            ("PCPU_path%d" % cpu, 'output $PCPU("dpcpu_stats.ds_bytes", %d)' % cpu),
            ("PCPU_arrow%d" % cpu, 'output $PCPU("curthread->td_tid", %d)' % cpu),
            ("PCPU_index%d" % cpu, 'output $PCPU("dpcpu_arr[2]", %d)' % cpu),
        ]
    steps += [
        ("pcpu_default", "output $pcpu().pc_cpuid"),
        ("pcpu_minus_one", "output $pcpu(-1).pc_cpuid"),
        ("PCPU_default", 'output $PCPU("cpuid")'),
        ("PCPU_minus_one", 'output $PCPU("cpuid", -1)'),
        ("PCPU_name", 'output $PCPU("curthread")->td_name'),
        ("PCPU_lvalue", ['set var $PCPU("dpcpu_int", 0) = $PCPU("dpcpu_int", 0)',
                         'output &$PCPU("cpuid", 0) == &$pcpu(0).pc_cpuid']),
        ("maxcpu", "output $maxcpu()"),
        ("ncpus", "output $ncpus()"),
        ("maxcpu_type", ["print $maxcpu()", "whatis $"]),
        ("first", "output $CPU_FIRST()"),
        ("first_type", ["print $CPU_FIRST()", "whatis $"]),
        ("next_of", "output {%s}" % ", ".join(
            "$CPU_NEXT(%d)" % c for c in (-5, -1, 0, 1, 2, 3, 4, 100))),
        ("absent_of", "output {%s}" % ", ".join(
            "$CPU_ABSENT(%d)" % c for c in (-1, 0, 1, 3, 4, 255, 1024, 5000))),
        ("loop_next", "source %s" % (scripts / "next.gdb")),
        ("loop_foreach", "source %s" % (scripts / "foreach.gdb")),
        ("history", ["print $pcpu(2)", "output $.pc_cpuid"]),
        ("ptype", ["ptype $pcpu(0)", "set $p = $pcpu(0)", "ptype $p"]),
        ("pcpu_absent", "output $pcpu(7)"),
        ("pcpu_too_big", "output $pcpu(%d)" % dump.truth["mp_maxcpus"]),
        ("pcpu_arity", "output $pcpu(1, 2)"),
        ("pcpu_bad_cpu", 'output $pcpu("x")'),
        ("PCPU_nosuch", 'output $PCPU("nosuch")'),
        ("PCPU_pc_prefix", 'output $PCPU("pc_cpuid")'),
        ("PCPU_not_string", "output $PCPU(5)"),
        ("PCPU_char_member",
         "output $PCPU(cpuid_to_pcpu[0]->pc_curthread->td_name)"),
        ("PCPU_char_variable", "output $PCPU(version)"),
        ("PCPU_convenience", ['set $f = "cpuid"', "output $PCPU($f, 1)"]),
        ("PCPU_empty", 'output $PCPU("")'),
        ("PCPU_bad_path", 'output $PCPU("dpcpu_stats.nosuch", 1)'),
        ("PCPU_absent", 'output $PCPU("cpuid", 7)'),
        ("PCPU_arity", "output $PCPU()"),
        ("maxcpu_arity", "output $maxcpu(1)"),
        ("ncpus_arity", "output $ncpus(1)"),
        ("first_arity", "output $CPU_FIRST(1)"),
        ("next_arity", "output $CPU_NEXT()"),
        ("absent_arity", "output $CPU_ABSENT(1, 2)"),
        ("next_not_int", 'output $CPU_NEXT("x")'),
        ("still_usable", "output 6 * 7"),
    ]
    for name in ("pcpu", "PCPU", "maxcpu", "ncpus", "CPU_FIRST", "CPU_NEXT",
                 "CPU_ABSENT"):
        steps.append(("help_" + name, "help function " + name))
    return run_gdb(dump, steps)


def test_pcpu_function(dump, run):
    for cpu in dump.present():
        pc = dump.pcpu(cpu)
        td = dump.truth["threads"][str(pc["curthread"])]
        assert run.out("cpuid%d" % cpu) == "%d" % cpu
        assert run.out("addr%d" % cpu) == "(struct pcpu *) 0x%x" % pc["addr"]
        assert run.out("tid%d" % cpu) == "%d" % td["tid"]
        assert run.out("name%d" % cpu).startswith('"%s' % td["name"])
    selected = dump.truth["selected_cpu"]
    assert run.out("pcpu_default") == "%d" % selected
    assert run.out("pcpu_minus_one") == "%d" % selected
    assert run.out("history").endswith("}\n2")


def test_PCPU_is_freebsds(dump, run):
    for cpu in dump.present():
        pc = dump.pcpu(cpu)
        assert run.out("PCPU_cur%d" % cpu) == "(struct thread *) 0x%x" % pc["curthread"]
        assert run.out("PCPU_cpuid%d" % cpu) == "%d" % cpu
        assert run.out("PCPU_dpcpu%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_int", cpu)
        assert run.out("fbsd_member%d" % cpu) == "1"
        assert run.out("fbsd_dpcpu%d" % cpu) == "1"
    selected = dump.truth["selected_cpu"]
    assert run.out("PCPU_default") == "%d" % selected
    assert run.out("PCPU_minus_one") == "%d" % selected
    td = dump.truth["threads"][str(dump.pcpu(selected)["curthread"])]
    assert run.out("PCPU_name").startswith('"%s' % td["name"])
    assert run.out("PCPU_lvalue") == "1"


def test_PCPU_member_paths(dump, run):
    for cpu in dump.present():
        td = dump.truth["threads"][str(dump.pcpu(cpu)["curthread"])]
        assert run.out("PCPU_path%d" % cpu) == \
            "%d" % dpcpu(dump, "dpcpu_stats", cpu)["ds_bytes"]
        assert run.out("PCPU_arrow%d" % cpu) == "%d" % td["tid"]
        assert run.out("PCPU_index%d" % cpu) == "%d" % dpcpu(dump, "dpcpu_arr", cpu)[2]


def test_maxcpu_ncpus(dump, run):
    assert run.out("maxcpu") == "%d" % dump.truth["mp_maxcpus"]
    assert run.out("ncpus") == "%d" % dump.truth["mp_ncpus"]
    assert run.lines("maxcpu_type")[-1] == "type = int"


def test_cpu_iterators(dump, run):
    # amd64-15.0: CPUs 0-3 present, mp_maxid 3.
    assert dump.present() == [0, 1, 2, 3]
    assert run.out("first") == "0"
    assert run.lines("first_type")[-1] == "type = int"
    assert run.out("next_of") == "{0, 0, 1, 2, 3, 0, 0, 0}"
    assert run.out("absent_of") == "{1, 0, 0, 0, 1, 1, 1, 1}"
    assert run.lines("loop_next") == ["cpu %d cpuid %d" % (c, c)
                                      for c in dump.present()] + ["count 4"]
    assert run.lines("loop_foreach") == [
        "cpu %d dpcpu_int %d" % (c, dpcpu(dump, "dpcpu_int", c))
        for c in dump.present()]


def test_ptype_shows_int_and_the_way_around(run):
    lines = run.lines("ptype")
    assert lines[0] == "type = int"
    assert lines[1] == "type = struct pcpu {"


def test_function_errors(dump, run):
    assert run.error("pcpu_absent") == "CPU 7 not found"
    maxcpus = dump.truth["mp_maxcpus"]
    assert run.error("pcpu_too_big") == "CPU %d too big (mp_maxcpus is %d)" % (
        maxcpus, maxcpus)
    assert run.error("pcpu_arity") == "Usage: $pcpu([CPU])"
    assert run.error("pcpu_bad_cpu") == ("invalid argument of $pcpu: not an "
                                         "integer (type char [2])")
    assert run.error("PCPU_nosuch") == ("no member pc_nosuch in struct pcpu "
                                        "and no DPCPU variable "
                                        "pcpu_entry_nosuch")
    # As FreeBSD's $PCPU: the name is without its pc_.
    assert run.error("PCPU_pc_prefix") == ("no member pc_pc_cpuid in struct "
                                           "pcpu and no DPCPU variable "
                                           "pcpu_entry_pc_cpuid")
    assert run.error("PCPU_not_string") == ('$PCPU: FIELD must be a string, as '
                                            'in $PCPU("curthread")')
    # A program's char array, a member's or a variable's, is not a name.
    assert run.error("PCPU_char_member") == run.error("PCPU_not_string")
    assert run.error("PCPU_char_variable") == run.error("PCPU_not_string")
    assert run.out("PCPU_convenience") == "1"
    assert run.error("PCPU_empty").startswith("$PCPU: FIELD is empty")
    assert run.error("PCPU_bad_path") == "There is no member named nosuch."
    assert run.error("PCPU_absent") == "CPU 7 not found"
    assert run.error("PCPU_arity") == "Usage: $PCPU(FIELD [, CPU])"
    assert run.error("maxcpu_arity") == "Usage: $maxcpu()"
    assert run.error("ncpus_arity") == "Usage: $ncpus()"
    assert run.error("first_arity") == "Usage: $CPU_FIRST()"
    assert run.error("next_arity") == "Usage: $CPU_NEXT(N)"
    assert run.error("absent_arity") == "Usage: $CPU_ABSENT(N)"
    assert run.error("next_not_int") == ("invalid argument of $CPU_NEXT: not "
                                         "an integer (type char [2])")
    assert run.out("still_usable") == "42"


@pytest.mark.parametrize("name, usage", [
    ("pcpu", "Usage: $pcpu([CPU])"),
    ("PCPU", "Usage: $PCPU(FIELD [, CPU])"),
    ("maxcpu", "Usage: $maxcpu()"),
    ("ncpus", "Usage: $ncpus()"),
    ("CPU_FIRST", "Usage: $CPU_FIRST()"),
    ("CPU_NEXT", "Usage: $CPU_NEXT(N)"),
    ("CPU_ABSENT", "Usage: $CPU_ABSENT(N)"),
])
def test_function_help(run, name, usage):
    text = run.out("help_" + name)
    summary, rest = text.split("\n\n", 1)
    assert summary.endswith(".") and "\n" not in summary
    assert "per-CPU" in summary
    assert rest.startswith(usage + "\n")
    assert "Returns:" in text
    assert 'See "help kgdb-pcpu"' in " ".join(text.split())


def test_pcpu_help_explains_ptype(run):
    text = " ".join(run.out("help_pcpu").split())
    assert ('"ptype $pcpu(0)" and "whatis $pcpu(0)" show int: GDB does not '
            'call a function when it only wants a type.') in text
    assert "set $p = $pcpu(0) ptype $p" in text


def test_cpu_loop_help_works_as_written(run):
    # The loop the help shows is the one test_cpu_iterators runs.
    text = run.out("help_CPU_FIRST")
    for line in ("set $c = $CPU_FIRST()", "set $c = $CPU_NEXT($c)",
                 "if $c == $CPU_FIRST()", "loop_break"):
        assert line in text


@pytest.fixture(scope="module")
def run_sparse(sparse, scripts):
    maxid = sparse.truth["mp_maxid"]
    steps = [
        ("first", "output $CPU_FIRST()"),
        ("next_of", "output {%s}" % ", ".join(
            "$CPU_NEXT(%d)" % c for c in range(-1, maxid + 2))),
        ("absent_of", "output {%s}" % ", ".join(
            "$CPU_ABSENT(%d)" % c for c in range(0, maxid + 1))),
        ("loop_next", "source %s" % (scripts / "next.gdb")),
        ("loop_foreach", "source %s" % (scripts / "foreach.gdb")),
        ("ncpus", "output $ncpus()"),
    ]
    return run_gdb(sparse, steps)


def test_cpu_loop_on_sparse_ids(sparse, run_sparse):
    run = run_sparse
    present = sparse.present()
    maxid = sparse.truth["mp_maxid"]
    assert sparse.truth["absent"] and present != list(range(len(present)))
    assert run.out("first") == "%d" % present[0]

    def kernel_next(i):         # cpu_next() of sys/sys/smp.h
        while True:
            i += 1
            if i < 0 or i > maxid:
                i = 0
            if i in present:
                return i

    assert run.out("next_of") == "{%s}" % ", ".join(
        str(kernel_next(c)) for c in range(-1, maxid + 2))
    assert run.out("absent_of") == "{%s}" % ", ".join(
        "0" if c in present else "1" for c in range(0, maxid + 1))
    assert run.lines("loop_next") == ["cpu %d cpuid %d" % (c, c)
                                      for c in present] + ["count %d" % len(present)]
    assert run.lines("loop_foreach") == [
        "cpu %d dpcpu_int %d" % (c, dpcpu(sparse, "dpcpu_int", c)) for c in present]
    # A loop to $ncpus() would miss the CPUs above it.
    assert int(run.out("ncpus")) <= max(present)


def test_string_arguments_call_nothing_in_a_live_program(dump, tmp_path):
    # The fixture kernel run live: a string literal argument is read where
    # GDB holds it, never copied into the program (a call of its malloc).
    steps = [("watch", "python gdb.events.inferior_call.connect("
                       "lambda ev: gdb.write('inferior call\\n'))"),
             ("PCPU", 'output $PCPU("cpuid", 1)'),
             ("dpcpu", 'output $dpcpu("dpcpu_int", 1)'),
             ("member", "output $PCPU(cpuid_to_pcpu[0]->pc_curthread->td_name)"),
             ("kill", "kill")]
    run = run_gdb(None, steps, pre=["break fixture_ready", "run"],
                  operands=["--args", dump.kernel, str(tmp_path / "truth.json")])
    assert run.out("PCPU") == "1"
    assert run.out("dpcpu") == str(dpcpu(dump, "dpcpu_int", 1))
    assert run.error("member").startswith("$PCPU: FIELD must be a string")
    assert "inferior call" not in run.stdout


COUNT_EXPRESSIONS = """\
python
import gdb
from kgdb_pcpu import symtab
asked = []
_parse = gdb.parse_and_eval
def counting(text, *args):
    asked.append(text)
    return _parse(text, *args)
gdb.parse_and_eval = counting
end
"""


def test_minimal_symbols_come_from_the_kernels_symtab(dump, tmp_path):
    # __start_set_pcpu has no debug info; GDB's Python finds it only through
    # an expression (10-50 ms a name).  The kernel's .symtab answers, and a
    # name no objfile has (vnet0 of a kernel without VIMAGE) is as cheap.
    script = tmp_path / "count.gdb"
    script.write_text(COUNT_EXPRESSIONS)
    steps = [("count", "source %s" % script),
             ("first", 'output $PCPU("dpcpu_int", 1)'),
             ("start", 'python print(symtab.symbol_address("__start_set_pcpu"))'),
             ("gdbs", "output (unsigned long)&__start_set_pcpu"),
             ("missing", 'python print(symtab.symbol_address("vnet0"), '
                         'symtab.symbol_address("no_such_symbol"))'),
             ("asked", "python print([t for t in asked if '&' in t])")]
    run = run_gdb(dump, steps)
    assert run.out("first") == str(dpcpu(dump, "dpcpu_int", 1))
    assert run.out("start").strip() == run.out("gdbs")
    assert run.out("missing").strip() == "None None"
    assert run.out("asked").strip() == "[]"
