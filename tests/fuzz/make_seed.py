"""Write a well-formed input for tests/fuzz/fuzz_kvm.c: a small 2-CPU kernel.

Usage: make_seed.py DIR.  libFuzzer mutates from it, so that the fuzzing
starts past the first sanity checks and reaches the per-CPU arithmetic.
"""

import os
import struct
import sys

SYMBOLS = ["mp_maxcpus", "mp_ncpus", "mp_maxid", "cpuid_to_pcpu", "all_cpus",
           "dpcpu_off", "__start_set_pcpu", "__stop_set_pcpu", "osreldate",
           "__start_set_vnet", "__stop_set_vnet"]
BASE = 0x1000
OFFSETS = {"mp_maxcpus": 0x0, "mp_ncpus": 0x4, "mp_maxid": 0x8, "osreldate": 0xC,
           "all_cpus": 0x10, "cpuid_to_pcpu": 0x20, "dpcpu_off": 0x40,
           "__start_set_pcpu": 0x60, "__stop_set_pcpu": 0x80,
           "__start_set_vnet": 0xA0, "__stop_set_vnet": 0xC0}
PCPU_SIZE, PC_ZPCPU_OFFSET = 0x100, 0x20


def image():
    mem = bytearray(0x2000)
    struct.pack_into("<iiII", mem, 0, 4, 2, 1, 1400097)
    struct.pack_into("<Q", mem, 0x10, 0b11)
    for cpu in range(2):
        pcpu = 0x100 * (cpu + 1)
        area = 0x300 + 0x100 * cpu
        struct.pack_into("<Q", mem, 0x20 + 8 * cpu, BASE + pcpu)
        struct.pack_into("<Q", mem, 0x40 + 8 * cpu, area - 0x60)
        struct.pack_into("<Q", mem, pcpu + PC_ZPCPU_OFFSET, 0x100 * cpu)
        struct.pack_into("<Q", mem, 0x1000 + 0x100 * cpu, 1000 + cpu)
    header = struct.pack("<BBBBHh", 0, 0, PC_ZPCPU_OFFSET, 0, PCPU_SIZE, 1)
    header += b"".join(struct.pack("<H", OFFSETS[s]) for s in SYMBOLS)
    return header + bytes(mem)


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    with open(os.path.join(sys.argv[1], "seed-2cpu"), "wb") as f:
        f.write(image())
