"""pcpu in real GDB on the fixture dumps: ddb's show pcpu and show allpcpu as
each release and architecture prints them, CPU lists and expressions, pcpu
-r and the value history, pcpu apply, errors, completion and help.

The expected text is written here from FreeBSD's own source (docs/FREEBSD.md,
the pcpu sections) and each dump's truth.json, never from the tool."""

import re
from pathlib import Path

import pytest

from conftest import ROOT, run_gdb

# A fixture of every release and architecture pcpu prints differently,
# and the VIMAGE, sparse and uniprocessor variants.
DUMPS = ("amd64-11.4", "amd64-12.4", "amd64-13.5", "amd64-14.3", "amd64-15.0",
         "arm64-14.3", "arm64-15.0", "amd64-15.0-vimage", "amd64-12.4-vimage",
         "amd64-15.0-sparse", "amd64-15.0-up")


# --- ddb's text, from FreeBSD's source -----------------------------------

def P(value):
    """The kernel's %p."""
    return "0x%x" % value if value else "0"


def thread_text(truth, addr, form):
    """subr_pcpu.c show_pcpu(): curthread by release, fpcurthread, idlethread."""
    if not addr:
        return "none"
    td = truth["threads"][str(addr)]
    if form == "idle":
        return '%s: tid %d "%s"' % (P(addr), td["tid"], td["name"])
    if form == "fpu" or truth["osreldate"] < 1200000:
        return '%s: pid %d "%s"' % (P(addr), td["pid"], td["name"])
    if truth["osreldate"] < 1300000:
        return '%s: pid %d tid %d "%s"' % (P(addr), td["pid"], td["tid"],
                                           td["name"])
    return '%s: pid %d tid %d critnest %d "%s"' % (
        P(addr), td["pid"], td["tid"], td["critnest"], td["name"])


def amd64_md(osrel):
    """db_show_mdpcpu() of amd64 by release: (label, truth md key, form)."""
    old = [("curpmap", "curpmap", "p"), ("tssp", "tssp", "p"),
           ("commontssp", "commontssp", "p"), ("rsp0", "rsp0", "x")]
    cr3 = [("kcr3", "kcr3", "x"), ("ucr3", "ucr3", "x"),
           ("scr3", "saved_ucr3", "x")]
    tail = [("gs32p", "gs32p", "p"), ("ldt", "ldt", "p"), ("tss", "tss", "p")]
    tlb = [("tlb gen", "smp_tlb_done", "u")]
    if osrel < 1200000:
        return old + tail + tlb
    if osrel < 1202000:
        return old + tail
    if osrel < 1300000:
        return old + cr3 + tail + tlb
    return [("self", "prvspace", "p"), ("curpmap", "curpmap", "p"),
            ("tssp", "tssp", "p"), ("rsp0", "rsp0", "x")] + cr3 + tail


def expected_block(truth, cpu, tlb_gen):
    pc = truth["pcpu"][str(cpu)]
    lines = ["cpuid        = %d" % pc["cpuid"],
             "dynamic pcpu = %s" % P(pc["dynamic"]),
             "curthread    = " + thread_text(truth, pc["curthread"], "cur"),
             "curpcb       = %s" % P(pc["curpcb"]),
             "fpcurthread  = " + thread_text(truth, pc["fpcurthread"], "fpu"),
             "idlethread   = " + thread_text(truth, pc["idlethread"], "idle")]
    if truth["machine"] == "amd64":
        md = dict(pc["md"], smp_tlb_done=tlb_gen)
        for name, key, form in amd64_md(truth["osreldate"]):
            value = md[key]
            text = {"p": P(value), "x": "0x%x" % value, "u": "%d" % value}[form]
            lines.append("%-13s= %s" % (name, text))
    if truth["vimage"]:
        cur = pc["curthread"]
        vnet = truth["threads"][str(cur)]["vnet"] if cur else 0
        lines.append("curvnet      = %s" % P(vnet))
    return lines


# --- One GDB run per dump ---------------------------------------------------

@pytest.fixture(scope="module", params=DUMPS)
def dump(request, vmcore):
    return vmcore(request.param)


def absent_cpu(dump):
    """A CPU below mp_maxcpus that is not present."""
    present = set(dump.present())
    return next(c for c in range(dump.truth["mp_maxcpus"]) if c not in present)


@pytest.fixture(scope="module")
def run(dump):
    cpus = dump.present()
    steps = []
    for cpu in cpus:
        steps.append(("pcpu%d" % cpu, "pcpu %d" % cpu))
        steps.append(("tlb%d" % cpu,
                      "output cpuid_to_pcpu[%d]->pc_smp_tlb_done" % cpu))
    steps += [
        ("default", "pcpu"),
        ("minus_one", "pcpu -1"),
        ("all", "pcpu all"),
        ("all_a", "pcpu a"),
        ("absent", "pcpu %d" % absent_cpu(dump)),
        ("list", "pcpu %d,%d" % (cpus[-1], cpus[0])),
        ("list_absent", "pcpu %d,%d" % (cpus[0], absent_cpu(dump))),
    ]
    return run_gdb(dump, steps)


def tlb_gen(run, cpu):
    text = run.out("tlb%d" % cpu)
    return int(text) if re.match(r"\d+\Z", text) else None


def block(dump, run, cpu):
    return expected_block(dump.truth, cpu, tlb_gen(run, cpu))


def test_pcpu_each_cpu_is_ddb(dump, run):
    for cpu in dump.present():
        assert run.lines("pcpu%d" % cpu) == block(dump, run, cpu)
        assert run.err("pcpu%d" % cpu) == ""


def test_pcpu_default_cpu(dump, run):
    expected = block(dump, run, dump.truth["selected_cpu"])
    assert run.lines("default") == expected
    assert run.lines("minus_one") == expected


def test_pcpu_all_is_show_allpcpu(dump, run):
    expected = ["Current CPU: %d" % dump.truth["selected_cpu"], ""]
    for cpu in dump.present():
        expected += block(dump, run, cpu) + [""]
    assert run.lines("all") == expected
    assert run.out("all_a") == run.out("all")


def test_pcpu_lists_and_absent_cpus(dump, run):
    cpus = dump.present()
    missing = absent_cpu(dump)
    assert run.error("absent") == "CPU %d not found" % missing
    assert run.out("absent") == ""
    expected = []
    for cpu in dict.fromkeys([cpus[-1], cpus[0]]):   # repeats dropped
        expected += block(dump, run, cpu) + [""]
    assert run.lines("list") == expected
    assert run.lines("list_absent") == (block(dump, run, cpus[0]) + [""]
                                        + ["CPU %d not found" % missing, ""])


def test_md_lines_of_the_release(dump, run):
    # What each architecture's db_show_mdpcpu() prints, spelled out.
    truth = dump.truth
    labels = [l.split("=")[0].strip() for l in run.lines("pcpu%d"
                                                         % dump.present()[0])]
    mi = ["cpuid", "dynamic pcpu", "curthread", "curpcb", "fpcurthread",
          "idlethread"]
    vnet = ["curvnet"] if truth["vimage"] else []
    osrel = truth["osreldate"]
    if truth["machine"] == "arm64":
        assert labels == mi + vnet          # arm64's db_show_mdpcpu is empty
    elif osrel >= 1300000:
        assert labels == mi + ["self", "curpmap", "tssp", "rsp0", "kcr3",
                               "ucr3", "scr3", "gs32p", "ldt", "tss"] + vnet
    elif osrel >= 1202000:
        assert labels == mi + ["curpmap", "tssp", "commontssp", "rsp0", "kcr3",
                               "ucr3", "scr3", "gs32p", "ldt", "tss",
                               "tlb gen"] + vnet
    else:
        assert labels == mi + ["curpmap", "tssp", "commontssp", "rsp0",
                               "gs32p", "ldt", "tss", "tlb gen"] + vnet


def test_curthread_line_of_the_release(dump, run):
    line = run.lines("pcpu%d" % dump.present()[0])[2]
    osrel = dump.truth["osreldate"]
    if osrel < 1200000:
        assert re.match(r'curthread    = 0x[0-9a-f]+: pid \d+ "[^"]*"\Z', line)
    elif osrel < 1300000:
        assert re.match(r'curthread    = 0x[0-9a-f]+: pid \d+ tid \d+ '
                        r'"[^"]*"\Z', line)
    else:
        assert re.match(r'curthread    = 0x[0-9a-f]+: pid \d+ tid \d+ '
                        r'critnest \d+ "[^"]*"\Z', line)


# --- The rest on one amd64 dump ---------------------------------------------

@pytest.fixture(scope="module")
def amd64(vmcore):
    return vmcore("amd64-15.0")


QUIT_COMMAND = (
    "python exec(\"class _Q(gdb.Command):\\n"
    " def __init__(self): super().__init__('kp-test-quit', gdb.COMMAND_USER)\\n"
    " def invoke(self, a, t): raise KeyboardInterrupt\\n_Q()\")")


@pytest.fixture(scope="module")
def arun(amd64):
    cpus = amd64.present()
    steps = [
        ("c_expr", ["set $c = 2", "pcpu $c"]),
        ("c_range", ["set $c = 2", "pcpu 0-$c"]),
        ("maxid_minus", "pcpu mp_maxid - 1"),
        ("hex", "pcpu 0x2"),
        ("two", "pcpu 2"),
        ("range02", "pcpu 0-2"),
        ("raw", "pcpu -r 2"),
        ("raw_hist", "output $.pc_cpuid"),
        ("raw_hist_n", "output $$0.pc_cpuid"),
        ("raw_print", "print *cpuid_to_pcpu[2]"),
        ("raw_default", "pcpu -r"),
        ("raw_minus_one", "pcpu -r -1"),
        ("raw_list", "pcpu -r 0-1"),
        ("raw_list_last", "output $.pc_cpuid"),
        ("raw_list_first", "output $$1.pc_cpuid"),
        ("raw_absent_list", "pcpu -r 0,7"),
        ("raw_pretty", ["set print pretty on", "pcpu -r 3"]),
        ("raw_print_pretty", ["print *cpuid_to_pcpu[3]",
                              "set print pretty off"]),
        ("raw_absent", "pcpu -r 7"),
        ("too_big", "pcpu 300000"),
        ("negative", "pcpu -2"),
        ("bad_cpu", "pcpu nosuchsymbol"),
        ("bad_type", "pcpu cpuid_to_pcpu"),
        ("bad_option", "pcpu -z"),
        ("json_alone", "pcpu -json"),
        ("raw_and_list", "pcpu -r -l"),
        ("bad_list", "pcpu 1,,2"),
        ("still_usable", "print 1 + 1"),
        ("apply_pcpu", "pcpu apply all pcpu"),
        ("apply_output", "pcpu apply 0,2 output 1"),
        ("apply_q", "pcpu apply -q 0-1 output 7"),
        ("apply_absent", "pcpu apply 1,7 output 1"),
        ("apply_error", "pcpu apply 0-1 output nosuchsymbol"),
        ("apply_s", "pcpu apply -s 0-1 output nosuchsymbol"),
        ("apply_s_empty", "pcpu apply -s 0-1 echo"),
        ("apply_dashdash", "pcpu apply mp_maxid - 1 -- pcpu"),
        ("apply_expr", "pcpu apply 0-1 output $pcpu(-1).pc_cpuid"),
        ("setcpu_after", "dpcpu-setcpu"),
        ("apply_nocmd", "pcpu apply 0-1"),
        ("apply_none", "pcpu apply"),
        ("apply_quit", [QUIT_COMMAND, "pcpu apply all kp-test-quit"]),
        ("after_quit", "output 5"),
        ("complete", "complete pcpu "),
        ("complete_dash", "complete pcpu -"),
        ("complete_j", "complete pcpu -j"),
        ("complete_after_r", "complete pcpu -r -"),
        ("complete_after_l", "complete pcpu -l -"),
        ("complete_r_cpus", "complete pcpu -r "),
        ("complete_a", "complete pcpu a"),
        ("complete_range", "complete pcpu 0-"),
        ("complete_list", "complete pcpu 1,"),
        ("complete_apply", "complete pcpu apply "),
        ("complete_apply_flags", "complete pcpu apply -"),
        ("complete_apply_cmd", "complete pcpu apply 0-1 outp"),
        ("help", "help pcpu"),
    ]
    return run_gdb(amd64, steps)


def ablock(amd64, arun, cpu):
    return expected_block(amd64.truth, cpu, None)


def test_cpu_expressions(amd64, arun):
    assert arun.out("c_expr") == arun.out("two")
    assert arun.out("hex") == arun.out("two")
    assert arun.out("c_range") == arun.out("range02")
    maxid = amd64.truth["mp_maxid"]
    assert arun.lines("maxid_minus") == ablock(amd64, arun, maxid - 1)
    assert arun.lines("range02") == (ablock(amd64, arun, 0) + [""]
                                     + ablock(amd64, arun, 1) + [""]
                                     + ablock(amd64, arun, 2) + [""])


def _value(text):
    return re.sub(r"^\$\d+ = ", "", text)


def test_raw_is_print_and_enters_the_history(amd64, arun):
    raw = arun.out("raw")
    assert re.match(r"\$\d+ = \{pc_curthread = 0x", raw)
    assert _value(raw) == _value(arun.out("raw_print"))
    assert arun.out("raw_hist") == "2"
    assert arun.out("raw_hist_n") == "2"
    number = int(re.match(r"\$(\d+)", raw).group(1))
    printed = int(re.match(r"\$(\d+)", arun.out("raw_print")).group(1))
    assert printed == number + 1            # one history entry, as print
    selected = amd64.truth["selected_cpu"]
    default = _value(arun.out("raw_default"))
    assert default.startswith("{pc_curthread = 0x%x," %
                              amd64.pcpu(selected)["curthread"])
    assert _value(arun.out("raw_minus_one")) == default


def test_raw_of_a_list(amd64, arun):
    lines = arun.lines("raw_list")
    assert len(lines) == 2
    for cpu, line in zip((0, 1), lines):
        assert re.match(r"cpu %d: \$\d+ = \{pc_curthread = 0x%x," % (
            cpu, amd64.pcpu(cpu)["curthread"]), line)
    assert arun.out("raw_list_last") == "1"
    assert arun.out("raw_list_first") == "0"
    lines = arun.lines("raw_absent_list")
    assert lines[0].startswith("cpu 0: $")
    assert lines[1] == "cpu 7: CPU 7 not found"


def test_raw_honours_print_pretty(arun):
    pretty = _value(arun.out("raw_pretty"))
    assert pretty.startswith("{\n  pc_curthread = 0x")
    assert pretty == _value(arun.out("raw_print_pretty"))


def test_errors_are_one_line(amd64, arun):
    assert arun.error("raw_absent") == "CPU 7 not found"
    assert arun.error("too_big") == "CPU 300000 too big (mp_maxcpus is %d)" \
        % amd64.truth["mp_maxcpus"]
    assert arun.error("negative") == "CPU -2 not found"
    assert arun.error("bad_cpu").startswith("invalid CPU 'nosuchsymbol'")
    assert "not an integer" in arun.error("bad_type")
    assert arun.error("bad_option") == "unknown option -z"
    assert arun.error("json_alone") == "-json needs -l (pcpu -l -json [CPUS])"
    assert arun.error("raw_and_list") == "-r cannot be combined with -l"
    assert "empty item" in arun.error("bad_list")
    assert arun.out("still_usable").strip().endswith("= 2")


def _apply_blocks(text):
    """{cpu: output} of pcpu apply's "\\ncpu N:\\n" labelled output."""
    parts = re.split(r"^cpu (\d+):\n", text, flags=re.M)
    assert parts[0] == "\n"
    return {int(cpu): out for cpu, out in zip(parts[1::2], parts[2::2])}


def test_apply_runs_with_each_cpu_as_default(amd64, arun):
    blocks = _apply_blocks(arun.out("apply_pcpu"))
    assert list(blocks) == amd64.present()
    for cpu, out in blocks.items():
        expected = "\n".join(ablock(amd64, arun, cpu)) + "\n"
        assert out.rstrip("\n") + "\n" == expected
    assert arun.out("apply_output") == "\ncpu 0:\n1\ncpu 2:\n1"
    assert arun.out("apply_q") == "77"
    assert arun.out("apply_expr") == "\ncpu 0:\n0\ncpu 1:\n1"
    maxid = amd64.truth["mp_maxid"]
    assert _apply_blocks(arun.out("apply_dashdash")) == {
        maxid - 1: "\n".join(ablock(amd64, arun, maxid - 1)) + "\n"}


def test_apply_restores_the_default_cpu(amd64, arun):
    assert "CPU %d" % amd64.truth["selected_cpu"] in arun.out("setcpu_after")
    assert "pcpu apply" not in arun.out("setcpu_after")


def test_apply_errors_go_on(arun):
    assert arun.out("apply_absent") == "\ncpu 1:\n1\ncpu 7:\n"
    assert arun.err("apply_absent") == "CPU 7 not found\n"
    assert arun.out("apply_error") == "\ncpu 0:\n\ncpu 1:\n"
    errors = arun.err("apply_error").splitlines()
    assert len(errors) == 2 and all('"nosuchsymbol"' in e for e in errors)
    assert arun.out("apply_s") == "" and arun.err("apply_s") == ""
    assert arun.out("apply_s_empty") == ""
    assert arun.error("apply_nocmd") == \
        "pcpu apply: a COMMAND is required after 0-1"
    assert arun.error("apply_none") == \
        "pcpu apply: CPUS and COMMAND are required (pcpu apply CPUS COMMAND)"


def test_apply_stops_on_quit(arun):
    # A Ctrl-C (KeyboardInterrupt in the COMMAND) stops the whole loop.
    assert arun.out("apply_quit") == ""
    assert arun.err("apply_quit").strip() == "Quit"
    assert arun.out("after_quit") == "5"


def test_completion(amd64, arun):
    ids = [str(c) for c in amd64.present()]
    assert sorted(arun.lines("complete")) == sorted(
        ["pcpu all", "pcpu apply"] + ["pcpu " + c for c in ids])
    assert arun.lines("complete_dash") == ["pcpu -json", "pcpu -l", "pcpu -r"]
    assert arun.lines("complete_j") == ["pcpu -json"]
    assert arun.lines("complete_after_r") == []
    assert arun.lines("complete_after_l") == ["pcpu -l -json"]
    assert sorted(arun.lines("complete_r_cpus")) == sorted(
        ["pcpu -r all"] + ["pcpu -r " + c for c in ids])
    assert arun.lines("complete_a") == ["pcpu all", "pcpu apply"]
    assert arun.lines("complete_range") == sorted("pcpu 0-" + c for c in ids)
    assert arun.lines("complete_list") == sorted("pcpu 1," + c for c in ids)
    assert sorted(arun.lines("complete_apply")) == sorted(
        ["pcpu apply all"] + ["pcpu apply " + c for c in ids])
    assert arun.lines("complete_apply_flags") == ["pcpu apply -q",
                                                  "pcpu apply -s"]
    assert "pcpu apply 0-1 output" in arun.lines("complete_apply_cmd")
    assert all(l.startswith("pcpu apply 0-1 outp")
               for l in arun.lines("complete_apply_cmd"))


def test_help(arun):
    text = arun.out("help")
    assert text.startswith("Show a CPU's struct pcpu as ddb's \"show pcpu\" "
                           "does")
    for usage in ("Usage: pcpu [CPU]", "pcpu all", "pcpu -r [CPUS]",
                  "pcpu -l [-json] [CPUS]", "pcpu apply [-q] [-s] CPUS COMMAND"):
        assert usage in text
    assert "Examples:" in text and "dpcpu-setcpu" in text


def test_one_path_reads_through_the_core():
    # Nothing in cmd_pcpu.py or ddb.py (its text, shared with the command
    # line) reads memory or decodes bytes itself.
    package = Path(ROOT) / "gdb" / "kgdb_pcpu"
    for name in ("cmd_pcpu.py", "ddb.py"):
        source = (package / name).read_text()
        for word in ("read_memory", "import struct", "from_bytes", "unpack",
                     "pcpu_read"):
            assert word not in source, (name, word)
    assert "ddb.summary_lines(" in (package / "cmd_pcpu.py").read_text()
    assert not (Path(ROOT) / "gdb" / "kgdb_pcpu" / "pcpu_read.py").exists()
