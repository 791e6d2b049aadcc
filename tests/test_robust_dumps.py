"""Corrupt dumps: every command and function says what is wrong in one line.

The generator makes one corrupt dump per defect (vmcores/mkvmcore.py,
shapes corrupt-KIND; truth.json's "corrupt" says what was done).  On each,
every command and every convenience function runs in one real GDB:

- a defect that makes the whole dump unreadable (mp_maxcpus huge, negative
  or zero, mp_maxid beyond MAXCPU, a core file GDB cannot open, a program
  that is not a FreeBSD kernel) makes every one of them fail with the same
  line, libkvm's wording where libkvm has one;
- a defect of one CPU or one object (an unmapped struct pcpu, a garbage
  dpcpu_off[n], a counter whose slots are unmapped) makes what reads it fail
  with a line naming the CPU, the object and the address, makes the lists
  (pcpu all, dpcpu-print over all CPUs) print that line in the broken CPU's
  place and the others as usual, and leaves everything else right (checked
  against truth.json);

with no Python traceback (run_gdb checks every run), nothing on stdout for
a failed command, and GDB still working afterwards.
"""

import re
import sys

import pytest

from conftest import ROOT, run_gdb

if str(ROOT / "vmcores") not in sys.path:
    sys.path.insert(0, str(ROOT / "vmcores"))
import mkvmcore  # noqa: E402

# Every command and function, with {cpu} the CPU the defect is about.
EVERY = [
    "pcpu",
    "pcpu {cpu}",
    "pcpu -r {cpu}",
    "pcpu all",
    "pcpu 0-3",
    "dpcpu-print dpcpu_int",
    "dpcpu-print dpcpu_int {cpu}",
    "dpcpu-print -e dpcpu_int {cpu}",
    "dpcpu-setcpu {cpu}",
    "dpcpu-off",
    "counter-fetch vm_cnt.v_swtch",
    "counter-fetch -v vm_cnt.v_swtch",
    "counter-fetch -e vm_cnt.v_swtch",
    "counter-fetch tcpstat",
    "output $pcpu({cpu})",
    "output $pcpu()",
    'output $dpcpu("dpcpu_int", {cpu})',
    'output $dpcpu_ptr("dpcpu_int", {cpu})',
    "output $counter(vm_cnt.v_swtch)",
    'output $PCPU("curthread", {cpu})',
    'output $PCPU("dpcpu_int", {cpu})',
    "output $maxcpu()",
    "output $ncpus()",
]

# Whole-dump defects: the one line every command and function gives.
WHOLE = {
    "maxcpus-huge": "mp_maxcpus is 2147483647: not a CPU count (corrupt dump?)",
    "maxcpus-negative": "mp_maxcpus is -4: not a CPU count (corrupt dump?)",
    "maxcpus-zero": "mp_maxcpus is 0: not a CPU count (corrupt dump?)",
    "maxid-beyond": "mp_maxid is {maxid}, beyond mp_maxcpus {max} (corrupt dump?)",
    # GDB refuses the cut core ("not a core dump: file format not
    # recognized") and is left with the kernel file alone.
    "truncated": "no dump is open, only the kernel file: open the dump with "
                 "core-file (kgdb: target vmcore)",
    "not-freebsd": "unable to find cpuid_to_pcpu",
}

ADDR = r"0x[0-9a-f]+"
PCPU2 = r"cannot read struct pcpu of CPU 2 \(4096 bytes at %s\)" % ADDR
ZPCPU2 = r"cannot read pc_zpcpu_offset of CPU 2 \(8 bytes at %s\)" % ADDR
DPCPU1 = r"cannot read CPU 1's copy of pcpu_entry_dpcpu_int \(4 bytes at %s\)" % ADDR
SLOT0 = r"cannot read counter slot of CPU 0 \(8 bytes at %s\)" % ADDR

# Defects of one CPU or object: {cpu}, then per command what it gives: an
# error line (regex), "inline" (a regex of a line among the output, in the
# broken CPU's place) or "ok" (no error; the values are checked below).
LOCAL = {
    "pcpu-unmapped": (2, {
        "pcpu {cpu}": ("error", PCPU2),
        "pcpu -r {cpu}": ("error", PCPU2),
        "output $pcpu({cpu})": ("error", PCPU2),
        'output $PCPU("curthread", {cpu})': ("error", PCPU2),
        "pcpu all": ("inline", PCPU2),
        "pcpu 0-3": ("inline", PCPU2),
        # The default CPU: dpcpu-setcpu {cpu} made it CPU 2 (EVERY's order).
        "output $pcpu()": ("error", PCPU2),
        # The zpcpu slot of CPU 2 is c + its pc_zpcpu_offset: unreadable.
        "counter-fetch vm_cnt.v_swtch": ("error", ZPCPU2),
        "counter-fetch -v vm_cnt.v_swtch": ("error", ZPCPU2),
        "counter-fetch -e vm_cnt.v_swtch": ("error", ZPCPU2),
        "counter-fetch tcpstat": ("error", ZPCPU2),
        "output $counter(vm_cnt.v_swtch)": ("error", ZPCPU2),
    }),
    "dpcpu-garbage": (1, {
        'output $dpcpu("dpcpu_int", {cpu})': ("error", DPCPU1),
        'output $PCPU("dpcpu_int", {cpu})': ("error", DPCPU1),
        'output $dpcpu_ptr("dpcpu_int", {cpu})': ("error", DPCPU1),
        "dpcpu-print dpcpu_int": ("inline", r"cpu 1: <error: %s>" % DPCPU1),
        "dpcpu-print dpcpu_int {cpu}": ("inline", r"cpu 1: <error: %s>" % DPCPU1),
        # The offset itself is shown as it is: that is the data.
        "dpcpu-off": ("inline", r"dpcpu_off\[ 1\] = 0x4a554e4b4a554e4b "
                                r"\(\+ DPCPU_START = %s\)" % ADDR),
    }),
    "counter-nowhere": (0, {
        "counter-fetch vm_cnt.v_swtch": ("error", SLOT0),
        "counter-fetch -v vm_cnt.v_swtch": ("error", SLOT0),
        "output $counter(vm_cnt.v_swtch)": ("error", SLOT0),
    }),
}

# The row of each local defect whose line holds the generator's own
# expectation (mkvmcore.CORRUPT_KINDS).
PRIMARY = {
    "pcpu-unmapped": "pcpu {cpu}",
    "dpcpu-garbage": 'output $dpcpu("dpcpu_int", {cpu})',
    "counter-nowhere": "counter-fetch vm_cnt.v_swtch",
}

KINDS = sorted(WHOLE) + sorted(LOCAL)


def test_every_corrupt_kind_is_tested():
    """The generator's defects and this file's tables are the same set."""
    assert sorted(mkvmcore.CORRUPT_KINDS) == sorted(KINDS)
    assert len(KINDS) == 9


def _commands(kind):
    if kind in LOCAL:
        cpu = LOCAL[kind][0]
    else:
        cpu = 2
    cmds = []
    for template in EVERY:
        cmd = template.format(cpu=cpu)
        if kind == "not-freebsd" and cmd == "output $counter(vm_cnt.v_swtch)":
            # GDB evaluates the argument first; it names no kernel symbol.
            cmd = "output $counter(0UL)"
        cmds.append((template, cmd))
    return cmds


@pytest.fixture(scope="module")
def runs(vmcore):
    done = {}

    def get(kind):
        if kind not in done:
            dump = vmcore("amd64-15.0-corrupt-" + kind)
            steps = [("s%d" % i, cmd) for i, (_t, cmd) in enumerate(_commands(kind))]
            steps.append(("after", "print 1+1"))
            done[kind] = (dump, run_gdb(dump, steps))
        return done[kind]

    return get


@pytest.mark.parametrize("kind", KINDS)
def test_truth_says_what_was_done(vmcore, kind):
    dump = vmcore("amd64-15.0-corrupt-" + kind)
    assert dump.truth["corrupt"]["kind"] == kind


@pytest.mark.parametrize("kind", sorted(WHOLE))
@pytest.mark.parametrize("index", range(len(EVERY)),
                         ids=[t.replace(" ", "_") for t in EVERY])
def test_whole_dump_defect(runs, kind, index):
    dump, run = runs(kind)
    name = "s%d" % index
    # {maxid}: the value the generator wrote over mp_maxid.
    expected = WHOLE[kind]
    if kind == "maxid-beyond":
        expected = expected.format(max=dump.truth["mp_maxcpus"],
                                   maxid=dump.truth["corrupt"]["value"])
    assert run.error(name) == expected, _commands(kind)[index][1]
    assert run.out(name).strip() == ""
    expect = mkvmcore.CORRUPT_KINDS[kind][1]
    if expect is not None:
        assert expect in run.error(name)


def _check_ok(dump, template, text):
    """What a command untouched by the defect printed, against truth.json."""
    truth = dump.truth
    values = truth["dpcpu"]["dpcpu_int"]["values"]
    if template == "output $maxcpu()":
        assert text == "%d" % truth["mp_maxcpus"]
    elif template == "output $ncpus()":
        assert text == "%d" % truth["mp_ncpus"]
    elif template == "dpcpu-print dpcpu_int":
        assert text.splitlines() == ["cpu %s: %d" % (c, values[str(c)])
                                     for c in truth["cpus"]]
    elif template == "counter-fetch vm_cnt.v_swtch":
        # counter-fetch puts its sum in the value history, as print does.
        assert re.fullmatch(r"\$\d+ = %d" % truth["counters"]["vm_cnt.v_swtch"]["sum"],
                            text), text
    elif template == "output $counter(vm_cnt.v_swtch)":
        assert text == "%d" % truth["counters"]["vm_cnt.v_swtch"]["sum"]
    elif template.startswith("pcpu") and not template.startswith("pcpu -r"):
        assert "cpuid        = " in text
    else:
        assert text != "" or template.startswith("dpcpu-setcpu"), template


@pytest.mark.parametrize("kind", sorted(LOCAL))
@pytest.mark.parametrize("index", range(len(EVERY)),
                         ids=[t.replace(" ", "_") for t in EVERY])
def test_local_defect(runs, kind, index):
    dump, run = runs(kind)
    template, cmd = _commands(kind)[index]
    name = "s%d" % index
    how, pattern = LOCAL[kind][1].get(template, ("ok", None))
    out = run.out(name)
    if how == "error":
        message = run.error(name)
        assert re.fullmatch(pattern, message), (cmd, message)
        assert out.strip() == "", cmd
        if template == PRIMARY[kind]:
            assert mkvmcore.CORRUPT_KINDS[kind][1] in message, (cmd, message)
    elif how == "inline":
        assert run.err(name).strip() == "", (cmd, run.err(name))
        hits = [l for l in out.splitlines() if re.fullmatch(pattern, l)]
        assert len(hits) == 1, (cmd, out)
    else:
        assert run.err(name).strip() == "", (cmd, run.err(name))
        _check_ok(dump, template, out.strip())


@pytest.mark.parametrize("kind", KINDS)
def test_gdb_works_after_the_errors(runs, kind):
    _dump, run = runs(kind)
    assert re.fullmatch(r"\$\d+ = 2", run.out("after").strip())
    assert run.returncode == 0
