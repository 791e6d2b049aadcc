"""Ctrl-C: a long command on the 1024-CPU dump stops with GDB's "Quit"
when GDB gets SIGINT, and GDB then goes on answering.

One real GDB runs, one after another, loops of one command each (pcpu all,
dpcpu-print over every CPU, counter-fetch of the tcpstat array, $counter
calls, ...) that would never end.  For each loop the test waits until the
loop has run its command twice (so that the command is under way again),
sends SIGINT to GDB's pid, and expects "Quit" and then the commands after
the loop: `print 1+1` gives 2.  A script that ends in an error (Quit is
one) leaves GDB to go on with the next -x/-ex of its command line.  The
timeouts are only there so that a Ctrl-C that is lost fails the test
instead of hanging it; nothing here measures speed.

One interactive run does the same through a pseudo-terminal: the loop is
typed at GDB's prompt and interrupted by a ^C byte, as a user does.
"""

import os
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import GDB, LOADER, ROOT

# Generous: only a lost Ctrl-C makes a run reach them.
STOP_TIMEOUT = 120
RETRY = 20
PRESSES = 6
START_TIMEOUT = 300
MARK = "@@interrupt-test@@"

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
NAMES = sorted(LOOPS)

# What GDB itself may print on stderr besides "Quit": its own message when
# the SIGINT lands in its pretty-printer lookup (gdb/kgdb_pcpu/interrupt.py),
# and its notes on loading the core.
ALLOWED = ("Python Exception <class 'KeyboardInterrupt'>: <class 'KeyboardInterrupt'>",)


def _marker(kind, name):
    return "%s%s-%s@@" % (MARK, kind, name)


def _script(path, name):
    """A GDB script: markers on both streams, then the endless loop of
    LOOPS[name], which says when its command has run twice."""
    start = _marker("start", name)
    path.write_text("python gdb.write(%r); gdb.write(%r, gdb.STDERR)\n"
                    "set $i = 0\n"
                    "while 1\n"
                    "  %s\n"
                    "  set $i = $i + 1\n"
                    "  if $i == 2\n"
                    "    echo %s\\n\n"
                    "  end\n"
                    "end\n" % (start + "\n", start + "\n", LOOPS[name],
                               _marker("running", name)))
    return path


class Tail:
    """Markers in a file that another process writes, read only where it
    grew (a loop of pcpu all writes megabytes)."""

    def __init__(self, path):
        self.path = path
        self._pos = 0
        self._window = ""

    def has(self, text):
        with open(self.path, "rb") as f:
            f.seek(self._pos)
            chunk = f.read().decode(errors="replace")
        self._pos += len(chunk.encode(errors="replace"))
        self._window = self._window[-len(text):] + chunk
        if text in self._window:
            self._window = ""
            return True
        return False


def _wait_for(tail, text, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tail.has(text):
            return True
        if proc.poll() is not None:
            return tail.has(text)
        time.sleep(0.02)
    return False


def _quits(path):
    return path.read_text(errors="replace").count("\nQuit\n")


def _interrupt(proc, err_path, quits):
    """SIGINT to GDB, as a user's Ctrl-C, until stderr has quits "Quit"
    lines: another one, up to PRESSES in all, only if GDB has not said
    "Quit" within RETRY seconds (GDB 13 itself drops a SIGINT that lands in
    some of its own code, whatever the command, and a user presses Ctrl-C
    again; under a loaded CI three presses in a row were once all lost)."""
    for _attempt in range(PRESSES):
        os.kill(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + RETRY
        while time.monotonic() < deadline and proc.poll() is None:
            if _quits(err_path) >= quits:
                return
            time.sleep(0.02)
        if proc.poll() is not None:
            return


@pytest.fixture(scope="module")
def session(vmcore, tmp_path_factory):
    """One GDB running every loop of LOOPS in turn, each stopped by SIGINT:
    {name: (stdout, stderr) of that loop and the commands after it}, and
    GDB's exit status."""
    dump = vmcore("amd64-15.0-large")
    tmp = tmp_path_factory.mktemp("interrupt")
    args = [GDB, "-nx", "-batch",
            "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "source %s" % LOADER]
    for name in NAMES:
        args += ["-x", str(_script(tmp / ("%s.gdb" % name), name)),
                 "-ex", "echo %s\\n" % _marker("after", name),
                 "-ex", "print 1+1",
                 "-ex", "print $ncpus()"]
    args += [dump.kernel, dump.vmcore]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        proc = subprocess.Popen(args, stdout=out_file, stderr=err_file,
                                stdin=subprocess.DEVNULL, cwd=str(ROOT),
                                env=env)
    out = Tail(out_path)
    try:
        for count, name in enumerate(NAMES, 1):
            assert _wait_for(out, _marker("running", name), proc, START_TIMEOUT), \
                (name, err_path.read_text()[-3000:])
            assert proc.poll() is None, err_path.read_text()[-3000:]
            _interrupt(proc, err_path, count)
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("GDB did not stop a loop after SIGINT:\n"
                    + err_path.read_text()[-3000:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    parts = {}
    for path, index in ((out_path, 0), (err_path, 1)):
        pieces = re.split(re.escape(MARK) + r"start-(\S+)@@\n",
                          path.read_text(errors="replace"))
        for name, piece in zip(pieces[1::2], pieces[2::2]):
            parts.setdefault(name, ["", ""])[index] = piece
    return parts, proc.returncode, err_path.read_text(errors="replace")


def test_gdb_ends_well(session):
    _parts, returncode, err = session
    assert returncode == 0, err[-3000:]
    assert "Traceback" not in err and "internal error" not in err, err[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_sigint_stops_a_long_command(session, name):
    parts, _returncode, _err = session
    assert name in parts, "loop %s did not start" % name
    out, err = parts[name]
    # GDB's own message for Ctrl-C, once, and nothing else.
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines.count("Quit") == 1, err
    others = [l for l in lines if l != "Quit" and l not in ALLOWED]
    assert not others, err
    after = out.split(_marker("after", name) + "\n", 1)
    assert len(after) == 2, out[-2000:]
    assert re.search(r"^\$\d+ = 2$", after[1], re.M), after[1]
    assert re.search(r"^\$\d+ = 1024$", after[1], re.M), after[1]


def _read_until(fd, pattern, timeout, count=1):
    """Read the pty until pattern (a regex) matched count times in what was
    read; what was read.  AssertionError when it does not within timeout."""
    data = b""
    seen = 0
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
        found = len(re.findall(pattern, data, re.M))
        if seen + found >= count:
            return data
        # Keep only the tail: the loop prints a lot.
        if len(data) > 1 << 16:
            seen += len(re.findall(pattern, data[:-4096], re.M))
            data = data[-4096:]
    raise TimeoutError("no %r in GDB's output; the end of it:\n%s"
                       % (pattern, data[-2000:].decode(errors="replace")))


def test_ctrl_c_at_the_prompt(vmcore):
    """Interactive GDB on a terminal: ^C stops `pcpu all` in a loop."""
    dump = vmcore("amd64-15.0-large")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["TERM"] = "dumb"
    # GDB in a session of its own with the pseudo-terminal as its controlling
    # terminal (setsid --ctty), started by subprocess: no fork of this
    # process, which may have threads (pytest-xdist's).
    fd, tty = os.openpty()
    proc = subprocess.Popen(["setsid", "--ctty", GDB, "-nx", "-q",
                             "-ex", "set pagination off",
                             "-ex", "set confirm off",
                             "-ex", "source %s" % LOADER,
                             dump.kernel, dump.vmcore],
                            stdin=tty, stdout=tty, stderr=tty, cwd=str(ROOT),
                            env=env)
    os.close(tty)
    try:
        prompt = rb"\(gdb\) $"
        _read_until(fd, prompt, START_TIMEOUT)
        os.write(fd, b"while 1\n")
        _read_until(fd, rb">\s*$", 60)
        os.write(fd, b"pcpu all\n")
        _read_until(fd, rb">\s*$", 60)
        os.write(fd, b"end\n")
        # The loop's second pcpu all is under way.
        _read_until(fd, rb"^Current CPU: \d+", 120, count=2)
        # ^C as a user presses it, again if GDB lost it (see _interrupt).
        data = b""
        for _attempt in range(3):
            os.write(fd, b"\x03")
            try:
                data = _read_until(fd, rb"Quit\r?\n(.*\n)*\(gdb\) $", RETRY)
                break
            except TimeoutError:
                continue
        text = data.decode(errors="replace")
        assert "Quit" in text, text[-2000:]
        assert "Traceback" not in text, text[-2000:]
        os.write(fd, b"print 1+1\n")
        _read_until(fd, rb"\$\d+ = 2\r?\n(.*\n)*\(gdb\) $", 60)
        os.write(fd, b"quit\n")
        proc.wait(timeout=STOP_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(fd)
