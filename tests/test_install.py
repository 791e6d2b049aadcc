"""make install and make uninstall, the kgdb-pcpu launcher, and a checkout's
kgdb-pcpu.py winning over an installed copy: real make, real GDB."""

import os
import re
import subprocess
import sys

import pytest

from conftest import GDB, LOADER, ROOT, run_gdb


def make(*args):
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT)]
                          + list(args), capture_output=True, text=True,
                          timeout=600)


def files_under(top):
    return sorted(os.path.relpath(os.path.join(d, f), top)
                  for d, _dirs, names in os.walk(top) for f in names)


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """kgdb-pcpu installed with PREFIX in a temporary directory; uninstalled
    (and checked to leave no file) at the end."""
    top = tmp_path_factory.mktemp("prefix")
    proc = make("install", "PREFIX=%s" % top)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield top, proc.stdout
    proc = make("uninstall", "PREFIX=%s" % top)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files_under(top) == []


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("amd64-15.0")


def test_install_says_what_and_where(prefix):
    top, out = prefix
    manifest = (top / "lib" / "kgdb-pcpu" / "installed-files").read_text()
    listed = manifest.split()
    for path in listed:
        assert path in out, path            # each file is printed
        assert os.path.isfile(path), path
    assert sorted(os.path.relpath(p, top) for p in listed) == files_under(top)
    for path in ("bin/kgdb-pcpu", "lib/kgdb-pcpu/kgdb-pcpu.py",
                 "lib/kgdb-pcpu/kgdb_pcpu/cli.py",
                 "lib/kgdb-pcpu/kgdb_pcpu/commands.py",
                 "share/man/man1/kgdb-pcpu.1", "share/man/man3/kgdb_pcpu.3",
                 "include/kgdb-pcpu/kvm_pcpu.h", "lib/libkgdbpcpu.a"):
        assert str(top / path) in listed, path
    assert any(p.startswith(str(top / "lib/kgdb-pcpu/kgdb_pcpu/_kvm"))
               and p.endswith(".so") for p in listed)
    assert os.access(top / "bin" / "kgdb-pcpu", os.X_OK)
    assert "source %s" % (top / "lib" / "kgdb-pcpu" / "kgdb-pcpu.py") in out


def test_destdir_stages_under_prefix(tmp_path):
    stage = tmp_path / "stage"
    proc = make("install", "DESTDIR=%s" % stage, "PREFIX=/opt/kp")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = files_under(stage)
    assert found and all(f.startswith("opt/kp/") for f in found)
    # The launcher and the manifest name the final place, not the stage.
    launcher = (stage / "opt/kp/bin/kgdb-pcpu").read_text()
    assert '"/opt/kp/lib/kgdb-pcpu"' in launcher and str(stage) not in launcher
    manifest = (stage / "opt/kp/lib/kgdb-pcpu/installed-files").read_text()
    assert sorted("opt/kp/" + os.path.relpath(p, "/opt/kp")
                  for p in manifest.split()) == found
    proc = make("uninstall", "DESTDIR=%s" % stage, "PREFIX=/opt/kp")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files_under(stage) == []
    proc = make("uninstall", "DESTDIR=%s" % stage, "PREFIX=/opt/kp")
    assert proc.returncode != 0
    assert "not installed" in proc.stdout


def test_launcher_uses_gdbs_python_whatever_is_on_path(prefix, dump, tmp_path):
    top, _out = prefix
    # A python3 first on PATH that cannot run the package, and a PYTHONPATH
    # with a broken kgdb_pcpu: neither may matter.
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("python3", "python"):
        (fake / name).write_text("#!/bin/sh\necho wrong python >&2\nexit 99\n")
        (fake / name).chmod(0o755)
    broken = tmp_path / "pkgs" / "kgdb_pcpu"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('not this one')\n")
    env = dict(os.environ, PATH="%s:%s" % (fake, os.environ["PATH"]),
               PYTHONPATH=str(broken.parent))
    proc = subprocess.run([str(top / "bin" / "kgdb-pcpu"), "-N", dump.kernel,
                           "-M", dump.vmcore, "ncpus"], capture_output=True,
                          text=True, env=env, cwd="/", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "%d\n" % dump.truth["mp_ncpus"]
    proc = subprocess.run([str(top / "bin" / "kgdb-pcpu"), "--help"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: kgdb-pcpu")


def test_installed_loader_in_gdb(prefix, dump):
    top, _out = prefix
    loader = top / "lib" / "kgdb-pcpu" / "kgdb-pcpu.py"
    run = run_gdb(dump, [("n", "output $ncpus()"),
                         ("where", "python print(kgdb_pcpu.__file__)")],
                  load=False, pre=["source %s" % loader,
                                   "python import kgdb_pcpu"])
    assert run.out("n") == "%d" % dump.truth["mp_ncpus"]
    assert run.out("where").strip() == str(
        top / "lib" / "kgdb-pcpu" / "kgdb_pcpu" / "__init__.py")


@pytest.mark.parametrize("installed_first", ["source", "sys.path"])
def test_checkout_wins_over_installed_copy(prefix, dump, installed_first):
    top, _out = prefix
    lib = top / "lib" / "kgdb-pcpu"
    if installed_first == "source":
        pre = ["source %s" % (lib / "kgdb-pcpu.py")]
    else:           # an installed package found on sys.path, then imported
        pre = ["python import sys; sys.path.insert(0, %r)" % str(lib),
               "python import kgdb_pcpu.commands"]
    pre += ["python import kgdb_pcpu",
            "python assert kgdb_pcpu.__file__.startswith(%r)" % str(lib),
            "source %s" % LOADER]
    steps = [("where", "python import kgdb_pcpu, kgdb_pcpu.cmd_pcpu as m; "
                       "print(kgdb_pcpu.__file__); print(m.__file__)"),
             ("n", "output $ncpus()")]
    run = run_gdb(dump, steps, load=False, pre=pre)
    where = run.lines("where")
    assert where == [str(ROOT / "gdb" / "kgdb_pcpu" / "__init__.py"),
                     str(ROOT / "gdb" / "kgdb_pcpu" / "cmd_pcpu.py")]
    assert run.out("n") == "%d" % dump.truth["mp_ncpus"]


def test_man_pages_render_and_lint():
    for page in ("man/kgdb-pcpu.1", "man/kgdb_pcpu.3"):
        proc = subprocess.run(["man", "-l", "-Tutf8", str(ROOT / page)],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, MANWIDTH="80"))
        assert proc.returncode == 0, proc.stderr
        assert "warning" not in proc.stderr.lower(), proc.stderr
        text = re.sub(".\b", "", proc.stdout)      # overstrike: bold
        assert "SYNOPSIS" in text and "DESCRIPTION" in text
        lint = subprocess.run(["mandoc", "-Tlint", "-Wwarning",
                               str(ROOT / page)],
                              capture_output=True, text=True, timeout=60)
        assert lint.stdout + lint.stderr == "", lint.stdout + lint.stderr


def test_man_page_names_every_gdb_command_function_and_setting():
    text = (ROOT / "man" / "kgdb-pcpu.1").read_text()
    proc = subprocess.run(
        [GDB, "-nx", "-batch", "-ex", "source %s" % LOADER, "-ex",
         "python import gdb; print(gdb.execute('help kgdb-pcpu', "
         "to_string=True))"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names = ("pcpu", "dpcpu-print", "dpcpu-setcpu", "dpcpu-off",
             "counter-fetch", "vnet-list", "vnet-print", "$pcpu", "$PCPU",
             "$dpcpu", "$dpcpu_ptr", "$counter", "$V", "$maxcpu", "$ncpus",
             "$CPU_FIRST", "$CPU_NEXT", "$CPU_ABSENT", "zpcpu-stride",
             "maxcpus", "bar-width")
    for name in names:
        assert name in proc.stdout, name     # the overview lists it
        assert name.lstrip("$") in text, name


def test_c_example_of_the_man_page_builds_against_the_install(prefix, dump,
                                                              tmp_path):
    top, _out = prefix
    page = (ROOT / "man" / "kgdb_pcpu.3").read_text()
    code = page.split(".Sh EXAMPLES")[1].split(".Bd -literal -offset indent\n")[1]
    code = code.split("\n.Ed")[0].replace("\\e", "\\")
    code = code.replace('"kernel.debug"', "argv[1]").replace(
        '"vmcore.elf"', "argv[2]").replace("main(void)",
                                           "main(int argc, char **argv)")
    src = tmp_path / "example.c"
    src.write_text(code)
    exe = tmp_path / "example"
    proc = subprocess.run(["cc", "-Wall", "-Werror", "-I", str(top / "include"),
                           "-o", str(exe), str(src), "-L", str(top / "lib"),
                           "-lkgdbpcpu", "-lelf", "-ldw"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(exe), dump.kernel, dump.vmcore],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    expected = ["cpu %d" % c for c in dump.present()]
    expected.append("%d CPUs" % dump.truth["mp_ncpus"])
    assert proc.stdout.splitlines() == expected
