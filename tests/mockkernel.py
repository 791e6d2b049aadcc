"""An in-memory FreeBSD-shaped kernel image for testing the native core.

MockKernel is the target (lookup + read over segments of bytes, counting the
reads); build_kernel() lays out the per-CPU globals of docs/FREEBSD.md in it
for a given kernel shape, and returns the ground truth it wrote.
"""

import struct
from dataclasses import dataclass, field

from kgdb_pcpu import _kvm

PAGE = 4096


class MockKernel:
    """Memory segments and a symbol table; lookup() and read() are the target."""

    def __init__(self, base=0xFFFFFE0000000000):
        self.segments = []  # [address, bytearray]
        self.symbols = {}
        self.next_addr = base
        self.reads = []  # (address, size) of every read, for read-count tests
        self.unreadable = set()  # addresses that no read may cover

    def alloc(self, size, align=PAGE, gap=PAGE):
        """Map size zero bytes at a fresh aligned address, unmapped gap after it."""
        addr = (self.next_addr + align - 1) & ~(align - 1)
        self.segments.append([addr, bytearray(size)])
        self.next_addr = addr + size + gap
        return addr

    def define(self, name, size, align=8):
        addr = self.alloc(size, align=align, gap=0)
        self.symbols[name] = addr
        return addr

    def _segment(self, addr, size):
        for start, buf in self.segments:
            if start <= addr and addr + size <= start + len(buf):
                return start, buf
        return None, None

    def write(self, addr, data):
        start, buf = self._segment(addr, len(data))
        assert buf is not None, f"mock write outside memory at {addr:#x}"
        buf[addr - start : addr - start + len(data)] = data

    def write_u64(self, addr, value):
        self.write(addr, struct.pack("<Q", value & (2**64 - 1)))

    def write_u32(self, addr, value):
        self.write(addr, struct.pack("<I", value & (2**32 - 1)))

    def lookup(self, name):
        return self.symbols.get(name)

    def read(self, addr, size):
        self.reads.append((addr, size))
        if any(addr <= bad < addr + size for bad in self.unreadable):
            return None
        start, buf = self._segment(addr, size)
        if buf is None:
            return None
        return bytes(buf[addr - start : addr - start + size])


# Offsets inside the mock struct pcpu (any layout works: the core takes them
# from the layout facts, as it takes them from debug info in GDB).
PC_CPUID = 0x34
PC_DYNAMIC = 0x90
PC_ZPCPU_OFFSET = 0xA0


@dataclass
class Truth:
    maxcpus: int
    ncpus: int
    maxid: int
    cpus: list
    pcpu_addr: dict = field(default_factory=dict)
    dpcpu_off: dict = field(default_factory=dict)
    dpcpu_int: dict = field(default_factory=dict)  # cpu -> value of the int at set_pcpu+0
    counters: list = field(default_factory=list)  # stored values c
    slots: list = field(default_factory=list)  # per counter: {cpu: value}
    sums: list = field(default_factory=list)


def build_kernel(
    shape="amd64",
    maxid=3,
    maxcpus=256,
    absent=(),
    ncpus=None,
    counters=8,
    pcpu_size=None,
    all_cpus=True,
):
    """Lay out a kernel of one FreeBSD shape; return (MockKernel, layout, Truth).

    shape: "amd64" (13+: __pcpu pages, pc_zpcpu_offset, counters relative to
    __pcpu), "amd64-12" (no pc_zpcpu_offset, PAGE_SIZE stride), "arm64" (small
    pcpu, separate allocations, pc_zpcpu_offset = PAGE_SIZE * n), "freebsd11"
    (no pc_zpcpu_offset, sizeof(struct pcpu) stride).
    """
    k = MockKernel()
    if pcpu_size is None:
        pcpu_size = {"arm64": 512, "freebsd11": 1152}.get(shape, PAGE)
    has_field = shape in ("amd64", "arm64")
    present = [c for c in range(maxid + 1) if c not in absent]
    if ncpus is None:
        ncpus = len(present)
    truth = Truth(maxcpus=maxcpus, ncpus=ncpus, maxid=maxid, cpus=present)

    k.write_u32(k.define("mp_maxcpus", 4), maxcpus)
    k.write_u32(k.define("mp_ncpus", 4), ncpus)
    k.write_u32(k.define("mp_maxid", 4), maxid)
    k.write_u32(k.define("osreldate", 4), {"amd64-12": 1203000, "freebsd11": 1104000}.get(shape, 1400097))
    c2p = k.define("cpuid_to_pcpu", 8 * maxcpus)
    offs = k.define("dpcpu_off", 8 * maxcpus)
    if all_cpus:
        words = k.define("all_cpus", 8 * ((maxcpus + 63) // 64))
        for cpu in present:
            addr = words + 8 * (cpu // 64)
            (w,) = struct.unpack("<Q", k.read(addr, 8))
            k.write_u64(addr, w | (1 << (cpu % 64)))

    # The DPCPU template: an int at offset 0, then the module space.
    start = k.define("__start_set_pcpu", 2048 + 64)
    k.symbols["__stop_set_pcpu"] = start + 2048 + 64
    k.symbols["pcpu_entry_dpcpu_int"] = start
    k.write_u32(start, 0xFFFFFFFF)  # the template's value: no CPU's

    # struct pcpu: one page per CPU from __pcpu (amd64 13+), an array
    # (amd64 12, 11), or scattered allocations (arm64).
    if shape == "arm64":
        pcpu_of = {cpu: k.alloc(PAGE) for cpu in range(maxid + 1)}
    else:
        region = k.alloc(pcpu_size * (maxid + 1))
        pcpu_of = {cpu: region + pcpu_size * cpu for cpu in range(maxid + 1)}
        k.symbols["__pcpu"] = region
    zoff = {}
    for cpu in range(maxid + 1):
        pc = pcpu_of[cpu]
        k.write_u32(pc + PC_CPUID, cpu)
        if shape == "amd64":
            zoff[cpu] = region + PAGE * cpu  # amd64 zpcpu_offset_cpu()
        elif shape == "arm64":
            zoff[cpu] = PAGE * cpu
        elif shape == "amd64-12":
            zoff[cpu] = PAGE * cpu
        else:
            zoff[cpu] = pcpu_size * cpu
        if has_field:
            k.write_u64(pc + PC_ZPCPU_OFFSET, zoff[cpu])
        if cpu in present:
            k.write_u64(c2p + 8 * cpu, pc)
            area = k.alloc(PAGE)
            off = (area - start) & (2**64 - 1)
            k.write_u64(offs + 8 * cpu, off)
            k.write_u64(pc + PC_DYNAMIC, off)
            k.write_u32(area, 1000 + 17 * cpu)
            truth.pcpu_addr[cpu] = pc
            truth.dpcpu_off[cpu] = off
            truth.dpcpu_int[cpu] = 1000 + 17 * cpu

    # counter(9): one UMA_ZONE_PCPU chunk, one slot page per CPU id (absent
    # ones hold junk), counters packed 8 bytes apart as UMA packs them.
    stride = pcpu_size if shape == "freebsd11" else PAGE
    chunk = k.alloc(stride * (maxid + 1))
    for i in range(counters):
        slot0 = chunk + 8 * i
        stored = slot0 - region if shape == "amd64" else slot0
        truth.counters.append(stored)
        slots = {}
        for cpu in range(maxid + 1):
            value = 0xDEAD0000 + cpu if cpu not in present else (i + 1) * 1000 + 7 * cpu
            k.write_u64(slot0 + stride * cpu, value)
            if cpu in present:
                slots[cpu] = value
        truth.slots.append(slots)
        truth.sums.append(sum(slots.values()) % 2**64)

    layout = dict(pcpu_size=pcpu_size, pcpu_fields={"pc_cpuid": PC_CPUID, "pc_dynamic": PC_DYNAMIC})
    if has_field:
        layout["pcpu_fields"]["pc_zpcpu_offset"] = PC_ZPCPU_OFFSET
    return k, layout, truth


def open_handle(k, layout, **extra):
    return _kvm.Kvm(k.lookup, k.read, **layout, **extra)
