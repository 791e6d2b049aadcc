"""Bad arguments to every command and function: one line each, no traceback.

Each row of the tables is a command or an expression a user could type, and
the one-line error GDB must print for it (exactly, or a regex when the line
holds an address).  All rows of a table run in one real GDB; each row must
print its line on stderr and nothing on stdout, and GDB must still work
after all of them.  Rows cover negative, huge and non-numeric CPUs, CPUs at
or beyond mp_maxcpus (the error names the limit), malformed CPU lists
(without building a huge one), missing arguments, unknown options and
formats, unknown symbols, symbols that are not per-CPU, values of the wrong
type, and wrong argument counts and types to the $functions.  The CPU errors
have the same words everywhere (ddb's "CPU N not found"); other words are
their command's (their tests say them exactly), matched here by pattern.
"""

import re

import pytest

from conftest import run_gdb

NOT_DPCPU = r"0x[0-9a-f]+ is not a DPCPU variable \(outside set_pcpu " \
            r"0x[0-9a-f]+-0x[0-9a-f]+ and every module's\)"
NOT_INT = r"invalid (CPU|argument of \$\w+)\b.*: not an integer \(type %s\)"


def rx(pattern):
    return re.compile(pattern + r"\Z")


# The words of the CPU errors everywhere ({max}: the dump's mp_maxcpus).
TOO_BIG = "CPU %s too big (mp_maxcpus is {max})"
ABSENT = "CPU %s not found"

# On the amd64-15.0 dump: CPUs 0-3 of mp_maxcpus 1024.
AMD64 = [
    # pcpu
    ("pcpu -2", ABSENT % -2),
    ("pcpu 4", ABSENT % 4),
    ("pcpu {last}", ABSENT % "{last}"),
    ("pcpu {max}", TOO_BIG % "{max}"),
    ("pcpu 99999999999", TOO_BIG % 99999999999),
    ("pcpu 18446744073709551616", TOO_BIG % 18446744073709551616),
    ("pcpu -2147483649", ABSENT % -2147483649),
    ("pcpu ((unsigned)-1)", TOO_BIG % 4294967295),
    ("pcpu x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("pcpu 0x", "invalid CPU '0x': Invalid number \"0x\"."),
    ("pcpu 1.5", rx(NOT_INT % "double")),
    ('pcpu "str"', rx(NOT_INT % r"char \[4\]")),
    ("pcpu vm_cnt", rx(NOT_INT % "struct vmmeter")),
    ("pcpu 1 2", "invalid CPU '1 2': A syntax error in expression, near `2'."),
    ("pcpu 5-2", rx(r"invalid CPU (list|range) '?5-2'?: .*reversed")),
    ("pcpu 1,,2", rx(r"invalid CPU list '1,,2': .*")),
    ("pcpu 1,x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("pcpu 0-99999999999", TOO_BIG % 99999999999),
    ("pcpu 0-2000000000", TOO_BIG % 2000000000),
    ("pcpu -q", rx(r"unknown option -q\b.*")),
    ("pcpu -r x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("pcpu -r -2", ABSENT % -2),
    ("pcpu -r {max}", TOO_BIG % "{max}"),
    ("pcpu -r 99999999999", TOO_BIG % 99999999999),
    ("pcpu -r 7", ABSENT % 7),
    # dpcpu-print
    ("dpcpu-print", rx(r"Usage: dpcpu-print .*NAME.*")),
    ("dpcpu-print /x", rx(r"Usage: dpcpu-print .*NAME.*")),
    ("dpcpu-print nosuch", 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("dpcpu-print pcpu_entry_nosuch", 'No symbol "pcpu_entry_nosuch".'),
    ("dpcpu-print 1+1", 'invalid DPCPU variable name "1+1"'),
    ("dpcpu-print mp_ncpus", rx("mp_ncpus: " + NOT_DPCPU)),
    ("dpcpu-print vm_cnt 0", rx("vm_cnt: " + NOT_DPCPU)),
    ("dpcpu-print dpcpu_int x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("dpcpu-print dpcpu_int 5-2", rx(r"invalid CPU (list|range) '?5-2'?: .*reversed")),
    ("dpcpu-print dpcpu_int 1,,2", rx(r"invalid CPU list '1,,2': .*")),
    ("dpcpu-print dpcpu_int 1 2",
     "invalid CPU '1 2': A syntax error in expression, near `2'."),
    ("dpcpu-print dpcpu_int 4", ABSENT % 4),
    ("dpcpu-print dpcpu_int {max}", TOO_BIG % "{max}"),
    ("dpcpu-print dpcpu_int 99999999999", TOO_BIG % 99999999999),
    ("dpcpu-print dpcpu_int 0-99999999999", TOO_BIG % 99999999999),
    ("dpcpu-print /q dpcpu_int", 'Undefined output format "q".'),
    ("dpcpu-print -z dpcpu_int", rx(r"unknown option -z\b.*")),
    ("dpcpu-print -e nosuch", 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("dpcpu-print -e mp_ncpus", rx("mp_ncpus: " + NOT_DPCPU)),
    ("dpcpu-print -e dpcpu_int 300", ABSENT % 300),
    ("dpcpu-print -e dpcpu_int x", "invalid CPU 'x': No symbol \"x\" in current context."),
    # dpcpu-setcpu
    ("dpcpu-setcpu -2", ABSENT % -2),
    ("dpcpu-setcpu 7", ABSENT % 7),
    ("dpcpu-setcpu {max}", TOO_BIG % "{max}"),
    ("dpcpu-setcpu 99999999999", TOO_BIG % 99999999999),
    ("dpcpu-setcpu -99999999999", ABSENT % -99999999999),
    ("dpcpu-setcpu x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("dpcpu-setcpu 1.5", rx(NOT_INT % "double")),
    ("dpcpu-setcpu 1 2",
     "invalid CPU '1 2': A syntax error in expression, near `2'."),
    ("dpcpu-setcpu all", rx(r"invalid CPU 'all': .*")),
    # dpcpu-off
    ("dpcpu-off x", "dpcpu-off takes no argument"),
    ("dpcpu-off 1", "dpcpu-off takes no argument"),
    # counter-fetch
    ("counter-fetch", rx(r"Usage: counter-fetch .*EXPR")),
    ("counter-fetch -v", rx(r"Usage: counter-fetch .*EXPR")),
    ("counter-fetch mp_ncpus", "mp_ncpus is not a counter_u64_t (type int)"),
    ("counter-fetch 1", "1 is not a counter_u64_t (type int)"),
    ("counter-fetch 1.5", "1.5 is not a counter_u64_t (type double)"),
    ('counter-fetch "str"',
     '"str" is not an array of counter_u64_t (type char [4])'),
    ("counter-fetch nosuch", 'No symbol "nosuch" in current context.'),
    ("counter-fetch vm_cnt.v_nosuch",
     'There is no member named v_nosuch.'),
    ("counter-fetch -q vm_cnt.v_swtch", rx(r"unknown option -q\b.*")),
    ("counter-fetch -t", rx(r"option -t needs a value\b.*")),
    ("counter-fetch /i vm_cnt.v_swtch", 'Undefined output format "i".'),
    ("counter-fetch /c vm_cnt.v_swtch",
     "format /c does not apply to a counter sum"),
    ("counter-fetch 'unterminated", "Unmatched single quote."),
    ("counter-fetch -t 'struct nosuch' tcpstat", 'No type "struct nosuch".'),
    ("counter-fetch -t int tcpstat", "int is not a struct"),
    ("counter-fetch -t 'struct tcpstat' mp_ncpus",
     "mp_ncpus is not an array of counter_u64_t (type int)"),
    ("counter-fetch -t 'struct tcpstat' vm_cnt.v_swtch",
     "vm_cnt.v_swtch is not an array of counter_u64_t (type counter_u64_t)"),
    ("counter-fetch -t 'struct vmmeter' tcpstat",
     "field v_swtch of struct vmmeter is not a 64-bit counter"),
    ("counter-fetch -t 'struct tcpstat",
     "unterminated quoted string: 'struct tcpstat"),
    # $pcpu
    ("output $pcpu(-2)", ABSENT % -2),
    ("output $pcpu(7)", ABSENT % 7),
    ("output $pcpu({max})", TOO_BIG % "{max}"),
    ("output $pcpu(99999999999)", TOO_BIG % 99999999999),
    ("output $pcpu(2147483648)", TOO_BIG % 2147483648),
    ('output $pcpu("x")', rx(NOT_INT % r"char \[2\]")),
    ("output $pcpu(1.5)", rx(NOT_INT % "double")),
    ("output $pcpu(vm_cnt)", rx(NOT_INT % "struct vmmeter")),
    ("output $pcpu(nosuch)", 'No symbol "nosuch" in current context.'),
    ("output $pcpu(1, 2)", "Usage: $pcpu([CPU])"),
    # $dpcpu
    ("output $dpcpu()", "Usage: $dpcpu(NAME [, CPU])"),
    ('output $dpcpu("dpcpu_int", 1, 2)', "Usage: $dpcpu(NAME [, CPU])"),
    ('output $dpcpu("nosuch")', 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ('output $dpcpu("1+1")', 'invalid DPCPU variable name "1+1"'),
    ('output $dpcpu("")', 'invalid DPCPU variable name ""'),
    ("output $dpcpu(nosuch)", 'No symbol "nosuch" in current context.'),
    ("output $dpcpu(1)",
     "not a variable: pass the DPCPU variable or its name as a string"),
    ("output $dpcpu(mp_ncpus)", rx(".*" + NOT_DPCPU)),
    ('output $dpcpu("mp_ncpus")', rx(".*" + NOT_DPCPU)),
    ('output $dpcpu("dpcpu_int", -2)', ABSENT % -2),
    ('output $dpcpu("dpcpu_int", 7)', ABSENT % 7),
    ('output $dpcpu("dpcpu_int", {max})', TOO_BIG % "{max}"),
    ('output $dpcpu("dpcpu_int", 99999999999)', TOO_BIG % 99999999999),
    ('output $dpcpu("dpcpu_int", -99999999999)', ABSENT % -99999999999),
    ('output $dpcpu("dpcpu_int", "x")', rx(NOT_INT % r"char \[2\]")),
    ('output $dpcpu("dpcpu_int", 0.5)', rx(NOT_INT % "double")),
    # $dpcpu_ptr
    ("output $dpcpu_ptr()", "Usage: $dpcpu_ptr(NAME [, CPU])"),
    ('output $dpcpu_ptr("dpcpu_int", 1, 2)', "Usage: $dpcpu_ptr(NAME [, CPU])"),
    ('output $dpcpu_ptr("nosuch")', 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("output $dpcpu_ptr(mp_ncpus)", rx(".*" + NOT_DPCPU)),
    ('output $dpcpu_ptr("dpcpu_int", -2)', ABSENT % -2),
    ('output $dpcpu_ptr("dpcpu_int", 300)', ABSENT % 300),
    ('output $dpcpu_ptr("dpcpu_int", 99999999999)', TOO_BIG % 99999999999),
    ('output $dpcpu_ptr("dpcpu_int", "x")', rx(NOT_INT % r"char \[2\]")),
    # $counter
    ("output $counter()", "Usage: $counter(EXPR)"),
    ("output $counter(1, 2)", "Usage: $counter(EXPR)"),
    ("output $counter(mp_ncpus)", "not a counter_u64_t (type int)"),
    ("output $counter(1)", "not a counter_u64_t (type int)"),
    ("output $counter(1.5)", "not a counter_u64_t (type double)"),
    ('output $counter("str")', "not a counter_u64_t (type char [4])"),
    ("output $counter(vm_cnt)", "not a counter_u64_t (type struct vmmeter)"),
    ("output $counter(tcpstat)",
     "not a counter_u64_t (type counter_u64_t *)"),
    ("output $counter(nosuch)", 'No symbol "nosuch" in current context.'),
    # $PCPU
    ("output $PCPU()", "Usage: $PCPU(FIELD [, CPU])"),
    ('output $PCPU("cpuid", 1, 2)', "Usage: $PCPU(FIELD [, CPU])"),
    ("output $PCPU(1)",
     '$PCPU: FIELD must be a string, as in $PCPU("curthread")'),
    ('output $PCPU("")',
     "$PCPU: FIELD is empty: name a member of struct pcpu or a DPCPU variable"),
    ('output $PCPU("nosuch")', rx(r"no member pc_nosuch in struct pcpu and no "
                                  r"DPCPU variable (pcpu_entry_)?nosuch")),
    ('output $PCPU("curthread", -2)', ABSENT % -2),
    ('output $PCPU("curthread", 7)', ABSENT % 7),
    ('output $PCPU("curthread", {max})', TOO_BIG % "{max}"),
    ('output $PCPU("curthread", 99999999999)', TOO_BIG % 99999999999),
    ('output $PCPU("curthread", "x")', rx(NOT_INT % r"char \[2\]")),
    ('output $PCPU("dpcpu_int", 300)', ABSENT % 300),
    # $maxcpu, $ncpus
    ("output $maxcpu(1)", "Usage: $maxcpu()"),
    ('output $maxcpu("x")', "Usage: $maxcpu()"),
    ("output $ncpus(1)", "Usage: $ncpus()"),
    ("output $ncpus(1, 2)", "Usage: $ncpus()"),
    # settings
    ("set kgdb-pcpu zpcpu-stride -5",
     'zpcpu-stride must be "auto" or a positive number of bytes, not "-5"'),
    ("set kgdb-pcpu zpcpu-stride x",
     'zpcpu-stride must be "auto" or a positive number of bytes, not "x"'),
    ("set kgdb-pcpu zpcpu-stride 99999999999999999999",
     'zpcpu-stride must be "auto" or a positive number of bytes, '
     'not "99999999999999999999"'),
    ("set kgdb-pcpu bar-width -1", "integer -1 out of range"),
    ("show kgdb-pcpu nosuch", rx(r'Undefined show kgdb-pcpu command: "nosuch"\..*')),
]

# On the amd64-15.0-sparse dump: CPUs 0,1,3,6,7 of mp_maxid 7; 2, 4 and 5
# are absent.
SPARSE = [
    ("pcpu 2", ABSENT % 2),
    ("pcpu -r 4", ABSENT % 4),
    ("pcpu 8", ABSENT % 8),
    ("dpcpu-setcpu 5", ABSENT % 5),
    ("output $pcpu(2)", ABSENT % 2),
    ('output $dpcpu("dpcpu_int", 4)', ABSENT % 4),
    ('output $dpcpu_ptr("dpcpu_int", 5)', ABSENT % 5),
    ('output $PCPU("curthread", 2)', ABSENT % 2),
    ('output $PCPU("dpcpu_int", 2)', ABSENT % 2),
    ("dpcpu-print dpcpu_int 0-{max}", TOO_BIG % "{max}"),
    ("pcpu 0-2,99999999999", TOO_BIG % 99999999999),
]

TABLES = {"amd64-15.0": AMD64, "amd64-15.0-sparse": SPARSE}


def _fill(text, truth):
    """{max} and {last} of a row: the dump's mp_maxcpus and the last CPU
    slot below it."""
    return text.format(max=truth["mp_maxcpus"], last=truth["mp_maxcpus"] - 1)


@pytest.fixture(scope="module")
def runs(vmcore):
    """runs(shape): the dump and the one GDB run of that shape's table."""
    done = {}

    def get(shape):
        if shape not in done:
            dump = vmcore(shape)
            steps = [("case%d" % i, _fill(cmd, dump.truth))
                     for i, (cmd, _msg) in enumerate(TABLES[shape])]
            steps.append(("after", "print 1+1"))
            done[shape] = (dump, run_gdb(dump, steps))
        return done[shape]

    return get


CASES = [(shape, i) for shape, table in TABLES.items()
         for i in range(len(table))]


def test_count():
    """The number of bad-argument cases (reported in issue 6)."""
    assert len(CASES) == len(AMD64) + len(SPARSE) >= 150


@pytest.mark.parametrize("shape, index", CASES,
                         ids=["%s:%s" % (s, TABLES[s][i][0]) for s, i in CASES])
def test_bad_argument(runs, shape, index):
    cmd, expected = TABLES[shape][index]
    dump, run = runs(shape)
    cmd = _fill(cmd, dump.truth)
    name = "case%d" % index
    message = run.error(name)
    if isinstance(expected, str):
        assert message == _fill(expected, dump.truth), cmd
    else:
        assert expected.match(message), (cmd, message)
    assert run.out(name).strip() == "", (cmd, run.out(name))


@pytest.mark.parametrize("shape", sorted(TABLES))
def test_gdb_works_after_the_errors(runs, shape):
    _dump, run = runs(shape)
    assert re.match(r"\$\d+ = 2$", run.out("after").strip())
    assert run.returncode == 0
