"""The default CPU in real GDB: the selected thread's td_oncpu, as FreeBSD's
$PCPU decides it (docs/FREEBSD.md); an off-CPU thread is an error naming it;
dpcpu-setcpu N until dpcpu-setcpu auto; -1 is the default CPU everywhere.

The off-CPU cases run the fixture kernel live under GDB (the process
mkvmcore.py dumps) and write the selected thread's td_oncpu, since a core
file's memory cannot be written."""

import os
import subprocess

import pytest

from conftest import ROOT, GdbRun, gdb_command_line, run_gdb


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


def sh_thread(dump):
    """(tid, name) of the selected thread, the one running on selected_cpu."""
    cur = dump.pcpu(dump.truth["selected_cpu"])["curthread"]
    td = dump.truth["threads"][str(cur)]
    assert td["tid"] == dump.truth["selected_tid"]
    return td["tid"], td["name"]


def who(tid, name):
    return 'thread 1, tid %d "%s"' % (tid, name)


@pytest.fixture(scope="module")
def run(dump):
    sel = dump.truth["selected_cpu"]
    other = next(c for c in dump.present() if c != sel)
    steps = [
        ("explain", "dpcpu-setcpu"),
        ("pcpu", "output $pcpu().pc_cpuid"),
        ("pcpu_m1", "output $pcpu(-1).pc_cpuid"),
        ("PCPU", 'output $PCPU("cpuid")'),
        ("PCPU_m1", 'output $PCPU("cpuid", -1)'),
        ("PCPU_cur", 'output $PCPU("curthread") == $pcpu(%d).pc_curthread' % sel),
        ("set", ["dpcpu-setcpu %d" % other, "dpcpu-setcpu"]),
        ("set_pcpu", "output $pcpu().pc_cpuid"),
        ("set_pcpu_m1", "output $pcpu(-1).pc_cpuid"),
        ("set_PCPU", 'output $PCPU("cpuid")'),
        ("set_PCPU_m1", 'output $PCPU("cpuid", -1)'),
        ("set_explicit", "output $pcpu(%d).pc_cpuid" % sel),
        ("set_again", ["dpcpu-setcpu %d" % sel, "dpcpu-setcpu"]),
        ("set_refused", ["dpcpu-setcpu %d" % other, "dpcpu-setcpu 9999"]),
        ("after_refused", "dpcpu-setcpu"),
        ("auto", ["dpcpu-setcpu auto", "dpcpu-setcpu"]),
        ("auto_pcpu", "output $pcpu().pc_cpuid"),
        ("auto_case", ["dpcpu-setcpu %d" % other, "dpcpu-setcpu AUTO",
                       "output $pcpu().pc_cpuid"]),
        ("set_m1", ["dpcpu-setcpu -1", "dpcpu-setcpu"]),
        ("set_m1_auto", "dpcpu-setcpu auto"),
        ("bad", "dpcpu-setcpu nosuch_symbol"),
        ("help", "help dpcpu-setcpu"),
    ]
    return run_gdb(dump, steps)


def test_default_is_the_selected_threads_cpu(dump, run):
    sel = dump.truth["selected_cpu"]
    tid, name = sh_thread(dump)
    assert run.out("explain") == ("Commands use CPU %d, the CPU of the "
                                  "selected thread (%s).\n" % (sel, who(tid, name)))
    for step in ("pcpu", "pcpu_m1", "PCPU", "PCPU_m1"):
        assert run.out(step) == "%d" % sel, step
    assert run.out("PCPU_cur") == "1"


def test_setcpu_is_the_default_until_auto(dump, run):
    sel = dump.truth["selected_cpu"]
    other = next(c for c in dump.present() if c != sel)
    assert run.out("set") == ("Commands use CPU %d, set by dpcpu-setcpu "
                              "(dpcpu-setcpu auto: the selected thread's "
                              "CPU).\n" % other)
    for step in ("set_pcpu", "set_pcpu_m1", "set_PCPU", "set_PCPU_m1"):
        assert run.out(step) == "%d" % other, step
    assert run.out("set_explicit") == "%d" % sel
    # An explicit N equal to the thread's CPU still says it was set.
    assert run.out("set_again").startswith("Commands use CPU %d, set by "
                                           "dpcpu-setcpu" % sel)
    assert run.error("set_refused") == ("CPU 9999 too big (mp_maxcpus is %d)"
                                        % dump.truth["mp_maxcpus"])
    assert run.out("after_refused").startswith("Commands use CPU %d, set by"
                                               % other)
    assert run.out("auto").startswith("Commands use CPU %d, the CPU of the "
                                      "selected thread" % sel)
    assert run.out("auto_pcpu") == "%d" % sel
    assert run.out("auto_case") == "%d" % sel
    # -1 is the default CPU here too: it pins the thread's CPU.
    assert run.out("set_m1").startswith("Commands use CPU %d, set by" % sel)
    assert run.error("bad") == ("invalid CPU 'nosuch_symbol': No symbol "
                                "\"nosuch_symbol\" in current context.")


def test_setcpu_help(run):
    text = run.out("help")
    summary, rest = text.split("\n\n", 1)
    assert summary == "Set the default CPU of the per-CPU commands, or show it."
    assert rest.startswith("Usage: dpcpu-setcpu [CPU | auto]\n")
    assert "td_oncpu" in text and "off-CPU" in text


def test_sparse_and_large(vmcore):
    for shape in ("amd64-15.0-sparse", "amd64-15.0-large"):
        dump = vmcore(shape)
        sel = dump.truth["selected_cpu"]
        run = run_gdb(dump, [("pcpu", "output $pcpu().pc_cpuid"),
                             ("PCPU", 'output $PCPU("cpuid", -1)'),
                             ("explain", "dpcpu-setcpu")])
        assert run.out("pcpu") == "%d" % sel, shape
        assert run.out("PCPU") == "%d" % sel, shape
        assert run.out("explain").startswith(
            "Commands use CPU %d, the CPU of the selected thread" % sel)


# --- A live fixture kernel: the selected thread taken off its CPU. ---------

def run_live(dump, steps, tmp_path):
    """Run the fixture kernel of dump under GDB to fixture_ready, then steps."""
    args = gdb_command_line(None, steps, pre=["break fixture_ready", "run"])
    args += ["-ex", "kill", "--args", dump.kernel,
             "--truth", str(tmp_path / "truth.json")]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True, timeout=300,
                          cwd=str(ROOT), env=env)
    run = GdbRun(proc, [n for n, _ in steps])
    assert "Traceback" not in run.stderr, run.stderr
    assert "Python Exception" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    return run


def test_off_cpu_thread_is_an_error_naming_it(dump, tmp_path):
    sel = dump.truth["selected_cpu"]
    other = next(c for c in dump.present() if c != sel)
    oncpu = "set var $pcpu(%d).pc_curthread->td_oncpu = %%d" % sel
    steps = [
        ("tid", "output $pcpu(%d).pc_curthread->td_tid" % sel),
        ("on", "output $pcpu().pc_cpuid"),
        ("off", [oncpu % -1, "output $pcpu().pc_cpuid"]),
        ("off_m1", "output $pcpu(-1).pc_cpuid"),
        ("off_PCPU", 'output $PCPU("cpuid")'),
        ("off_PCPU_m1", 'output $PCPU("cpuid", -1)'),
        ("off_explain", "dpcpu-setcpu"),
        ("off_explicit", "output $pcpu(%d).pc_cpuid" % other),
        ("off_setcpu", ["dpcpu-setcpu %d" % other, "output $pcpu().pc_cpuid"]),
        ("off_auto", ["dpcpu-setcpu auto", "output $PCPU(\"cpuid\")"]),
        ("moved", [oncpu % other, "output $pcpu().pc_cpuid"]),
        ("invalid", [oncpu % 999, "output $pcpu()"]),
        ("back", [oncpu % sel, "output $pcpu().pc_cpuid"]),
        # Not any CPU's curthread: found on allproc, as FreeBSD's tdfind().
        ("save", ["set $sh = $pcpu(%d).pc_curthread" % sel,
                  "set var $pcpu(%d).pc_curthread = $pcpu(%d).pc_idlethread"
                  % (sel, sel), "output $pcpu().pc_cpuid"]),
        ("allproc_off", ["set var $sh->td_oncpu = -1",
                         "output $pcpu().pc_cpuid"]),
        ("allproc_moved", ["set var $sh->td_oncpu = %d" % other,
                           "output $pcpu().pc_cpuid"]),
        ("end", "echo"),        # what kill prints goes here
    ]
    run = run_live(dump, steps, tmp_path)
    tid = int(run.out("tid"))
    assert tid > 0
    name = who(tid, "sh")
    assert run.out("on") == "%d" % sel
    off = ("Currently selected thread is off-CPU (%s): give a CPU, or choose "
           "one with dpcpu-setcpu N" % name)
    for step in ("off", "off_m1", "off_PCPU", "off_PCPU_m1"):
        assert run.error(step) == off, step
    assert run.out("off_explain") == "Commands have no default CPU: %s.\n" % off
    assert run.out("off_explicit") == "%d" % other
    assert run.out("off_setcpu") == "%d" % other
    assert run.error("off_auto") == off
    # td_oncpu decides, as in FreeBSD's $PCPU, and every write is seen.
    assert run.out("moved") == "%d" % other
    assert run.error("invalid") == ("Currently selected thread is on invalid "
                                    "CPU 999 (%s; mp_maxid is %d)"
                                    % (name, dump.truth["mp_maxid"]))
    assert run.out("back") == "%d" % sel
    assert run.out("save") == "%d" % sel
    assert run.error("allproc_off") == off
    assert run.out("allproc_moved") == "%d" % other
