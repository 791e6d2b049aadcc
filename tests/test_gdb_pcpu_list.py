"""pcpu -l and pcpu -l -json in real GDB: the CPU table on the fixture dumps,
sparse CPU ids and 1024 CPUs included, checked against truth.json."""

import json
import re

import pytest

from conftest import run_gdb

def present_list(cpus):
    """0-2,4-6 for the sorted CPU ids cpus (written here, not cpus.py's)."""
    runs = []
    for cpu in cpus:
        if runs and runs[-1][1] == cpu - 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join("%d" % a if a == b else "%d-%d" % (a, b) for a, b in runs)


def expected_row(truth, cpu):
    pc = truth["pcpu"][str(cpu)]
    td = truth["threads"][str(pc["curthread"])]
    return {"cpu": cpu, "curthread": "0x%x" % pc["curthread"],
            "tid": td["tid"], "pid": td["pid"], "critnest": td["critnest"],
            "name": td["name"], "idle": pc["curthread"] == pc["idlethread"]}


def header(truth):
    return "CPUs %s (mp_ncpus %d, mp_maxid %d, mp_maxcpus %d)" % (
        present_list(truth["cpus"]), truth["mp_ncpus"], truth["mp_maxid"],
        truth["mp_maxcpus"])


def parse_rows(lines):
    """The table's rows after the CPU/TID/... line: [(cpu, tid, pid, crit,
    idle, name)]."""
    at = next(i for i, l in enumerate(lines) if l.split()[:2] == ["CPU", "TID"])
    rows = []
    for line in lines[at + 1:]:
        m = re.match(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+) (yes|no)\s+(.*)\Z",
                     line)
        assert m, line
        rows.append((int(m.group(1)), int(m.group(2)), int(m.group(3)),
                     int(m.group(4)), m.group(5) == "yes", m.group(6)))
    return rows


@pytest.fixture(scope="module", params=["amd64-15.0", "amd64-15.0-sparse",
                                        "arm64-15.0", "amd64-12.4",
                                        "amd64-11.4"])
def dump(request, vmcore):
    return vmcore(request.param)


@pytest.fixture(scope="module")
def run(dump):
    cpus = dump.present()
    absent = next(c for c in range(dump.truth["mp_maxcpus"]) if c not in cpus)
    return run_gdb(dump, [
        ("table", "pcpu -l"),
        ("json", "pcpu -l -json"),
        ("json_first", "pcpu -json -l"),
        ("some", "pcpu -l %d,%d" % (cpus[-1], cpus[0])),
        ("some_json", "pcpu -l -json %d,%d" % (cpus[0], absent)),
        ("absent", "pcpu -l %d" % absent),
        ("all", "pcpu -l all"),
        ("has_dumptid", "python print(gdb.lookup_global_symbol('dumptid') "
                        "is not None)"),
    ])


def test_table_header(dump, run):
    lines = run.lines("table")
    assert lines[0] == header(dump.truth)
    if run.out("has_dumptid").strip() == "True":
        tid = dump.truth["selected_tid"]
        assert lines[1] == "dumping thread: tid %d on CPU %d" % (
            tid, dump.truth["selected_cpu"])
    else:
        assert not any(l.startswith("dumping") for l in lines)


def test_table_rows(dump, run):
    rows = parse_rows(run.lines("table"))
    expected = [expected_row(dump.truth, c) for c in dump.present()]
    assert rows == [(r["cpu"], r["tid"], r["pid"], r["critnest"], r["idle"],
                     r["name"]) for r in expected]
    assert run.out("all") == run.out("table")


def test_table_of_some_cpus(dump, run):
    cpus = dump.present()
    rows = parse_rows(run.lines("some"))
    assert [r[0] for r in rows] == [cpus[-1], cpus[0]]
    absent_line = run.lines("absent")[-1]
    assert re.match(r"\s*\d+  CPU \d+ not found\Z", absent_line)


def test_json(dump, run):
    doc = json.loads(run.out("json"))
    truth = dump.truth
    assert doc["present"] == truth["cpus"]
    assert doc["present_list"] == present_list(truth["cpus"])
    assert (doc["mp_ncpus"], doc["mp_maxid"], doc["mp_maxcpus"]) == (
        truth["mp_ncpus"], truth["mp_maxid"], truth["mp_maxcpus"])
    assert doc["cpus"] == [expected_row(truth, c) for c in dump.present()]
    assert json.loads(run.out("json_first")) == doc
    some = json.loads(run.out("some_json"))
    absent = some["cpus"][1]["cpu"]
    assert some["cpus"] == [expected_row(truth, dump.present()[0]),
                            {"cpu": absent,
                             "error": "CPU %d not found" % absent}]


def test_sparse_present_list(vmcore):
    dump = vmcore("amd64-15.0-sparse")
    run = run_gdb(dump, [("table", "pcpu -l")])
    first = run.lines("table")[0]
    assert first.startswith("CPUs %s " % present_list(dump.truth["cpus"]))
    assert "," in first.split()[1]          # the holes are shown


def test_1024_cpus_fast_and_whole(vmcore):
    dump = vmcore("amd64-15.0-large")
    truth = dump.truth
    assert len(truth["cpus"]) == 1024
    run = run_gdb(dump, [
        ("table", "pcpu -l"),
        ("json", "pcpu -l -json"),
        ("timed", "python import time; t = time.time(); "
                  "gdb.execute('pcpu -l', to_string=True); "
                  "print('%.3f' % (time.time() - t))"),
        ("last", "pcpu 1023"),
    ])
    lines = run.lines("table")
    assert lines[0] == header(truth)
    rows = parse_rows(lines)
    assert [r[0] for r in rows] == list(range(1024))
    assert rows[1023][5] == truth["threads"][str(
        truth["pcpu"]["1023"]["curthread"])]["name"]
    doc = json.loads(run.out("json"))
    assert len(doc["cpus"]) == 1024 and doc["present_list"] == "0-1023"
    # One table of 1024 CPUs is a few gathered reads, not 1024 round trips.
    assert float(run.out("timed")) < 5.0
    assert run.lines("last")[0] == "cpuid        = 1023"
