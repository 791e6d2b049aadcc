"""The ELF target (libelf + libdw, kgdb_pcpu._kvm.ElfKvm), without GDB.

The differential test runs every function on every CPU through both targets,
the ELF one here and the GDB one in a real GDB, and wants the same answers,
which must also be truth.json's.  The CLI on top of it (python3 -m
kgdb_pcpu) is tested in tests/test_cli.py.
"""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, SHAPES, run_gdb
from kgdb_pcpu import _kvm
from kvm_snapshot import snapshot


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
    elf = json.loads(json.dumps(snapshot(_kvm.ElfKvm(dump.kernel, dump.vmcore), t)))
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
    dump = vmcore("arm64-15.0")
    kd = _kvm.ElfKvm(dump.kernel, dump.vmcore)
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


def test_open_errors_are_one_line_of_their_class(vmcore, tmp_path):
    dump = vmcore("amd64-15.0")
    cut = tmp_path / "vmcore.cut"
    with open(dump.vmcore, "rb") as f:
        cut.write_bytes(f.read()[: os.path.getsize(dump.vmcore) // 2])
    stripped = tmp_path / "kernel.stripped"
    shutil.copy(dump.kernel, stripped)
    subprocess.run(["strip", "--strip-all", str(stripped)], check=True)
    cases = [
        ((str(tmp_path / "nope"), dump.vmcore), _kvm.InvalidError,
         "kernel file %s: No such file or directory" % (tmp_path / "nope")),
        ((str(tmp_path), dump.vmcore), _kvm.InvalidError, "kernel file %s is not an ELF file" % tmp_path),
        ((dump.kernel, str(cut)), _kvm.CorruptError, "core file %s is cut short" % cut),
        ((str(stripped), dump.vmcore), _kvm.SymbolError, "kernel file %s has no symbol table" % stripped),
    ]
    for paths, cls, message in cases:
        with pytest.raises(cls) as e:
            _kvm.ElfKvm(*paths)
        assert str(e.value).startswith(message) and "\n" not in str(e.value)


# -- the value APIs on the ELF target --------------------------------------------


def test_elfkvm_is_a_kvm_that_reads_the_elf_itself(vmcore):
    dump = vmcore("amd64-15.0")
    kd = _kvm.ElfKvm(dump.kernel, dump.vmcore)
    assert isinstance(kd, _kvm.Kvm)
    assert (kd.pointer_size, kd.byteorder) == (8, "little")
    assert kd.lookup("mp_ncpus") > 0
    with pytest.raises(_kvm.SymbolError, match="^unable to find no_such$"):
        kd.lookup("no_such")
    with pytest.raises(_kvm.InvalidError, match="kernel file /nonexistent: No such file"):
        _kvm.ElfKvm("/nonexistent", dump.vmcore)
    assert _kvm.ElfKvm(dump.kernel, dump.vmcore, maxcpus=dump.truth["mp_maxcpus"]).cpus() == dump.truth["cpus"]


def test_elf_symbol_names(vmcore):
    dump = vmcore("amd64-15.0")
    names = _kvm.elf_symbol_names(dump.kernel, "pcpu_entry_dpcpu_")
    assert names == sorted(set(names))
    assert {"pcpu_entry_" + n for n in dump.truth["dpcpu"]} <= set(names)
    assert all(n.startswith("pcpu_entry_dpcpu_") for n in names)
    assert "mp_ncpus" in _kvm.elf_symbol_names(dump.kernel, "mp_")
    assert _kvm.elf_symbol_names(dump.kernel, "no such prefix") == []
    with pytest.raises(_kvm.InvalidError, match="is not an ELF file"):
        _kvm.elf_symbol_names(dump.dir, "x")


def test_elf_symbol_addresses_are_nms(vmcore):
    # The linker-made set bounds have no debug info: GDB knows them only as
    # minimal symbols, and symtab.py asks the core for the kernel's.
    dump = vmcore("amd64-15.0")
    nm = subprocess.run(["nm", "--defined-only", dump.kernel], check=True,
                        capture_output=True, text=True).stdout
    table = {}
    for line in nm.splitlines():
        value, kind, name = line.split()
        if kind.isupper() or name not in table:
            table[name] = int(value, 16)
    names = ["__start_set_pcpu", "__stop_set_pcpu", "mp_ncpus", "cpuid_to_pcpu"]
    got = _kvm.elf_symbol_addresses(dump.kernel, names + ["no_such", "vnet0"])
    assert got == {n: table[n] for n in names}
    assert got["__start_set_pcpu"] < got["__stop_set_pcpu"]
    assert _kvm.elf_symbol_addresses(dump.kernel, []) == {}
    with pytest.raises(_kvm.InvalidError, match="is not an ELF file"):
        _kvm.elf_symbol_addresses(dump.dir, ["x"])
    with pytest.raises(TypeError):
        _kvm.elf_symbol_addresses(dump.kernel, [1])


def test_fields_lists_and_dpcpu_copies_from_the_dump(vmcore):
    dump = vmcore("amd64-15.0-sparse")
    t = dump.truth
    kd = _kvm.ElfKvm(dump.kernel, dump.vmcore)
    members = {m[0]: m for m in kd.struct_members("pcpu")}
    fields = [(members[n][1], members[n][2], "u") for n in ("pc_cpuid", "pc_curthread", "pc_dynamic")]
    rows = kd.read_fields([t["pcpu"][str(c)]["addr"] for c in t["cpus"]], fields)
    assert rows == [(c, t["pcpu"][str(c)]["curthread"], t["pcpu"][str(c)]["dynamic"]) for c in t["cpus"]]
    assert kd.read_pointers(kd.lookup("cpuid_to_pcpu"), len(t["cpus"]))[0] == t["pcpu"]["0"]["addr"]
    # allproc: a LIST of struct proc linked through p_list.
    p_list = {m[0]: m for m in kd.struct_members("proc")}["p_list"][1]
    first = kd.read_pointers(kd.lookup("allproc"), 1)[0]
    assert kd.walk_list(first, p_list) == [p["addr"] for p in t["allproc"]]
    var = t["dpcpu"]["dpcpu_int"]
    assert kd.dpcpu_fields(var["template_addr"], t["cpus"], [(0, 4, "i")]) == [
        (var["values"][str(c)],) for c in t["cpus"]]
    assert kd.dpcpu_read(var["template_addr"], 4, t["cpus"][:1]) == [
        var["values"][str(t["cpus"][0])].to_bytes(4, "little", signed=True)]
    assert kd.dpcpu_template(var["template_addr"]) == var["template_addr"]
    with pytest.raises(_kvm.CpuAbsentError, match="^CPU %d not found$" % t["absent"][0]):
        kd.dpcpu_fields(var["template_addr"], t["absent"][:1], [(0, 4, "i")])
    name, c = next(iter(t["counters"].items()))
    assert kd.counter_u64_fetch_partial([c["value"]]) == ([c["sum"]], [])
    with pytest.raises(_kvm.NullCounterError):
        kd.counter_u64_fetch(0)
