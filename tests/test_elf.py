"""The ELF target (libelf + libdw) and `python3 -m kgdb_pcpu`, without GDB.

The differential test runs every function on every CPU through both targets,
the ELF one here and the GDB one in a real GDB, and wants the same answers,
which must also be truth.json's.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SHAPES, run_gdb
from kgdb_pcpu import _kvm
from kvm_snapshot import snapshot


def cli(dump_or_paths, *args):
    if isinstance(dump_or_paths, tuple):
        kernel, core = dump_or_paths
    else:
        kernel, core = dump_or_paths.kernel, dump_or_paths.vmcore
    env = dict(os.environ, PYTHONPATH=str(ROOT / "gdb"))
    return subprocess.run([sys.executable, "-m", "kgdb_pcpu", "-N", kernel, "-M", core, *args],
                          capture_output=True, text=True, env=env, timeout=120)


def gdb_snapshot(dump):
    code = ("import sys, json; sys.path.insert(0, %r); import kgdb_pcpu, kvm_snapshot; "
            "print(json.dumps(kvm_snapshot.snapshot(kgdb_pcpu.kvm(), json.load(open(%r)))))"
            % (str(ROOT / "tests"), str(dump.dir / "truth.json")))
    run = run_gdb(dump, [("snap", "python " + code)])
    return json.loads(run.out("snap").strip().splitlines()[-1])


@pytest.mark.parametrize("shape", SHAPES)
def test_elf_and_gdb_targets_agree_with_each_other_and_the_truth(vmcore, shape):
    dump = vmcore(shape)
    t = dump.truth
    elf = json.loads(json.dumps(snapshot(_kvm.open_elf(dump.kernel, dump.vmcore), t)))
    assert elf == gdb_snapshot(dump)
    assert (elf["maxcpu"], elf["ncpus"], elf["maxid"]) == (t["mp_maxcpus"], t["mp_ncpus"], t["mp_maxid"])
    assert elf["cpus"] == t["cpus"]
    for cpu in t["cpus"]:
        got = elf["cpu"][str(cpu)]
        assert got["pcpu_addr"] == t["pcpu"][str(cpu)]["addr"]
        assert got["dpcpu_off"] == t["dpcpu_off"][str(cpu)]
        assert got["dpcpu_addr"] == t["dpcpu"]["dpcpu_int"]["template_addr"] + t["dpcpu_off"][str(cpu)]
    for cpu in t["absent"]:
        assert elf["cpu"][str(cpu)]["getpcpu"] is None
        assert elf["cpu"][str(cpu)]["dpcpu_off"] == "error: CPU %d not found" % cpu
    assert elf["cpu"][str(t["mp_maxcpus"])]["getpcpu"] == "error: CPU %d too big (mp_maxcpus is %d)" % (
        t["mp_maxcpus"], t["mp_maxcpus"])
    for name, c in t["counters"].items():
        assert elf["counters"][name]["fetch"] == c["sum"]
        assert elf["counters"][name]["kvm_fetch"] == c["sum"]
        assert elf["counters"][name]["slots"] == [[int(k), v] for k, v in c["slots"].items()]
    assert elf["counter_arrays"]["tcpstat"] == t["counter_arrays"]["tcpstat"]["sums"]


def test_struct_layouts_come_from_dwarf(vmcore):
    dump = vmcore("arm64")
    kd = _kvm.open_elf(dump.kernel, dump.vmcore)
    members = {m[0]: m for m in kd.struct_members("pcpu")}
    assert members["pc_curthread"][3] == "pointer"
    assert members["pc_cpuid"][2:4] == (4, "uint")
    assert members["pc_cp_time"][3:] == ("array", "int", 8, None)
    assert members["pc_allcpu"][3] == "struct"
    assert "pc_midr" in members and "pc_prvspace" not in members
    assert "pc_zpcpu_offset" in members
    assert kd.variable_type("vm_cnt")[3:] == ("struct", "struct", 0, "vmmeter")
    assert kd.variable_type("tcpstat")[3:5] == ("array", "pointer")
    assert kd.variable_type("pcpu_entry_dpcpu_int")[2:4] == (4, "int")
    with pytest.raises(_kvm.KvmError, match="no struct nosuch in the kernel's debug info"):
        kd.struct_members("nosuch")


def test_cli_commands_text(vmcore):
    dump = vmcore("amd64")
    t = dump.truth
    assert cli(dump, "maxcpu").stdout == "%d\n" % t["mp_maxcpus"]
    assert cli(dump, "ncpus").stdout == "%d\n" % t["mp_ncpus"]
    assert cli(dump, "cpus").stdout == "0-3\n"
    out = cli(dump, "pcpu", "2").stdout.splitlines()
    assert "pc_cpuid = 2" in out
    assert "pc_curthread = %#x" % t["pcpu"]["2"]["curthread"] in out
    assert "pc_dynamic = %d" % t["pcpu"]["2"]["dynamic"] in out
    out = cli(dump, "dpcpu", "dpcpu_int", "1,3").stdout.splitlines()
    values = t["dpcpu"]["dpcpu_int"]["values"]
    assert out == ["cpu 1: %d" % values["1"], "cpu 3: %d" % values["3"]]
    stats = t["dpcpu"]["dpcpu_stats"]["values"]["2"]
    assert cli(dump, "dpcpu", "dpcpu_stats", "2").stdout == "cpu 2: {ds_calls = %d, ds_bytes = %d}\n" % (
        stats["ds_calls"], stats["ds_bytes"])
    for name, c in t["counters"].items():
        if "." in name:
            assert cli(dump, "counter", name).stdout == "%d\n" % c["sum"], name
    assert cli(dump, "counter", "tcpstat").stdout.splitlines() == [
        "[%d] = %d" % (i, s) for i, s in enumerate(t["counter_arrays"]["tcpstat"]["sums"])]
    c = t["counters"]["vm_cnt.v_swtch"]
    assert cli(dump, "counter", hex(c["value"])).stdout == "%d\n" % c["sum"]


def test_cli_json(vmcore):
    dump = vmcore("sparse")
    t = dump.truth
    assert json.loads(cli(dump, "--json", "cpus").stdout) == t["cpus"]
    got = json.loads(cli(dump, "--json", "dpcpu", "pcpu_entry_dpcpu_int", "all").stdout)
    assert got["cpus"]["0"]["value"] == t["dpcpu"]["dpcpu_int"]["values"]["0"]
    assert {k: v["value"] for k, v in got["cpus"].items()} == t["dpcpu"]["dpcpu_int"]["values"]
    got = json.loads(cli(dump, "--json", "dpcpu", "dpcpu_int", "2").stdout)
    assert got["cpus"] == {"2": None}
    got = json.loads(cli(dump, "--json", "counter", "tcpstat").stdout)
    assert got["sums"] == t["counter_arrays"]["tcpstat"]["sums"]
    got = json.loads(cli(dump, "--json", "pcpu", "6").stdout)
    assert got["fields"]["pc_cpuid"] == 6 and got["address"] == t["pcpu"]["6"]["addr"]


def test_cli_errors_are_one_line_and_exit_1(vmcore, tmp_path):
    dump = vmcore("amd64")
    cut = tmp_path / "vmcore.cut"
    with open(dump.vmcore, "rb") as f:
        cut.write_bytes(f.read()[: os.path.getsize(dump.vmcore) // 2])
    stripped = tmp_path / "kernel.stripped"
    shutil.copy(dump.kernel, stripped)
    subprocess.run(["strip", "--strip-all", str(stripped)], check=True)
    cases = [
        ((str(tmp_path / "nope"), dump.vmcore), ["maxcpu"], "kernel file %s: No such file or directory" % (tmp_path / "nope")),
        ((str(tmp_path), dump.vmcore), ["maxcpu"], "kernel file %s is not an ELF file" % tmp_path),
        ((dump.kernel, str(cut)), ["maxcpu"], "core file %s is cut short" % cut),
        ((str(stripped), dump.vmcore), ["maxcpu"], "kernel file %s has no symbol table" % stripped),
        ((dump.kernel, dump.vmcore), ["counter", "0x100000000000"], "cannot read counter slot"),
        ((dump.kernel, dump.vmcore), ["pcpu", "7"], "CPU 7 not found"),
        ((dump.kernel, dump.vmcore), ["pcpu", "256"], "CPU 256 too big (mp_maxcpus is 256)"),
        ((dump.kernel, dump.vmcore), ["pcpu", "two"], "invalid CPU 'two': not a number"),
        ((dump.kernel, dump.vmcore), ["dpcpu", "mp_ncpus"], "no DPCPU variable mp_ncpus"),
        ((dump.kernel, dump.vmcore), ["dpcpu", "dpcpu_int", "5-2"], "range 5-2 is reversed"),
        ((dump.kernel, dump.vmcore), ["counter", "no_such_symbol"], "unable to find no_such_symbol"),
        ((dump.kernel, dump.vmcore), ["counter", "mp_ncpus"], "mp_ncpus is not a counter_u64_t or an array of them"),
        ((dump.kernel, dump.vmcore), ["counter", "vm_cnt.v_nope"], "struct vmmeter has no field v_nope"),
        ((dump.kernel, dump.vmcore), ["counter", "mp_ncpus.x"], "mp_ncpus is not a struct: no field x"),
    ]
    for paths, args, message in cases:
        r = cli(paths, *args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert r.stdout == ""
        assert len(r.stderr.splitlines()) == 1 and message in r.stderr, (args, r.stderr)
