"""gdb/kgdb-pcpu.py finds its package when another Python script sources it
(the README's line in FreeBSD's kernel-gdb.py): real GDB on a fixture dump."""

from conftest import LOADER, run_gdb


def test_sourced_from_a_python_script(vmcore, tmp_path):
    dump = vmcore("amd64-15.0")
    outer = tmp_path / "kernel-gdb.py"
    outer.write_text("import gdb\n"
                     "gdb.execute(%r)\n" % ("source %s" % LOADER))
    run = run_gdb(dump, [("pcpu0", "pcpu 0"),
                         ("cpuid", "output $PCPU(\"cpuid\", 0)")],
                  load=False, pre=("source %s" % outer,))
    assert "cannot load" not in run.stderr
    assert run.err("pcpu0") == ""
    assert run.lines("pcpu0")[0] == "cpuid        = 0"
    assert run.out("cpuid") == "0"
