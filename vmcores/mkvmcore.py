#!/usr/bin/python3
"""Build a fixture FreeBSD kernel and dump it to an ELF core.

    mkvmcore.py --shape SHAPE [--ncpus N] [--outdir DIR] [--force]
    mkvmcore.py --list-shapes

DIR (default build/vmcores/SHAPE, or SHAPE-N when N is not the shape's
default) receives:

    kernel      the fixture kernel, with debug info (gdb's symbol file)
    *.ko        its modules, for the shapes that load some (shared
                objects GDB loads from here when it opens the core)
    vmcore      the ELF core GDB's gcore wrote at fixture_ready()
    truth.json  every value the fixture wrote, written by the fixture
                (and, for a corrupt dump, what was done to it)
    stamp       what they were made from; a matching stamp skips the
                rebuild

Importable: make_vmcore(shape, ncpus=None, outdir=None) -> outdir.
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VMCORES_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = VMCORES_DIR.parent

COMMON_SOURCES = [
    "kernel.c", "kmem.c", "subr_smp.c", "subr_pcpu.c", "kern_thread.c",
    "dpcpu_vars.c", "uma_pcpu.c", "subr_counter.c", "libkvm_model.c",
    "vm_meter.c", "ip_input.c", "tcp_subr.c", "netconf.c", "corrupt.c",
    "truth.c", "subr_kobj.c", "linker_if.c", "kern_linker.c", "link_elf.c",
    "link_elf_obj.c",
]
COUNTER12_SOURCES = ["vfs_bio.c"]      # its counters: 12.x and later
VIMAGE_SOURCES = ["vnet.c", "kern_jail.c"]
MODULE_SOURCES = ["modules.c"]
MODULES = ["mod_dso", "mod_obj", "mod_unlisted"]
HEADERS = ["sys.h", "pcpu.h", "proc.h", "counter.h", "vmmeter.h",
           "fixture.h", "vnet.h", "jail.h", "kobj.h", "linker.h",
           "module_vars.h"]
MACHDEP = {"amd64": "amd64_machdep.c", "arm64": "arm64_machdep.c"}
NOT_FREEBSD = "notfreebsd.c"

WARNINGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]
CFLAGS = ["-g", "-O0", "-no-pie", *WARNINGS]
MODULE_CFLAGS = ["-g", "-O0", "-fPIC", "-shared", *WARNINGS]
GDB_TIMEOUT = 300


class VmcoreError(Exception):
    """Generating a fixture dump failed; the message says why."""


@dataclass(frozen=True)
class Shape:
    machine: str            # "amd64" or "arm64"
    release: str            # the FreeBSD release mimicked, e.g. "15.0"
    maxcpu: int             # MAXCPU for the default CPU count
    ncpus: int              # CPUs present by default
    max_ncpus: int          # largest --ncpus (0: --ncpus not accepted)
    summary: str
    maxid: int = -1         # mp_maxid when CPU ids are sparse
    absent: tuple = ()      # absent CPU ids in 0..maxid
    selected: int = -1      # the panicking CPU (-1: the second present)
    vimage: bool = False    # options VIMAGE: vnets and jails
    modules: bool = False   # the modules MODULES on linker_files
    tcpstat_full: bool = False  # a 300-counter struct tcpstat
    corrupt: str = ""       # the defect of a corrupt dump (CORRUPT_KINDS)

    @property
    def osreldate(self):
        """__FreeBSD_version of the release (docs/FREEBSD.md, "Release
        numbers and osreldate")."""
        return RELEASES[self.release]


# __FreeBSD_version of each release mimicked: X.Y000 by sys/sys/param.h's
# scheme, 15.0's that of releng/15.0 (docs/FREEBSD.md, "Release numbers
# and osreldate").
RELEASES = {"11.4": 1104000, "12.4": 1204000, "13.5": 1305000,
            "14.3": 1403000, "15.0": 1500068}

# The defects of the corrupt dumps, each of shape amd64-15.0-corrupt-KIND
# (4 CPUs): what is wrong, and what the tool is expected to say about it
# (its one-line message, or a distinctive part of it; None: GDB itself
# warns).  The kernel applies the defect in corrupt.c, except for
# "truncated", which the generator applies to the core file, and
# "not-freebsd", which is another program altogether.
CORRUPT_KINDS = {
    "maxcpus-huge": ("mp_maxcpus is 0x7fffffff",
                     "mp_maxcpus is 2147483647"),
    "maxcpus-negative": ("mp_maxcpus is -4", "mp_maxcpus is -4"),
    "maxcpus-zero": ("mp_maxcpus is 0", "mp_maxcpus is 0"),
    "maxid-beyond": ("mp_maxid is MAXCPU + 5", "mp_maxid is"),
    "pcpu-unmapped": ("cpuid_to_pcpu[2] points at an unmapped page",
                      "cannot read struct pcpu of CPU 2"),
    "dpcpu-garbage": ("dpcpu_off[1] is garbage: CPU 1's DPCPU copies are "
                      "unreadable", "cannot read"),
    "counter-nowhere": ("every CPU's slot of vm_cnt.v_swtch is unmapped",
                        "cannot read counter slot"),
    "truncated": ("the vmcore cut to half its size", None),
    "not-freebsd": ("a plain C program with no FreeBSD symbols",
                    "unable to find cpuid_to_pcpu"),
}
GENERATOR_CORRUPTIONS = ("truncated", "not-freebsd")


def _release_shape(machine, release, maxcpu, what):
    return Shape(machine, release, maxcpu, 4, maxcpu,
                 f"FreeBSD {release}, {machine}: {what}")


SHAPES = {
    "amd64-11.4": _release_shape(
        "amd64", "11.4", 256,
        "__pcpu[MAXCPU] array, 2048-byte struct pcpu with pc_cnt, "
        "sizeof(struct pcpu) slot stride, vm_cnt without counters"),
    "amd64-12.4": _release_shape(
        "amd64", "12.4", 256,
        "__pcpu[MAXCPU] array, no pc_zpcpu_offset, absolute counters, "
        "PAGE_SIZE slot stride"),
    "amd64-13.5": _release_shape(
        "amd64", "13.5", 256,
        "__pcpu pointer to one page per CPU, pc_zpcpu_offset, counters "
        "stored as offsets from __pcpu"),
    "amd64-14.3": _release_shape(
        "amd64", "14.3", 1024,
        "as 13.5, MAXCPU 1024, pc_kpmap_store"),
    "amd64-15.0": _release_shape(
        "amd64", "15.0", 1024,
        "as 14.3 with pc_vfs_freevnodes; the default shape"),
    "arm64-14.3": _release_shape(
        "arm64", "14.3", 1024,
        "512-byte pcpu, CPU 0 in pcpu0, APs in separate allocations with "
        "DPCPU after the struct, no __pcpu; 32-bit pc_mpidr"),
    "arm64-15.0": _release_shape(
        "arm64", "15.0", 1024,
        "as arm64-14.3 with a 64-bit pc_mpidr"),
    "amd64-15.0-sparse": Shape(
        "amd64", "15.0", 1024, 5, 0,
        "amd64 15.0 with sparse CPU ids: mp_maxid 7, CPUs 2, 4, 5 absent, "
        "mp_ncpus 5; junk in the absent CPUs' pcpu pages and slots",
        maxid=7, absent=(2, 4, 5), selected=6),
    "amd64-15.0-up": Shape(
        "amd64", "15.0", 1024, 1, 0,
        "amd64 15.0 with one CPU: mp_maxid 0, mp_ncpus 1"),
    "amd64-15.0-large": Shape(
        "amd64", "15.0", 1024, 1024, 0,
        "amd64 15.0 with 1024 CPUs present", selected=700),
    "amd64-15.0-modules": Shape(
        "amd64", "15.0", 1024, 4, 0,
        "amd64 15.0 with modules: DSO-style mod_dso.ko (link_elf) and "
        "object-style mod_obj.ko (link_elf_obj, progtab with origaddr) with "
        "DPCPU variables; mod_unlisted.ko mapped but not on linker_files",
        modules=True),
    "amd64-14.3-modules": Shape(
        "amd64", "14.3", 1024, 4, 0,
        "amd64 14.3 with the modules of amd64-15.0-modules: mod_obj.ko's "
        "progtab has no origaddr", modules=True),
    "amd64-13.5-modules": Shape(
        "amd64", "13.5", 256, 4, 0,
        "amd64 13.5 with the modules of amd64-15.0-modules: mod_obj.ko's "
        "progtab has no origaddr", modules=True),
    "amd64-15.0-vimage": Shape(
        "amd64", "15.0", 1024, 4, 0,
        "amd64 15.0 with VIMAGE: vnet0 and jails web and db with their own "
        "vnets, tcpstat in each; the modules with VNET variables too",
        vimage=True, modules=True),
    "amd64-12.4-vimage": Shape(
        "amd64", "12.4", 256, 4, 0,
        "amd64 12.4 with VIMAGE: 12.x struct vnet (no vnet_shutdown) and "
        "VNET_MAGIC_N 0x3e0d8f29; jails and modules as amd64-15.0-vimage",
        vimage=True, modules=True),
    "amd64-15.0-bench": Shape(
        "amd64", "15.0", 1024, 1024, 0,
        "amd64 15.0 with 1024 CPUs and a 300-counter struct tcpstat, for "
        "benchmarks", selected=1, tcpstat_full=True),
}
for _kind, (_what, _expect) in CORRUPT_KINDS.items():
    SHAPES["amd64-15.0-corrupt-" + _kind] = Shape(
        "amd64", "15.0", 1024, 4, 0,
        "corrupt amd64 15.0: " + _what, corrupt=_kind)

DEFAULT_SHAPE = "amd64-15.0"


def canonical(shape_name):
    """The shape's name, checked."""
    name = shape_name
    if name not in SHAPES:
        raise VmcoreError(f"unknown shape {shape_name!r}; shapes: "
                          + ", ".join(SHAPES))
    return name


def _plan(shape_name, ncpus):
    """The compile-time and run-time parameters of one fixture."""
    shape_name = canonical(shape_name)
    shape = SHAPES[shape_name]
    if ncpus is None:
        ncpus = shape.ncpus
    elif shape.max_ncpus == 0:
        if ncpus != shape.ncpus:
            raise VmcoreError(f"shape {shape_name} has a fixed CPU layout "
                              f"({shape.ncpus} CPUs); --ncpus is not "
                              "accepted")
    elif not 1 <= ncpus <= shape.max_ncpus:
        raise VmcoreError(f"shape {shape_name} takes --ncpus from 1 to "
                          f"{shape.max_ncpus}, not {ncpus}")
    maxcpu = shape.maxcpu if ncpus <= shape.maxcpu else 1024
    if shape.maxid >= 0:
        maxid, absent = shape.maxid, list(shape.absent)
    else:
        maxid, absent = ncpus - 1, []
    present = [c for c in range(maxid + 1) if c not in absent]
    if shape.selected >= 0:
        selected = shape.selected
    else:
        selected = present[1] if len(present) > 1 else present[0]
    intr = present[-1] if len(present) > 2 and present[-1] != selected \
        else None
    return {
        "shape": shape_name, "machine": shape.machine,
        "release": shape.release,
        "osreldate": shape.osreldate, "maxcpu": maxcpu, "ncpus": ncpus,
        "maxid": maxid, "absent": absent, "selected": selected,
        "intr": intr, "vimage": shape.vimage, "modules": shape.modules,
        "tcpstat_full": shape.tcpstat_full, "corrupt": shape.corrupt,
    }


def default_outdir(shape, ncpus=None):
    """build/vmcores/SHAPE, or SHAPE-N when N is not the default."""
    name = shape
    if ncpus is not None and name in SHAPES and \
            ncpus != SHAPES[name].ncpus:
        name = f"{name}-{ncpus}"
    return PROJECT_ROOT / "build" / "vmcores" / name


def _sources(plan):
    """The kernel's sources: a FreeBSD kernel's, or the plain program."""
    if plan["corrupt"] == "not-freebsd":
        names = [NOT_FREEBSD]
    else:
        names = COMMON_SOURCES + [MACHDEP[plan["machine"]]]
        if plan["osreldate"] >= 1200000:
            names += COUNTER12_SOURCES
        if plan["vimage"]:
            names += VIMAGE_SOURCES
        if plan["modules"]:
            names += MODULE_SOURCES
    return [VMCORES_DIR / f for f in names]


def _modules(plan):
    return MODULES if plan["modules"] else []


def _stamp(plan):
    """A digest of everything the result depends on."""
    h = hashlib.sha256()
    h.update(json.dumps(plan, sort_keys=True).encode())
    for f in sorted(_sources(plan)
                    + [VMCORES_DIR / f"{m}.c" for m in _modules(plan)]
                    + [VMCORES_DIR / n for n in HEADERS]
                    + [Path(__file__).resolve()]):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _run(cmd, what, timeout=GDB_TIMEOUT):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, env=_env(), check=False)
    except FileNotFoundError:
        raise VmcoreError(f"{what}: {cmd[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise VmcoreError(f"{what}: timed out after {timeout}s") from None


def _env():
    env = dict(os.environ, LC_ALL="C")
    env.pop("DEBUGINFOD_URLS", None)
    # make test-asan preloads the sanitizer runtimes into the test run: the
    # fixture kernel must not get them (gcore would dump ASan's shadow).
    env.pop("LD_PRELOAD", None)
    return env


def _tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def _options(plan):
    """The kernel configuration: machine, version, MAXCPU, options."""
    opts = [f"-DFIXTURE_MACHINE_{plan['machine'].upper()}",
            f"-D__FreeBSD_version={plan['osreldate']}",
            f"-DMAXCPU={plan['maxcpu']}"]
    if plan["vimage"]:
        opts.append("-DVIMAGE")
    return opts


def _boot_plan(plan):
    """The boot plan compiled into the kernel (kernel.c)."""
    kernel_corrupt = plan["corrupt"] \
        if plan["corrupt"] not in GENERATOR_CORRUPTIONS else ""
    intr = plan["intr"] if plan["intr"] is not None else -1
    return [f'-DFIXTURE_SHAPE="{plan["shape"]}"',
            f'-DFIXTURE_RELEASE="{plan["release"]}"',
            f"-DFIXTURE_MAXID={plan['maxid']}",
            f'-DFIXTURE_ABSENT="{",".join(map(str, plan["absent"]))}"',
            f"-DFIXTURE_SELECTED={plan['selected']}",
            f"-DFIXTURE_INTR={intr}",
            f'-DFIXTURE_CORRUPT="{kernel_corrupt}"']


def _gcc(cmd, what):
    r = _run(["gcc", *cmd], what)
    if r.returncode != 0:
        raise VmcoreError(f"{what} failed:\n" + _tail(r.stdout))


def _compile(plan, outdir):
    """DIR/kernel and DIR/MODULE.ko."""
    if plan["corrupt"] == "not-freebsd":
        _gcc([*CFLAGS, f'-DFIXTURE_SHAPE="{plan["shape"]}"',
              "-o", str(outdir / "kernel"), *map(str, _sources(plan))],
             "compiling the plain program")
        return
    extra = []
    if plan["modules"]:
        extra.append("-DFIXTURE_MODULES")
    if plan["tcpstat_full"]:
        extra.append("-DTCPSTAT_FULL")
    _gcc([*CFLAGS, *_options(plan), *_boot_plan(plan), *extra,
          "-o", str(outdir / "kernel"), *map(str, _sources(plan)), "-ldl"],
         "compiling the fixture kernel")
    for m in _modules(plan):
        _gcc([*MODULE_CFLAGS, *_options(plan), "-o", str(outdir / f"{m}.ko"),
              str(VMCORES_DIR / f"{m}.c")], f"compiling module {m}")


def _dump(plan, kernel, vmcore, truth):
    """Run the kernel under GDB to fixture_ready() and gcore it."""
    cmd = ["gdb", "-nx", "-batch",
           "-iex", "set debuginfod enabled off",
           "-ex", "set pagination off",
           "-ex", "set confirm off",
           "-ex", "break fixture_ready",
           "-ex", "run",
           "-ex", f"gcore {vmcore}",
           "-ex", "kill",
           "--args", str(kernel), str(truth)]
    r = _run(cmd, "running the fixture kernel under gdb")
    fixture_errors = [ln for ln in r.stdout.splitlines()
                      if ln.startswith("fixture kernel: ")]
    if fixture_errors:
        raise VmcoreError(fixture_errors[-1])
    lines = r.stdout.splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith("Program received signal"):
            where = lines[i + 1].strip() if i + 1 < len(lines) else ""
            raise VmcoreError(f"the fixture kernel crashed: {ln.strip()} "
                              f"{where}")
    if "Saved corefile" not in r.stdout or not vmcore.is_file():
        raise VmcoreError("gdb did not write the core (is ptrace "
                          "allowed here?):\n" + _tail(r.stdout))
    if not truth.is_file():
        raise VmcoreError("the fixture kernel wrote no truth.json")


def _corrupt(plan, vmcore, truth):
    """Record what was done to a corrupt dump; cut a truncated one."""
    kind = plan["corrupt"]
    if not kind:
        return
    t = json.loads(truth.read_text())
    record = t.setdefault("corrupt", {"kind": kind})
    record["expect"] = CORRUPT_KINDS[kind][1]
    if kind == "truncated":
        size = vmcore.stat().st_size
        with open(vmcore, "r+b") as f:
            f.truncate(size // 2)
        record["original_size"] = size
        record["cut_size"] = size // 2
    truth.write_text(json.dumps(t) + "\n")


def _check_truth(plan, truth):
    try:
        t = json.loads(truth.read_text())
    except ValueError as e:
        raise VmcoreError(f"{truth}: not JSON: {e}") from None
    want = {"shape": plan["shape"], "release": plan["release"],
            "mp_maxid": plan["maxid"],
            "absent": plan["absent"], "selected_cpu": plan["selected"],
            "mp_maxcpus": plan["maxcpu"], "osreldate": plan["osreldate"],
            "vimage": plan["vimage"]}
    if plan["corrupt"] == "not-freebsd":
        want = {"shape": plan["shape"]}
    for key, value in want.items():
        if t.get(key) != value:
            raise VmcoreError(f"{truth}: {key} is {t.get(key)!r}, "
                              f"expected {value!r}")


def make_vmcore(shape=DEFAULT_SHAPE, ncpus=None, outdir=None, force=False):
    """Make (or reuse) the kernel, vmcore and truth.json of a shape.

    Returns the output directory as a string; raises VmcoreError.
    """
    plan = _plan(shape, ncpus)
    outdir = Path(outdir) if outdir is not None else \
        default_outdir(shape, ncpus)
    outdir = outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(plan)
    # Built in .build; the programs move to DIR before they run, as the
    # core records where the kernel found its modules.
    programs = ["kernel"] + [f"{m}.ko" for m in _modules(plan)]
    names = programs + ["vmcore", "truth.json"]
    with open(outdir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp_file = outdir / "stamp"
        if not force and stamp_file.is_file() and \
                stamp_file.read_text().strip() == stamp and \
                all((outdir / n).is_file() for n in names):
            return str(outdir)
        stamp_file.unlink(missing_ok=True)
        tmp = outdir / ".build"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            _compile(plan, tmp)
            for n in ["kernel", "vmcore", "truth.json"] + \
                    [f"{m}.ko" for m in MODULES]:
                (outdir / n).unlink(missing_ok=True)
            for n in programs:
                os.replace(tmp / n, outdir / n)
            _dump(plan, outdir / "kernel", tmp / "vmcore",
                  tmp / "truth.json")
            _check_truth(plan, tmp / "truth.json")
            _corrupt(plan, tmp / "vmcore", tmp / "truth.json")
            os.replace(tmp / "vmcore", outdir / "vmcore")
            os.replace(tmp / "truth.json", outdir / "truth.json")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        stamp_file.write_text(stamp + "\n")
    return str(outdir)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Build a fixture FreeBSD kernel and its crash dump.")
    p.add_argument("--shape", default=DEFAULT_SHAPE,
                   help=f"the kernel to mimic (default {DEFAULT_SHAPE})")
    p.add_argument("--ncpus", type=int,
                   help="CPUs present (the shapes named by a release alone)")
    p.add_argument("--outdir", help="where to put kernel, vmcore, "
                   "truth.json (default build/vmcores/SHAPE[-NCPUS])")
    p.add_argument("--force", action="store_true",
                   help="rebuild even when the output is up to date")
    p.add_argument("--list-shapes", action="store_true",
                   help="list the shapes and exit")
    a = p.parse_args(argv)
    if a.list_shapes:
        for name, shape in SHAPES.items():
            print(f"{name:36} {shape.summary}")
        return 0
    try:
        print(make_vmcore(a.shape, a.ncpus, a.outdir, a.force))
    except (VmcoreError, OSError) as e:
        print(f"mkvmcore: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
