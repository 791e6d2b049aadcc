"""DPCPU variables of loaded kernel modules: real GDB on the modules dumps.

Each fixture has linker_files with the kernel, mod_dso.ko (link_elf.c's
"elf64" class: struct elf_file with pcpu_start/pcpu_stop/pcpu_base) and
mod_obj.ko (link_elf_obj.c's "elf64_obj": the progtab entry set_pcpu), both
mapped where GDB sees their symbols at the image address, and
mod_unlisted.ko, mapped but on no linker file.  On 15.0 the progtab entry
has origaddr; on 14.3 and 13.5 it has none, and the image address is where
GDB placed the module's set_pcpu section.
"""

import pytest

from conftest import print_text, run_gdb

KERNEL_VARS = ("dpcpu_int", "dpcpu_u64", "dpcpu_stats")
SHAPES = ("amd64-15.0-modules", "amd64-14.3-modules", "amd64-13.5-modules")


def module_vars(dump):
    """(module name, variable name, truth entry) of every module DPCPU var."""
    out = []
    for mod_name, mod in sorted(dump.truth["modules"].items()):
        for var_name, var in sorted(mod["vars"].items()):
            out.append((mod_name, var_name, var))
    return out


def explain_and_print(cmd):
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


# struct elf_file of each linker class: from the block of its first method,
# sized as the class says; with no method at all only the global type can
# serve (link_elf.c's, which has pcpu_start), and the object class is a
# clear error.
ELF_FILE = """
import gdb, kgdb_pcpu, kgdb_pcpu.modules as m, kgdb_pcpu.target as t
tgt = t.current()
layout = m._Layout(gdb.lookup_type("struct linker_file"), tgt.pointer_size)
lf = gdb.parse_and_eval("linker_files.tqh_first")
classes = {}
while int(lf):
    cls = lf["ops"]["cls"]
    classes[cls["name"].string()] = cls
    lf = lf["link"]["tqe_next"]
for name in ("elf64", "elf64_obj"):
    cls = classes[name]
    ef = m.elf_file_type(tgt, layout, int(cls), name, int(cls["methods"]),
                         int(cls["size"]))
    print(name, ef.sizeof == int(cls["size"]), [f.name for f in ef.fields()][-1])
    try:
        ef = m.elf_file_type(tgt, layout, 1, name, 0, 0)
        print(name, "alone", [f.name for f in ef.fields()][-1])
    except kgdb_pcpu.KvmError as err:
        print(name, "alone", err)
"""

# Where GDB placed each module's set_pcpu (info files), and the message when
# GDB has no such section inside the module's image.
PLACED = """
import kgdb_pcpu.modules as m, kgdb_pcpu.target as t
mods = m.of(t.current())
for lf in mods.files:
    if lf.cls != "elf64_obj":
        continue
    start, stop, base = lf.sets["set_pcpu"]
    print(lf.filename, m._Sections().placed(lf, "set_pcpu", stop - start))
    empty = m._Sections()
    empty._list = []
    try:
        empty.placed(lf, "set_pcpu", stop - start)
    except kgdb_pcpu.KvmError as err:
        print(err)
"""

# A loaded module whose set_pcpu could not be placed: the message says it is
# loaded and why, not "not in linker_files".
UNPLACED = """
import kgdb_pcpu.modules as m, kgdb_pcpu.target as t
tgt = t.current()
mods = m.of(tgt)
for lf in mods.files:
    if lf.filename == "mod_obj.ko":
        lf.sets = {}
mods.problems.append("mod_obj.ko: its set_pcpu is nowhere")
tgt.kd.dpcpu_set_modules(mods.relocs("set_pcpu"))
"""


@pytest.fixture(scope="module", params=SHAPES)
def dump(request, vmcore):
    return vmcore(request.param)


@pytest.fixture(scope="module")
def run(dump):
    steps = [("modules", "python import kgdb_pcpu.target as _t, kgdb_pcpu.modules as _m; "
                         "[print('%s %s %s' % (f.filename, f.cls, sorted(f.sets.items()))) "
                         "for f in _m.of(_t.current()).files]; "
                         "print('problems', _m.of(_t.current()).problems)"),
             ("origaddr", "ptype Elf_progent")]
    for _mod, name, _var in module_vars(dump):
        steps += [("all_" + name, "dpcpu-print " + name),
                  ("full_" + name, "dpcpu-print pcpu_entry_" + name),
                  ("x_" + name, "dpcpu-print /x " + name),
                  ("s_" + name, "dpcpu-print -s " + name),
                  ("default_" + name, 'output $dpcpu("%s")' % name)]
        for cpu in dump.present():
            steps += [
                ("fn_%s_%d" % (name, cpu), 'output $dpcpu("%s", %d)' % (name, cpu)),
                ("var_%s_%d" % (name, cpu),
                 "output $dpcpu(pcpu_entry_%s, %d)" % (name, cpu)),
                ("ptr_%s_%d" % (name, cpu),
                 'output/x (unsigned long)$dpcpu_ptr("%s", %d)' % (name, cpu)),
                ("PCPU_%s_%d" % (name, cpu), 'output $PCPU("%s", %d)' % (name, cpu)),
                ("py_%s_%d" % (name, cpu),
                 "python import kgdb_pcpu; print(hex(kgdb_pcpu.kvm().dpcpu_addr(%d, %d)))"
                 % (_var["template_addr"], cpu)),
                ("e_%s_%d" % (name, cpu),
                 explain_and_print("dpcpu-print -e %s %d" % (name, cpu))),
            ]
    for name in KERNEL_VARS:
        steps.append(("kernel_" + name, "dpcpu-print " + name))
    steps += [
        ("template", "output pcpu_entry_mod_dso_int"),
        ("member", "dpcpu-print mod_dso_stats.mds_bytes 1"),
        ("fn_member", 'output $dpcpu("mod_dso_stats.mds_calls", 2)'),
        ("unlisted_print", "dpcpu-print mod_unlisted_int"),
        ("unlisted_fn", 'output $dpcpu("mod_unlisted_int", 0)'),
        ("unlisted_ptr", 'output $dpcpu_ptr("pcpu_entry_mod_unlisted_int", 1)'),
        ("unlisted_PCPU", 'output $PCPU("mod_unlisted_int", 0)'),
        ("unlisted_e", "dpcpu-print -e mod_unlisted_int 0"),
        ("unlisted_var", "output $dpcpu(pcpu_entry_mod_unlisted_int, 0)"),
        ("plain_global", "dpcpu-print mp_ncpus"),
        ("module_vnet_plain", 'output $V("mod_dso_vnet_int")'),
        ("module_vnet_plain_obj", 'output $V("mod_obj_vnet_u64")'),
        ("elf_file", "python exec(%r)" % ELF_FILE),
        ("placed", "python exec(%r)" % PLACED),
        ("complete", "complete dpcpu-print mod_"),
        ("complete_member", "complete dpcpu-print mod_dso_stats.mds_c"),
        ("unplaced", ["python exec(%r)" % UNPLACED, "dpcpu-print mod_obj_int"]),
        ("still_usable", "output 6 * 7"),
    ]
    return run_gdb(dump, steps)


def test_linker_files_read(dump, run):
    lines = run.lines("modules")
    assert lines[-1] == "problems []"
    by_name = {l.split()[0]: l for l in lines[:-1]}
    assert sorted(by_name) == sorted(lf["filename"] for lf in dump.truth["linker_files"])
    for mod in dump.truth["modules"].values():
        line = by_name[mod["filename"]]
        assert line.startswith("%s %s " % (mod["filename"], mod["class"]))
        assert "('set_pcpu', (%d, %d, %d))" % (
            mod["image_start"], mod["image_stop"], mod["base"]) in line


def test_both_module_kinds_present(dump):
    kinds = {m["kind"]: m["class"] for m in dump.truth["modules"].values()}
    assert kinds == {"dso": "elf64", "obj": "elf64_obj"}


def test_origaddr_only_from_15(dump, run):
    # FreeBSD 15 added origaddr to Elf_progent; 13.x and 14.x have none.
    has = "origaddr" in run.out("origaddr")
    assert has == (dump.truth["osreldate"] >= 1500000)
    assert dump.truth["modules"]["mod_obj"]["origaddr"] == has


def expected(var, cpus, fmt=None):
    return "".join("cpu %d: %s\n" % (cpu, print_text(var["type"], var["values"][str(cpu)], fmt))
                   for cpu in cpus)


def test_dpcpu_print_every_cpu(dump, run):
    for _mod, name, var in module_vars(dump):
        assert run.out("all_" + name) == expected(var, dump.present()), name
        assert run.out("full_" + name) == run.out("all_" + name)
        assert run.out("x_" + name) == expected(var, dump.present(), "x")
        assert run.err("all_" + name) == ""


def test_totals_of_module_variables(dump, run):
    for _mod, name, var in module_vars(dump):
        if var["type"] not in ("int", "uint64_t"):
            assert "not an integer" in run.error("s_" + name)
            continue
        numbers = [var["values"][str(c)] for c in dump.present()]
        assert run.lines("s_" + name)[-3] == "total: %d" % sum(numbers)


def test_functions_every_cpu(dump, run):
    for _mod, name, var in module_vars(dump):
        for cpu in dump.present():
            text = print_text(var["type"], var["values"][str(cpu)])
            addr = var["reloc_addr"] + dump.truth["dpcpu_off"][str(cpu)]
            assert run.out("fn_%s_%d" % (name, cpu)) == text
            assert run.out("var_%s_%d" % (name, cpu)) == text
            assert run.out("PCPU_%s_%d" % (name, cpu)) == text
            assert run.out("ptr_%s_%d" % (name, cpu)) == "0x%x" % addr
            assert run.out("py_%s_%d" % (name, cpu)).strip() == "0x%x" % addr


def test_member_paths_in_modules(dump, run):
    stats = dump.truth["modules"]["mod_dso"]["vars"]["mod_dso_stats"]["values"]
    assert run.out("member") == "cpu 1: %d\n" % stats["1"]["mds_bytes"]
    assert run.out("fn_member") == str(stats["2"]["mds_calls"])


def test_default_cpu_is_the_selected_threads(dump, run):
    cpu = str(dump.truth["selected_cpu"])
    for _mod, name, var in module_vars(dump):
        assert run.out("default_" + name) == print_text(var["type"], var["values"][cpu])


def test_explain_expression_computes_the_value(dump, run):
    for _mod, name, var in module_vars(dump):
        for cpu in dump.present():
            expr, value = run.out("e_%s_%d" % (name, cpu)).split("\n", 1)
            # The module's image address, moved to modspace, plus the CPU's offset.
            delta = var["reloc_addr"] - var["template_addr"]
            sign = "+" if delta >= 0 else "-"
            assert ("&pcpu_entry_%s %s 0x%x + dpcpu_off[%d])" % (name, sign, abs(delta), cpu)
                    in expr)
            assert value.strip() == print_text(var["type"], var["values"][str(cpu)])


def test_template_is_not_any_cpus_value(dump, run):
    for _mod, _name, var in module_vars(dump):
        assert var["template"] not in var["values"].values()
    assert run.out("template") == "-7"


def test_kernel_variables_still_right(dump, run):
    for name in KERNEL_VARS:
        entry = dump.truth["dpcpu"][name]
        assert run.out("kernel_" + name) == "".join(
            "cpu %d: %s\n" % (cpu, print_text(entry["type"], entry["values"][str(cpu)]))
            for cpu in dump.present())


def test_unlisted_module_names_symbol_and_file(dump, run):
    path = dump.truth["unlisted_module"]["path"]
    want = ("pcpu_entry_mod_unlisted_int: its module %s is not in linker_files "
            "(not loaded in this kernel): no per-CPU copy" % path)
    for step in ("unlisted_print", "unlisted_fn", "unlisted_ptr", "unlisted_PCPU",
                 "unlisted_e"):
        assert run.error(step) == want, step
        assert run.out(step) == ""
    message = run.error("unlisted_var")
    assert "<pcpu_entry_mod_unlisted_int>" in message and path in message


def test_kernel_global_is_still_not_dpcpu(run):
    message = run.error("plain_global")
    assert message.startswith("mp_ncpus: ") and "is not a DPCPU variable" in message


def test_module_vnet_variable_is_plain_without_vimage(dump, run):
    plain = dump.truth["modules"]["mod_dso"]["plain_vnet_vars"]
    assert run.out("module_vnet_plain") == str(plain["mod_dso_vnet_int"])
    plain = dump.truth["modules"]["mod_obj"]["plain_vnet_vars"]
    assert run.out("module_vnet_plain_obj") == str(plain["mod_obj_vnet_u64"])


def test_completion_offers_module_variables(dump, run):
    lines = run.lines("complete")
    for _mod, name, _var in module_vars(dump):
        assert "dpcpu-print " + name in lines
    assert "dpcpu-print mod_unlisted_int" in lines
    assert run.lines("complete_member") == ["dpcpu-print mod_dso_stats.mds_calls"]
    assert run.out("still_usable") == "42"


def test_elf_file_type_per_class(run):
    assert run.lines("elf_file") == [
        "elf64 True pcpu_base",
        "elf64 alone pcpu_base",
        "elf64_obj True typlen",
        "elf64_obj alone no struct elf_file with progtab for linker class "
        "elf64_obj in the debug info",
    ]


def test_set_placed_where_gdb_put_it(dump, run):
    mod = dump.truth["modules"]["mod_obj"]
    lines = run.lines("placed")
    assert lines[0] == "mod_obj.ko %d" % mod["image_start"]
    assert lines[1] == (
        "its progtab has no origaddr (FreeBSD before 15) and GDB has no "
        "set_pcpu section inside its image 0x%x-0x%x: load its symbols "
        "(kgdb: add-kld mod_obj.ko)" % (mod["address"], mod["address"] + mod["size"]))


def test_loaded_module_whose_set_is_unplaced(dump, run):
    path = dump.truth["modules"]["mod_obj"]["path"]
    assert run.error("unplaced") == (
        "pcpu_entry_mod_obj_int: its module %s is loaded, but where the kernel "
        "copied its set_pcpu is unknown: mod_obj.ko: its set_pcpu is nowhere"
        % path)


# --- set_vnet too: the 12.4 VIMAGE kernel's object module has no origaddr. ---

def test_vnet_sets_placed_without_origaddr(vmcore):
    dump = vmcore("amd64-12.4-vimage")
    run = run_gdb(dump, [
        ("modules", "python import kgdb_pcpu.target as _t, kgdb_pcpu.modules as _m; "
                    "[print(f.filename, sorted(f.sets.items())) "
                    "for f in _m.of(_t.current()).files]; "
                    "print('problems', _m.of(_t.current()).problems)"),
        ("origaddr", "ptype Elf_progent"),
        ("obj_int", "dpcpu-print mod_obj_int"),
    ])
    assert "origaddr" not in run.out("origaddr")
    lines = run.lines("modules")
    assert lines[-1] == "problems []"
    by_name = {l.split()[0]: l for l in lines[:-1]}
    for mod in dump.truth["modules"].values():
        line = by_name[mod["filename"]]
        assert "('set_pcpu', (%d, %d, %d))" % (
            mod["image_start"], mod["image_stop"], mod["base"]) in line
        assert "('set_vnet', (%d, %d, %d))" % (
            mod["vnet_image_start"], mod["vnet_image_stop"], mod["vnet_base"]) in line
    var = dump.truth["modules"]["mod_obj"]["vars"]["mod_obj_int"]
    assert run.out("obj_int") == expected(var, dump.present())
