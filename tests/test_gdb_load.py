"""Loading kgdb-pcpu.py, settings, help and bad input: real GDB."""

import subprocess

import pytest

from conftest import GDB, LOADER, ROOT, run_gdb

COMMANDS = ("pcpu", "dpcpu-print", "dpcpu-setcpu", "dpcpu-off", "counter-fetch")


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64")


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
    steps = [("help_" + c, "help " + c) for c in COMMANDS]
    steps += [
        ("show", "show kgdb-pcpu"),
        ("show_one", "show kgdb-pcpu follow-thread"),
        ("show_bad", "show kgdb-pcpu nosuch"),
        ("set_bad", "set kgdb-pcpu zpcpu-stride many"),
        ("set_zero", "set kgdb-pcpu zpcpu-stride 0"),
        ("show_after_bad", "show kgdb-pcpu zpcpu-stride"),
        ("stride", ["set kgdb-pcpu zpcpu-stride 0x1000", "show kgdb-pcpu zpcpu-stride",
                    "counter-fetch -e vm_cnt.v_swtch"]),
        ("stride_read_fails", "counter-fetch vm_cnt.v_swtch"),
        ("stride_auto", ["set kgdb-pcpu zpcpu-stride auto", "counter-fetch vm_cnt.v_swtch"]),
        ("bar", ["set kgdb-pcpu bar-width 7", "show kgdb-pcpu bar-width"]),
        ("follow", ["set kgdb-pcpu follow-thread off", "show kgdb-pcpu follow-thread",
                    "set kgdb-pcpu follow-thread on"]),
        ("help_set", "help set kgdb-pcpu"),
        ("help_set_stride", "help set kgdb-pcpu zpcpu-stride"),
        ("complete_set", "complete set kgdb-pcpu "),
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


def test_settings(dump, run):
    assert run.lines("show") == [
        "follow-thread: Whether the default CPU is the CPU of the selected thread is on.",
        "zpcpu-stride: The distance between CPUs' UMA_ZONE_PCPU slots is auto "
        "(currently pc_zpcpu_offset).",
        "bar-width: The width of counter-fetch -v bars is 30."]
    assert run.out("show_one") == \
        "Whether the default CPU is the CPU of the selected thread is on.\n"
    assert run.error("show_bad") == 'Undefined show kgdb-pcpu command: "nosuch".'
    assert run.error("set_bad") == \
        'zpcpu-stride must be "auto" or a positive number of bytes, not "many"'
    assert run.error("set_zero") == \
        'zpcpu-stride must be "auto" or a positive number of bytes, not "0"'
    assert run.out("show_after_bad") == \
        "The distance between CPUs' UMA_ZONE_PCPU slots is auto (currently pc_zpcpu_offset).\n"
    assert run.lines("stride") == [
        "The distance between CPUs' UMA_ZONE_PCPU slots is 0x1000.",
        "*(uint64_t *)((char *)vm_cnt.v_swtch + 4096 * %d)" % dump.truth["selected_cpu"]]
    # amd64 13+ stores counters as offsets from __pcpu: a plain stride is wrong there.
    assert run.error("stride_read_fails").startswith("cannot read counter slot of CPU 0")
    assert run.out("stride_auto") == \
        "%d\n" % dump.truth["counters"]["vm_cnt.v_swtch"]["sum"]
    assert run.out("bar") == "The width of counter-fetch -v bars is 7.\n"
    assert run.out("follow") == \
        "Whether the default CPU is the CPU of the selected thread is off.\n"
    assert "List of set kgdb-pcpu subcommands" in run.out("help_set")
    assert run.out("help_set_stride").startswith(
        "Set the distance between CPUs' UMA_ZONE_PCPU slots.")
    assert "Usage: set kgdb-pcpu zpcpu-stride auto|BYTES" in run.out("help_set_stride")
    assert run.out("usable") == "42"


def test_completion(dump, run):
    assert run.lines("complete_set") == ["set kgdb-pcpu bar-width",
                                         "set kgdb-pcpu follow-thread",
                                         "set kgdb-pcpu zpcpu-stride"]
    assert run.lines("complete_pcpu") == ["pcpu -r"] + \
        ["pcpu %d" % c for c in dump.present()] + ["pcpu all"]
    assert "counter-fetch vm_cnt.v_swtch" in run.lines("complete_counter")
    assert run.lines("complete_setcpu") == ["dpcpu-setcpu %d" % c for c in dump.present()]


def test_handle_follows_inferior_and_core_changes(vmcore):
    # One handle per inferior and program: switching inferiors or loading
    # another kernel and dump must never show the previous one's data.
    amd64, sparse, arm64 = vmcore("amd64"), vmcore("sparse"), vmcore("arm64")
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


def test_live_process_memory_changes_are_seen(vmcore, tmp_path):
    # The fixture kernel run live under GDB (as mkvmcore.py does before its
    # gcore): a write to the target drops the handle's cached reads.
    import mkvmcore
    dump = vmcore("amd64")
    plan = mkvmcore._plan("amd64", None)
    args = [dump.kernel, "--shape", "amd64", "--truth", str(tmp_path / "truth.json"),
            "--maxid", str(plan["maxid"]), "--selected", str(plan["selected"])]
    if plan.get("intr") is not None:
        args += ["--intr", str(plan["intr"])]
    proc = subprocess.run(
        [GDB, "-nx", "-batch", "-ex", "set confirm off", "-x", str(LOADER),
         "-ex", "break fixture_ready", "-ex", "run",
         "-ex", "echo @@\\n", "-ex", "output $ncpus()", "-ex", "echo \\n",
         "-ex", "dpcpu-print dpcpu_int 1",
         "-ex", "set var mp_ncpus = 3",
         "-ex", 'set var *$dpcpu_ptr("dpcpu_int", 1) = 77',
         "-ex", "output $ncpus()", "-ex", "echo \\n",
         "-ex", "dpcpu-print dpcpu_int 1", "-ex", "kill", "--args"] + args,
        capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert "Traceback" not in proc.stderr and "Python Exception" not in proc.stderr
    out = proc.stdout.split("@@\n", 1)[1].splitlines()
    values = dump.truth["dpcpu"]["dpcpu_int"]["values"]
    assert out[:4] == [str(dump.truth["mp_ncpus"]), "cpu 1: %d" % values["1"],
                       "3", "cpu 1: 77"]
