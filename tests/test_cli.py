"""The command line (python3 -m kgdb_pcpu, the kgdb-pcpu command) on the
fixture dumps: the GDB commands' names and output, compared with truth.json
and with what the same commands print in a real GDB on the same dump."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_gdb

PACKAGE = ROOT / "gdb" / "kgdb_pcpu"
# The command line's face and the GDB-free model modules it uses.
CLI_MODULES = ("cli", "elfkernel", "elftypes", "elfvnet", "elfcounter", "ddb",
               "intfmt", "counters", "dpcpufmt", "vnets", "modelerror")


def cli(dump, *args, kernel=None, core=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "gdb"))
    return subprocess.run(
        [sys.executable, "-m", "kgdb_pcpu", "-N", kernel or dump.kernel,
         "-M", core or dump.vmcore] + list(args),
        capture_output=True, text=True, env=env, timeout=300)


def ok(dump, *args):
    proc = cli(dump, *args)
    assert proc.returncode == 0 and proc.stderr == "", (args, proc.stderr)
    return proc.stdout


def error(dump, *args, **paths):
    """The one-line error of a failing command (exit status 1)."""
    proc = cli(dump, *args, **paths)
    assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, (args, proc.stderr)
    assert lines[0].startswith("kgdb_pcpu: "), lines
    return lines[0][len("kgdb_pcpu: "):]


def gdb_outputs(dump, commands):
    """{command: what GDB printed} of one GDB session on dump."""
    steps = [("s%d" % i, c) for i, c in enumerate(commands)]
    run = run_gdb(dump, steps)
    return {c: run.out("s%d" % i) for i, c in enumerate(commands)}


SHAPES = ("amd64-15.0", "amd64-15.0-sparse", "amd64-14.3", "amd64-13.5",
          "amd64-12.4", "amd64-11.4", "arm64-15.0", "arm64-14.3")


@pytest.mark.parametrize("shape", SHAPES)
def test_same_output_as_gdb(vmcore, shape):
    """Every command the two share prints the same text, on every release."""
    dump = vmcore(shape)
    present = dump.present()
    last = present[-1]
    commands = ["pcpu %d" % present[0], "pcpu %d" % last,
                "pcpu 0-%d" % (dump.truth["mp_maxid"] + 1), "pcpu -l",
                "pcpu -l -json", "pcpu -r 0,%d" % last, "dpcpu-off",
                "dpcpu-print dpcpu_int", "dpcpu-print /x dpcpu_int 0-1",
                "dpcpu-print dpcpu_stats", "dpcpu-print dpcpu_arr %d" % last,
                "dpcpu-print -s dpcpu_stats.ds_calls",
                "dpcpu-print -json -s dpcpu_int", "dpcpu-print dpcpu_thread",
                "counter-fetch -t 'struct tcpstat' tcpstat",
                "counter-fetch -v -sort -top 2 tcpstat[3]",
                "counter-fetch -json -v tcpstat[0]", "counter-fetch tcpstat"]
    if any(name.startswith("vm_cnt.") for name in dump.truth["counters"]):
        commands += ["counter-fetch -v vm_cnt.v_swtch",
                     "counter-fetch -c %d -v vm_cnt.v_syscall" % last,
                     "counter-fetch vm_cnt"]                # vmstat -s
    want = gdb_outputs(dump, commands)
    for command, text in want.items():
        got = ok(dump, *split(command))
        if command.startswith("pcpu -r"):
            assert_same_members(got, text)
        elif command.startswith(("counter-fetch -v", "counter-fetch -c")) \
                or command.startswith("counter-fetch -v -sort"):
            # GDB's sum enters the value history: "$N = SUM".
            assert got == re.sub(r"(?m)^\$\d+ = ", "", text), command
        elif "-json" in command and command.startswith("dpcpu-print"):
            gdb_doc = json.loads(text)
            gdb_doc.pop("type")     # a C type name: DWARF gives the CLI none
            assert json.loads(got) == gdb_doc, command
        elif "-json" in command:
            assert json.loads(got) == json.loads(text), command
        elif command == "dpcpu-print dpcpu_thread":
            # print's "(struct thread *) 0x..." needs the type's name.
            assert got == re.sub(r"\(struct thread \*\) ", "", text), command
        else:
            assert got == text, command


def split(command):
    """The shell words of a command, as a user types them."""
    import shlex
    return shlex.split(command)


_MEMBER = re.compile(r"(\w+) = (-?\d+|0x[0-9a-f]+)(?=[,}])")


def assert_same_members(got, text):
    """pcpu -r: every integer and pointer member of struct pcpu that GDB
    prints (a pointer to a symbol aside, "0x... <sym>") has the same value
    in the CLI's."""
    for cli_line, gdb_line in zip(got.splitlines(), text.splitlines()):
        gdb_line = re.sub(r"\$\d+ = ", "", gdb_line)
        assert cli_line.split("{")[0] == gdb_line.split("{")[0]
        mine = dict(_MEMBER.findall(cli_line))
        # struct pcpu's own members (bit-fields and anonymous structs
        # inside them are not in the ELF target's types).
        theirs = {k: v for k, v in _MEMBER.findall(gdb_line)
                  if k.startswith("pc_")}
        assert theirs and set(theirs) <= set(mine)
        assert {k: mine[k] for k in theirs} == theirs
        assert re.search(r"\w+ = \{\w+ = ", cli_line)     # nested, not bytes


def test_pcpu_against_the_truth(vmcore):
    dump = vmcore("amd64-15.0")
    t = dump.truth
    for cpu in dump.present():
        pc = t["pcpu"][str(cpu)]
        lines = ok(dump, "pcpu", str(cpu)).splitlines()
        assert lines[0] == "cpuid        = %d" % cpu
        assert lines[1] == "dynamic pcpu = 0x%x" % pc["dynamic"]
        td = t["threads"][str(pc["curthread"])]
        assert lines[2] == ('curthread    = 0x%x: pid %d tid %d critnest %d "%s"'
                            % (pc["curthread"], td["pid"], td["tid"],
                               td["critnest"], td["name"]))
    raw = ok(dump, "pcpu", "-r", "2")
    assert raw.startswith("{pc_curthread = 0x%x, " % t["pcpu"]["2"]["curthread"])
    assert "pc_cpuid = 2," in raw and "pc_dynamic = %d," % t["pcpu"]["2"]["dynamic"] in raw
    blocks = ok(dump, "pcpu", "all").split("\n\n")
    assert blocks[0].startswith("Current CPU: ")
    assert [b.splitlines()[0] for b in blocks[1:-1]] == [
        "cpuid        = %d" % c for c in dump.present()]
    table = json.loads(ok(dump, "pcpu", "-l", "-json"))
    assert table["present"] == dump.present()
    assert (table["mp_ncpus"], table["mp_maxid"], table["mp_maxcpus"]) == (
        t["mp_ncpus"], t["mp_maxid"], t["mp_maxcpus"])
    for row in table["cpus"]:
        td = t["threads"][str(t["pcpu"][str(row["cpu"])]["curthread"])]
        assert (row["tid"], row["pid"], row["name"]) == (td["tid"], td["pid"],
                                                         td["name"])


def test_sparse_cpus_and_the_grammar(vmcore):
    dump = vmcore("amd64-15.0-sparse")
    t = dump.truth
    assert ok(dump, "cpus") == "0-1,3,6-7\n"
    assert ok(dump, "ncpus") == "%d\n" % t["mp_ncpus"]
    assert ok(dump, "maxcpu") == "%d\n" % t["mp_maxcpus"]
    values = t["dpcpu"]["dpcpu_int"]["values"]
    assert ok(dump, "dpcpu-print", "dpcpu_int", "1-3,7").splitlines() == [
        "cpu 1: %d" % values["1"], "CPU 2 not found", "cpu 3: %d" % values["3"],
        "cpu 7: %d" % values["7"]]
    assert ok(dump, "dpcpu-print", "dpcpu_int", "all").splitlines() == [
        "cpu %d: %d" % (c, values[str(c)]) for c in dump.present()]
    assert ok(dump, "dpcpu", "dpcpu_int", "0x6") == "cpu 6: %d\n" % values["6"]
    assert error(dump, "pcpu", "2") == "CPU 2 not found"
    assert error(dump, "dpcpu-print", "dpcpu_int", "2") == "CPU 2 not found"
    assert error(dump, "pcpu", "%d" % t["mp_maxcpus"]) == \
        "CPU %d too big (mp_maxcpus is %d)" % (t["mp_maxcpus"], t["mp_maxcpus"])
    assert error(dump, "pcpu", "5-2") == \
        "invalid CPU range 5-2: 5-2 is reversed"
    assert error(dump, "pcpu", "1,all") == \
        "invalid CPU list '1,all': 'all' stands alone"
    assert error(dump, "pcpu", "two") == "invalid CPU 'two': not a number"
    assert error(dump, "dpcpu-print", "dpcpu_int", "0-99999999999").startswith(
        "CPU 99999999999 too big")
    stats = t["dpcpu"]["dpcpu_stats"]["values"]
    calls = {c: stats[str(c)]["ds_calls"] for c in dump.present()}
    low = min(calls, key=lambda c: (calls[c], c))
    high = max(calls, key=lambda c: (calls[c], -c))
    assert ok(dump, "dpcpu-print", "-s", "dpcpu_stats.ds_calls").splitlines() == \
        ["cpu %d: %d" % (c, calls[c]) for c in dump.present()] + [
            "total: %d" % sum(calls.values()), "min: %d (cpu %d)" % (calls[low], low),
            "max: %d (cpu %d)" % (calls[high], high)]


def test_counters_against_the_truth(vmcore):
    dump = vmcore("amd64-15.0")
    t = dump.truth
    for name, c in t["counters"].items():
        if "." in name and c["sum"] is not None:
            assert ok(dump, "counter-fetch", name) == "%d\n" % c["sum"], name
    c = t["counters"]["vm_cnt.v_swtch"]
    assert ok(dump, "counter", hex(c["value"])) == "%d\n" % c["sum"]
    assert ok(dump, "counter-fetch", "/x", "vm_cnt.v_swtch") == "0x%x\n" % c["sum"]
    sums = t["counter_arrays"]["tcpstat"]["sums"]
    assert ok(dump, "counter-fetch", "tcpstat[3]") == "%d\n" % sums[3]
    assert ok(dump, "counter-fetch", "tcpstat").splitlines() == [
        "[%d] = %d" % (i, s) for i, s in enumerate(sums)]
    fields = t["counter_arrays"]["tcpstat"]["fields"]
    named = ok(dump, "counter-fetch", "-t", "struct", "tcpstat",
               "tcpstat").splitlines()
    assert named == ok(dump, "counter-fetch", "-t", "struct tcpstat",
                       "tcpstat").splitlines()
    assert named[:len(fields)] == ["%s = %d" % (f, sums[i])
                                   for i, f in enumerate(fields)]
    slots = c["slots"]
    lines = ok(dump, "counter-fetch", "-v", "vm_cnt.v_swtch").splitlines()
    assert lines[-1] == "%d" % c["sum"]
    assert [l.split()[:3] for l in lines[:-1]] == [
        ["cpu", "%s:" % cpu, "%d" % v] for cpu, v in slots.items()]
    top = ok(dump, "counter-fetch", "-top", "1", "vm_cnt.v_swtch").splitlines()
    high = max(slots, key=lambda k: slots[k])
    assert top[0].split()[:3] == ["cpu", "%s:" % high, "%d" % slots[high]]
    doc = json.loads(ok(dump, "counter-fetch", "-json", "-c", "1",
                        "vm_cnt.v_swtch"))
    assert doc["counters"] == [{"name": "vm_cnt.v_swtch", "sum": c["sum"],
                                "cpus": [{"cpu": 1, "value": slots["1"],
                                          "share": round(100.0 * slots["1"] /
                                                         c["sum"], 3)}]}]
    view = ok(dump, "counter-fetch", "vm_cnt").splitlines()
    for name, c in t["counters"].items():
        if name.startswith("vm_cnt."):
            assert "%s = %d" % (name[len("vm_cnt."):], c["sum"]) in view
    assert error(dump, "counter-fetch", "0") == "0: counter is NULL (not allocated)"
    assert error(dump, "counter-fetch", "tcpstat[%d]" % len(sums)) == (
        "index %d is out of the bounds of the array (0 to %d)"
        % (len(sums), len(sums) - 1))
    assert error(dump, "counter-fetch", "0x100000000000").startswith(
        "cannot read")


@pytest.mark.parametrize("shape", ["amd64-15.0-vimage", "amd64-12.4-vimage"])
def test_vnet_names(vmcore, shape):
    """VNET variables in each stack; 12.x's struct vnet has another magic."""
    dump = vmcore(shape)
    t = dump.truth
    for vnet, info in t["vnets"].items():
        sums = info["vars"]["tcpstat"]["sums"]
        assert ok(dump, "counter-fetch", "-V", vnet, "tcpstat[3]") == \
            "%d\n" % sums[3]
        assert ok(dump, "counter-fetch", "-V", vnet, "V_tcpstat[3]") == \
            "%d\n" % sums[3]
        named = ok(dump, "counter-fetch", "-V", vnet, "-t", "struct tcpstat",
                   "tcpstat").splitlines()
        assert named[0] == "%s = %d" % (info["vars"]["tcpstat"]["fields"][0],
                                        sums[0])
    want = gdb_outputs(dump, ["vnet-list", "pcpu 1",
                              "counter-fetch -V db -t 'struct tcpstat' tcpstat"])
    for command, text in want.items():
        assert ok(dump, *split(command)) == text, command
    assert ok(dump, "counter-fetch", "-V", "0", "tcpstat[3]") == ok(
        dump, "counter-fetch", "-V", "vnet0", "tcpstat[3]")    # prison0's name
    assert error(dump, "counter-fetch", "-V", "mail", "tcpstat[0]") == \
        'No jail named "mail" (vnets: vnet0, web, db, or a struct vnet address)'


def test_default_cpu_is_the_dumping_threads(vmcore):
    """The CPU of dumptid's thread, where the kernel recorded one; without it,
    a command given no CPU says to name one."""
    for shape in ("amd64-15.0", "amd64-15.0-sparse"):
        dump = vmcore(shape)
        table = json.loads(ok(dump, "pcpu", "-l", "-json"))
        if table["dump_cpu"] is None:
            assert error(dump, "pcpu") == (
                "no default CPU: the dump does not record the thread that "
                "wrote it (dumptid); name a CPU")
            assert ok(dump, "pcpu", "all").startswith("Current CPU: none (")
        else:
            cpu = table["dump_cpu"]
            assert ok(dump, "pcpu") == ok(dump, "pcpu", str(cpu))
            assert ok(dump, "pcpu", "-1") == ok(dump, "pcpu", str(cpu))
            assert ok(dump, "pcpu", "all").startswith("Current CPU: %d\n" % cpu)


def test_errors_are_one_line_exit_1(vmcore, tmp_path):
    dump = vmcore("amd64-15.0")
    cut = tmp_path / "vmcore.cut"
    with open(dump.vmcore, "rb") as f:
        cut.write_bytes(f.read()[: os.path.getsize(dump.vmcore) // 2])
    stripped = tmp_path / "kernel.stripped"
    shutil.copy(dump.kernel, stripped)
    subprocess.run(["strip", "--strip-all", str(stripped)], check=True)
    nope = str(tmp_path / "nope")
    assert error(dump, "maxcpu", kernel=nope) == \
        "kernel file %s: No such file or directory" % nope
    assert error(dump, "maxcpu", kernel=str(tmp_path)) == \
        "kernel file %s is not an ELF file" % tmp_path
    assert error(dump, "maxcpu", core=str(cut)).startswith(
        "core file %s is cut short" % cut)
    assert error(dump, "maxcpu", kernel=str(stripped)) == \
        "kernel file %s has no symbol table" % stripped
    assert error(dump, "dpcpu-print", "mp_ncpus").startswith("0x")
    assert "is not a DPCPU variable" in error(dump, "dpcpu-print", "mp_ncpus")
    assert error(dump, "dpcpu-print", "nosuch") == \
        'No symbol "pcpu_entry_nosuch" or "nosuch".'
    assert error(dump, "dpcpu-print", "dpcpu_stats.nope") == \
        "There is no member named nope."
    assert error(dump, "dpcpu-print", "-s", "dpcpu_stats") == \
        "dpcpu-print -s: pcpu_entry_dpcpu_stats is not an integer"
    assert error(dump, "counter-fetch", "no_such_symbol") == \
        'No symbol "no_such_symbol" in the kernel.'
    assert error(dump, "counter-fetch", "mp_ncpus") == (
        "mp_ncpus is not a counter_u64_t, an array of them or a struct with "
        "counter_u64_t members")
    assert error(dump, "vnet-list").startswith(
        "this kernel is not built with options VIMAGE")


def test_errors_of_a_corrupt_dump(vmcore):
    dump = vmcore("amd64-15.0-corrupt-pcpu-unmapped")
    message = error(dump, "pcpu", "2")
    assert "CPU 2" in message and "0x" in message
    lines = ok(dump, "pcpu", "all").split("\n\n")
    assert any(b.startswith("cannot read struct pcpu of CPU 2") for b in lines)
    dump = vmcore("amd64-15.0-corrupt-dpcpu-garbage")
    want = gdb_outputs(dump, ["dpcpu-print dpcpu_int", "dpcpu-print dpcpu_stats",
                              "dpcpu-print -json dpcpu_int 1-2", "pcpu -l"])
    for command, text in want.items():
        got = ok(dump, *split(command))
        if "-json" in command:
            gdb_doc = json.loads(text)
            gdb_doc.pop("type")
            assert json.loads(got) == gdb_doc
        else:
            assert got == text, command
    assert "cpu 1: <error: cannot read CPU 1's copy of pcpu_entry_dpcpu_int" in \
        want["dpcpu-print dpcpu_int"]
    dump = vmcore("amd64-15.0-corrupt-counter-nowhere")
    assert error(dump, "counter-fetch", "vm_cnt.v_swtch").startswith(
        "cannot read counter slot of CPU ")
    out = ok(dump, "counter-fetch", "-partial", "vm_cnt.v_swtch").splitlines()
    assert out[0].startswith("partial: CPUs ") and out[0].endswith(
        "left out (unreadable)")
    dump = vmcore("amd64-15.0-corrupt-maxcpus-huge")
    assert "not a CPU count" in error(dump, "cpus")
    assert ok(dump, "--maxcpus", "256", "maxcpu") == "256\n"


def test_usage_errors_exit_2(vmcore):
    dump = vmcore("amd64-15.0")
    for args in (["nosuch"], [], ["counter-fetch"], ["counter-fetch", "-top",
                                                     "x", "vm_cnt.v_swtch"],
                 ["dpcpu-print"], ["pcpu", "-q"], ["pcpu", "-json"],
                 ["pcpu", "-r", "-l"], ["counter-fetch", "a", "b"],
                 ["dpcpu-print", "dpcpu_int", "0", "1"]):
        proc = cli(dump, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("usage: "), proc.stderr
    env = dict(os.environ, PYTHONPATH=str(ROOT / "gdb"))
    proc = subprocess.run([sys.executable, "-m", "kgdb_pcpu", "cpus"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and "-N" in proc.stderr


def test_closed_pipe_is_one_line_exit_1(vmcore):
    dump = vmcore("amd64-15.0-large")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "gdb"))
    proc = subprocess.Popen([sys.executable, "-m", "kgdb_pcpu", "-N", dump.kernel,
                             "-M", dump.vmcore, "pcpu", "all"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    first = proc.stdout.readline()
    proc.stdout.close()             # | head -1
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert first.startswith(b"Current CPU: ")
    assert err.splitlines() == ["kgdb_pcpu: standard output closed"], err


def test_decodes_through_the_core():
    """No byte decoding in the CLI: the core reads and decodes, in the
    target's byte order and pointer size."""
    texts = {name: (PACKAGE / (name + ".py")).read_text()
             for name in CLI_MODULES}
    for name, text in texts.items():
        for banned in ("import struct", "from_bytes", "to_bytes", '"little"',
                       "'little'", "kd.read(", "kd.getpcpu(cpu)[",
                       "read_memory", "unpack"):
            assert banned not in text, (name, banned)
    every = "".join(texts.values())
    assert "kd.pointer_size" in every and "read_fields" in every


def test_layers(tmp_path):
    """The CLI's modules import no GDB and no GDB face (a face never
    imports another face); no file of them is huge.  (Run away from the
    source tree, where gdb/ would import as a namespace package.)"""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "gdb"))
    code = ("import json, sys; import %s; print(json.dumps(sorted(m for m in "
            "sys.modules if m == 'gdb' or m.startswith('kgdb_pcpu.'))))"
            % ", ".join("kgdb_pcpu." + name for name in CLI_MODULES))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, cwd=str(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert "gdb" not in loaded and "kgdb_pcpu.cli" in loaded
    assert not [m for m in loaded if re.match(r"kgdb_pcpu\.(cmd|fn)_", m)]
    for name in CLI_MODULES:
        text = (PACKAGE / (name + ".py")).read_text()
        imports = re.findall(r"^(?:from \S+ )?import .*$", text, re.M)
        assert not any(re.search(r"\b(cmd|fn)_\w+", l) for l in imports), name
        assert not any(re.search(r"\bcli\b", l) for l in imports
                       if name != "cli"), name
        assert len(text.splitlines()) < 500, name
