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
  counter SYMBOL|ADDRESS    the sum of a counter(9) over the CPUs: SYMBOL names
                            a counter_u64_t (vm_cnt.v_swtch) or an array of
                            them (one sum per element); ADDRESS is the value
                            of a counter_u64_t"""


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


def _scalar(kind, size):
    return kind in ("int", "uint", "pointer") and size in (1, 2, 4, 8)


def _value(kd, raw, desc, depth=0):
    """Bytes of a value described by DWARF, as JSON: an int, a list, a dict of
    a struct's fields (one level deep), or hex for anything else."""
    _, _, size, kind, elem_kind, elem_size, tag = desc
    if _scalar(kind, size):
        return _decode(raw, kind)
    if kind == "array" and _scalar(elem_kind, elem_size):
        return [_decode(raw[i : i + elem_size], elem_kind) for i in range(0, len(raw), elem_size)]
    if kind == "struct" and tag is not None and depth == 0:
        return {m[0]: _value(kd, raw[m[1] : m[1] + m[2]], m, depth + 1)
                for m in kd.struct_members(tag) if not m[0].startswith("__pad")}
    return raw.hex()


def _text(value, kind):
    if kind == "pointer":
        return "%#x" % value
    if isinstance(value, dict):
        return "{" + ", ".join("%s = %s" % (k, v) for k, v in value.items()) + "}"
    return str(value)


def _resolve(kd, expr):
    """Address and DWARF description of SYMBOL or SYMBOL.FIELD.FIELD..."""
    name, *fields = expr.split(".")
    addr = kd.lookup(name)
    desc = kd.variable_type(name)
    path = name
    for field in fields:
        tag = desc[6]
        if desc[3] != "struct" or tag is None:
            raise CliError(f"{path} is not a struct: no field {field}")
        members = {m[0]: m for m in kd.struct_members(tag)}
        if field not in members:
            raise CliError(f"struct {tag} has no field {field}")
        desc = members[field]
        addr += desc[1]
        path += "." + field
    return addr, desc


def _cmd_pcpu(kd, args):
    _argc(args, 1, 1, "pcpu CPU")
    cpu = _cpu_arg(args[0])
    raw = kd.getpcpu(cpu)
    if raw is None:
        raise CliError(f"CPU {cpu} not found")
    fields, text = {}, []
    for m in kd.struct_members("pcpu"):
        if m[0].startswith("__pad"):
            continue
        value = _value(kd, raw[m[1] : m[1] + m[2]], m, depth=1)
        fields[m[0]] = value
        text.append(f"{m[0]} = {_text(value, m[3])}")
    return {"cpu": cpu, "address": kd.pcpu_addr(cpu), "fields": fields}, text


def _dpcpu_symbol(kd, name):
    start, stop = kd.dpcpu_bounds()
    for candidate in (name, "pcpu_entry_" + name):
        try:
            addr = kd.lookup(candidate)
        except _kvm.KvmError:
            continue
        if start <= addr < stop:
            return candidate, addr
    raise CliError(f"no DPCPU variable {name} (looked for {name} and pcpu_entry_{name} in set_pcpu)")


def _cmd_dpcpu(kd, args):
    _argc(args, 1, 2, "dpcpu NAME [CPUS]")
    symbol, addr = _dpcpu_symbol(kd, args[0])
    desc = kd.variable_type(symbol)
    size = desc[2]
    present = kd.cpus()
    try:
        # limit: 0-99999999999 is refused before any list is built.
        cpus = cpulist.parse(args[1] if len(args) > 1 else "all", present,
                             limit=kd.getmaxcpu())
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
        value = _value(kd, kd.read(where, size), desc)
        values[str(cpu)] = {"address": where, "value": value}
        text.append(f"cpu {cpu}: {_text(value, desc[3])}")
    return {"symbol": symbol, "template": addr, "size": size, "cpus": values}, text


def _counter_bases(kd, arg):
    """The counter_u64_t values named by arg: an expression naming one or an
    array of them, or a number (the value of a counter_u64_t)."""
    try:
        return False, [int(arg, 0)]
    except ValueError:
        pass
    addr, (_, _, size, kind, elem_kind, elem_size, _) = _resolve(kd, arg)
    if kind == "pointer" and size == 8:
        return False, [int.from_bytes(kd.read(addr, 8), "little")]
    if kind == "array" and elem_kind == "pointer" and elem_size == 8:
        raw = kd.read(addr, size)
        return True, [int.from_bytes(raw[i : i + 8], "little") for i in range(0, size, 8)]
    raise CliError(f"{arg} is not a counter_u64_t or an array of them")


def _cmd_counter(kd, args):
    _argc(args, 1, 1, "counter SYMBOL|ADDRESS")
    is_array, bases = _counter_bases(kd, args[0])
    sums = kd.counter_u64_fetch_array(bases)
    if not is_array:
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
