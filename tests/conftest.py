"""Shared fixtures: generated fixture dumps, and real GDB runs on them.

vmcore(shape) builds (once per test session) a fixture kernel and its dump
with vmcores/mkvmcore.py and returns a Dump: its directory, kernel, vmcore and
truth.json.  run_gdb(dump, script) runs one real `gdb -nx -batch` with the
kgdb-pcpu.py loaded, on the dump, executing a list of (name, command) steps;
each step's stdout and stderr are split out by markers that are written to
both streams, so that one GDB process serves many checks.
"""

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GDB = os.environ.get("GDB", "gdb")
LOADER = ROOT / "gdb" / "kgdb-pcpu.py"
SHAPES = ("amd64-15.0", "amd64-14.3", "amd64-13.5", "amd64-12.4", "amd64-11.4",
          "arm64-15.0", "arm64-14.3", "amd64-15.0-sparse", "amd64-15.0-up",
          "amd64-15.0-large")
MARK = "@@kgdb-pcpu-test@@"


class Dump:
    """A generated fixture: DIR/kernel, DIR/vmcore, DIR/truth.json."""

    def __init__(self, outdir):
        self.dir = Path(outdir)
        self.kernel = str(self.dir / "kernel")
        self.vmcore = str(self.dir / "vmcore")
        with open(self.dir / "truth.json") as f:
            self.truth = json.load(f)

    @property
    def shape(self):
        return self.truth["shape"]

    def present(self):
        """Present CPU ids, in CPU_FOREACH order."""
        return [int(c) for c in self.truth["cpus"]]

    def pcpu(self, cpu):
        return self.truth["pcpu"][str(cpu)]


def _make_vmcore():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        return importlib.import_module("vmcores.mkvmcore").make_vmcore
    except ImportError:
        sys.path.insert(0, str(ROOT / "vmcores"))
        return importlib.import_module("mkvmcore").make_vmcore


@pytest.fixture(scope="session")
def vmcore():
    """vmcore(shape, ncpus=None) -> Dump, made once per session.

    The dumps go where mkvmcore.py puts them (build/vmcores/SHAPE), which it
    reuses while what they were made from is unchanged."""
    cache = {}

    def get(shape="amd64-15.0", ncpus=None):
        key = (shape, ncpus)
        if key not in cache:
            cache[key] = Dump(_make_vmcore()(shape, ncpus=ncpus))
        return cache[key]

    return get


class GdbRun:
    """The output of one GDB run, split by step name."""

    def __init__(self, proc, names):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self._out = self._split(proc.stdout)
        self._err = self._split(proc.stderr)
        self.names = names

    @staticmethod
    def _split(text):
        # A marker may follow output with no newline (the output command).
        pieces = re.split(re.escape(MARK) + r"(\S+)\n", text)
        return dict(zip(pieces[1::2], pieces[2::2]))

    def out(self, name):
        """What step name wrote to stdout."""
        assert name in self._out, "step %s did not run:\n%s\n%s" % (
            name, self.stdout[-3000:], self.stderr[-3000:])
        return self._out[name]

    def err(self, name):
        """What step name wrote to stderr (GDB's error messages)."""
        return self._err.get(name, "")

    def lines(self, name):
        return self.out(name).splitlines()

    def error(self, name):
        """The one-line error of step name; asserts it is exactly one line."""
        text = self.err(name).strip()
        assert text, "step %s gave no error; stdout:\n%s" % (name, self.out(name))
        assert len(text.splitlines()) == 1, "not one line: %r" % text
        return text


def gdb_command_line(dump, steps, load=True, pre=(), operands=None):
    args = [GDB, "-nx", "-batch",
            "-ex", "set pagination off", "-ex", "set width 0",
            "-ex", "set height 0", "-ex", "set confirm off"]
    for cmd in pre:
        args += ["-ex", cmd]
    if load:
        args += ["-ex", "source %s" % LOADER]
    for name, cmd in steps:
        marker = MARK + name
        args += ["-ex", "python gdb.write(%r + '\\n'); gdb.write(%r + '\\n', gdb.STDERR)"
                 % (marker, marker)]
        if isinstance(cmd, str):
            cmd = [cmd]
        for c in cmd:
            args += ["-ex", c]
    if operands is not None:
        args += operands
    elif dump is not None:
        args += [dump.kernel, dump.vmcore]
    return args


def run_gdb(dump, steps, load=True, pre=(), timeout=600, operands=None):
    """Run real GDB on dump with steps [(name, command or [commands])].

    pre: commands before kgdb-pcpu.py is loaded; operands: GDB's command
    line operands instead of the dump's kernel and vmcore."""
    names = [n for n, _ in steps]
    assert len(set(names)) == len(names), "duplicate step names"
    args = gdb_command_line(dump, steps, load=load, pre=pre, operands=operands)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True, timeout=timeout,
                          cwd=str(ROOT), env=env)
    run = GdbRun(proc, names)
    assert "Traceback" not in run.stderr, run.stderr
    assert "Python Exception" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    return run


@pytest.fixture(scope="session")
def gdb_runner():
    return run_gdb


# --- What the commands must print, computed from truth.json. ---------------


def fmt_p(value):
    """The kernel's %p: 0, or 0x and lower-case hex."""
    return "0x%x" % value if value else "0"


def label(name):
    return "%-13s= " % name


def thread_text(truth, addr, form):
    """ddb's description of a thread (sys/kern/subr_pcpu.c show_pcpu):
    11.x prints no tid, 12.x no critnest (docs/FREEBSD.md, "curthread per
    release")."""
    if not addr:
        return "none"
    td = truth["threads"][str(addr)]
    if form == "idle":
        return '%s: tid %d "%s"' % (fmt_p(addr), td["tid"], td["name"])
    if form == "fpu" or truth["osreldate"] < 1200000:
        return '%s: pid %d "%s"' % (fmt_p(addr), td["pid"], td["name"])
    if truth["osreldate"] >= 1300000:
        return '%s: pid %d tid %d critnest %d "%s"' % (
            fmt_p(addr), td["pid"], td["tid"], td["critnest"], td["name"])
    return '%s: pid %d tid %d "%s"' % (fmt_p(addr), td["pid"], td["tid"],
                                       td["name"])


# amd64's db_show_mdpcpu() per era, as (label, truth key, format); arm64's
# prints nothing (docs/FREEBSD.md, "Machine-dependent lines").
AMD64_MD_11 = (("curpmap", "curpmap", "p"), ("tssp", "tssp", "p"),
               ("commontssp", "commontssp", "p"), ("rsp0", "rsp0", "x"),
               ("gs32p", "gs32p", "p"), ("ldt", "ldt", "p"),
               ("tss", "tss", "p"), ("tlb gen", "smp_tlb_done", "u"))
AMD64_MD_12 = (("curpmap", "curpmap", "p"), ("tssp", "tssp", "p"),
               ("commontssp", "commontssp", "p"), ("rsp0", "rsp0", "x"),
               ("kcr3", "kcr3", "x"), ("ucr3", "ucr3", "x"),
               ("scr3", "saved_ucr3", "x"), ("gs32p", "gs32p", "p"),
               ("ldt", "ldt", "p"), ("tss", "tss", "p"),
               ("tlb gen", "smp_tlb_done", "u"))
AMD64_MD_13 = (("self", "prvspace", "p"), ("curpmap", "curpmap", "p"),
               ("tssp", "tssp", "p"), ("rsp0", "rsp0", "x"),
               ("kcr3", "kcr3", "x"), ("ucr3", "ucr3", "x"),
               ("scr3", "saved_ucr3", "x"), ("gs32p", "gs32p", "p"),
               ("ldt", "ldt", "p"), ("tss", "tss", "p"))


def md_table(truth):
    if truth["machine"] != "amd64":
        return ()
    if truth["osreldate"] < 1200000:
        return AMD64_MD_11
    if truth["osreldate"] < 1300000:
        return AMD64_MD_12
    return AMD64_MD_13


def expected_pcpu_lines(truth, cpu):
    """The lines of `pcpu CPU` for a fixture dump, from truth.json and
    ddb's text per release (docs/FREEBSD.md, "ddb's show pcpu")."""
    pc = truth["pcpu"][str(cpu)]
    lines = [label("cpuid") + "%d" % pc["cpuid"],
             label("dynamic pcpu") + fmt_p(pc["dynamic"]),
             label("curthread") + thread_text(truth, pc["curthread"], "cur"),
             label("curpcb") + fmt_p(pc["curpcb"]),
             label("fpcurthread") + thread_text(truth, pc["fpcurthread"], "fpu"),
             label("idlethread") + thread_text(truth, pc["idlethread"], "idle")]
    md = pc["md"]
    for name, key, form in md_table(truth):
        value = md[key]
        if form == "p":
            text = fmt_p(value)
        elif form == "x":
            text = "0x%x" % value
        else:
            text = "%d" % value
        lines.append(label(name) + text)
    if truth.get("vimage"):
        td = truth["threads"].get(str(pc["curthread"]), {})
        lines.append(label("curvnet") + fmt_p(td.get("vnet", 0)))
    return lines


def print_text(type_name, value, fmt=None, pretty=False):
    """A truth.json value as GDB's print shows a value of type type_name."""
    def scalar(v):
        if fmt == "x":
            if v < 0:
                v += 1 << 64 if type_name.startswith(("long", "uint64")) else 1 << 32
            return "0x%x" % v
        return "%d" % v
    if isinstance(value, dict):
        items = ["%s = %s" % (k, scalar(v)) for k, v in value.items()]
        if pretty:
            return "{\n" + ",\n".join("  " + i for i in items) + "\n}"
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(scalar(v) for v in value) + "}"
    if type_name.endswith("*"):
        if fmt == "x":
            return "0x%x" % value
        return "(%s) 0x%x" % (type_name, value)
    return scalar(value)
