"""gdb/kgdb_pcpu/compat.py in real GDB: each function gives GDB's own
answer where this GDB has it, and the same answer where it computes it
(make test runs this under GDB 13, make test-gdb16 under GDB 16)."""

import pytest

from conftest import run_gdb

# (type, whether GDB prints it as text, whether it is a signed integer)
TYPES = [
    ("char", False, True),
    ("unsigned char", False, False),
    ("char [4]", True, None),
    ("unsigned char [2]", True, None),
    ("char *", True, None),
    ("const char *", True, None),
    ("signed char *", True, None),
    ("int", False, True),
    ("unsigned int", False, False),
    ("long", False, True),
    ("unsigned long", False, False),
    ("uint64_t", False, False),
    ("int *", False, None),
    ("int [3]", False, None),
    ("struct thread", False, None),
    ("struct thread *", False, None),
]


def _probe(type_name):
    # GDB's own answers where it has them (None where it has not), then
    # compat's, then the fallbacks compat uses in older GDB.
    # Type.is_signed of a typedef answers for the typedef itself (True for
    # uint64_t): GDB's answer is asked of the type under the typedefs.
    return ("python t = gdb.parse_and_eval('(%s *) 0').type.target(); "
            "s = t.strip_typedefs(); "
            "from kgdb_pcpu import compat; "
            "print(repr((getattr(t, 'is_string_like', None), "
            "s.is_signed if hasattr(gdb.Type, 'is_signed') and s.is_scalar else None, "
            "compat.is_string_like(t), compat.string_like_by_code(t), "
            "compat.is_signed(t))))" % type_name)


@pytest.fixture(scope="module")
def run(vmcore):
    dump = vmcore("amd64-15.0")
    steps = [("t%d" % i, _probe(name)) for i, (name, _s, _i) in enumerate(TYPES)]
    steps += [
        ("version", "python print(gdb.VERSION)"),
        ("history", ["python from kgdb_pcpu import compat; "
                     "print(compat.add_history(gdb.Value(41)))",
                     "output $ + 1"]),
        ("connection", "python from kgdb_pcpu import compat; "
                       "print(compat.connection_type(gdb.selected_inferior()))"),
        ("static", "python from kgdb_pcpu import compat; "
                   "print(compat.lookup_static_symbol('nosuch_static'))"),
        ("events", "python from kgdb_pcpu import compat; "
                   "print(compat.connect('memory_changed', lambda e: None), "
                   "compat.connect('no_such_event', lambda e: None))"),
    ]
    return run_gdb(dump, steps)


def _major(run):
    return int(run.out("version").split(".")[0])


@pytest.mark.parametrize("index", range(len(TYPES)), ids=[t for t, _s, _i in TYPES])
def test_types(run, index):
    name, text, signed = TYPES[index]
    gdb_text, gdb_signed, compat_text, by_code, compat_signed = \
        eval(run.out("t%d" % index))
    assert compat_text == by_code == text, name
    if _major(run) >= 14:
        assert gdb_text == text, name
    if signed is not None:
        assert compat_signed == signed, name
        if _major(run) >= 12:
            assert gdb_signed == signed, name


def test_history_connection_symbols_events(run):
    lines = run.lines("history")
    if _major(run) >= 12:
        assert lines[0].isdigit() and lines[1] == "42"
        assert run.out("connection") == "core\n"
    else:
        assert lines[0] == "None"
    assert run.out("static") == "None\n"
    assert run.out("events") == "True False\n"
