"""The CPU lists of the GDB layer (kgdb_pcpu.cpulist, pure Python): "2",
"0-3,8", "all"/"a" in; "0-3,8-11" out, as crash and drgn write them."""

import pytest

from kgdb_pcpu import cpulist


@pytest.mark.parametrize("text, cpus", [
    ("2", [2]),
    ("0-3,8", [0, 1, 2, 3, 8]),
    (" 3 , 1-2 ", [3, 1, 2]),
    ("1,1,0-1", [1, 0]),
    ("5-5", [5]),
    ("all", [0, 1, 3]),
    ("a", [0, 1, 3]),
    ("ALL", [0, 1, 3]),
])
def test_parse(text, cpus):
    assert cpulist.parse(text, [0, 1, 3]) == cpus


@pytest.mark.parametrize("text, message", [
    ("", "empty CPU list"),
    ("x", "invalid CPU list 'x': 'x' is not N or N-M"),
    ("1,", "invalid CPU list '1,': '' is not N or N-M"),
    ("-1", "invalid CPU list '-1': '-1' is not N or N-M"),
    ("3-1", "invalid CPU list '3-1': range 3-1 is reversed"),
    ("0-99999999999", "CPU 99999999999 too big"),
])
def test_parse_errors(text, message):
    with pytest.raises(ValueError) as err:
        cpulist.parse(text, [0])
    assert str(err.value) == message


def test_all_needs_the_present_cpus():
    with pytest.raises(ValueError):
        cpulist.parse("all")


@pytest.mark.parametrize("cpus, text", [
    ([0, 1, 2, 3, 8, 9, 10, 11], "0-3,8-11"),
    ([5], "5"),
    ([], ""),
    ([3, 1, 2, 2, 7], "1-3,7"),
    ([0, 2, 4], "0,2,4"),
])
def test_format_list(cpus, text):
    assert cpulist.format_list(cpus) == text


def test_round_trip():
    cpus = [0, 1, 2, 5, 7, 8, 9, 100]
    assert cpulist.parse(cpulist.format_list(cpus)) == cpus
