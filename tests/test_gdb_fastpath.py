"""The fast paths print what GDB prints.

dpcpu-print formats plain integers itself (intprint.py) and pcpu decodes raw
bytes (pcpu_read.py); both must give, byte for byte, what GDB's own
formatting of gdb.Values gives.  Here each is compared with GDB itself, in
real GDB on the amd64 fixture dump.
"""

import pytest

from conftest import run_gdb

TYPES = ("short", "unsigned short", "int", "unsigned int", "long",
         "unsigned long", "long long", "unsigned long long")
VALUES = (0, 1, 8, -1, -8, 2**15, 2**31 - 1, -2**31, 2**63 - 1, -2**63)
FORMATS = (None, "x", "z", "d", "u", "o")

COMPARE = """\
from kgdb_pcpu import intprint
bad = []
for tn in %r:
    t = gdb.lookup_type(tn)
    size, signed = intprint.plain_int(t)
    for v in %r:
        val = gdb.Value(v).cast(t)
        raw = int(val) & ((1 << (8 * size)) - 1)
        for f in %r:
            want = val.format_string(format=f) if f else val.format_string()
            got = intprint.format_int(raw, size, signed, f)
            if got != want:
                bad.append((tn, v, f, got, want))
print("mismatches", bad)
""" % (TYPES, VALUES, FORMATS)


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


@pytest.fixture(scope="module")
def run(dump):
    cpus = dump.present()
    steps = [("compare", "python exec(%r)" % COMPARE),
             ("plain", "python from kgdb_pcpu import intprint; print([\n"
                       "intprint.plain_int(gdb.lookup_type(t)) is not None for t in\n"
                       "('char', 'int', 'long', 'wchar_t', 'uint64_t', 'struct pcpu')])")]
    for fmt in FORMATS + ("t", "c"):
        slash = "/%s " % fmt if fmt else ""
        steps.append(("dpcpu_%s" % fmt, "dpcpu-print %sdpcpu_int" % slash))
        for cpu in cpus:
            steps.append(("print_%s_%d" % (fmt, cpu),
                          "output%s $dpcpu(\"dpcpu_int\", %d)" % (
                              "/" + fmt if fmt else "", cpu)))
    steps.append(("radix16", ["set output-radix 16", "dpcpu-print dpcpu_int"]))
    for cpu in cpus:
        steps.append(("radix16_%d" % cpu, "output $dpcpu(\"dpcpu_int\", %d)" % cpu))
    steps.append(("radix10", "set output-radix 10"))
    return run_gdb(dump, steps)


def test_format_int_is_gdbs_formatting(run):
    assert run.out("compare").strip() == "mismatches []"


def test_only_plain_integers_take_the_fast_path(run):
    # char prints as a character, wchar_t too; a struct is no number.
    assert run.out("plain").strip() == "[False, True, True, False, True, False]"


@pytest.mark.parametrize("fmt", FORMATS + ("t", "c"))
def test_dpcpu_print_is_print(dump, run, fmt):
    expected = ["cpu %d: %s" % (cpu, run.out("print_%s_%d" % (fmt, cpu)))
                for cpu in dump.present()]
    assert run.lines("dpcpu_%s" % fmt) == expected


def test_dpcpu_print_honours_output_radix(dump, run):
    expected = ["cpu %d: %s" % (cpu, run.out("radix16_%d" % cpu))
                for cpu in dump.present()]
    assert run.lines("radix16") == expected
    assert expected[0].split(": ")[1].startswith("0x")


SAME_PCPU = """\
import kgdb_pcpu
from kgdb_pcpu import cmd_pcpu, target
tgt = target.current()
summary = cmd_pcpu.Summary(tgt)
cpus = tgt.kd.cpus()
print("fast", summary.reader is not None,
      "same", [summary.lines(c) == cmd_pcpu.pcpu_lines(tgt, c) for c in cpus].count(False))
"""


@pytest.mark.parametrize("shape", ["amd64", "amd64-12", "arm64", "sparse",
                                   "freebsd11", "up"])
def test_pcpu_raw_bytes_give_what_gdb_values_give(vmcore, shape):
    # Summary (raw bytes) against pcpu_lines (one gdb.Value per field).
    run = run_gdb(vmcore(shape), [("same", "python exec(%r)" % SAME_PCPU)])
    assert run.out("same").strip() == "fast True same 0"
