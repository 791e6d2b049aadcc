"""DPCPU variables of loaded kernel modules: real GDB on the modules dump.

The fixture has linker_files with the kernel, mod_dso.ko (link_elf.c's
"elf64" class: struct elf_file with pcpu_start/pcpu_stop/pcpu_base) and
mod_obj.ko (link_elf_obj.c's "elf64_obj": the progtab entry set_pcpu), both
mapped where GDB sees their symbols at the image address, and
mod_unlisted.ko, mapped but on no linker file.
"""

import pytest

from conftest import print_text, run_gdb

KERNEL_VARS = ("dpcpu_int", "dpcpu_u64", "dpcpu_stats")


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


# struct elf_file for a linker class whose first method has no block (no
# debug info for it): the other methods are tried, then the global type; a
# type must have the class's member.  Fake kobj classes made of the real
# method addresses.
FALLBACK = """
import gdb, kgdb_pcpu, kgdb_pcpu.modules as m
class O:
    def __init__(self, n=0, **kw):
        self.n, self.kw = n, kw
    def __int__(self):
        return self.n
    def __getitem__(self, k):
        return self.kw[k] if isinstance(k, str) else self.kw["items"][k]
def method(func):
    return O(1, desc=O(1), func=O(func))
def fake(real, first):
    real_func = int(real["methods"][0]["func"])
    end = O(0, desc=O(0), func=O(0))
    return O(1, size=O(int(real["size"])),
             methods=O(1, items=[method(first), method(real_func), end]))
lf = gdb.parse_and_eval("linker_files.tqh_first")
classes = {}
while int(lf):
    classes[lf["ops"]["cls"]["name"].string()] = lf["ops"]["cls"].dereference()
    lf = lf["link"]["tqe_next"]
for name in ("elf64", "elf64_obj"):
    t = m._elf_file_type(fake(classes[name], 1), name)
    print(name, t.sizeof == int(classes[name]["size"]),
          [f.name for f in t.fields()][-1])
    alone = O(1, size=O(0), methods=O(1, items=[method(2), O(0, desc=O(0), func=O(0))]))
    try:
        t = m._elf_file_type(alone, name)
        print(name, "alone", [f.name for f in t.fields()][-1])
    except kgdb_pcpu.KvmError as err:
        print(name, "alone", err)
"""


@pytest.fixture(scope="module")
def dump(vmcore):
    return vmcore("modules")


@pytest.fixture(scope="module")
def run(dump):
    steps = [("modules", "python import kgdb_pcpu.target as _t, kgdb_pcpu.modules as _m; "
                         "[print('%s %s %s' % (f.filename, f.cls, sorted(f.sets.items()))) "
                         "for f in _m.of(_t.current()).files]; "
                         "print('problems', _m.of(_t.current()).problems)")]
    for _mod, name, _var in module_vars(dump):
        steps += [("all_" + name, "dpcpu-print " + name),
                  ("full_" + name, "dpcpu-print pcpu_entry_" + name),
                  ("x_" + name, "dpcpu-print /x " + name),
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
        ("unlisted_print", "dpcpu-print mod_unlisted_int"),
        ("unlisted_fn", 'output $dpcpu("mod_unlisted_int", 0)'),
        ("unlisted_ptr", 'output $dpcpu_ptr("pcpu_entry_mod_unlisted_int", 1)'),
        ("unlisted_PCPU", 'output $PCPU("mod_unlisted_int", 0)'),
        ("unlisted_e", "dpcpu-print -e mod_unlisted_int 0"),
        ("unlisted_var", "output $dpcpu(pcpu_entry_mod_unlisted_int, 0)"),
        ("plain_global", "dpcpu-print mp_ncpus"),
        ("module_vnet_plain", 'output $V("mod_dso_vnet_int")'),
        ("module_vnet_plain_obj", 'output $V("mod_obj_vnet_u64")'),
        ("fallback", "python exec(%r)" % FALLBACK),
        ("complete", "complete dpcpu-print mod_"),
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


def expected(var, cpus, fmt=None):
    return "".join("cpu %d: %s\n" % (cpu, print_text(var["type"], var["values"][str(cpu)], fmt))
                   for cpu in cpus)


def test_dpcpu_print_every_cpu(dump, run):
    for _mod, name, var in module_vars(dump):
        assert run.out("all_" + name) == expected(var, dump.present()), name
        assert run.out("full_" + name) == run.out("all_" + name)
        assert run.out("x_" + name) == expected(var, dump.present(), "x")
        assert run.err("all_" + name) == ""


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
    assert run.out("still_usable") == "42"


def test_elf_file_type_fallbacks(run):
    # With no block for the first method, the class's other methods find its
    # struct elf_file; with none at all, only link_elf.c's global type can
    # serve (it has pcpu_start), and the object class is a clear error.
    assert run.lines("fallback") == [
        "elf64 True pcpu_base",
        "elf64 alone pcpu_base",
        "elf64_obj True typlen",
        "elf64_obj alone no struct elf_file with progtab for linker class "
        "elf64_obj in the debug info",
    ]
