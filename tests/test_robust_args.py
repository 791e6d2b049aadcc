"""Bad arguments to every command and function: one line each, no traceback.

Each row of the tables is a command or an expression a user could type, and
the one-line error GDB must print for it (exactly, or a regex when the line
holds an address).  All rows of a table run in one real GDB; each row must
print its line on stderr and nothing on stdout, and GDB must still work
after all of them.  Rows cover negative, huge and non-numeric CPUs, CPUs at
or beyond mp_maxcpus (the error names the limit), malformed CPU lists
(without building a huge one), missing arguments, unknown options and
formats, unknown symbols, symbols that are not per-CPU, values of the wrong
type, and wrong argument counts and types to the $functions.
"""

import re

import pytest

from conftest import run_gdb

NOT_DPCPU = r"0x[0-9a-f]+ is not a DPCPU variable \(outside set_pcpu " \
            r"0x[0-9a-f]+-0x[0-9a-f]+ and every module's\)"


def rx(pattern):
    return re.compile(pattern + r"\Z")


# On the amd64 dump: mp_maxcpus 256, CPUs 0-3.
AMD64 = [
    # pcpu
    ("pcpu -1", "CPU -1 not found"),
    ("pcpu 255", "CPU 255 not found"),
    ("pcpu 256", "CPU 256 too big (mp_maxcpus is 256)"),
    ("pcpu 300", "CPU 300 too big (mp_maxcpus is 256)"),
    ("pcpu 99999999999", "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("pcpu 18446744073709551616",
     "CPU 18446744073709551616 too big (mp_maxcpus is 256)"),
    ("pcpu -2147483649", "CPU -2147483649 not found"),
    ("pcpu (unsigned)-1", "CPU 4294967295 too big (mp_maxcpus is 256)"),
    ("pcpu x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("pcpu 0x", "invalid CPU '0x': Invalid number \"0x\"."),
    ("pcpu 1.5", "invalid CPU 1.5: not an integer (type double)"),
    ('pcpu "str"', 'invalid CPU "str": not an integer (type char [4])'),
    ("pcpu vm_cnt", "invalid CPU vm_cnt: not an integer (type struct vmmeter)"),
    ("pcpu 1 2", "invalid CPU '1 2': A syntax error in expression, near `2'."),
    ("pcpu 5-2", "invalid CPU list '5-2': range 5-2 is reversed"),
    ("pcpu 1,,2", "invalid CPU list '1,,2': '' is not N or N-M"),
    ("pcpu 1,x", "invalid CPU list '1,x': 'x' is not N or N-M"),
    ("pcpu 0-99999999999", "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("pcpu 0-2000000000", "CPU 2000000000 too big (mp_maxcpus is 256)"),
    ("pcpu 1-300", "CPU 300 too big (mp_maxcpus is 256)"),
    ("pcpu -q", "unknown option -q"),
    ("pcpu -rq 1", "unknown option -q"),
    ("pcpu -r x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("pcpu -r -1", "CPU -1 not found"),
    ("pcpu -r 256", "CPU 256 too big (mp_maxcpus is 256)"),
    ("pcpu -r 99999999999", "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("pcpu -r 7", "CPU 7 not found"),
    # dpcpu-print
    ("dpcpu-print", "Usage: dpcpu-print [/FMT] [-e] NAME [CPUS]"),
    ("dpcpu-print /x", "Usage: dpcpu-print [/FMT] [-e] NAME [CPUS]"),
    ("dpcpu-print nosuch", 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("dpcpu-print pcpu_entry_nosuch", 'No symbol "pcpu_entry_nosuch".'),
    ("dpcpu-print 1+1", 'invalid DPCPU variable name "1+1"'),
    ("dpcpu-print mp_ncpus", rx("mp_ncpus: " + NOT_DPCPU)),
    ("dpcpu-print vm_cnt 0", rx("vm_cnt: " + NOT_DPCPU)),
    ("dpcpu-print dpcpu_int x", "invalid CPU list 'x': 'x' is not N or N-M"),
    ("dpcpu-print dpcpu_int -1", "invalid CPU list '-1': '-1' is not N or N-M"),
    ("dpcpu-print dpcpu_int 5-2", "invalid CPU list '5-2': range 5-2 is reversed"),
    ("dpcpu-print dpcpu_int 1,,2", "invalid CPU list '1,,2': '' is not N or N-M"),
    ("dpcpu-print dpcpu_int 1 2", "invalid CPU list '1 2': '1 2' is not N or N-M"),
    ("dpcpu-print dpcpu_int 256", "CPU 256 too big (mp_maxcpus is 256)"),
    ("dpcpu-print dpcpu_int 99999999999",
     "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("dpcpu-print dpcpu_int 0-99999999999",
     "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("dpcpu-print /q dpcpu_int", 'Undefined output format "q".'),
    ("dpcpu-print -z dpcpu_int", "unknown option -z"),
    ("dpcpu-print -e nosuch", 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("dpcpu-print -e mp_ncpus", rx("mp_ncpus: " + NOT_DPCPU)),
    ("dpcpu-print -e dpcpu_int 300", "CPU 300 too big (mp_maxcpus is 256)"),
    ("dpcpu-print -e dpcpu_int x", "invalid CPU list 'x': 'x' is not N or N-M"),
    # dpcpu-setcpu
    ("dpcpu-setcpu -1", "CPU -1 not found"),
    ("dpcpu-setcpu 7", "CPU 7 not found"),
    ("dpcpu-setcpu 256", "CPU 256 too big (mp_maxcpus is 256)"),
    ("dpcpu-setcpu 99999999999", "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("dpcpu-setcpu -99999999999", "CPU -99999999999 not found"),
    ("dpcpu-setcpu x", "invalid CPU 'x': No symbol \"x\" in current context."),
    ("dpcpu-setcpu 1.5", "invalid CPU 1.5: not an integer (type double)"),
    ("dpcpu-setcpu 1 2",
     "invalid CPU '1 2': A syntax error in expression, near `2'."),
    ("dpcpu-setcpu all", "invalid CPU 'all': No symbol \"all\" in current context."),
    # dpcpu-off
    ("dpcpu-off x", "dpcpu-off takes no argument"),
    ("dpcpu-off 1", "dpcpu-off takes no argument"),
    # counter-fetch
    ("counter-fetch",
     "Usage: counter-fetch [/FMT] [-v] [-e] [-t TYPE] [-V VNET] EXPR"),
    ("counter-fetch -v",
     "Usage: counter-fetch [/FMT] [-v] [-e] [-t TYPE] [-V VNET] EXPR"),
    ("counter-fetch mp_ncpus", "mp_ncpus is not a counter_u64_t (type int)"),
    ("counter-fetch 1", "1 is not a counter_u64_t (type int)"),
    ("counter-fetch 1.5", "1.5 is not a counter_u64_t (type double)"),
    ("counter-fetch vm_cnt",
     "vm_cnt is not a counter_u64_t (type struct vmmeter)"),
    ('counter-fetch "str"',
     '"str" is not an array of counter_u64_t (type char [4])'),
    ("counter-fetch nosuch", 'No symbol "nosuch" in current context.'),
    ("counter-fetch vm_cnt.v_nosuch",
     'There is no member named v_nosuch.'),
    ("counter-fetch -q vm_cnt.v_swtch", "unknown option -q"),
    ("counter-fetch -t", "option -t needs a value"),
    ("counter-fetch -tv tcpstat", "option -t needs a value"),
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
    ("output $pcpu(-1)", "CPU -1 not found"),
    ("output $pcpu(7)", "CPU 7 not found"),
    ("output $pcpu(256)", "CPU 256 too big (mp_maxcpus is 256)"),
    ("output $pcpu(99999999999)", "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("output $pcpu(2147483648)", "CPU 2147483648 too big (mp_maxcpus is 256)"),
    ('output $pcpu("x")',
     "invalid CPU argument of $pcpu: not an integer (type char [2])"),
    ("output $pcpu(1.5)",
     "invalid CPU argument of $pcpu: not an integer (type double)"),
    ("output $pcpu(vm_cnt)",
     "invalid CPU argument of $pcpu: not an integer (type struct vmmeter)"),
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
    ("output $dpcpu(mp_ncpus)", rx(NOT_DPCPU)),
    ('output $dpcpu("mp_ncpus")', rx(NOT_DPCPU)),
    ('output $dpcpu("dpcpu_int", -1)', "CPU -1 not found"),
    ('output $dpcpu("dpcpu_int", 7)', "CPU 7 not found"),
    ('output $dpcpu("dpcpu_int", 256)', "CPU 256 too big (mp_maxcpus is 256)"),
    ('output $dpcpu("dpcpu_int", 99999999999)',
     "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ('output $dpcpu("dpcpu_int", -99999999999)', "CPU -99999999999 not found"),
    ('output $dpcpu("dpcpu_int", "x")',
     "invalid CPU argument of $dpcpu: not an integer (type char [2])"),
    ('output $dpcpu("dpcpu_int", 0.5)',
     "invalid CPU argument of $dpcpu: not an integer (type double)"),
    # $dpcpu_ptr
    ("output $dpcpu_ptr()", "Usage: $dpcpu_ptr(NAME [, CPU])"),
    ('output $dpcpu_ptr("dpcpu_int", 1, 2)', "Usage: $dpcpu_ptr(NAME [, CPU])"),
    ('output $dpcpu_ptr("nosuch")', 'No symbol "pcpu_entry_nosuch" or "nosuch".'),
    ("output $dpcpu_ptr(mp_ncpus)", rx(NOT_DPCPU)),
    ('output $dpcpu_ptr("dpcpu_int", -1)', "CPU -1 not found"),
    ('output $dpcpu_ptr("dpcpu_int", 300)', "CPU 300 too big (mp_maxcpus is 256)"),
    ('output $dpcpu_ptr("dpcpu_int", 99999999999)',
     "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ('output $dpcpu_ptr("dpcpu_int", "x")',
     "invalid CPU argument of $dpcpu_ptr: not an integer (type char [2])"),
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
    ('output $PCPU("nosuch")',
     "no member pc_nosuch in struct pcpu and no DPCPU variable nosuch"),
    ('output $PCPU("curthread", -1)', "CPU -1 not found"),
    ('output $PCPU("curthread", 7)', "CPU 7 not found"),
    ('output $PCPU("curthread", 256)', "CPU 256 too big (mp_maxcpus is 256)"),
    ('output $PCPU("curthread", 99999999999)',
     "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ('output $PCPU("curthread", "x")',
     "invalid CPU argument of $PCPU: not an integer (type char [2])"),
    ('output $PCPU("dpcpu_int", 300)', "CPU 300 too big (mp_maxcpus is 256)"),
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
    ("set kgdb-pcpu follow-thread maybe", '"on" or "off" expected.'),
    ("show kgdb-pcpu nosuch", 'Undefined show kgdb-pcpu command: "nosuch".'),
]

# On the sparse dump: CPUs 0,1,3,6,7 of mp_maxid 7; 2, 4 and 5 are absent.
SPARSE = [
    ("pcpu 2", "CPU 2 not found"),
    ("pcpu -r 4", "CPU 4 not found"),
    ("pcpu 8", "CPU 8 not found"),
    ("dpcpu-setcpu 5", "CPU 5 not found"),
    ("output $pcpu(2)", "CPU 2 not found"),
    ('output $dpcpu("dpcpu_int", 4)', "CPU 4 not found"),
    ('output $dpcpu_ptr("dpcpu_int", 5)', "CPU 5 not found"),
    ('output $PCPU("curthread", 2)', "CPU 2 not found"),
    ('output $PCPU("dpcpu_int", 2)', "CPU 2 not found"),
    ("dpcpu-print dpcpu_int 0-300", "CPU 300 too big (mp_maxcpus is 256)"),
    ("pcpu 0-2,99999999999", "CPU 99999999999 too big (mp_maxcpus is 256)"),
]

TABLES = {"amd64": AMD64, "sparse": SPARSE}


@pytest.fixture(scope="module")
def runs(vmcore):
    """runs(shape): the one GDB run of that shape's table."""
    done = {}

    def get(shape):
        if shape not in done:
            steps = [("case%d" % i, cmd)
                     for i, (cmd, _msg) in enumerate(TABLES[shape])]
            steps.append(("after", "print 1+1"))
            done[shape] = run_gdb(vmcore(shape), steps)
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
    run = runs(shape)
    name = "case%d" % index
    message = run.error(name)
    if isinstance(expected, str):
        assert message == expected, cmd
    else:
        assert expected.match(message), (cmd, message)
    assert run.out(name).strip() == "", (cmd, run.out(name))


@pytest.mark.parametrize("shape", sorted(TABLES))
def test_gdb_works_after_the_errors(runs, shape):
    run = runs(shape)
    assert re.match(r"\$\d+ = 2$", run.out("after").strip())
    assert run.returncode == 0


# The CPU list parser alone (no GDB): a huge range is refused before any
# list is built, with the limit when the caller knows it (the GDB layer
# passes mp_maxcpus), else with the largest CPU count any kernel may have.
@pytest.mark.parametrize("text, limit, message", [
    ("0-99999999999", 256, "CPU 99999999999 too big (mp_maxcpus is 256)"),
    ("0-2000000000", 256, "CPU 2000000000 too big (mp_maxcpus is 256)"),
    ("3,0-2000000000", None, "CPU 2000000000 too big"),
    ("256", 256, "CPU 256 too big (mp_maxcpus is 256)"),
    ("65536", None, "CPU 65536 too big"),
    ("1,,2", 256, "invalid CPU list '1,,2': '' is not N or N-M"),
    ("5-2", 256, "invalid CPU list '5-2': range 5-2 is reversed"),
])
def test_cpu_list_bounds(text, limit, message):
    from kgdb_pcpu import cpulist
    with pytest.raises(ValueError) as err:
        cpulist.parse(text, [0], limit=limit)
    assert str(err.value) == message


def test_cpu_list_at_the_limit():
    from kgdb_pcpu import cpulist
    assert cpulist.parse("250-255", None, limit=256) == list(range(250, 256))
