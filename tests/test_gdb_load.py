"""Loading kgdb-pcpu.py, settings, help and bad input: real GDB."""

import re
import subprocess

import pytest

from conftest import GDB, LOADER, ROOT, run_gdb

COMMANDS = ("pcpu", "dpcpu-print", "dpcpu-setcpu", "dpcpu-off", "counter-fetch")


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


def test_no_program_is_harmless():
    steps = [
        ("pcpu", "pcpu"),
        ("pcpu_all", "pcpu all"),
        ("dpcpu", "dpcpu-print dpcpu_int"),
        ("off", "dpcpu-off"),
        ("setcpu", "dpcpu-setcpu 1"),
        ("counter", "counter-fetch x"),
        ("maxcpu", "output $maxcpu()"),
        ("pcpu_fn", "output $pcpu(0)"),
        ("show", "show kgdb-pcpu"),
        ("usable", "output 1 + 2"),
    ]
    run = run_gdb(None, steps, pre=["source %s" % LOADER])   # loaded twice
    for step in ("pcpu", "pcpu_all", "dpcpu", "off", "setcpu", "maxcpu",
                 "pcpu_fn", "counter"):
        assert run.error(step) == ("no struct pcpu in the debug info: load a "
                                   "FreeBSD kernel with its debug info"), step
    assert "zpcpu-stride: " in run.out("show")
    assert run.out("usable") == "3"


def test_loaded_twice_on_a_dump(dump):
    steps = [("int", "dpcpu-print dpcpu_int 1"), ("help", "help dpcpu-print")]
    once = run_gdb(dump, steps)
    twice = run_gdb(dump, steps, pre=["source %s" % LOADER])
    assert twice.out("int") == once.out("int") == \
        "cpu 1: %d\n" % dump.truth["dpcpu"]["dpcpu_int"]["values"]["1"]
    assert twice.out("help") == once.out("help")
    assert twice.stderr == once.stderr


def test_loaded_with_x_option(dump):
    proc = subprocess.run([GDB, "-nx", "-batch", "-x", str(LOADER),
                           "-ex", "output $ncpus()", dump.kernel, dump.vmcore],
                          capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert proc.stdout.endswith("%d" % dump.truth["mp_ncpus"])
    assert "Traceback" not in proc.stderr


def test_import_of_installed_package(dump):
    # What make install tells users to put in .gdbinit.
    steps = [("n", "output $maxcpu()")]
    run = run_gdb(dump, steps, load=False,
                  pre=["python import sys; sys.path.insert(0, %r)" % str(ROOT / "gdb"),
                       "python import kgdb_pcpu.commands",
                       "python import kgdb_pcpu.commands"])
    assert run.out("n") == "%d" % dump.truth["mp_maxcpus"]


def test_kernel_without_core(dump):
    # The kernel alone: its data sections but none of the CPUs' memory.
    proc = subprocess.run([GDB, "-nx", "-batch", "-x", str(LOADER),
                           "-ex", "pcpu 0", "-ex", "counter-fetch vm_cnt.v_swtch",
                           "-ex", "output 5", dump.kernel],
                          capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert proc.stdout.endswith("5")
    assert "Traceback" not in proc.stderr and "Python Exception" not in proc.stderr
    for line in proc.stderr.strip().splitlines():
        assert line.strip()


@pytest.fixture(scope="module")
def run(dump):
    # set/show kgdb-pcpu itself is tests/test_gdb_settings.py's; here what
    # the settings change in the commands, and the completers.
    steps = [("help_" + c, "help " + c) for c in COMMANDS]
    steps += [
        ("stride", ["set kgdb-pcpu zpcpu-stride 0x1000", "show kgdb-pcpu zpcpu-stride",
                    "counter-fetch -e vm_cnt.v_swtch"]),
        ("stride_read_fails", "counter-fetch vm_cnt.v_swtch"),
        ("stride_auto", ["set kgdb-pcpu zpcpu-stride auto", "counter-fetch vm_cnt.v_swtch"]),
        ("bar", ["set kgdb-pcpu bar-width 7", "show kgdb-pcpu bar-width"]),
        ("complete_pcpu", "complete pcpu "),
        ("complete_counter", "complete counter-fetch vm_cnt.v_sw"),
        ("complete_setcpu", "complete dpcpu-setcpu "),
        ("usable", "output 2 * 21"),
    ]
    return run_gdb(dump, steps)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_in_gdbs_format(run, command):
    text = run.out("help_" + command)
    summary, rest = text.split("\n\n", 1)
    assert "\n" not in summary and summary.endswith(".")
    assert rest.startswith("Usage: %s" % command)
    assert "Example" in text


def test_settings_change_the_commands(dump, run):
    assert run.lines("stride") == [
        "The distance between CPUs' UMA_ZONE_PCPU slots is 4096.",
        "*(uint64_t *)((char *)vm_cnt.v_swtch + 4096 * %d)" % dump.truth["selected_cpu"]]
    # amd64 13+ stores counters as offsets from __pcpu: a plain stride is wrong there.
    assert run.error("stride_read_fails").startswith("cannot read counter slot of CPU 0")
    assert re.fullmatch(r"\$\d+ = %d\n" % dump.truth["counters"]["vm_cnt.v_swtch"]["sum"],
                        run.out("stride_auto"))
    assert run.out("bar") == "The width of counter-fetch -v bars is 7.\n"
    assert run.out("usable") == "42"


def test_completion(dump, run):
    # What each completer offers beyond the CPUs is its command's tests'.
    cpus = ["%d" % c for c in dump.present()]
    assert set(cpus + ["all"]) <= {l.split(" ", 1)[1] for l in run.lines("complete_pcpu")}
    assert "counter-fetch vm_cnt.v_swtch" in run.lines("complete_counter")
    assert set(cpus) <= {l.split(" ", 1)[1] for l in run.lines("complete_setcpu")}


def test_handle_follows_inferior_and_core_changes(vmcore):
    # One handle per inferior and program: switching inferiors or loading
    # another kernel and dump must never show the previous one's data.
    amd64, sparse, arm64 = (vmcore("amd64-15.0"), vmcore("amd64-15.0-sparse"),
                            vmcore("arm64-15.0"))
    steps = [
        ("first", "output $maxcpu()"),
        ("other_core", ["core-file %s" % sparse.vmcore, "output $ncpus()"]),
        ("inferior2_empty", ["add-inferior -no-connection", "inferior 2",
                             "output $maxcpu()"]),
        ("inferior2_arm64", ["file %s" % arm64.kernel, "core-file %s" % arm64.vmcore,
                             "output $maxcpu()"]),
        ("back_to_1", ["inferior 1", "output $ncpus()"]),
        ("back_to_2", ["inferior 2", "output $ncpus()"]),
    ]
    run = run_gdb(amd64, steps)
    assert run.out("first") == "%d" % amd64.truth["mp_maxcpus"]
    assert run.out("other_core").endswith("%d" % sparse.truth["mp_ncpus"])
    assert run.error("inferior2_empty").startswith("no struct pcpu in the debug info")
    assert run.out("inferior2_arm64").endswith("%d" % arm64.truth["mp_maxcpus"])
    assert run.out("back_to_1").endswith("%d" % sparse.truth["mp_ncpus"])
    assert run.out("back_to_2").endswith("%d" % arm64.truth["mp_ncpus"])


def test_live_process_memory_changes_are_seen(dump, tmp_path):
    # The fixture kernel run live under GDB (as mkvmcore.py does before its
    # gcore): a write to the target drops the handle's cached reads.  A
    # string literal passed to a function is copied into the live process by
    # GDB (with a call of its malloc) and still names the variable.
    steps = [("ncpus", "output $ncpus()"),
             ("before", "dpcpu-print dpcpu_int 1"),
             ("write", ["set var mp_ncpus = 3",
                        'set var *$dpcpu_ptr("dpcpu_int", 1) = 77']),
             ("ncpus_after", "output $ncpus()"),
             ("after", "dpcpu-print dpcpu_int 1"),
             ("symbol_form", "output $dpcpu(pcpu_entry_dpcpu_int, 1)"),
             ("kill", "kill")]
    run = run_gdb(None, steps, pre=["break fixture_ready", "run"],
                  operands=["--args", dump.kernel, str(tmp_path / "truth.json")])
    values = dump.truth["dpcpu"]["dpcpu_int"]["values"]
    assert run.out("ncpus") == str(dump.truth["mp_ncpus"])
    assert run.out("before") == "cpu 1: %d\n" % values["1"]
    assert run.err("write") == ""
    assert run.out("ncpus_after") == "3"
    assert run.out("after") == "cpu 1: 77\n"
    assert run.out("symbol_form") == "77"
