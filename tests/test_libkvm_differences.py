"""Each difference from libkvm, shown on a fixture dump in real GDB: libkvm's
own formula, evaluated with plain GDB expressions, gives a wrong answer there,
and kgdb-pcpu gives the truth (README.md, "Differences from libkvm")."""

import pytest

from conftest import run_gdb

MASK = 2**64 - 1
COUNTER = "vm_cnt.v_swtch"


def libkvm_sum_steps(ncpus, stride_expr, add_pcpu):
    """GDB steps evaluating kvm_counter_u64_fetch as lib/libkvm/kvm_pcpu.c does:
    for i in 0 .. mp_ncpus-1: *(base + stride * i [+ __pcpu on amd64 builds])."""
    base = "(unsigned long)%s" % COUNTER
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
    ("sparse", True, "difference 3: 0..mp_ncpus-1 reads absent CPUs and misses 6 and 7"),
    ("arm64", False, "difference 4: sizeof(struct pcpu) is not the arm64 zpcpu stride"),
    ("amd64-12", True, "difference 4: a 13+ amd64 libkvm adds __pcpu to 12.x's absolute counters"),
    ("amd64", False, "difference 4: a 12.x libkvm forgets __pcpu on 13+ amd64"),
])
def test_libkvm_formula_is_wrong_where_kgdb_pcpu_is_right(vmcore, shape, add_pcpu, why):
    dump = vmcore(shape)
    t = dump.truth
    steps = libkvm_sum_steps(t["mp_ncpus"], "sizeof(struct pcpu)", add_pcpu)
    steps.append(("ours", "counter-fetch %s" % COUNTER))
    run = run_gdb(dump, steps)
    truth = t["counters"][COUNTER]["sum"]
    assert libkvm_sum(run, t["mp_ncpus"]) != truth, why
    assert run.out("ours") == "%d\n" % truth


def test_libkvm_formula_right_on_11_and_so_are_we(vmcore):
    dump = vmcore("freebsd11")
    t = dump.truth
    steps = libkvm_sum_steps(t["mp_ncpus"], "sizeof(struct pcpu)", False)
    steps.append(("ours", "counter-fetch %s" % COUNTER))
    run = run_gdb(dump, steps)
    assert libkvm_sum(run, t["mp_ncpus"]) == t["counters"][COUNTER]["sum"]
    assert run.out("ours") == "%d\n" % t["counters"][COUNTER]["sum"]


def test_difference_1_two_dumps_in_one_gdb_keep_their_own_caches(vmcore):
    """libkvm's statics would give the second dump the first one's mp_maxcpus."""
    amd64, arm64 = vmcore("amd64"), vmcore("arm64")
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
    assert run.out("second_sum") == "%d\n" % arm64.truth["counters"][COUNTER]["sum"]
    assert run.out("first_again") == "%d" % amd64.truth["mp_maxcpus"]
    assert run.out("first_sum") == "%d\n" % amd64.truth["counters"][COUNTER]["sum"]


def test_difference_2_negative_cpu(vmcore):
    dump = vmcore("amd64")
    run = run_gdb(dump, [("neg", "output $pcpu(-1)"), ("setcpu", "dpcpu-setcpu -1")])
    assert run.error("neg") == "CPU -1 not found"
    assert run.error("setcpu") == "CPU -1 not found"
