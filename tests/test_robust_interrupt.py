"""Ctrl-C: a long command on the 1024-CPU `large` dump stops with GDB's
"Quit" when GDB gets SIGINT, and GDB then goes on answering.

A real GDB runs a loop of one command (pcpu all, dpcpu-print over every
CPU, counter-fetch of the tcpstat array, $counter calls) that would never
end; the test waits until the loop is under way, sends SIGINT to GDB's pid,
and expects "Quit" and then the commands after the loop: `print 1+1` gives
2.  The timeout is only there so that a Ctrl-C that is lost fails the test
instead of hanging it; nothing here measures speed.

One interactive run does the same through a pseudo-terminal: the loop is
typed at GDB's prompt and interrupted by a ^C byte, as a user does.
"""

import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import GDB, LOADER, ROOT

# Generous: only a lost Ctrl-C makes a run reach it.
STOP_TIMEOUT = 120
RETRY = 20
START_TIMEOUT = 300
STARTED = "@@loop-started@@"

LOOPS = {
    "pcpu-all": "pcpu all",
    "dpcpu-print": "dpcpu-print dpcpu_stats",
    "counter-array": "counter-fetch -t 'struct tcpstat' tcpstat",
    "counter-verbose": "counter-fetch -v tcpstat[3]",
    # Functions in an expression that is not printed: GDB 13 itself loses
    # most Ctrl-Cs in a loop of `output $i` (its pretty-printer lookup
    # swallows them), which is not what is tested here.
    "counter-function": "set $x = $counter(tcpstat[$i % 36]) + $ncpus()",
    "dpcpu-function": "set $x = $dpcpu(\"dpcpu_stats\", $i % 1024).ds_calls",
    "pcpu-raw": "pcpu -r $i % 1024",
}


def _script(tmp_path, body):
    path = tmp_path / "loop.gdb"
    path.write_text("set $i = 0\n"
                    "echo %s\\n\n"
                    "while 1\n"
                    "  %s\n"
                    "  set $i = $i + 1\n"
                    "end\n" % (STARTED, body))
    return path


def _wait_for(path, text, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def _interrupt(proc, err_path):
    """SIGINT to GDB, as a user's Ctrl-C; a second and third one only if GDB
    has not said "Quit" within RETRY seconds (GDB 13 itself drops a SIGINT
    that lands in some of its own code, whatever the command, and a user
    presses Ctrl-C again), then wait for GDB to finish."""
    for _attempt in range(3):
        os.kill(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + RETRY
        while time.monotonic() < deadline and proc.poll() is None:
            if "Quit" in err_path.read_text(errors="replace"):
                break
            time.sleep(0.05)
        if proc.poll() is not None or "Quit" in err_path.read_text(errors="replace"):
            break
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("GDB did not stop the loop after SIGINT")


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_sigint_stops_a_long_command(vmcore, tmp_path, name):
    dump = vmcore("large")
    script = _script(tmp_path, LOOPS[name])
    out_path = tmp_path / "stdout"
    err_path = tmp_path / "stderr"
    args = [GDB, "-nx", "-batch",
            "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "source %s" % LOADER,
            "-x", str(script),
            "-ex", "echo @@after@@\\n",
            "-ex", "print 1+1",
            "-ex", "print $ncpus()",
            dump.kernel, dump.vmcore]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, cwd=str(ROOT),
                                env=env)
    try:
        assert _wait_for(out_path, STARTED, proc, START_TIMEOUT), \
            err_path.read_text()
        # Let the loop run (and its command be in the middle of its work).
        time.sleep(1.0)
        assert proc.poll() is None, err_path.read_text()
        _interrupt(proc, err_path)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = out_path.read_text(errors="replace")
    err = err_path.read_text(errors="replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    # GDB's own message for Ctrl-C.  GDB itself may also print "Python
    # Exception <class 'KeyboardInterrupt'>" when the SIGINT lands in its
    # own pretty-printer lookup (see gdb/kgdb_pcpu/interrupt.py); nothing
    # else may.
    lines = [l for l in err.splitlines() if l.strip()]
    assert "Quit" in lines, err
    others = [l for l in lines if l != "Quit"
              and l != "Python Exception <class 'KeyboardInterrupt'>: "
                       "<class 'KeyboardInterrupt'>"
              and not l.startswith(("[New LWP", "warning: "))]
    assert not others, err
    after = out.split("@@after@@\n", 1)
    assert len(after) == 2, out[-2000:]
    assert re.search(r"^\$\d+ = 2$", after[1], re.M), after[1]
    assert re.search(r"^\$\d+ = 1024$", after[1], re.M), after[1]


def _read_until(fd, pattern, timeout):
    """Read the pty until pattern (a regex) matches what was read."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        # Keep only the tail: the loop prints a lot.
        if len(data) > 1 << 20:
            data = data[-(1 << 16):]
        if re.search(pattern, data):
            return data
    raise AssertionError("no %r in GDB's output; the end of it:\n%s"
                         % (pattern, data[-2000:].decode(errors="replace")))


def test_ctrl_c_at_the_prompt(vmcore):
    """Interactive GDB on a terminal: ^C stops `pcpu all` in a loop."""
    dump = vmcore("large")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["TERM"] = "dumb"
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(str(ROOT))
        os.execvpe(GDB, [GDB, "-nx", "-q",
                         "-ex", "set pagination off",
                         "-ex", "set confirm off",
                         "-ex", "source %s" % LOADER,
                         dump.kernel, dump.vmcore], env)
    try:
        prompt = rb"\(gdb\) $"
        _read_until(fd, prompt, START_TIMEOUT)
        os.write(fd, b"while 1\n")
        _read_until(fd, rb">\s*$", 60)
        os.write(fd, b"pcpu all\n")
        _read_until(fd, rb">\s*$", 60)
        os.write(fd, b"end\n")
        _read_until(fd, rb"Current CPU: 700", 120)
        time.sleep(1.0)
        os.write(fd, b"\x03")
        data = _read_until(fd, prompt, STOP_TIMEOUT)
        text = data.decode(errors="replace")
        assert "Quit" in text, text[-2000:]
        assert "Traceback" not in text, text[-2000:]
        os.write(fd, b"print 1+1\n")
        data = _read_until(fd, rb"\$\d+ = 2\r?\n.*\(gdb\) $", 60)
        os.write(fd, b"quit\n")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
