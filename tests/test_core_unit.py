"""The native core's known-answer C unit tests (tests/unit/test_*.c).

Each test file is compiled with tests/unit/unit.c (the runner and an
in-memory target) and the core's sources, under AddressSanitizer, UBSan and
LeakSanitizer, and run: it prints "ok NAME" per test that passed and
"FAIL NAME: ..." per one that did not, and exits 1 if any failed.
"""

import os
import re
import subprocess

import pytest

from conftest import ROOT

UNIT = ROOT / "tests" / "unit"
BUILD = ROOT / "build" / "unit"
CORE = sorted((ROOT / "native").glob("kp_*.c")) + [ROOT / "native" / "kvm_compat.c"]
CFLAGS = ["-std=gnu11", "-g", "-O1", "-Wall", "-Wextra", "-Werror",
          "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
          "-fno-omit-frame-pointer", "-I", str(ROOT / "native"), "-I", str(UNIT)]
TESTS = sorted(p.stem for p in UNIT.glob("test_*.c"))


def _env():
    # Not the preloads of make test-asan: the compiler needs none, and the
    # test binaries link their own runtimes.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def _cc(out, *args):
    """cc ... -o out, atomically: another test run may be building it too."""
    tmp = out.with_name("%s.%d.tmp" % (out.name, os.getpid()))
    subprocess.run(["cc", *CFLAGS, "-o", str(tmp), *map(str, args)], check=True, env=_env())
    os.replace(tmp, out)


def _compile(src, obj, headers):
    """cc -c src, unless obj is newer than src and every header."""
    if obj.exists() and obj.stat().st_mtime > max(p.stat().st_mtime for p in [src, *headers]):
        return
    _cc(obj, "-c", src)


@pytest.fixture(scope="session")
def core_objects():
    BUILD.mkdir(parents=True, exist_ok=True)
    headers = list((ROOT / "native").glob("*.h")) + [UNIT / "unit.h"]
    objs = []
    for src in CORE + [UNIT / "unit.c"]:
        obj = BUILD / (src.stem + ".o")
        _compile(src, obj, headers)
        objs.append(obj)
    return objs, headers


@pytest.mark.parametrize("name", TESTS)
def test_core_unit(core_objects, name):
    objs, headers = core_objects
    obj = BUILD / (name + ".o")
    _compile(UNIT / (name + ".c"), obj, headers)
    exe = BUILD / name
    _cc(exe, obj, *objs, "-lelf", "-ldw")
    run = subprocess.run([str(exe)], capture_output=True, text=True, env=_env(), timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    summary = re.search(r"^(\d+) tests, 0 failed$", run.stdout, re.M)
    assert summary, out
    assert run.stdout.count("\nok ") + run.stdout.startswith("ok ") == int(summary.group(1)) > 0, out
