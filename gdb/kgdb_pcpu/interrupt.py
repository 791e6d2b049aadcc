"""Ctrl-C inside the GDB layer's own loops (pcpu all, dpcpu-print, ...).

GDB forwards a SIGINT that arrives while Python runs to Python (with
PyErr_SetInterrupt): the Python code running at that moment gets a
KeyboardInterrupt, and when it escapes a command or a function GDB prints
"Quit".  One case loses it.  When the SIGINT lands in Python code that GDB
itself runs nested inside one of our calls (the pretty-printer lookup that
Value.format_string does for every value it prints), GDB prints "Python
Exception <class 'KeyboardInterrupt'>" and goes on printing: a loop over
1024 CPUs would then ignore Ctrl-C.

Python also writes every signal it is told about, those GDB forwards
included, to its wakeup fd.  While a command or function of ours runs, that
is the write end of a pipe of ours, and check() (called once per CPU or
element by every loop) reads it: a SIGINT seen there is raised again as
KeyboardInterrupt, which GDB turns into its normal "Quit".
"""

import os
import signal

_pipe = None            # (read fd, write fd), made on first use
_depth = 0              # nested watch() (a function inside a command)
_saved = None           # the wakeup fd before the outermost watch()
_active = False         # the wakeup fd is ours


def _make_pipe():
    global _pipe
    if _pipe is None:
        rfd, wfd = os.pipe()
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)
        _pipe = (rfd, wfd)
    return _pipe


def _drain():
    """Read what is in the pipe: True when it holds a SIGINT."""
    seen = False
    while True:
        try:
            data = os.read(_pipe[0], 512)
        except (BlockingIOError, InterruptedError):
            return seen
        except OSError:
            return seen
        if not data:
            return seen
        if signal.SIGINT in data:
            seen = True


def _set_wakeup_fd(fd):
    try:
        return signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    except TypeError:   # Python before 3.7
        return signal.set_wakeup_fd(fd)


class watch:
    """Context manager: SIGINTs are recorded while the body runs."""

    def __enter__(self):
        global _depth, _saved, _active
        _depth += 1
        if _depth == 1:
            try:
                _make_pipe()
                _drain()        # a SIGINT from before: GDB has handled it
                _saved = _set_wakeup_fd(_pipe[1])
                _active = True
            except (OSError, ValueError):
                # Not the main thread, or no pipes: KeyboardInterrupt
                # alone then (all but the nested case above).
                _active = False
        return self

    def __exit__(self, exc_type, exc, tb):
        global _depth, _active
        _depth -= 1
        if _depth == 0 and _active:
            # A Ctrl-C swallowed in the last call into GDB (pcpu -r prints
            # one struct) still stops the command, and a CLI loop around it.
            interrupted = exc_type is None and _drain()
            _active = False
            try:
                _set_wakeup_fd(_saved if _saved is not None else -1)
            except (OSError, ValueError):
                pass
            if interrupted:
                raise KeyboardInterrupt
        return False


def check():
    """Raise KeyboardInterrupt when Ctrl-C was pressed since the last check.

    Call it once per iteration of a loop that calls into GDB."""
    if _active and _drain():
        raise KeyboardInterrupt
