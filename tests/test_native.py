"""The native core through its binding, on in-memory kernels (tests/mockkernel.py).

libkvm's return values and messages where libkvm is right, and one test per
difference from libkvm (docs/libkvm-differences.md).
"""

import _thread
import struct

import pytest

from kgdb_pcpu import _kvm
from kgdb_pcpu._kvm import KvmError
from mockkernel import PAGE, PC_CPUID, build_kernel, open_handle


@pytest.fixture
def amd64():
    k, layout, truth = build_kernel("amd64")
    return k, open_handle(k, layout), truth


# -- kvm_getmaxcpu / kvm_getncpus ------------------------------------------------


def test_getmaxcpu_is_mp_maxcpus_not_maxid_plus_one(amd64):
    k, kd, t = amd64
    assert kd.getmaxcpu() == 256 == t.maxcpus
    assert _kvm.kvm_getmaxcpu(kd) == 256
    assert kd.getmaxid() == 3


def test_getncpus(amd64):
    k, kd, t = amd64
    assert kd.getncpus() == 4
    assert _kvm.kvm_getncpus(kd) == 4


@pytest.mark.parametrize(
    "missing, message",
    [
        ("cpuid_to_pcpu", "unable to find cpuid_to_pcpu"),
        ("mp_maxcpus", "unable to find mp_maxcpus"),
        ("mp_ncpus", "unable to find mp_ncpus"),
    ],
)
def test_init_lookup_failures_use_libkvms_words(missing, message):
    k, layout, t = build_kernel("amd64")
    del k.symbols[missing]
    kd = open_handle(k, layout)
    assert _kvm.kvm_getmaxcpu(kd) == -1
    assert _kvm.kvm_geterr(kd) == message
    with pytest.raises(KvmError, match=f"^{message}$"):
        kd.getmaxcpu()


@pytest.mark.parametrize(
    "name, message",
    [
        ("mp_maxcpus", "cannot read mp_maxcpus"),
        ("mp_ncpus", "cannot read mp_ncpus"),
        ("cpuid_to_pcpu", "cannot read cpuid_to_pcpu array"),
    ],
)
def test_init_read_failures_use_libkvms_words_and_name_the_address(name, message):
    k, layout, t = build_kernel("amd64")
    k.unreadable.add(k.symbols[name])
    kd = open_handle(k, layout)
    assert _kvm.kvm_getmaxcpu(kd) == -1
    assert _kvm.kvm_geterr(kd).startswith(message)
    with pytest.raises(KvmError, match=f"^{message} \\(\\d+ bytes at {k.symbols[name]:#x}\\)$") as e:
        kd.getncpus()
    assert e.value.address == k.symbols[name]


# -- kvm_getpcpu -------------------------------------------------------------------


def test_getpcpu_copies_struct_pcpu(amd64):
    k, kd, t = amd64
    for cpu in t.cpus:
        raw = kd.getpcpu(cpu)
        assert len(raw) == 4096
        assert struct.unpack_from("<I", raw, PC_CPUID)[0] == cpu
        assert raw == _kvm.kvm_getpcpu(kd, cpu)
        assert kd.pcpu_addr(cpu) == t.pcpu_addr[cpu]


def test_getpcpu_absent_and_too_big(amd64):
    k, kd, t = amd64
    assert kd.getpcpu(4) is None  # below mp_maxcpus, never started
    assert _kvm.kvm_getpcpu(kd, 4) is None
    assert _kvm.kvm_getpcpu(kd, 256) is None  # libkvm: NULL for cpu >= maxcpu
    with pytest.raises(KvmError, match=r"^CPU 256 too big \(mp_maxcpus is 256\)$"):
        kd.getpcpu(256)


def test_getpcpu_unreadable_is_minus_one_with_libkvms_message():
    k, layout, t = build_kernel("amd64")
    k.unreadable.add(t.pcpu_addr[2])
    kd = open_handle(k, layout)
    assert _kvm.kvm_getpcpu(kd, 2) == -1
    assert _kvm.kvm_geterr(kd) == "unable to read per-CPU data"
    with pytest.raises(KvmError, match=f"struct pcpu of CPU 2.*{t.pcpu_addr[2]:#x}") as e:
        kd.getpcpu(2)
    assert e.value.address == t.pcpu_addr[2]


def test_difference_2_negative_cpu_refused_like_absent(amd64):
    k, kd, t = amd64
    assert kd.getpcpu(-1) is None
    assert _kvm.kvm_getpcpu(kd, -1) is None
    assert _kvm.kvm_dpcpu_setcpu(kd, -1) == -1
    assert _kvm.kvm_geterr(kd) == "kvm_dpcpu_setcpu: CPU -1 not found"
    with pytest.raises(KvmError, match="^CPU -1 not found$"):
        kd.dpcpu_addr(k.symbols["pcpu_entry_dpcpu_int"], -1)
    with pytest.raises(KvmError, match="^CPU -1 not found$"):
        kd.read_zpcpu(t.counters[0], 8, -1)


# -- kvm_dpcpu_setcpu and DPCPU arithmetic ----------------------------------------


def test_dpcpu_setcpu(amd64):
    k, kd, t = amd64
    assert kd.dpcpu_curcpu() == 0
    assert _kvm.kvm_dpcpu_setcpu(kd, 2) == 0
    assert kd.dpcpu_curcpu() == 2
    sym = k.symbols["pcpu_entry_dpcpu_int"]
    assert kd.dpcpu_addr(sym) == sym + t.dpcpu_off[2]
    assert _kvm.kvm_dpcpu_setcpu(kd, 256) == -1
    assert _kvm.kvm_geterr(kd) == "kvm_dpcpu_setcpu: CPU 256 too big"
    assert _kvm.kvm_dpcpu_setcpu(kd, 7) == -1
    assert _kvm.kvm_geterr(kd) == "kvm_dpcpu_setcpu: CPU 7 not found"
    assert kd.dpcpu_curcpu() == 2
    with pytest.raises(KvmError, match="^CPU 7 not found$"):
        kd.dpcpu_setcpu(7)


def test_dpcpu_setcpu_init_failure():
    k, layout, t = build_kernel("amd64")
    del k.symbols["__start_set_pcpu"]
    kd = open_handle(k, layout)
    assert _kvm.kvm_dpcpu_setcpu(kd, 0) == -1
    assert _kvm.kvm_geterr(kd) == "kvm_dpcpu_setcpu: init failed"
    with pytest.raises(KvmError, match="^unable to find __start_set_pcpu$"):
        kd.dpcpu_setcpu(0)


def test_dpcpu_addr_reads_every_cpus_copy(amd64):
    k, kd, t = amd64
    sym = k.symbols["pcpu_entry_dpcpu_int"]
    for cpu in t.cpus:
        addr = kd.dpcpu_addr(sym, cpu)
        assert addr == sym + t.dpcpu_off[cpu]
        assert struct.unpack("<I", k.read(addr, 4))[0] == t.dpcpu_int[cpu]
        assert kd.dpcpu_off(cpu) == t.dpcpu_off[cpu]
    assert kd.dpcpu_bounds() == (k.symbols["__start_set_pcpu"], k.symbols["__stop_set_pcpu"])


def test_dpcpu_addr_outside_set_pcpu_names_the_address(amd64):
    k, kd, t = amd64
    addr = k.symbols["mp_ncpus"]
    with pytest.raises(KvmError, match=f"^{addr:#x} is not a DPCPU variable"):
        kd.dpcpu_addr(addr, 0)
    with pytest.raises(KvmError, match="^CPU 5 not found$"):
        kd.dpcpu_addr(k.symbols["pcpu_entry_dpcpu_int"], 5)


def test_dpcpu_module_relocation(amd64):
    k, kd, t = amd64
    start, stop = kd.dpcpu_bounds()
    image = 0x7F0000001000  # the module's own set_pcpu, where kgdb puts its symbols
    modspace = start + 64  # where the kernel moved it
    kd.dpcpu_set_modules([(image, image + 32, modspace)])
    assert kd.dpcpu_addr(image + 8, 3) == modspace + 8 + t.dpcpu_off[3]
    with pytest.raises(KvmError, match="not a DPCPU variable"):
        kd.dpcpu_addr(image + 32, 3)
    kd.dpcpu_set_modules([])
    with pytest.raises(KvmError, match="not a DPCPU variable"):
        kd.dpcpu_addr(image + 8, 3)


# -- kvm_read_zpcpu and kvm_counter_u64_fetch --------------------------------------


@pytest.mark.parametrize("shape", ["amd64", "amd64-12", "arm64", "freebsd11"])
def test_difference_4_zpcpu_slot_on_every_kernel_shape(shape):
    k, layout, t = build_kernel(shape)
    kd = open_handle(k, layout)
    for i, c in enumerate(t.counters):
        for cpu in t.cpus:
            raw = kd.read_zpcpu(c, 8, cpu)
            assert struct.unpack("<Q", raw)[0] == t.slots[i][cpu]
            assert _kvm.kvm_read_zpcpu(kd, c, 8, cpu) == raw
        assert kd.counter_u64_fetch(c) == t.sums[i]
        assert _kvm.kvm_counter_u64_fetch(kd, c) == t.sums[i]
    rule = kd.zpcpu_stride()
    expected = {
        "amd64": ("pc_zpcpu_offset", 0),
        "arm64": ("pc_zpcpu_offset", 0),
        "amd64-12": ("PAGE_SIZE", PAGE),
        "freebsd11": ("sizeof(struct pcpu)", 1152),
    }[shape]
    assert rule == expected


@pytest.mark.parametrize("shape", ["arm64", "freebsd11"])
def test_difference_4_libkvms_formula_is_wrong_there(shape):
    """libkvm: base + sizeof(struct pcpu) * cpu (amd64 builds add __pcpu)."""
    k, layout, t = build_kernel(shape)
    c = t.counters[0]
    stride = layout["pcpu_size"]
    libkvm = sum(struct.unpack("<Q", k.read(c + stride * cpu, 8) or bytes(8))[0] for cpu in range(t.ncpus))
    if shape == "freebsd11":
        assert libkvm == t.sums[0]  # 11 is where libkvm's stride came from
    else:
        assert libkvm != t.sums[0]
    assert open_handle(k, layout).counter_u64_fetch(c) == t.sums[0]


def test_zpcpu_stride_override():
    k, layout, t = build_kernel("amd64-12")
    kd = open_handle(k, layout, zpcpu_stride=PAGE)
    assert kd.zpcpu_stride() == ("zpcpu-stride setting", PAGE)
    assert kd.counter_u64_fetch(t.counters[1]) == t.sums[1]


def test_zpcpu_stride_unknown_is_an_error_not_a_guess():
    k, layout, t = build_kernel("freebsd11")
    del k.symbols["osreldate"]
    kd = open_handle(k, layout)
    with pytest.raises(KvmError, match="cannot tell the zpcpu stride.*zpcpu-stride"):
        kd.counter_u64_fetch(t.counters[0])


def test_difference_3_sparse_cpus_iterated_as_cpu_foreach():
    # mp_maxid 7, CPUs 2 and 5 absent, mp_ncpus 5 (one more CPU disabled).
    k, layout, t = build_kernel("amd64", maxid=7, absent=(2, 5), ncpus=5)
    kd = open_handle(k, layout)
    assert kd.cpus() == [0, 1, 3, 4, 6, 7]
    assert kd.getncpus() == 5
    # libkvm's loop: 0 .. mp_ncpus-1, absent CPU 2 included, 6 and 7 missed.
    region = k.symbols["__pcpu"]
    libkvm = sum(
        struct.unpack("<Q", k.read(region + t.counters[0] + 4096 * cpu, 8))[0] for cpu in range(5)
    ) % 2**64
    assert libkvm != t.sums[0]
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]
    assert kd.counter_u64_slots(t.counters[0]) == sorted(t.slots[0].items())
    assert kd.getpcpu(2) is None and kd.getpcpu(6) is not None


def test_present_cpus_without_all_cpus_fall_back_to_cpuid_to_pcpu():
    k, layout, t = build_kernel("amd64", maxid=7, absent=(2, 5), all_cpus=False)
    assert open_handle(k, layout).cpus() == [0, 1, 3, 4, 6, 7]


def test_uniprocessor():
    k, layout, t = build_kernel("amd64", maxid=0)
    kd = open_handle(k, layout)
    assert kd.cpus() == [0] and kd.getncpus() == 1
    assert kd.counter_u64_fetch(t.counters[2]) == t.sums[2]


def test_counter_sum_wraps_like_the_kernels_uint64(amd64):
    k, kd, t = amd64
    c = t.counters[0]
    for cpu in t.cpus:
        k.write_u64(kd.zpcpu_addr(c, cpu), 2**63 + cpu)
    assert kd.counter_u64_fetch(c) == (4 * 2**63 + 6) % 2**64 == 6


def test_difference_5_failed_read_in_a_sum_is_visible(amd64):
    k, kd, t = amd64
    c = t.counters[0]
    bad = kd.zpcpu_addr(c, 3)
    k.unreadable.add(bad)
    assert _kvm.kvm_counter_u64_fetch(kd, c) == 0  # libkvm's answer...
    assert f"{bad:#x}" in _kvm.kvm_geterr(kd)  # ...but kvm_geterr says why
    with pytest.raises(KvmError, match=f"counter slot of CPU 3.*{bad:#x}") as e:
        kd.counter_u64_fetch(c)
    assert e.value.address == bad


def test_counter_read_failures_read_once_and_name_cpu_and_address(amd64):
    # The sums name what they read only when a read fails (the message is
    # not formatted per slot): the failing read is made once, and the
    # message is the same as ever.
    k, kd, t = amd64
    kd.counter_u64_fetch(t.counters[0])  # load the per-CPU offsets
    bad = kd.zpcpu_addr(t.counters[0], 2)
    k.unreadable.add(bad)
    k.reads.clear()
    with pytest.raises(KvmError) as e:
        kd.counter_u64_fetch(t.counters[0])
    assert str(e.value) == "cannot read counter slot of CPU 2 (8 bytes at %#x)" % bad
    assert k.reads == [(kd.zpcpu_addr(t.counters[0], c), 8) for c in (0, 1, 2)]
    k.reads.clear()
    with pytest.raises(KvmError) as e:
        kd.counter_u64_fetch_array(t.counters)
    size = 8 * len(t.counters)
    assert str(e.value) == "cannot read counter slots of CPU 2 (%d bytes at %#x)" % (size, bad)
    assert e.value.address == bad
    assert len(k.reads) == 3


def test_big_endian_target_decodes_tables_and_slots():
    # A big-endian kernel (powerpc64): every integer the core reads, 4 and
    # 8 bytes wide, is decoded in the target's byte order.
    mem = {}
    syms = {"mp_maxcpus": 0x1000, "mp_ncpus": 0x1010, "mp_maxid": 0x1020,
            "cpuid_to_pcpu": 0x2000, "all_cpus": 0x3000}
    ncpus, pcpu0, zoff = 3, 0x10000, 0x40
    mem[0x1000] = struct.pack(">i", 4)
    mem[0x1010] = struct.pack(">i", ncpus)
    mem[0x1020] = struct.pack(">i", ncpus - 1)
    mem[0x2000] = b"".join(struct.pack(">Q", pcpu0 + PAGE * c if c < ncpus else 0)
                           for c in range(4))
    mem[0x3000] = struct.pack(">Q", (1 << ncpus) - 1)
    slots = {}
    for c in range(ncpus):
        mem[pcpu0 + PAGE * c + zoff] = struct.pack(">Q", PAGE * c)
        for i in range(2):
            value = (i + 1) * 0x0102030405060708 + c
            slots[(i, c)] = value
            mem[0x100000 + 8 * i + PAGE * c] = struct.pack(">Q", value)

    def read(addr, size):
        data = mem.get(addr)
        if data is not None and len(data) >= size:
            return data[:size]
        # A run of counter slots: 8-byte pieces.
        out = b""
        for a in range(addr, addr + size, 8):
            out += mem.get(a, b"")[:8]
        return out if len(out) == size else None

    kd = _kvm.Kvm(syms.get, read, pcpu_size=PAGE,
                  pcpu_fields={"pc_zpcpu_offset": zoff}, byteorder="big")
    assert kd.getmaxcpu() == 4 and kd.cpus() == [0, 1, 2]
    assert kd.pcpu_addr(2) == pcpu0 + 2 * PAGE
    sums = [sum(slots[(i, c)] for c in range(ncpus)) % 2**64 for i in range(2)]
    assert kd.counter_u64_fetch(0x100000) == sums[0]
    assert kd.counter_u64_slots(0x100008) == [(c, slots[(1, c)]) for c in range(ncpus)]
    assert kd.counter_u64_fetch_array([0x100000, 0x100008]) == sums


def test_counter_fetch_array_matches_single_sums_and_coalesces_pages(amd64):
    k, kd, t = amd64
    kd.counter_u64_fetch(t.counters[0])  # load the per-CPU offsets
    k.reads.clear()
    assert kd.counter_u64_fetch_array(t.counters) == t.sums
    # All counters' slots on one CPU share a page: one read per CPU.
    assert len(k.reads) == len(t.cpus)
    assert kd.counter_u64_fetch_array([]) == []


def test_counter_fetch_array_reversed_order(amd64):
    k, kd, t = amd64
    assert kd.counter_u64_fetch_array(t.counters[::-1]) == t.sums[::-1]


# -- caches -----------------------------------------------------------------------


def test_cached_tables_are_not_read_again(amd64):
    k, kd, t = amd64
    kd.counter_u64_fetch(t.counters[0])
    k.reads.clear()
    kd.counter_u64_fetch(t.counters[0])
    assert len(k.reads) == len(t.cpus)  # only the slots
    kd.clear_cache()
    k.reads.clear()
    kd.counter_u64_fetch(t.counters[0])
    assert len(k.reads) > len(t.cpus)


def test_difference_1_caches_belong_to_the_handle():
    k1, l1, t1 = build_kernel("amd64", maxid=3, maxcpus=256)
    k2, l2, t2 = build_kernel("arm64", maxid=1, maxcpus=1024)
    kd1, kd2 = open_handle(k1, l1), open_handle(k2, l2)
    assert (kd1.getmaxcpu(), kd2.getmaxcpu()) == (256, 1024)  # libkvm: 256 twice
    assert (kd1.cpus(), kd2.cpus()) == ([0, 1, 2, 3], [0, 1])
    # A NULL handle still clears every handle's cache, as in libkvm.
    k1.write_u32(k1.symbols["mp_ncpus"], 3)
    k2.write_u32(k2.symbols["mp_ncpus"], 1)
    assert (kd1.getncpus(), kd2.getncpus()) == (4, 2)  # cached
    assert _kvm.kvm_getmaxcpu(None) == 0
    assert (kd1.getncpus(), kd2.getncpus()) == (3, 1)
    assert _kvm.kvm_getpcpu(None, 0) is None


@pytest.mark.parametrize("value", [0, -5, 2**31 - 1, 100000])
def test_difference_6_corrupt_mp_maxcpus_is_an_error(value):
    k, layout, t = build_kernel("amd64")
    k.write_u32(k.symbols["mp_maxcpus"], value)
    kd = open_handle(k, layout)
    with pytest.raises(KvmError, match=f"^mp_maxcpus is {value}: not a CPU count"):
        kd.cpus()
    assert _kvm.kvm_getmaxcpu(kd) == -1


def test_difference_6_corrupt_mp_maxid_is_an_error():
    k, layout, t = build_kernel("amd64")
    k.write_u32(k.symbols["mp_maxid"], 256)
    with pytest.raises(KvmError, match="^mp_maxid is 256, beyond mp_maxcpus 256"):
        open_handle(k, layout).cpus()


# -- the binding ------------------------------------------------------------------


def test_callback_exceptions_travel_unchanged(amd64):
    k, layout, t = build_kernel("amd64")

    class Boom(Exception):
        pass

    def read(addr, size):
        raise Boom(f"at {addr:#x}")

    kd = _kvm.Kvm(k.lookup, read, **layout)
    with pytest.raises(Boom):
        kd.cpus()
    kd = _kvm.Kvm(k.lookup, lambda a, s: b"x", **layout)
    with pytest.raises(ValueError, match=r"returned 1 bytes"):
        kd.cpus()


def test_keyboard_interrupt_stops_a_loop():
    k, layout, t = build_kernel("amd64", maxid=63, maxcpus=64)
    kd = open_handle(k, layout)
    kd.cpus()
    calls = []

    def read(addr, size):
        calls.append(addr)
        if len(calls) == 3:
            _thread.interrupt_main()  # as Ctrl-C does
        return k.read(addr, size)

    kd = _kvm.Kvm(k.lookup, read, **layout)
    with pytest.raises(KeyboardInterrupt):
        kd.counter_u64_fetch(t.counters[0])
    assert len(calls) < 10


def test_bad_arguments_raise_python_errors(amd64):
    k, kd, t = amd64
    with pytest.raises(ValueError):
        kd.dpcpu_addr(-1, 0)
    with pytest.raises(TypeError):
        kd.getpcpu("2")
    with pytest.raises(TypeError):
        _kvm.kvm_getmaxcpu(42)
    with pytest.raises(TypeError):
        _kvm.Kvm(1, 2, pcpu_size=4096, pcpu_fields={})
    with pytest.raises(KvmError, match="pointer size 3"):
        _kvm.Kvm(k.lookup, k.read, pcpu_size=4096, pcpu_fields={}, pointer_size=3)


# -- VNET arithmetic ------------------------------------------------------------


def test_vnet_addr_kernel_and_module_variables(amd64):
    k, kd, t = amd64
    start = k.define("__start_set_vnet", 256)
    k.symbols["__stop_set_vnet"] = start + 256
    kd.clear_cache()
    assert kd.vnet_bounds() == (start, start + 256)
    base = 0x100000
    assert kd.vnet_addr(start + 16, base) == start + 16 + base
    image = 0x7F0000002000
    kd.vnet_set_modules([(image, image + 64, start + 128)])
    assert kd.vnet_addr(image + 8, base) == start + 128 + 8 + base
    with pytest.raises(KvmError, match=f"^{start + 256:#x} is not a VNET variable"):
        kd.vnet_addr(start + 256, base)
    with pytest.raises(KvmError, match="vnet_data_base is 0"):
        kd.vnet_addr(start, 0)
    with pytest.raises(TypeError, match="item 0 is not"):
        kd.vnet_set_modules([(1, 2)])


def test_vnet_without_vimage_kernel(amd64):
    k, kd, t = amd64
    with pytest.raises(KvmError, match="^unable to find __start_set_vnet$"):
        kd.vnet_bounds()


def test_read_faults_turn_exceptions_into_unreadable_memory():
    k, layout, t = build_kernel("amd64")

    class Unreadable(Exception):
        pass

    def read(addr, size):
        data = k.read(addr, size)
        if data is None:
            raise Unreadable(hex(addr))
        return memoryview(data)  # any buffer will do, as read_memory's memoryview

    kd = _kvm.Kvm(k.lookup, read, read_faults=Unreadable, **layout)
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]
    with pytest.raises(KvmError, match="cannot read counter slot of CPU 0") as e:
        kd.counter_u64_fetch(0x100000000000)
    assert e.value.address is not None
    kd = _kvm.Kvm(k.lookup, read, **layout)  # without read_faults it travels out
    with pytest.raises(Unreadable):
        kd.counter_u64_fetch(0x100000000000)


# -- gathered reads ----------------------------------------------------------------


def test_read_window_merges_per_cpu_reads():
    k, layout, t = build_kernel("amd64", maxid=63, maxcpus=64)
    kd = open_handle(k, layout, read_window=64 * 1024)
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]  # loads the offsets too
    k.reads.clear()
    assert kd.counter_u64_fetch(t.counters[1]) == t.sums[1]
    # 64 slots 4 KiB apart: 4 reads of at most 64 KiB instead of 64.
    assert len(k.reads) == 4 and max(size for _, size in k.reads) <= 64 * 1024
    assert kd.counter_u64_slots(t.counters[2]) == sorted(t.slots[2].items())


def test_read_window_steps_around_holes():
    # sparse CPUs on arm64: separate allocations with unmapped gaps between.
    k, layout, t = build_kernel("arm64", maxid=7, absent=(2, 5))
    kd = open_handle(k, layout, read_window=1 << 20)
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]
    assert kd.cpus() == [0, 1, 3, 4, 6, 7]
    bad = kd.zpcpu_addr(t.counters[3], 4)
    k.unreadable.add(bad)
    with pytest.raises(KvmError, match=f"^cannot read counter slot of CPU 4 \\(8 bytes at {bad:#x}\\)$"):
        kd.counter_u64_fetch(t.counters[3])


def test_read_window_zero_reads_each_value_alone(amd64):
    k, kd, t = amd64
    kd.counter_u64_fetch(t.counters[0])
    k.reads.clear()
    kd.counter_u64_fetch(t.counters[1])
    assert k.reads == [(kd.zpcpu_addr(t.counters[1], cpu), 8) for cpu in t.cpus]


def test_read_uints_in_order_with_holes_marked():
    k, layout, t = build_kernel("arm64", maxid=7, absent=(2, 5))
    kd = open_handle(k, layout, read_window=1 << 20)
    # Counter slots: one chunk, one page per CPU: merged into one read.
    slots = [kd.zpcpu_addr(t.counters[0], cpu) for cpu in reversed(t.cpus)]
    kd.cpus()
    k.reads.clear()
    assert kd.read_uints(slots + [0x10], 8) == [t.slots[0][cpu] for cpu in reversed(t.cpus)] + [None]
    assert len(k.reads) == 2
    # DPCPU areas: separate allocations with holes between: read one by one.
    sym = k.symbols["pcpu_entry_dpcpu_int"]
    addrs = [kd.dpcpu_addr(sym, cpu) for cpu in t.cpus]
    assert kd.read_uints(addrs, 4) == [t.dpcpu_int[cpu] for cpu in t.cpus]
    with pytest.raises(KvmError, match="1 to 8 bytes"):
        kd.read_uints(addrs, 16)
    assert open_handle(k, layout).read_uints(addrs[:2], 4) == [t.dpcpu_int[0], t.dpcpu_int[1]]


def test_a_callback_cannot_free_the_caches_under_the_core():
    k, layout, t = build_kernel("amd64")
    holder = {}

    def read(addr, size):
        holder["kd"].clear_cache()
        return k.read(addr, size)

    holder["kd"] = kd = _kvm.Kvm(k.lookup, read, **layout)
    with pytest.raises(RuntimeError, match="clear_cache: not from inside a target's lookup or read"):
        kd.counter_u64_fetch(t.counters[0])

    def read2(addr, size):
        _kvm.kvm_getmaxcpu(None)
        return k.read(addr, size)

    kd = _kvm.Kvm(k.lookup, read2, **layout)
    with pytest.raises(RuntimeError, match="kvm_getmaxcpu: not from inside"):
        kd.cpus()
    kd = open_handle(k, layout)
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]  # nothing left busy
    kd.clear_cache()


# -- typed errors --------------------------------------------------------------


def test_every_error_class_is_a_kvmerror_with_an_address():
    names = ["CpuAbsentError", "CpuRangeError", "FaultError", "NotPerCpuError", "SymbolError",
             "CorruptError", "NullCounterError", "InvalidError"]
    for name in names:
        cls = getattr(_kvm, name)
        assert issubclass(cls, KvmError) and cls is not KvmError
        assert cls.__module__ == "kgdb_pcpu._kvm"
        assert cls("x").address is None
    assert KvmError("raised by Python").address is None
    assert len({getattr(_kvm, n) for n in names}) == len(names)


def test_error_classes_and_exact_messages(amd64):
    k, kd, t = amd64
    with pytest.raises(_kvm.CpuAbsentError) as e:
        kd.dpcpu_off(7)
    assert str(e.value) == "CPU 7 not found" and e.value.address is None
    with pytest.raises(_kvm.CpuRangeError) as e:
        kd.zpcpu_addr(t.counters[0], 300)
    assert str(e.value) == "CPU 300 too big (mp_maxcpus is 256)"
    addr = k.symbols["mp_ncpus"]
    with pytest.raises(_kvm.NotPerCpuError) as e:
        kd.dpcpu_addr(addr, 0)
    assert str(e.value) == "%#x is not a DPCPU variable (outside set_pcpu %#x-%#x and every module's)" % (
        addr, k.symbols["__start_set_pcpu"], k.symbols["__stop_set_pcpu"])
    assert e.value.address == addr
    with pytest.raises(_kvm.SymbolError) as e:
        kd.vnet_bounds()
    assert str(e.value) == "unable to find __start_set_vnet" and e.value.address is None
    bad = kd.zpcpu_addr(t.counters[0], 1)
    k.unreadable.add(bad)
    with pytest.raises(_kvm.FaultError) as e:
        kd.read_zpcpu(t.counters[0], 8, 1)
    assert str(e.value) == "cannot read zpcpu slot of CPU 1 (8 bytes at %#x)" % bad
    assert e.value.address == bad
    with pytest.raises(_kvm.InvalidError) as e:
        _kvm.Kvm(k.lookup, k.read, pcpu_size=4096, pcpu_fields={}, pointer_size=3)
    assert str(e.value) == "pointer size 3 is not 4 or 8"
    k.write_u32(k.symbols["mp_maxcpus"], 0)
    kd.clear_cache()
    with pytest.raises(_kvm.CorruptError) as e:
        kd.cpus()
    assert str(e.value) == "mp_maxcpus is 0: not a CPU count (corrupt dump?)"


class Boom(Exception):
    pass


def _raising(fn, when):
    """fn, but raising Boom when when(args) is true; calls after it are counted."""
    state = {"raised": False, "after": 0}

    def wrapper(*args):
        if state["raised"]:
            state["after"] += 1
        elif when(*args):
            state["raised"] = True
            raise Boom(repr(args))
        return fn(*args)

    return wrapper, state


@pytest.mark.parametrize("shape", ["freebsd11", "amd64-12"])
def test_a_lookup_exception_in_the_stride_fallback_comes_out_unchanged(shape):
    # No pc_zpcpu_offset: the stride comes from osreldate; that lookup's
    # exception used to be dropped (SystemError: "returned a result with an
    # exception set" where sizeof(struct pcpu) == PAGE_SIZE).
    k, layout, t = build_kernel(shape)
    for call in (lambda kd: kd.counter_u64_fetch(t.counters[0]),
                 lambda kd: kd.zpcpu_stride(),
                 lambda kd: _kvm.kvm_counter_u64_fetch(kd, t.counters[0]),
                 lambda kd: _kvm.kvm_read_zpcpu(kd, t.counters[0], 8, 1)):
        lookup, state = _raising(k.lookup, lambda name: name == "osreldate")
        with pytest.raises(Boom, match="osreldate"):
            call(_kvm.Kvm(lookup, k.read, **layout))
        assert state["after"] == 0


@pytest.mark.parametrize("exc", [Boom("custom"), KeyboardInterrupt()])
def test_a_read_exception_comes_out_unchanged_and_stops_the_core(exc):
    k, layout, t = build_kernel("amd64", maxid=15, maxcpus=16)
    kd = open_handle(k, layout)
    slot = kd.zpcpu_addr(t.counters[0], 9)
    state = {"after": 0, "raised": False}

    def read(addr, size):
        if state["raised"]:
            state["after"] += 1
        elif addr == slot:
            state["raised"] = True
            raise exc
        return k.read(addr, size)

    for call in (lambda kd: kd.counter_u64_fetch(t.counters[0]),
                 lambda kd: kd.counter_u64_fetch_array(t.counters),
                 lambda kd: kd.counter_u64_slots(t.counters[0]),
                 lambda kd: kd.read_uints([slot - 8, slot, slot + 8], 8)):
        kd = _kvm.Kvm(k.lookup, read, **layout)
        state["raised"] = False
        with pytest.raises(type(exc)) as e:
            call(kd)
        assert e.value is exc
        assert state["after"] == 0


def test_a_keyboardinterrupt_raised_in_lookup_comes_out():
    k, layout, t = build_kernel("freebsd11")

    def lookup(name):
        if name == "osreldate":
            raise KeyboardInterrupt
        return k.lookup(name)

    kd = _kvm.Kvm(lookup, k.read, **layout)
    with pytest.raises(KeyboardInterrupt):
        kd.zpcpu_stride()


# -- a NULL counter ------------------------------------------------------------


NULL_COUNTER = "^counter is NULL \\(not allocated\\)$"


@pytest.mark.parametrize("shape", ["amd64", "amd64-12", "arm64", "freebsd11"])
def test_a_null_counter_is_an_error_in_every_path(shape):
    # On amd64 13+ a 0 would read each CPU's struct pcpu as its slot: a
    # believable sum of pc_curthread pointers.  No read is even made.
    k, layout, t = build_kernel(shape)
    kd = open_handle(k, layout)
    kd.cpus()
    k.reads.clear()
    for call in (lambda: kd.counter_u64_fetch(0),
                 lambda: kd.counter_u64_slots(0),
                 lambda: kd.counter_u64_fetch_array([t.counters[0], 0, t.counters[1]]),
                 lambda: kd.read_zpcpu(0, 8, 1),
                 lambda: kd.zpcpu_addr(0, 1)):
        with pytest.raises(_kvm.NullCounterError, match=NULL_COUNTER) as e:
            call()
        assert e.value.address is None
    assert k.reads == []
    assert _kvm.kvm_counter_u64_fetch(kd, 0) == 0
    assert _kvm.kvm_geterr(kd) == "counter is NULL (not allocated)"
    assert _kvm.kvm_read_zpcpu(kd, 0, 8, 0) == -1
    assert _kvm.kvm_geterr(kd) == "counter is NULL (not allocated)"
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]


# -- the value APIs ------------------------------------------------------------


def test_pointer_size_and_byteorder_are_the_targets(amd64):
    k, kd, t = amd64
    assert (kd.pointer_size, kd.byteorder) == (8, "little")
    kd = _kvm.Kvm(k.lookup, k.read, pcpu_size=4096, pcpu_fields={}, pointer_size=4, byteorder="big")
    assert (kd.pointer_size, kd.byteorder) == (4, "big")
    with pytest.raises(AttributeError):
        kd.pointer_size = 8


def test_maxcpus_overrides_a_garbage_mp_maxcpus():
    k, layout, t = build_kernel("amd64")
    k.write_u32(k.symbols["mp_maxcpus"], 0x7FFFFFFF)
    with pytest.raises(_kvm.CorruptError, match="^mp_maxcpus is 2147483647: not a CPU count"):
        open_handle(k, layout).cpus()
    kd = open_handle(k, layout, maxcpus=256)
    assert kd.getmaxcpu() == 256 and kd.cpus() == t.cpus
    assert kd.counter_u64_fetch(t.counters[0]) == t.sums[0]
    with pytest.raises(_kvm.InvalidError, match="^maxcpus 70000 is not in 0..65536$"):
        open_handle(k, layout, maxcpus=70000)


PC_NAME, PC_SIGNED = 0x40, 0xB0


def _pcpu_names(k, t):
    for cpu, pc in t.pcpu_addr.items():
        k.write(pc + PC_NAME, b"cpu%d\0junk" % cpu)
        k.write(pc + PC_SIGNED, struct.pack("<h", -100 - cpu))


def test_read_fields_decodes_each_records_fields():
    k, layout, t = build_kernel("amd64", maxid=5, absent=(3,))
    _pcpu_names(k, t)
    kd = open_handle(k, layout)
    kd.cpus()
    addrs = [t.pcpu_addr[c] for c in t.cpus] + [0, 0x10]
    fields = [(PC_CPUID, 4, "u"), (PC_NAME, 16, "s"), (PC_SIGNED, 2, "i"), (PC_SIGNED, 2, "u")]
    k.reads.clear()
    rows = kd.read_fields(addrs, fields)
    assert rows[:-2] == [(c, "cpu%d" % c, -100 - c, (-100 - c) & 0xFFFF) for c in t.cpus]
    assert rows[-2:] == [None, None]
    # One read per address span (from the first field to the end of the
    # last), none for address 0.
    span = PC_SIGNED + 2 - PC_CPUID
    assert k.reads == [(a + PC_CPUID, span) for a in sorted(addrs[:-2] + [0x10])]
    assert kd.read_fields([], fields) == []
    assert kd.read_fields(addrs[:1], []) == [()]


def test_read_fields_strings_and_big_endian():
    mem = {0x1000: b"\x12\x34\xff\xfe" + "héllo".encode() + b"\xff\0"}
    kd = _kvm.Kvm(lambda name: None, lambda a, s: mem[0x1000][a - 0x1000:a - 0x1000 + s],
                  pcpu_size=4096, pcpu_fields={}, byteorder="big")
    assert kd.read_fields([0x1000], [(0, 2, "u"), (2, 2, "i"), (4, 8, "s")]) == [
        (0x1234, -2, "héllo\ufffd")]


def test_read_fields_bad_fields():
    k, layout, t = build_kernel("amd64")
    kd = open_handle(k, layout)
    for bad in ([(0, 4, "x")], [(0, 4)], [(0, 4, "uu")], [5]):
        with pytest.raises(ValueError, match=r"fields: item 0 is not \(offset, size, kind\)"):
            kd.read_fields([t.pcpu_addr[0]], bad)
    with pytest.raises(_kvm.InvalidError, match="^field 1: 9 bytes: an integer is 1 to 8 bytes"):
        kd.read_fields([t.pcpu_addr[0]], [(0, 4, "u"), (8, 9, "i")])
    with pytest.raises(_kvm.InvalidError, match="^the fields span 2097152 bytes, more than 1048576$"):
        kd.read_fields([t.pcpu_addr[0]], [(0, 4, "u"), (1 << 20, 1 << 20, "s")])


def test_read_pointers(amd64):
    k, kd, t = amd64
    c2p = k.symbols["cpuid_to_pcpu"]
    k.reads.clear()
    assert kd.read_pointers(c2p, 6) == [t.pcpu_addr.get(c, 0) for c in range(6)]
    assert k.reads == [(c2p, 48)]
    assert kd.read_pointers(c2p, 0) == []
    with pytest.raises(_kvm.FaultError) as e:
        kd.read_pointers(c2p, 257)
    assert str(e.value) == "cannot read pointer array (2056 bytes at %#x)" % c2p
    assert e.value.address == c2p
    kd = _kvm.Kvm(k.lookup, k.read, pcpu_size=4096, pcpu_fields={}, pointer_size=4)
    lo = [v & 0xFFFFFFFF for c in range(2) for v in (t.pcpu_addr[c], t.pcpu_addr[c] >> 32)]
    assert kd.read_pointers(c2p, 4) == lo


def _chain(k, addrs, next_offset):
    for a, b in zip(addrs, addrs[1:] + [0]):
        k.write_u64(a + next_offset, b)


def test_walk_list(amd64):
    k, kd, t = amd64
    base = k.alloc(4096)
    elems = [base + 64 * i for i in (3, 0, 7, 5)]
    _chain(k, elems, 8)
    assert kd.walk_list(elems[0], 8) == elems
    assert kd.walk_list(0, 8) == []
    with pytest.raises(_kvm.CorruptError) as e:
        kd.walk_list(elems[0], 8, limit=3)
    assert str(e.value) == "the list at %#x has more than 3 elements (corrupt dump?)" % elems[0]
    assert e.value.address == elems[0]
    k.write_u64(elems[3] + 8, elems[1])  # the last links back to the second
    with pytest.raises(_kvm.CorruptError) as e:
        kd.walk_list(elems[0], 8)
    assert str(e.value) == ("the list at %#x loops: element %#x links back to %#x (corrupt dump?)"
                            % (elems[0], elems[3], elems[1]))
    assert e.value.address == elems[1]
    k.write_u64(elems[3] + 8, 0x20)
    with pytest.raises(_kvm.FaultError) as e:
        kd.walk_list(elems[0], 8)
    assert str(e.value) == "cannot read the link of list element 0x20 (8 bytes at 0x28)"
    assert e.value.address == 0x28


def test_walk_list_honours_ctrl_c():
    k, layout, t = build_kernel("amd64")
    base = k.alloc(8 * 4096)
    elems = [base + 16 * i for i in range(2048)]
    _chain(k, elems, 0)
    calls = []

    def read(addr, size):
        calls.append(addr)
        if len(calls) == 100:
            _thread.interrupt_main()
        return k.read(addr, size)

    kd = _kvm.Kvm(k.lookup, read, **layout)
    with pytest.raises(KeyboardInterrupt):
        kd.walk_list(elems[0], 0)
    assert len(calls) < 110


def test_dpcpu_fields_and_read_of_many_cpus():
    k, layout, t = build_kernel("arm64", maxid=5, absent=(2,))
    kd = open_handle(k, layout, read_window=1 << 20)
    sym = k.symbols["pcpu_entry_dpcpu_int"]
    cpus = [5, 0, 3]
    assert kd.dpcpu_fields(sym, cpus, [(0, 4, "u"), (0, 2, "i")]) == [
        (t.dpcpu_int[c], t.dpcpu_int[c]) for c in cpus]
    assert kd.dpcpu_read(sym, 4, cpus) == [struct.pack("<I", t.dpcpu_int[c]) for c in cpus]
    k.unreadable.add(kd.dpcpu_addr(sym, 3))
    assert kd.dpcpu_read(sym, 4, cpus)[2] is None
    assert kd.dpcpu_fields(sym, cpus, [(0, 4, "u")])[2] is None
    assert kd.dpcpu_read(sym, 0, [0]) == [b""]
    with pytest.raises(_kvm.CpuAbsentError, match="^CPU 2 not found$"):
        kd.dpcpu_read(sym, 4, [0, 2])
    with pytest.raises(_kvm.CpuRangeError, match=r"^CPU 256 too big \(mp_maxcpus is 256\)$"):
        kd.dpcpu_fields(sym, [256], [(0, 4, "u")])
    with pytest.raises(_kvm.NotPerCpuError) as e:
        kd.dpcpu_read(k.symbols["mp_ncpus"], 4, [0])
    assert e.value.address == k.symbols["mp_ncpus"]


def test_templates_after_module_relocation(amd64):
    k, kd, t = amd64
    start, stop = kd.dpcpu_bounds()
    image = 0x7F0000001000
    kd.dpcpu_set_modules([(image, image + 32, start + 64)])
    assert kd.dpcpu_template(start + 8) == start + 8
    assert kd.dpcpu_template(image + 8) == start + 72
    with pytest.raises(_kvm.NotPerCpuError, match="^%#x is not a DPCPU variable" % (image + 32)):
        kd.dpcpu_template(image + 32)
    vstart = k.define("__start_set_vnet", 256)
    k.symbols["__stop_set_vnet"] = vstart + 256
    kd.clear_cache()
    kd.vnet_set_modules([(image, image + 32, vstart + 128)])
    assert kd.vnet_template(vstart + 16) == vstart + 16
    assert kd.vnet_template(image + 16) == vstart + 144
    with pytest.raises(_kvm.NotPerCpuError, match="^%#x is not a VNET variable" % start):
        kd.vnet_template(start)


def test_counter_slots_of_chosen_cpus():
    k, layout, t = build_kernel("amd64", maxid=7, absent=(2, 5))
    kd = open_handle(k, layout)
    c = t.counters[1]
    assert kd.counter_u64_slots(c) == sorted(t.slots[1].items())
    assert kd.counter_u64_slots(c, cpus=None) == sorted(t.slots[1].items())
    assert kd.counter_u64_slots(c, [7, 0, 7]) == [(7, t.slots[1][7]), (0, t.slots[1][0]), (7, t.slots[1][7])]
    assert kd.counter_u64_slots(c, []) == []
    with pytest.raises(_kvm.CpuAbsentError, match="^CPU 5 not found$"):
        kd.counter_u64_slots(c, [0, 5])
    with pytest.raises(_kvm.CpuRangeError):
        kd.counter_u64_slots(c, [256])


def test_counter_fetch_partial_leaves_out_unreadable_slots():
    k, layout, t = build_kernel("amd64", maxid=7, absent=(2,))
    kd = open_handle(k, layout)
    assert kd.counter_u64_fetch_partial(t.counters) == (t.sums, [])
    bad6 = kd.zpcpu_addr(t.counters[3], 6)
    bad1 = kd.zpcpu_addr(t.counters[0], 1)
    k.unreadable.update({bad6, bad1})
    sums = list(t.sums)
    sums[3] -= t.slots[3][6]
    sums[0] -= t.slots[0][1]
    assert kd.counter_u64_fetch_partial(t.counters) == (sums, [1, 6])
    assert kd.counter_u64_fetch_partial([]) == ([], [])
    with pytest.raises(_kvm.FaultError):
        kd.counter_u64_fetch_array(t.counters)
    with pytest.raises(_kvm.NullCounterError, match=NULL_COUNTER):
        kd.counter_u64_fetch_partial([t.counters[0], 0])


def test_the_generic_handle_reads_no_elf():
    k, layout, t = build_kernel("amd64")
    kd = open_handle(k, layout)
    for name in ("lookup", "symbol_size", "read", "struct_members", "variable_type"):
        assert not hasattr(kd, name)
        assert hasattr(_kvm.ElfKvm, name)
    assert issubclass(_kvm.ElfKvm, _kvm.Kvm)
    with pytest.raises(TypeError):
        _kvm.Kvm.__init__(_kvm.ElfKvm.__new__(_kvm.ElfKvm), k.lookup, k.read, **layout)
