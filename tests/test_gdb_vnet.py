"""VNET: $V, vnet-list, vnet-print and counter-fetch -V in real GDB.

The vimage dump has vnet0 and the jails web and db with their own vnets,
each with its own ipforwarding, tcp_mssdflt and tcpstat (a VNET_PCPUSTAT
array of counters), and the module VNET variables of mod_dso.ko (link_elf)
and mod_obj.ko (link_elf_obj).  The selected thread runs in web: td_vnet is
web's vnet, the default one.  On the other shapes (no VIMAGE) the same
names are plain globals.
"""

import json
import re
import subprocess

import pytest

from conftest import GDB, LOADER, ROOT, run_gdb

PLAIN_VARS = ("ipforwarding", "tcp_mssdflt")
MASK = (1 << 64) - 1


def explain_and_print(cmd):
    return ("python _e = gdb.execute(%r, to_string=True).strip(); "
            "gdb.write(_e + '\\n'); gdb.execute('output ' + _e); gdb.write('\\n')"
            % cmd)


def value_of(text):
    """VALUE of counter-fetch's "$N = VALUE" line."""
    m = re.match(r"\$\d+ = (\S+)\n?\Z", text)
    assert m, "not a $N = VALUE line: %r" % text
    return m.group(1)


def stack_order(truth):
    """vnet0 first, then vnet_head from the oldest (the list runs newest first)."""
    names = [n for n in reversed(truth["vnet_head"]) if n != "vnet0"]
    return ["vnet0"] + names


def module_vnet_vars(truth):
    out = []
    for mod in truth["modules"].values():
        for name, var in sorted(mod.get("vnet_vars", {}).items()):
            out.append((name, var))
    return out


@pytest.fixture(scope="module", params=["amd64-15.0-vimage", "amd64-12.4-vimage"])
def dump(request, vmcore):
    return vmcore(request.param)


@pytest.fixture(scope="module")
def run(dump):
    truth = dump.truth
    steps = [("list", "vnet-list")]
    for name in PLAIN_VARS:
        steps += [("print_" + name, "vnet-print " + name),
                  ("print_V_" + name, "vnet-print V_" + name),
                  ("print_full_" + name, "vnet-print vnet_entry_" + name),
                  ("default_" + name, 'output $V("%s")' % name)]
    for name, _var in module_vnet_vars(truth):
        steps.append(("print_" + name, "vnet-print " + name))
    for stack, info in truth["vnets"].items():
        steps += [
            ("tcpstat_" + stack, "vnet-print /x tcpstat " + stack),
            ("netstat_" + stack, "counter-fetch -V %s -t 'struct tcpstat' tcpstat" % stack),
            ("netstat_addr_" + stack,
             "counter-fetch -V 0x%x -t 'struct tcpstat' tcpstat" % info["addr"]),
            ("array_" + stack, "counter-fetch -V %s V_tcpstat" % stack),
            ("elem_" + stack, "counter-fetch -V %s tcpstat[3]" % stack),
            ("elem_full_" + stack, "counter-fetch -V %s vnet_entry_tcpstat[4]" % stack),
            ("elem_expr_" + stack,
             "counter-fetch -V %s *(counter_u64_t *)&tcpstat[2 + $one]" % stack),
            ("elem_v_" + stack, "counter-fetch -v -V %s tcpstat[1]" % stack),
            ("elem_e_" + stack, explain_and_print("counter-fetch -e -V %s tcpstat[2]" % stack)),
            ("fn_counter_" + stack, 'output $counter($V("tcpstat", "%s")[3])' % stack),
            ("addr_list_" + stack, "vnet-print ipforwarding 0x%x" % info["addr"]),
            ("fn_ptr_" + stack,
             'output $V("ipforwarding", (struct vnet *)0x%x)' % info["addr"]),
            ("fn_int_" + stack, 'output $V("tcp_mssdflt", 0x%x)' % info["addr"]),
            ("fn_amp_" + stack, 'output/x (unsigned long)&$V("tcp_mssdflt", "%s")' % stack),
            ("fn_var_" + stack, 'output $V(vnet_entry_ipforwarding, "%s")' % stack),
        ]
        for name in PLAIN_VARS:
            steps.append(("fn_%s_%s" % (name, stack), 'output $V("%s", "%s")' % (name, stack)))
        for name, _var in module_vnet_vars(truth):
            steps.append(("fn_%s_%s" % (name, stack), 'output $V("%s", "%s")' % (name, stack)))
    steps += [
        ("netstat_default", "counter-fetch -t 'struct tcpstat' tcpstat"),
        ("elem_default", "counter-fetch tcpstat[0]"),
        ("fn_counter_default", 'output $counter($V("tcpstat")[0])'),
        ("fn_vnet0_var", 'output $V("ipforwarding", vnet0)'),
        ("fn_jail_expr", 'output $V("ipforwarding", allprison.tqh_first->pr_vnet)'),
        # A string is what GDB prints as one (FreeBSD's is_string_like).
        ("fn_jail_chars", 'output $V("ipforwarding", allprison.tqh_first->pr_name)'),
        ("fn_jail_charp", 'output $V("ipforwarding", (char *)allprison.tqh_first->pr_name)'),
        ("fn_jail_conv", ['set $j = "db"', 'output $V("ipforwarding", $j)']),
        ("fn_name_conv", ['set $n = "V_tcp_mssdflt"', 'output $V($n, "web")']),
        ("fn_struct", 'output $V("ipforwarding", *vnet0)'),
        ("fn_prison0", 'output $V("ipforwarding", "0")'),
        ("fn_V_prefix", 'output $V("V_ipforwarding", "db")'),
        ("list_jails", "vnet-print ipforwarding db,web"),
        ("list_vnet0", "vnet-print tcp_mssdflt vnet0"),
        ("list_all", "vnet-print tcp_mssdflt all"),
        ("pretty", ["set print pretty on", "vnet-print ipforwarding web",
                    "set print pretty off"]),
        ("template", "output vnet_entry_ipforwarding"),
        # Errors: one line each.
        ("err_not_vnet", 'output $V("mp_ncpus")'),
        ("err_not_vnet_print", "vnet-print mp_ncpus"),
        ("err_no_symbol", 'output $V("nosuch")'),
        ("err_print_no_symbol", "vnet-print nosuch"),
        ("err_no_jail", 'output $V("ipforwarding", "nojail")'),
        ("err_print_no_jail", "vnet-print ipforwarding web,nojail"),
        ("err_counter_no_jail", "counter-fetch -V nojail tcpstat[0]"),
        ("err_counter_no_value", "counter-fetch -V"),
        ("err_not_a_vnet", 'output $V("ipforwarding", vnet0->vnet_data_mem)'),
        ("err_unreadable_vnet", 'output $V("ipforwarding", 8)'),
        ("err_null_vnet", 'output $V("ipforwarding", 0)'),
        ("err_bad_vnet_type", 'output $V("ipforwarding", 1.5)'),
        ("err_arity0", "output $V()"),
        ("err_arity3", 'output $V("ipforwarding", "web", 1)'),
        ("err_name_not_var", "output $V(5)"),
        ("err_print_usage", "vnet-print"),
        ("err_print_empty_item", "vnet-print ipforwarding web,,db"),
        ("err_list_arg", "vnet-list web"),
        ("complete_name", "complete vnet-print ipf"),
        ("complete_full", "complete vnet-print vnet_entry_tcp_m"),
        ("complete_jail", "complete vnet-print ipforwarding w"),
        ("complete_second", "complete vnet-print ipforwarding web,d"),
        ("complete_counter_V", "complete counter-fetch -V d"),
        ("complete_counter_expr", "complete counter-fetch -V db vm_cnt.v_swt"),
        ("complete_counter_plain", "complete counter-fetch vm_cnt.v_swt"),
        ("help_list", "help vnet-list"),
        ("help_print", "help vnet-print"),
        ("help_V", "help function V"),
        ("help_counter", "help counter-fetch"),
        ("still_usable", "output 6 * 7"),
    ]
    return run_gdb(dump, steps, pre=["set $one = 1"])


def test_vnet_list(dump, run):
    truth = dump.truth
    lines = []
    for stack in stack_order(truth):
        info = truth["vnets"][stack]
        lines.append("0x%x vnet_data_base 0x%x %s" % (info["addr"], info["data_base"], stack))
    assert run.lines("list") == lines


def test_fixture_stacks_differ(dump):
    vnets = dump.truth["vnets"]
    for name in PLAIN_VARS:
        values = [v["vars"][name] for v in vnets.values()]
        assert len(set(values)) == len(values)
        assert dump.truth["vnet_vars"][name]["template"] not in values


def test_vnet_print_every_stack(dump, run):
    truth = dump.truth
    for name in PLAIN_VARS:
        want = "".join("vnet %s: %d\n" % (s, truth["vnets"][s]["vars"][name])
                       for s in stack_order(truth))
        assert run.out("print_" + name) == want
        assert run.out("print_V_" + name) == want
        assert run.out("print_full_" + name) == want


def test_vnet_print_lists(dump, run):
    vnets = dump.truth["vnets"]
    assert run.out("list_jails") == "vnet db: %d\nvnet web: %d\n" % (
        vnets["db"]["vars"]["ipforwarding"], vnets["web"]["vars"]["ipforwarding"])
    assert run.out("list_vnet0") == "vnet vnet0: %d\n" % vnets["vnet0"]["vars"]["tcp_mssdflt"]
    assert run.out("list_all") == run.out("print_tcp_mssdflt")
    assert run.out("pretty") == "vnet web: %d\n" % vnets["web"]["vars"]["ipforwarding"]
    for stack, info in vnets.items():
        assert run.out("addr_list_" + stack) == "vnet %s: %d\n" % (
            stack, info["vars"]["ipforwarding"])


def test_vnet_print_array_of_counters(dump, run):
    for stack, info in dump.truth["vnets"].items():
        values = info["vars"]["tcpstat"]["values"]
        assert run.out("tcpstat_" + stack) == "vnet %s: {%s}\n" % (
            stack, ", ".join("0x%x" % v for v in values))


def test_module_vnet_variables(dump, run):
    truth = dump.truth
    assert module_vnet_vars(truth), "the fixture has module VNET variables"
    for name, var in module_vnet_vars(truth):
        want = "".join("vnet %s: %d\n" % (s, var["values"][s]) for s in stack_order(truth))
        assert run.out("print_" + name) == want
        for stack in truth["vnets"]:
            assert run.out("fn_%s_%s" % (name, stack)) == str(var["values"][stack])
            assert var["template"] != var["values"][stack]


def test_V_every_stack(dump, run):
    for stack, info in dump.truth["vnets"].items():
        for name in PLAIN_VARS:
            assert run.out("fn_%s_%s" % (name, stack)) == str(info["vars"][name])
        assert run.out("fn_ptr_" + stack) == str(info["vars"]["ipforwarding"])
        assert run.out("fn_int_" + stack) == str(info["vars"]["tcp_mssdflt"])
        assert run.out("fn_var_" + stack) == str(info["vars"]["ipforwarding"])
        # An lvalue at &vnet_entry_x + vnet_data_base.
        addr = (dump.truth["vnet_vars"]["tcp_mssdflt"]["template_addr"]
                + info["data_base"]) & MASK
        assert run.out("fn_amp_" + stack) == "0x%x" % addr


def test_V_default_is_the_selected_threads_vnet(dump, run):
    default = dump.truth["vnet_default"]
    assert default != "vnet0"
    for name in PLAIN_VARS:
        assert run.out("default_" + name) == str(dump.truth["vnets"][default]["vars"][name])


def test_V_vnet_forms(dump, run):
    vnets = dump.truth["vnets"]
    first_jail = [n for n in dump.truth["jails"] if n != "0"][0]
    assert run.out("fn_vnet0_var") == str(vnets["vnet0"]["vars"]["ipforwarding"])
    assert run.out("fn_struct") == str(vnets["vnet0"]["vars"]["ipforwarding"])
    assert run.out("fn_prison0") == str(vnets["vnet0"]["vars"]["ipforwarding"])
    assert run.out("fn_jail_expr") == str(
        vnets[dump.truth["jails"][first_jail]["vnet_name"]]["vars"]["ipforwarding"])
    assert run.out("fn_V_prefix") == str(vnets["db"]["vars"]["ipforwarding"])
    first = vnets[dump.truth["jails"][first_jail]["vnet_name"]]["vars"]["ipforwarding"]
    assert run.out("fn_jail_chars") == str(first)
    assert run.out("fn_jail_charp") == str(first)
    assert run.out("fn_jail_conv") == str(vnets["db"]["vars"]["ipforwarding"])
    assert run.out("fn_name_conv") == str(vnets["web"]["vars"]["tcp_mssdflt"])
    assert run.out("template") == str(dump.truth["vnet_vars"]["ipforwarding"]["template"])


def netstat_lines(stats):
    return ["%s = %d" % (f, s) for f, s in zip(stats["fields"], stats["sums"])]


def test_netstat_s_per_stack(dump, run):
    for stack, info in dump.truth["vnets"].items():
        stats = info["vars"]["tcpstat"]
        assert run.lines("netstat_" + stack) == netstat_lines(stats)
        assert run.lines("netstat_addr_" + stack) == netstat_lines(stats)
        assert run.lines("array_" + stack) == [
            "[%d] = %d" % (i, s) for i, s in enumerate(stats["sums"])]
        assert value_of(run.out("elem_" + stack)) == "%d" % stats["sums"][3]
        assert value_of(run.out("elem_full_" + stack)) == "%d" % stats["sums"][4]
        assert value_of(run.out("elem_expr_" + stack)) == "%d" % stats["sums"][3]
        assert run.out("fn_counter_" + stack) == str(stats["sums"][3])
        slots = stats["elements"][1]["slots"]
        lines = run.lines("elem_v_" + stack)
        assert [l.split()[:3] for l in lines[:-1]] == [
            ["cpu", "%s:" % c, str(slots[str(c)])] for c in dump.present()]
        assert value_of(lines[-1]) == "%d" % stats["sums"][1]


def test_netstat_s_stacks_differ(dump):
    sums = [tuple(v["vars"]["tcpstat"]["sums"]) for v in dump.truth["vnets"].values()]
    assert len(set(sums)) == len(sums)


def test_counter_fetch_default_stack(dump, run):
    stats = dump.truth["vnets"][dump.truth["vnet_default"]]["vars"]["tcpstat"]
    assert run.lines("netstat_default") == netstat_lines(stats)
    assert value_of(run.out("elem_default")) == "%d" % stats["sums"][0]
    assert run.out("fn_counter_default") == str(stats["sums"][0])


def test_counter_fetch_explain(dump, run):
    cpu = str(dump.truth["selected_cpu"])
    for stack, info in dump.truth["vnets"].items():
        expr, value = run.out("elem_e_" + stack).split("\n", 1)
        count = len(info["vars"]["tcpstat"]["values"])
        assert "(*(counter_u64_t (*)[%d])0x%x)" % (
            count, info["vars"]["tcpstat"]["addr"]) in expr
        assert value.strip() == str(info["vars"]["tcpstat"]["elements"][2]["slots"][cpu])


def test_errors(dump, run):
    start, stop = dump.truth["start_set_vnet"], dump.truth["stop_set_vnet"]
    message = run.error("err_not_vnet")
    assert message.startswith("mp_ncpus: 0x")
    assert message.endswith("is not a VNET variable (outside set_vnet 0x%x-0x%x and "
                            "every module's)" % (start, stop))
    assert run.error("err_not_vnet_print") == message
    assert run.error("err_no_symbol") == 'No symbol "vnet_entry_nosuch" or "nosuch".'
    assert run.error("err_print_no_symbol") == run.error("err_no_symbol")
    no_jail = 'No jail named "nojail" (vnets: vnet0, web, db, or a struct vnet address)'
    assert run.error("err_no_jail") == no_jail
    assert run.error("err_print_no_jail") == no_jail
    assert run.out("err_print_no_jail") == ""
    assert run.error("err_counter_no_jail") == no_jail
    assert run.error("err_counter_no_value") == "option -V needs a value (VNET)"
    # The magic this kernel's struct vnet is set with: 0x3e0d8f29 without
    # vnet_shutdown (12.x), 0x5e4a6f28 with it (13.0 and later).
    magic = dump.truth["vnets"]["vnet0"]["magic"]
    assert magic == (0x3e0d8f29 if dump.shape.startswith("amd64-12.") else 0x5e4a6f28)
    message = run.error("err_not_a_vnet")
    assert message.startswith("0x%x is not a struct vnet (vnet_magic_n is 0x"
                              % dump.truth["vnets"]["vnet0"]["data_mem"])
    assert message.endswith(", not 0x%x)" % magic)
    assert run.error("err_unreadable_vnet") == \
        "0x8 is not a struct vnet: cannot read memory there"
    assert run.error("err_null_vnet") == "the vnet is NULL"
    assert run.error("err_bad_vnet_type").startswith("VNET must be a struct vnet * or a jail name")
    assert run.error("err_arity0") == "Usage: $V(NAME [, VNET])"
    assert run.error("err_arity3") == "Usage: $V(NAME [, VNET])"
    assert run.error("err_name_not_var").startswith("not a variable")
    assert run.error("err_print_usage") == "Usage: vnet-print [/FMT] NAME [VNETS]"
    assert run.error("err_print_empty_item") == \
        'empty item in the VNET list "web,,db"'
    assert run.error("err_list_arg") == "vnet-list takes no argument"
    assert run.out("still_usable") == "42"


def test_completion(run):
    assert run.lines("complete_name") == ["vnet-print ipforwarding"]
    assert run.lines("complete_full") == ["vnet-print vnet_entry_tcp_mssdflt"]
    assert run.lines("complete_jail") == ["vnet-print ipforwarding web"]
    assert run.lines("complete_second") == ["vnet-print ipforwarding web,db"]
    assert run.lines("complete_counter_V") == ["counter-fetch -V db"]
    assert run.lines("complete_counter_expr") == ["counter-fetch -V db vm_cnt.v_swtch"]
    assert run.lines("complete_counter_plain") == ["counter-fetch vm_cnt.v_swtch"]


def test_help(run):
    for step, first, usage in (
            ("help_list", "List the virtual network stacks", "Usage: vnet-list"),
            ("help_print", "Print a VNET (virtual network stack) variable in each vnet.",
             "Usage: vnet-print [/FMT] NAME [VNETS]"),
            ("help_V", "Return a VNET (virtual network stack) variable of a vnet.",
             "Usage: $V(NAME [, VNET])")):
        text = run.out(step)
        assert text.startswith(first)
        assert "\n\n%s\n" % usage in text
    assert "-V VNET" in run.out("help_counter")


# --- Without VIMAGE: the same names are plain globals. ----------------------


@pytest.fixture(scope="module", params=["amd64-15.0", "amd64-15.0-modules",
                                        "amd64-12.4", "amd64-11.4"])
def plain(request, vmcore):
    dump = vmcore(request.param)
    steps = [
        ("V", 'output $V("ipforwarding")'),
        ("V_prefix", 'output $V("V_tcp_mssdflt")'),
        ("V_full", 'output $V("vnet_entry_ipforwarding")'),
        ("V_vnet0", 'output $V("ipforwarding", "vnet0")'),
        # FreeBSD's selftest: the second argument is accepted and ignored.
        ("V_selftest", 'output $V("ipforwarding", "gdbselftest")'),
        ("V_ignored_ptr", 'output $V("ipforwarding", (struct vnet *)8)'),
        ("V_ignored_int", 'output $V("tcp_mssdflt", 1.5)'),
        ("V_amp", 'output &$V("ipforwarding") == &ipforwarding'),
        ("V_counter", 'output $counter($V("tcpstat")[3])'),
        ("print", "vnet-print ipforwarding"),
        ("print_x", "vnet-print /x tcp_mssdflt vnet0"),
        ("netstat", "counter-fetch -t 'struct tcpstat' tcpstat"),
        ("netstat_V", "counter-fetch -V vnet0 -t 'struct tcpstat' tcpstat"),
        ("list", "vnet-list"),
        ("bad_jail", "counter-fetch -V nojail tcpstat[0]"),
        ("still_usable", "output 6 * 7"),
    ]
    return dump, run_gdb(dump, steps)


def test_plain_globals_without_vimage(plain):
    dump, run = plain
    assert dump.truth["vimage"] is False
    values = dump.truth["plain_vnet_vars"]
    assert run.out("V") == str(values["ipforwarding"])
    assert run.out("V_prefix") == str(values["tcp_mssdflt"])
    assert run.out("V_full") == str(values["ipforwarding"])
    assert run.out("V_vnet0") == str(values["ipforwarding"])
    assert run.out("V_selftest") == str(values["ipforwarding"])
    assert run.out("V_ignored_ptr") == str(values["ipforwarding"])
    assert run.out("V_ignored_int") == str(values["tcp_mssdflt"])
    assert run.out("V_amp") == "1"
    assert run.out("print") == "vnet vnet0: %d\n" % values["ipforwarding"]
    assert run.out("print_x") == "vnet vnet0: 0x%x\n" % values["tcp_mssdflt"]


def test_plain_netstat_without_vimage(plain):
    dump, run = plain
    stats = dump.truth["counter_arrays"]["tcpstat"]
    assert run.lines("netstat") == netstat_lines(stats)
    assert run.lines("netstat_V") == netstat_lines(stats)
    assert run.out("V_counter") == str(stats["sums"][3])


def test_plain_errors_without_vimage(plain):
    _dump, run = plain
    assert run.error("list").startswith("this kernel is not built with options VIMAGE")
    assert run.error("bad_jail") == 'No jail named "nojail".'
    assert run.out("still_usable") == "42"


# --- $V is cheap: what it read once is kept until the target runs. ---------

XFER = re.compile(r":target_xfer_partial \(([1-4]), [^,]*, [^,]*, [^,]*, "
                  r"(0x[0-9a-f]+), (\d+)\)")


def logged_reads(path):
    """(address, length) of every memory transfer GDB logged in path."""
    with open(path, errors="replace") as f:
        return [(int(m.group(2), 16), int(m.group(3)))
                for m in XFER.finditer(f.read())]


def logged(path, commands):
    return (["set logging file %s" % path, "set logging overwrite on",
             "set logging redirect off", "set logging debugredirect on",
             "set logging enabled on", "set debug target 1"]
            + list(commands) + ["set debug target 0", "set logging enabled off"])


def touching(reads, spans):
    return [(a, n) for a, n in reads
            if any(a < lo + size and lo < a + n for lo, size in spans)]


def test_V_reads_the_lists_once_per_stop(dump, tmp_path):
    truth = dump.truth
    logs = {k: str(tmp_path / (k + ".log")) for k in ("first", "again", "other")}
    run = run_gdb(dump, [
        ("sizes", "output (int)sizeof(struct vnet) * 1000 + (int)sizeof(struct thread)"),
        ("first", logged(logs["first"], ['output $V("ipforwarding")'])),
        ("again", logged(logs["again"], ['output $V("ipforwarding")',
                                         'output $V("tcp_mssdflt")'])),
        ("jail", 'output $V("ipforwarding", "db")'),
        ("other", logged(logs["other"], ['output $V("ipforwarding", "db")',
                                         'output $V("tcp_mssdflt", "web")'])),
        ("cleared", ["python import kgdb_pcpu; kgdb_pcpu.target.invalidate()",
                     'output $V("tcp_mssdflt", "web")']),
    ])
    vnet_size, thread_size = divmod(int(run.out("sizes")), 1000)
    web = truth["vnets"]["web"]
    assert run.out("first") == str(web["vars"]["ipforwarding"])
    assert run.out("again") == "%d%d" % (web["vars"]["ipforwarding"],
                                         web["vars"]["tcp_mssdflt"])
    structs = ([(v["addr"], vnet_size) for v in truth["vnets"].values()]
               + [(int(a), thread_size) for a in truth["threads"]]
               + [(j["addr"], 64) for n, j in truth["jails"].items() if n != "0"]
               + [(truth["pcpu"][str(c)]["addr"], truth["pcpu_size"])
                  for c in dump.present()])
    copy = truth["vnet_vars"]["ipforwarding"]["template_addr"] + web["data_base"]
    first = logged_reads(logs["first"])
    assert touching(first, [(copy, 4)]), "the log shows the value's read"
    assert touching(first, structs), "the first call reads the kernel's lists"
    assert touching(logged_reads(logs["again"]), structs) == []
    assert touching(logged_reads(logs["other"]), structs) == []
    assert run.out("cleared") == str(web["vars"]["tcp_mssdflt"])


# --- The default vnet of a thread off-CPU, live. ------------------------------


def test_V_default_is_td_vnet_on_a_cpu_or_not(dump, tmp_path):
    """The fixture kernel run live: the selected thread taken off its CPU
    keeps its td_vnet (found on allproc); a NULL td_vnet means vnet0; a
    jail's name wins over "vnet0", as in FreeBSD's $V."""
    live = tmp_path / "live.json"
    cpu = dump.truth["selected_cpu"]
    pcpu = "cpuid_to_pcpu[%d]" % cpu
    out = subprocess.run(
        [GDB, "-nx", "-batch", "-ex", "set confirm off", "-x", str(LOADER),
         "-ex", "break fixture_ready", "-ex", "run",
         "-ex", "echo @@\\n",
         "-ex", 'output $V("ipforwarding")', "-ex", "echo \\n",
         "-ex", "set $td = %s->pc_curthread" % pcpu,
         "-ex", "set var %s->pc_curthread = %s->pc_idlethread" % (pcpu, pcpu),
         "-ex", "set var $td->td_oncpu = -1",
         "-ex", 'output $V("ipforwarding")', "-ex", "echo \\n",
         "-ex", "set var $td->td_vnet = 0",
         "-ex", 'output $V("ipforwarding")', "-ex", "echo \\n",
         # A jail named vnet0: FreeBSD's $V looks strings up in allprison.
         "-ex", 'output $V("ipforwarding", "vnet0")', "-ex", "echo \\n",
         ] + [w for i, c in enumerate("vnet0\0")
              for w in ("-ex", "set var allprison.tqh_first->pr_name[%d] = %d"
                        % (i, ord(c)))] + [
         "-ex", 'output $V("ipforwarding", "vnet0")', "-ex", "echo \\n",
         "-ex", "kill", "--args", dump.kernel, str(live)],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert "Traceback" not in out.stderr and "Python Exception" not in out.stderr
    assert "@@\n" in out.stdout, out.stdout + out.stderr
    truth = json.loads(live.read_text())
    vnets = truth["vnets"]
    default = truth["vnet_default"]
    assert default != "vnet0"
    first_jail = min((j for n, j in truth["jails"].items() if n != "0"),
                     key=lambda j: j["id"])
    assert out.stdout.split("@@\n", 1)[1].splitlines()[:5] == [
        str(vnets[default]["vars"]["ipforwarding"]),
        str(vnets[default]["vars"]["ipforwarding"]),
        str(vnets["vnet0"]["vars"]["ipforwarding"]),
        str(vnets["vnet0"]["vars"]["ipforwarding"]),
        str(vnets[first_jail["vnet_name"]]["vars"]["ipforwarding"])], out.stderr
