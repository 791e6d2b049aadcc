"""Each difference from libkvm, shown on a fixture dump in real GDB: libkvm's
own formula, evaluated with plain GDB expressions, gives a wrong answer there,
and kgdb-pcpu gives the truth (README.md, "Differences from libkvm")."""

import pytest

from conftest import run_gdb

MASK = 2**64 - 1
COUNTER = "vm_cnt.v_swtch"


def libkvm_sum_steps(ncpus, stride_expr, add_pcpu, counter=COUNTER):
    """GDB steps evaluating kvm_counter_u64_fetch as lib/libkvm/kvm_pcpu.c does:
    for i in 0 .. mp_ncpus-1: *(base + stride * i [+ __pcpu on amd64 builds])."""
    base = "(unsigned long)%s" % counter
    if add_pcpu:
        base += " + (unsigned long)__pcpu"
    steps = []
    for i in range(ncpus):
        steps.append(("libkvm%d" % i, "output *(unsigned long *)(%s + %s * %d)" % (base, stride_expr, i)))
    return steps


def libkvm_sum(run, ncpus):
    total = 0
    for i in range(ncpus):
        text = run.out("libkvm%d" % i).strip()
        if not text:  # unreadable: libkvm's whole sum becomes 0
            return 0
        total += int(text)
    return total & MASK


@pytest.mark.parametrize("shape, add_pcpu, why", [
    ("amd64-15.0-sparse", True,
     "difference 3: 0..mp_ncpus-1 reads absent CPUs and misses 6 and 7"),
    ("arm64-15.0", False, "difference 4: sizeof(struct pcpu) is not the arm64 zpcpu stride"),
    ("arm64-14.3", False, "difference 4: sizeof(struct pcpu) is not the arm64 zpcpu stride"),
    ("amd64-12.4", True,
     "difference 4: a 13+ amd64 libkvm adds __pcpu to 12.x's absolute counters"),
    ("amd64-15.0", False, "difference 4: a 12.x libkvm forgets __pcpu on 13+ amd64"),
    ("amd64-13.5", False, "difference 4: a 12.x libkvm forgets __pcpu on 13+ amd64"),
])
def test_libkvm_formula_is_wrong_where_kgdb_pcpu_is_right(vmcore, shape, add_pcpu, why):
    dump = vmcore(shape)
    t = dump.truth
    steps = libkvm_sum_steps(t["mp_ncpus"], "sizeof(struct pcpu)", add_pcpu)
    steps.append(("ours", "counter-fetch %s" % COUNTER))
    run = run_gdb(dump, steps)
    truth = t["counters"][COUNTER]["sum"]
    assert libkvm_sum(run, t["mp_ncpus"]) != truth, why
    assert run.out("ours") == "$1 = %d\n" % truth


def test_libkvm_formula_right_on_11_and_so_are_we(vmcore):
    # 11.x: vm_cnt has no counters yet; tcpstat is one (docs/FREEBSD.md).
    dump = vmcore("amd64-11.4")
    t = dump.truth
    steps = libkvm_sum_steps(t["mp_ncpus"], "sizeof(struct pcpu)", False,
                             "tcpstat[0]")
    steps.append(("ours", "counter-fetch tcpstat[0]"))
    run = run_gdb(dump, steps)
    truth = t["counter_arrays"]["tcpstat"]["sums"][0]
    assert truth == t["libkvm_counter_array_sums"]["tcpstat"][0] != 0
    assert libkvm_sum(run, t["mp_ncpus"]) == truth
    assert run.out("ours") == "$1 = %d\n" % truth


def test_difference_1_two_dumps_in_one_gdb_keep_their_own_caches(vmcore):
    """libkvm's statics would give the second dump the first one's mp_maxcpus."""
    amd64, arm64 = vmcore("amd64-13.5"), vmcore("arm64-15.0")
    run = run_gdb(amd64, [
        ("first", "output $maxcpu()"),
        ("switch", ["add-inferior -no-connection", "inferior 2",
                    "file %s" % arm64.kernel, "core-file %s" % arm64.vmcore]),
        ("second", "output $maxcpu()"),
        ("second_sum", "counter-fetch %s" % COUNTER),
        ("back", "inferior 1"),
        ("first_again", "output $maxcpu()"),
        ("first_sum", "counter-fetch %s" % COUNTER),
    ])
    assert run.out("first") == "%d" % amd64.truth["mp_maxcpus"]
    assert run.out("second") == "%d" % arm64.truth["mp_maxcpus"] != run.out("first")
    assert run.out("second_sum") == "$1 = %d\n" % arm64.truth["counters"][COUNTER]["sum"]
    assert run.out("first_again") == "%d" % amd64.truth["mp_maxcpus"]
    assert run.out("first_sum") == "$2 = %d\n" % amd64.truth["counters"][COUNTER]["sum"]


def test_difference_2_negative_cpu(vmcore):
    # -1 is the default CPU (FreeBSD's sys/tools/gdb convention); any other
    # negative CPU is refused as an absent one.
    dump = vmcore("amd64-15.0")
    run = run_gdb(dump, [("neg", "output $pcpu(-2)"), ("setcpu", "dpcpu-setcpu -2"),
                         ("kvm", "python import kgdb_pcpu; print(kgdb_pcpu._kvm.kvm_getpcpu("
                                 "kgdb_pcpu.kvm(), -2))")])
    assert run.error("neg") == "CPU -2 not found"
    assert run.error("setcpu") == "CPU -2 not found"
    assert run.out("kvm") == "None\n"


@pytest.mark.parametrize("shape", ["amd64-15.0-sparse", "arm64-15.0", "arm64-14.3"])
def test_every_counter_libkvm_wrong_kgdb_pcpu_right(vmcore, shape):
    """The fixture's own model of libkvm's loop (truth.json) gives a wrong
    sum for every counter that is not 0 on these dumps; counter-fetch
    gives each counter's true sum."""
    dump = vmcore(shape)
    t = dump.truth
    names = list(t["counters"])
    run = run_gdb(dump, [("c%d" % i, "counter-fetch " + n) for i, n in enumerate(names)])
    wrong = 0
    for i, name in enumerate(names):
        truth = t["counters"][name]["sum"]
        assert run.out("c%d" % i) == "$%d = %d\n" % (i + 1, truth), name
        if truth and t["libkvm_counter_sums"][name] != truth:
            wrong += 1
    assert wrong == len([n for n in names if t["counters"][n]["sum"]])


def test_null_counter_libkvm_sums_struct_pcpu_kgdb_pcpu_refuses(vmcore):
    """On amd64 13+ a counter is an offset from __pcpu: libkvm's formula on
    a NULL counter reads the first word of each CPU's struct pcpu
    (pc_curthread) and gives a believable sum; counter-fetch says NULL."""
    dump = vmcore("amd64-15.0")
    t = dump.truth
    steps = []
    for i in range(t["mp_ncpus"]):
        steps.append(("libkvm%d" % i, "output *(unsigned long *)((unsigned long)__pcpu"
                      " + sizeof(struct pcpu) * %d)" % i))
    steps.append(("ours", "counter-fetch (counter_u64_t)0"))
    run = run_gdb(dump, steps)
    curthreads = sum(t["pcpu"][str(c)]["curthread"] for c in range(t["mp_ncpus"]))
    assert libkvm_sum(run, t["mp_ncpus"]) == curthreads & MASK != 0
    assert run.error("ours") == "(counter_u64_t)0: counter is NULL (not allocated)"
