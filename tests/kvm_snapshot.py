"""Every per-CPU function of a handle on every CPU, as one JSON-able dict.

Imported both by pytest (for the ELF target) and inside GDB (for the GDB
target), so that the differential test compares like with like.
"""

import hashlib

from kgdb_pcpu import _kvm


def _try(fn, *args):
    try:
        return fn(*args)
    except _kvm.KvmError as e:
        return "error: %s" % e


def _digest(raw):
    return raw if raw is None or isinstance(raw, (int, str)) else hashlib.sha1(raw).hexdigest()


def snapshot(kd, truth):
    maxid = kd.getmaxid()
    maxcpus = kd.getmaxcpu()
    out = {
        "maxcpu": maxcpus,
        "ncpus": kd.getncpus(),
        "maxid": maxid,
        "cpus": kd.cpus(),
        "zpcpu_stride": list(kd.zpcpu_stride()),
        "dpcpu_bounds": list(kd.dpcpu_bounds()),
        "libkvm": {"getmaxcpu": _kvm.kvm_getmaxcpu(kd), "getncpus": _kvm.kvm_getncpus(kd)},
        "cpu": {},
        "counters": {},
        "counter_arrays": {},
    }
    dpcpu_int = truth["dpcpu"]["dpcpu_int"]["template_addr"]
    # A counter of vm_cnt, or of tcpstat where vm_cnt has none (11.x).
    counter = next(iter([c["value"] for c in truth["counters"].values()] +
                        truth["counter_arrays"]["tcpstat"]["values"]))
    for cpu in list(range(maxid + 1)) + [maxcpus - 1, maxcpus, -1]:
        out["cpu"][str(cpu)] = {
            "pcpu_addr": _try(kd.pcpu_addr, cpu),
            "getpcpu": _digest(_try(kd.getpcpu, cpu)),
            "kvm_getpcpu": _digest(_kvm.kvm_getpcpu(kd, cpu)),
            "dpcpu_off": _try(kd.dpcpu_off, cpu),
            "dpcpu_addr": _try(kd.dpcpu_addr, dpcpu_int, cpu),
            "zpcpu_addr": _try(kd.zpcpu_addr, counter, cpu),
            "read_zpcpu": _digest(_try(kd.read_zpcpu, counter, 8, cpu)),
            "kvm_read_zpcpu": _digest(_kvm.kvm_read_zpcpu(kd, counter, 8, cpu)),
        }
    for name, c in truth["counters"].items():
        out["counters"][name] = {
            "fetch": _try(kd.counter_u64_fetch, c["value"]),
            "kvm_fetch": _kvm.kvm_counter_u64_fetch(kd, c["value"]),
            "slots": _try(kd.counter_u64_slots, c["value"]),
        }
    for name, a in truth["counter_arrays"].items():
        out["counter_arrays"][name] = _try(kd.counter_u64_fetch_array, a["values"])
    return out
