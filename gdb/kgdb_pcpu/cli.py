"""python3 -m kgdb_pcpu -N KERNEL -M CORE COMMAND: per-CPU data without GDB.

The -N/-M convention of netstat(1) and vmstat(8): the kernel ELF file (with
debug info) and the ELF core file.  The same native core as inside GDB, on the
ELF target (libelf, libdw).
"""

import argparse
import json
import struct
import sys

from . import _kvm, cpulist

COMMANDS = """commands:
  maxcpu                    mp_maxcpus (kvm_getmaxcpu)
  ncpus                     mp_ncpus (kvm_getncpus)
  cpus                      the present CPUs, as CPU_FOREACH visits them
  pcpu CPU                  CPU's struct pcpu, field by field (from DWARF)
  dpcpu NAME [CPUS]         the DPCPU variable NAME (or pcpu_entry_NAME) on
                            each CPU of CPUS (default: all), e.g. 0-3,8
  counter SYMBOL|ADDRESS    the sum of a counter(9) over the CPUs: SYMBOL is a
                            counter_u64_t or an array of them (one sum per
                            element); ADDRESS is a counter_u64_t's value"""


class CliError(Exception):
    """A user-facing failure: one line on stderr, exit status 1."""


def _parser():
    p = argparse.ArgumentParser(
        prog="python3 -m kgdb_pcpu",
        description="FreeBSD per-CPU data from a kernel and an ELF core, without GDB.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-N", dest="kernel", required=True, metavar="KERNEL",
                   help="the kernel ELF file, with debug info (kernel.debug)")
    p.add_argument("-M", dest="core", required=True, metavar="CORE", help="the ELF core file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--zpcpu-stride", type=int, default=0, metavar="BYTES",
                   help="stride of UMA_ZONE_PCPU slots for a kernel nothing identifies")
    p.add_argument("command", choices=["maxcpu", "ncpus", "cpus", "pcpu", "dpcpu", "counter"],
                   metavar="COMMAND")
    p.add_argument("args", nargs="*", metavar="ARG")
    return p


def _cpu_arg(text):
    try:
        return int(text, 0)
    except ValueError:
        raise CliError(f"invalid CPU '{text}': not a number") from None


def _argc(args, low, high, usage):
    if not low <= len(args) <= high:
        raise CliError(f"usage: {usage}")


def _decode(raw, kind):
    return int.from_bytes(raw, "little", signed=kind == "int")


def _member_value(raw, offset, size, kind, elem_kind, elem_size):
    """A struct pcpu member as a JSON-able value: int, list of ints, or hex."""
    data = raw[offset : offset + size]
    if kind in ("int", "uint", "pointer") and size in (1, 2, 4, 8):
        return _decode(data, kind)
    if kind == "array" and elem_kind in ("int", "uint", "pointer") and elem_size in (1, 2, 4, 8):
        return [_decode(data[i : i + elem_size], elem_kind) for i in range(0, len(data), elem_size)]
    return data.hex()


def _cmd_pcpu(kd, args):
    _argc(args, 1, 1, "pcpu CPU")
    cpu = _cpu_arg(args[0])
    raw = kd.getpcpu(cpu)
    if raw is None:
        raise CliError(f"CPU {cpu} not found")
    fields = {}
    for name, offset, size, kind, elem_kind, elem_size in kd.pcpu_members():
        if name.startswith("__pad"):
            continue
        fields[name] = (kind, _member_value(raw, offset, size, kind, elem_kind, elem_size))
    text = []
    for name, (kind, value) in fields.items():
        if kind == "pointer":
            value = f"{value:#x}"
        text.append(f"{name} = {value}")
    return {"cpu": cpu, "address": kd.pcpu_addr(cpu), "fields": {k: v for k, (_, v) in fields.items()}}, text


def _dpcpu_symbol(kd, name):
    for candidate in (name, "pcpu_entry_" + name):
        try:
            addr = kd.lookup(candidate)
        except _kvm.KvmError:
            continue
        start, stop = kd.dpcpu_bounds()
        if start <= addr < stop:
            return candidate, addr, kd.symbol_size(candidate)
    raise CliError(f"no DPCPU variable {name} (looked for {name} and pcpu_entry_{name} in set_pcpu)")


def _cmd_dpcpu(kd, args):
    _argc(args, 1, 2, "dpcpu NAME [CPUS]")
    symbol, addr, size = _dpcpu_symbol(kd, args[0])
    present = kd.cpus()
    try:
        cpus = cpulist.parse(args[1] if len(args) > 1 else "all", present)
    except ValueError as e:
        raise CliError(str(e)) from None
    maxcpu = kd.getmaxcpu()
    if cpus and max(cpus) >= maxcpu:
        raise CliError(f"CPU {max(cpus)} too big (mp_maxcpus is {maxcpu})")
    values, text = {}, []
    for cpu in cpus:
        if cpu not in present:
            values[str(cpu)] = None
            text.append(f"cpu {cpu}: absent")
            continue
        where = kd.dpcpu_addr(addr, cpu)
        raw = kd.read(where, size)
        entry = {"address": where, "bytes": raw.hex()}
        if size in (1, 2, 4, 8):
            entry["value"] = int.from_bytes(raw, "little")
            text.append(f"cpu {cpu}: {entry['value']} ({entry['value']:#x}) at {where:#x}")
        else:
            text.append(f"cpu {cpu}: {raw.hex()} at {where:#x}")
        values[str(cpu)] = entry
    return {"symbol": symbol, "template": addr, "size": size, "cpus": values}, text


def _counter_bases(kd, arg):
    """The counter_u64_t values named by arg: a symbol (one or an array) or a number."""
    try:
        return None, [int(arg, 0)]
    except ValueError:
        pass
    addr = kd.lookup(arg)
    size = kd.symbol_size(arg)
    psize = 8
    if size == 0 or size % psize:
        raise CliError(f"{arg} is {size} bytes: not a counter_u64_t or an array of them")
    raw = kd.read(addr, size)
    return arg, list(struct.unpack(f"<{size // psize}Q", raw))


def _cmd_counter(kd, args):
    _argc(args, 1, 1, "counter SYMBOL|ADDRESS")
    symbol, bases = _counter_bases(kd, args[0])
    sums = kd.counter_u64_fetch_array(bases)
    if len(sums) == 1 and (symbol is None or kd.symbol_size(symbol) == 8):
        return {"counter": args[0], "sum": sums[0]}, [str(sums[0])]
    return {"counter": args[0], "sums": sums}, [f"[{i}] = {s}" for i, s in enumerate(sums)]


def _run(kd, command, args):
    if command == "maxcpu":
        _argc(args, 0, 0, "maxcpu")
        n = kd.getmaxcpu()
        return n, [str(n)]
    if command == "ncpus":
        _argc(args, 0, 0, "ncpus")
        n = kd.getncpus()
        return n, [str(n)]
    if command == "cpus":
        _argc(args, 0, 0, "cpus")
        cpus = kd.cpus()
        return cpus, [cpulist.format_list(cpus)]
    return {"pcpu": _cmd_pcpu, "dpcpu": _cmd_dpcpu, "counter": _cmd_counter}[command](kd, args)


def main(argv=None):
    opts = _parser().parse_args(argv)
    try:
        kd = _kvm.open_elf(opts.kernel, opts.core, zpcpu_stride=opts.zpcpu_stride)
        result, text = _run(kd, opts.command, opts.args)
    except (CliError, _kvm.KvmError) as e:
        print(f"kgdb_pcpu: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kgdb_pcpu: interrupted", file=sys.stderr)
        return 130
    if opts.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(text))
    return 0
