"""The CPU grammar, pure Python (kgdb_pcpu.cpus.split and expand): what every
command and function accepts as CPUS, before GDB evaluates any end."""

import pytest

from kgdb_pcpu import cpus

PRESENT = [0, 1, 3, 6, 7]


@pytest.mark.parametrize("text, items", [
    ("2", [("one", "2")]),
    (" 2 ", [("one", "2")]),
    ("0-3,8", [("range", "0", "3"), ("one", "8")]),
    ("3 - 1", [("one", "3 - 1")]),
    ("0 -3", [("range", "0", "3")]),
    ("0--1", [("one", "0--1")]),
    ("all", [("all",)]),
    ("a", [("all",)]),
    (" ALL ", [("all",)]),
    ("-1", [("one", "-1")]),
    ("$c", [("one", "$c")]),
    ("0-$c", [("range", "0", "$c")]),
    ("mp_maxid - 1", [("one", "mp_maxid - 1")]),
    ("0-mp_maxid", [("range", "0", "mp_maxid")]),
    ("mp_maxid-1", [("range", "mp_maxid", "1")]),
    ("(mp_maxid-1)", [("one", "(mp_maxid-1)")]),
    ("arr[2-1]", [("one", "arr[2-1]")]),
    ("p->x", [("one", "p->x")]),
    ("0-p->x", [("range", "0", "p->x")]),
    ("2*-1", [("one", "2*-1")]),
    ("(unsigned)-1", [("one", "(unsigned)-1")]),
    ("(char *)-1", [("one", "(char *)-1")]),
    ("(a-1)-3", [("range", "(a-1)", "3")]),
    ("f(1,2),3", [("one", "f(1,2)"), ("one", "3")]),
    ("1,-1", [("one", "1"), ("one", "-1")]),
    ("'a,b'", [("one", "'a,b'")]),
])
def test_split(text, items):
    assert cpus.split(text) == items


@pytest.mark.parametrize("text, message", [
    ("", "a CPU is required"),
    ("   ", "a CPU is required"),
    ("1,", "invalid CPU list '1,': empty item"),
    (",1", "invalid CPU list ',1': empty item"),
    ("1,,2", "invalid CPU list '1,,2': empty item"),
    ("1,all", "invalid CPU list '1,all': 'all' stands alone"),
    ("a,1", "invalid CPU list 'a,1': 'all' stands alone"),
    ("1-", "invalid CPU list '1-': '1-' is not N-M"),
])
def test_split_errors(text, message):
    with pytest.raises(cpus.CpuSyntaxError) as err:
        cpus.split(text)
    assert str(err.value) == message


class Refused(Exception):
    pass


def _check(cpu):
    """What the GDB layer's check does, with mp_maxcpus 8."""
    if cpu < 0:
        raise Refused("CPU %d not found" % cpu)
    if cpu >= 8:
        raise Refused("CPU %d too big (mp_maxcpus is 8)" % cpu)


def expand(text, default=lambda: 6):
    return cpus.expand(cpus.split(text), cpus.int_value, lambda: PRESENT,
                       _check, default)


@pytest.mark.parametrize("text, ids", [
    ("2", [2]),
    ("0-3,6", [0, 1, 2, 3, 6]),
    (" 3 , 1-2 ", [3, 1, 2]),
    ("1,1,0-1", [1, 0]),
    ("5-5", [5]),
    ("0x2-0x4", [2, 3, 4]),
    ("all", PRESENT),
    ("a", PRESENT),
    ("-1", [6]),
    ("-1,0", [6, 0]),
    ("4", [4]),          # absent: kept, the caller says "CPU 4 not found"
])
def test_expand(text, ids):
    assert expand(text) == ids


@pytest.mark.parametrize("text, error, message", [
    ("8", Refused, "CPU 8 too big (mp_maxcpus is 8)"),
    ("0-99999999999", Refused, "CPU 99999999999 too big (mp_maxcpus is 8)"),
    ("-2", Refused, "CPU -2 not found"),
    ("3-1", cpus.CpuSyntaxError, "invalid CPU range 3-1: 3-1 is reversed"),
    ("x", cpus.CpuSyntaxError, "invalid CPU 'x': not a number"),
    ("0-x", cpus.CpuSyntaxError, "invalid CPU 'x': not a number"),
])
def test_expand_errors(text, error, message):
    with pytest.raises(error) as err:
        expand(text)
    assert str(err.value) == message


def test_expand_refuses_before_building_a_list():
    # The end is checked first: a huge range costs nothing.
    seen = []

    def check(cpu):
        seen.append(cpu)
        _check(cpu)

    with pytest.raises(Refused):
        cpus.expand(cpus.split("0-4000000000"), cpus.int_value,
                    lambda: PRESENT, check)
    assert seen == [0, 4000000000]


def test_minus_one_without_default_goes_to_check():
    # The CLI has no default CPU: -1 reaches check, which refuses it.
    with pytest.raises(Refused) as err:
        expand("-1", default=None)
    assert str(err.value) == "CPU -1 not found"


def test_expand_evaluates_each_end_once():
    calls = []

    def evaluate(text):
        calls.append(text)
        return {"$c": 3, "lo": 1}.get(text, 0)

    assert cpus.expand(cpus.split("lo-$c,$c"), evaluate, lambda: PRESENT,
                       _check) == [1, 2, 3]
    assert calls == ["lo", "$c", "$c"]


@pytest.mark.parametrize("ids, text", [
    ([0, 1, 2, 3, 8, 9, 10, 11], "0-3,8-11"),
    ([5], "5"),
    ([], ""),
    ([3, 1, 2, 2, 7], "1-3,7"),
    ([0, 2, 4], "0,2,4"),
])
def test_format_list(ids, text):
    assert cpus.format_list(ids) == text


def test_round_trip():
    ids = [0, 1, 2, 5, 7, 8, 9, 100]
    with pytest.raises(Refused):
        expand(cpus.format_list(ids))       # 100 is past mp_maxcpus 8
    assert expand(cpus.format_list([0, 1, 2, 5, 7])) == [0, 1, 2, 5, 7]


@pytest.mark.parametrize("text, value", [
    ("7", 7), (" 0x1f ", 31), ("-1", -1), ("+3", 3),
])
def test_int_value(text, value):
    assert cpus.int_value(text) == value


@pytest.mark.parametrize("text", ["all", "1a"])
def test_is_all(text):
    assert cpus.is_all(text) == (text == "all")
