"""Settings (set/show kgdb-pcpu, maxcpus over a garbage mp_maxcpus), the
kgdb-pcpu overview, and apropos: real GDB on the fixture dumps."""

import pytest

from conftest import run_gdb

COMMANDS = ("pcpu", "dpcpu-print", "dpcpu-off", "dpcpu-setcpu",
            "counter-fetch", "vnet-list", "vnet-print", "kgdb-pcpu")
FUNCTIONS = ("pcpu", "PCPU", "dpcpu", "dpcpu_ptr", "counter", "V", "maxcpu",
             "ncpus", "CPU_FIRST", "CPU_NEXT", "CPU_ABSENT")
SETTINGS = ("bar-width", "maxcpus", "zpcpu-stride")


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


@pytest.fixture(scope="module")
def run(dump):
    steps = [
        ("list", "set kgdb-pcpu"),
        ("show", "show kgdb-pcpu"),
        ("maxcpus_show", "show kgdb-pcpu maxcpus"),
        ("maxcpus_set", ["set kgdb-pcpu maxcpus 8", "show kgdb-pcpu maxcpus",
                         "output $maxcpu()"]),
        ("maxcpus_list", "set kgdb-pcpu"),
        ("maxcpus_cpu", "output $pcpu(9)"),
        ("maxcpus_auto", ["set kgdb-pcpu maxcpus auto",
                          "show kgdb-pcpu maxcpus", "output $maxcpu()"]),
        ("maxcpus_zero", ["set kgdb-pcpu maxcpus 0", "show kgdb-pcpu maxcpus"]),
        ("maxcpus_bad", "set kgdb-pcpu maxcpus lots"),
        ("maxcpus_negative", "set kgdb-pcpu maxcpus -4"),
        ("maxcpus_huge", "set kgdb-pcpu maxcpus 70000"),
        ("maxcpus_arg", "show kgdb-pcpu maxcpus 3"),
        ("stride_set", ["set kgdb-pcpu zpcpu-stride 0x2000",
                        "show kgdb-pcpu zpcpu-stride"]),
        ("stride_auto", ["set kgdb-pcpu zpcpu-stride AUTO",
                         "show kgdb-pcpu zpcpu-stride"]),
        ("stride_bad", "set kgdb-pcpu zpcpu-stride -1"),
        ("unknown_set", "set kgdb-pcpu nosuch 1"),
        ("unknown_show", "show kgdb-pcpu nosuch"),
        ("complete_settings", "complete set kgdb-pcpu "),
        ("complete_maxcpus", "complete set kgdb-pcpu maxcpus "),
        ("complete_stride", "complete set kgdb-pcpu zpcpu-stride a"),
        ("complete_stride_2", "complete set kgdb-pcpu zpcpu-stride auto "),
        ("help_maxcpus", "help set kgdb-pcpu maxcpus"),
        ("help_overview", "help kgdb-pcpu"),
        ("overview", "kgdb-pcpu"),
        ("overview_arg", "kgdb-pcpu x"),
        ("apropos_per_cpu", "apropos per-CPU"),
        ("apropos_kgdb_pcpu", "apropos kgdb-pcpu"),
        ("usable", "output 6 * 7"),
    ]
    return run_gdb(dump, steps)


def test_set_alone_lists_the_settings(run):
    lines = run.lines("list")
    assert lines[0] == "kgdb-pcpu settings (set kgdb-pcpu SETTING VALUE):"
    assert [l.split()[:2] for l in lines[1:]] == [
        ["bar-width", "30"], ["maxcpus", "auto"], ["zpcpu-stride", "auto"]]
    assert [l.split(":")[0] for l in run.lines("show")] == list(SETTINGS)
    assert ["maxcpus", "8"] in [l.split()[:2] for l in run.lines("maxcpus_list")]


def test_maxcpus(dump, run):
    maxcpus = dump.truth["mp_maxcpus"]
    assert run.out("maxcpus_show") == ("The number of CPU slots (mp_maxcpus) is "
                                       "auto (the kernel's: %d).\n" % maxcpus)
    assert run.out("maxcpus_set") == ("The number of CPU slots (mp_maxcpus) is "
                                      "8, overriding the kernel's.\n8")
    assert run.error("maxcpus_cpu") == "CPU 9 too big (mp_maxcpus is 8)"
    assert run.out("maxcpus_auto") == ("The number of CPU slots (mp_maxcpus) is "
                                       "auto (the kernel's: %d).\n%d"
                                       % (maxcpus, maxcpus))
    assert run.out("maxcpus_zero").startswith("The number of CPU slots "
                                              "(mp_maxcpus) is auto")
    expected = ('maxcpus must be "auto" or a number of CPUs from 1 to 65536, '
                'not "%s"')
    assert run.error("maxcpus_bad") == expected % "lots"
    assert run.error("maxcpus_negative") == expected % "-4"
    assert run.error("maxcpus_huge") == expected % "70000"
    assert run.error("maxcpus_arg") == "show kgdb-pcpu maxcpus takes no argument"
    help_text = run.out("help_maxcpus")
    assert help_text.startswith("Set the number of CPU slots (mp_maxcpus).\n\n")
    assert "Usage: set kgdb-pcpu maxcpus auto|N" in help_text


def test_zpcpu_stride(run):
    assert run.out("stride_set") == ("The distance between CPUs' UMA_ZONE_PCPU "
                                     "slots is 8192.\n")
    assert run.out("stride_auto").startswith("The distance between CPUs' "
                                             "UMA_ZONE_PCPU slots is auto")
    assert run.error("stride_bad") == ('zpcpu-stride must be "auto" or a '
                                       'positive number of bytes, not "-1"')
    assert run.error("unknown_set").startswith('Undefined set kgdb-pcpu command: '
                                               '"nosuch 1".')
    assert run.error("unknown_show").startswith('Undefined show kgdb-pcpu '
                                                'command: "nosuch".')


def test_completion_offers_auto(run):
    assert run.lines("complete_settings") == [
        "set kgdb-pcpu " + s for s in SETTINGS]
    assert run.lines("complete_maxcpus") == ["set kgdb-pcpu maxcpus auto"]
    assert run.lines("complete_stride") == ["set kgdb-pcpu zpcpu-stride auto"]
    assert run.lines("complete_stride_2") == []


def test_overview_names_everything(run):
    text = run.out("help_overview")
    assert text.startswith("Overview of kgdb-pcpu: FreeBSD per-CPU data")
    assert run.out("overview") == text
    words = text.split()
    for name in COMMANDS:
        assert name in words, name
    for name in FUNCTIONS:
        assert any(w.startswith("$%s(" % name) for w in words), name
    for name in SETTINGS:
        assert name in words, name
    assert run.error("overview_arg") == ('kgdb-pcpu takes no argument: see '
                                         '"help kgdb-pcpu"')
    assert run.out("usable") == "42"


@pytest.mark.parametrize("step", ["apropos_per_cpu", "apropos_kgdb_pcpu"])
def test_apropos_finds_every_command_and_function(run, step):
    found = set(line.split(" -- ")[0] for line in run.lines(step))
    for name in COMMANDS:
        assert name in found, name
    for name in FUNCTIONS:
        assert "function " + name in found, name


def test_maxcpus_over_a_garbage_mp_maxcpus(vmcore):
    dump = vmcore("amd64-15.0-corrupt-maxcpus-huge")
    present = dump.present()
    steps = [
        ("garbage", "output $maxcpu()"),
        ("fixed", ["set kgdb-pcpu maxcpus 64", "output $maxcpu()"]),
        ("cpus", "output {%s}" % ", ".join("$pcpu(%d).pc_cpuid" % c
                                          for c in present)),
        ("default", "output $pcpu().pc_cpuid"),
        ("loop", "output $CPU_NEXT(%d)" % present[-1]),
        ("back", ["set kgdb-pcpu maxcpus auto", "output $maxcpu()"]),
    ]
    run = run_gdb(dump, steps)
    assert run.error("garbage") == ("mp_maxcpus is 2147483647: not a CPU count "
                                    "(corrupt dump?)")
    assert run.out("fixed") == "64"
    assert run.out("cpus") == "{%s}" % ", ".join(str(c) for c in present)
    assert run.out("default") == "%d" % dump.truth["selected_cpu"]
    assert run.out("loop") == "%d" % present[0]
    assert run.error("back") == run.error("garbage")
