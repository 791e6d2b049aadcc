"""The GDB target of the per-CPU core: symbols, memory and layout from GDB.

kvm() returns the kgdb_pcpu._kvm.Kvm handle of the current inferior, built on
first use and kept until the program, its symbols or the inferior change.
The handle looks symbols up through GDB (debug info first, then the minimal
symbols, which is where linker-made symbols such as __start_set_pcpu live),
reads memory through the selected inferior, and takes sizeof(struct pcpu),
its member offsets and the pointer size from GDB's types: nothing about a
FreeBSD layout is compiled in.
"""

import re

import gdb

from ._kvm import Kvm, KvmError

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*\Z")


def _lookup_symbol(name):
    """The gdb.Symbol of the global or file-static variable name, or None."""
    cache = _symbols.setdefault((gdb.current_progspace(), "symbol"), {})
    try:
        sym = cache[name]
    except KeyError:
        sym = cache[name] = _find_symbol(name)
    if sym is not None and not sym.is_valid():
        sym = cache[name] = _find_symbol(name)
    return sym


def _find_symbol(name):
    try:
        sym = gdb.lookup_global_symbol(name)
        if sym is None and hasattr(gdb, "lookup_static_symbol"):
            sym = gdb.lookup_static_symbol(name)
    except (gdb.error, RuntimeError, ValueError):
        return None
    return sym


# Symbols and addresses by name, per program space.  They change only with
# the objfiles (drop() empties this on new_objfile, free_objfile,
# clear_objfiles), and a lookup that misses costs GDB a search of every
# symbol table (milliseconds; after each stop of a remote target, reads of
# the program headers too), so each name is looked up once.
_symbols = {}


def symbol_address(name):
    """Address of the symbol name, or None when GDB knows no such symbol."""
    cache = _symbols.setdefault((gdb.current_progspace(), "address"), {})
    try:
        return cache[name]
    except KeyError:
        pass
    addr = cache[name] = _symbol_address(name)
    return addr


def _symbol_address(name):
    sym = _lookup_symbol(name)
    if sym is not None and not sym.needs_frame:
        try:
            addr = sym.value().address
            if addr is not None:
                return int(addr)
        except (gdb.error, RuntimeError):
            pass
    if not _IDENT.match(name):
        return None
    # Minimal symbols: no debug info (linker-made set bounds, assembler symbols).
    try:
        return int(gdb.parse_and_eval("(unsigned long long)&%s" % name))
    except (gdb.error, RuntimeError, OverflowError):
        return None


def _flatten_fields(gtype, base, out):
    """Member name -> byte offset, anonymous structs and unions flattened."""
    for field in gtype.fields():
        if not hasattr(field, "bitpos") or field.bitpos is None:
            continue  # a static member
        off = base + field.bitpos // 8
        if field.name:
            out.setdefault(field.name, off)
        else:
            inner = field.type.strip_typedefs()
            if inner.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                _flatten_fields(inner, off, out)
    return out


def lookup_struct(tag):
    """gdb.Type of struct tag, or None."""
    try:
        return gdb.lookup_type("struct " + tag)
    except gdb.error:
        return None


def _byteorder():
    try:
        text = gdb.execute("show endian", to_string=True)
    except gdb.error:
        return "little"
    return "big" if "big endian" in text else "little"


def _page_size():
    """PAGE_SIZE: pagesizes[0] when the kernel has it, else 4096."""
    addr = symbol_address("pagesizes")
    if addr is not None:
        try:
            val = int(gdb.parse_and_eval("pagesizes[0]"))
            if val > 0 and val & (val - 1) == 0:
                return val
        except (gdb.error, RuntimeError):
            pass
    return 4096


NO_KERNEL = ("no struct pcpu in the debug info: "
             "load a FreeBSD kernel with its debug info")


def _check_program(inferior):
    """Refuse, as one KvmError line, a program no handle can read: none at
    all, one that is not a FreeBSD kernel, or a kernel file with no dump."""
    progspace = getattr(inferior, "progspace", None) or gdb.current_progspace()
    if progspace is None or progspace.filename is None:
        raise KvmError(NO_KERNEL)
    if symbol_address("cpuid_to_pcpu") is None:
        # libkvm's first lookup, and its words for a program that is not
        # a FreeBSD kernel.
        raise KvmError("unable to find cpuid_to_pcpu")
    if inferior.pid == 0:
        # A core, a vmcore (kgdb gives it pid 1) or a live target has a
        # pid.  Without one GDB reads the kernel file's own sections, where
        # every per-CPU table is still zero: say so, not "corrupt dump".
        # This is also what a core file GDB refused to open leaves.
        raise KvmError("no dump is open, only the kernel file: open the "
                       "dump with core-file (kgdb: target vmcore)")


# Local targets pay per read, not per byte: the core merges the per-CPU
# values that lie this close into one read (native/kp_gather.c).
LOCAL_READ_WINDOW = 256 * 1024
LOCAL_TARGETS = ("core", "native", "exec")


def _read_window(inferior):
    """LOCAL_READ_WINDOW for a core file or a live local process, else 0:
    a remote target (gdbserver, a serial kgdb stub, QEMU) pays per byte too,
    and every read of a value alone is the fewest bytes on the wire."""
    connection = getattr(inferior, "connection", None)  # GDB 12+
    kind = getattr(connection, "type", None)
    return LOCAL_READ_WINDOW if kind in LOCAL_TARGETS else 0


class Target:
    """The handle of one inferior plus what the GDB layer derives from it."""

    def __init__(self, inferior, zpcpu_stride):
        self.inferior = inferior
        _check_program(inferior)
        pcpu_type = lookup_struct("pcpu")
        if pcpu_type is None:
            raise KvmError(NO_KERNEL)
        self.pcpu_type = pcpu_type
        self.pcpu_ptr_type = pcpu_type.pointer()
        self.pcpu_fields = _flatten_fields(pcpu_type.strip_typedefs(), 0, {})
        self.pointer_size = gdb.lookup_type("void").pointer().sizeof
        self.page_size = _page_size()
        self.big_endian = _byteorder() == "big"
        # Inferior.read_memory itself is the read hook: the core calls it
        # with no Python frame in between (the hot path of every sum), takes
        # the buffer it returns, and reads gdb.MemoryError as "unreadable".
        self.kd = Kvm(symbol_address, inferior.read_memory,
                      pcpu_size=pcpu_type.sizeof,
                      pcpu_fields=self.pcpu_fields,
                      page_size=self.page_size,
                      pointer_size=self.pointer_size,
                      byteorder="big" if self.big_endian else "little",
                      zpcpu_stride=zpcpu_stride,
                      read_faults=gdb.MemoryError,
                      read_window=_read_window(inferior))
        # tid of a GDB thread -> CPU it runs on, or None (default_cpu.py).
        self.thread_cpu = {}
        # Values read from the kernel that the GDB layer keeps while the
        # target is stopped (osreldate, ...): dropped with the handle's.
        self.stopped = {}

    def clear_cache(self):
        self.kd.clear_cache()
        self.thread_cpu.clear()
        self.stopped.clear()

    def has_field(self, name):
        return name in self.pcpu_fields

    def pcpu_value(self, cpu):
        """CPU cpu's struct pcpu as an lvalue; KvmError when it is absent,
        or when it cannot be read (the core's "cannot read struct pcpu of
        CPU N (... bytes at 0x...)": cpuid_to_pcpu[N] of a corrupt dump
        pointing nowhere)."""
        addr = self.kd.pcpu_addr(cpu)
        if addr is None:
            raise KvmError("CPU %d not found" % cpu)
        self.kd.getpcpu(cpu)
        return gdb.Value(addr).cast(self.pcpu_ptr_type).dereference()


_current = None
_current_key = None
_setcpu = None          # the CPU of the last dpcpu-setcpu, re-applied on rebuild
_zpcpu_stride = 0       # set kgdb-pcpu zpcpu-stride; 0 = detect


def _key(inferior):
    progspace = gdb.current_progspace()
    return (inferior.num, inferior.pid,
            getattr(inferior, "connection_num", None),
            progspace.filename if progspace is not None else None)


def current():
    """The Target of the selected inferior, built on first use."""
    global _current, _current_key
    inferior = gdb.selected_inferior()
    key = _key(inferior)
    if _current is not None and _current_key == key:
        if getattr(_current, "modules", None) is None:
            _attach_modules(_current)
        return _current
    drop()
    target = Target(inferior, _zpcpu_stride)
    _attach_modules(target)
    if _setcpu is not None:
        try:
            target.kd.dpcpu_setcpu(_setcpu)
        except KvmError:
            pass
    _current, _current_key = target, key
    return target


def _attach_modules(tgt):
    """Relocation of the loaded modules' set_pcpu and set_vnet (modules.py)."""
    from . import modules
    modules.attach(tgt)


def kvm():
    """The kgdb_pcpu._kvm.Kvm handle of the current inferior."""
    return current().kd


def dpcpu_setcpu(cpu):
    """kvm_dpcpu_setcpu on the current handle, remembered across rebuilds."""
    global _setcpu
    kvm().dpcpu_setcpu(cpu)
    _setcpu = cpu


def set_zpcpu_stride(stride):
    global _zpcpu_stride
    _zpcpu_stride = stride
    drop()


def drop(*_args):
    """Forget the handle: the program, its symbols or the inferior changed."""
    global _current, _current_key, _setcpu
    if _current is not None:
        try:
            _current.clear_cache()
        except KvmError:
            pass
    if _args and isinstance(_args[0], gdb.ExitedEvent):
        _setcpu = None
    _symbols.clear()
    _current = None
    _current_key = None


def clear_cache(*_args):
    """Memory may have changed: keep the handle, drop what it has read."""
    if _current is not None:
        try:
            _current.clear_cache()
        except KvmError:
            pass


def _called(event):
    """An inferior call ran kernel code, with no cont or stop event."""
    if isinstance(event, getattr(gdb, "InferiorCallPostEvent", ())):
        clear_cache()


def _connect():
    events = gdb.events
    for name in ("new_objfile", "free_objfile", "clear_objfiles", "exited",
                 "new_inferior", "inferior_deleted"):
        registry = getattr(events, name, None)
        if registry is not None:
            registry.connect(drop)
    for name in ("cont", "memory_changed", "stop"):
        registry = getattr(events, name, None)
        if registry is not None:
            registry.connect(clear_cache)
    registry = getattr(events, "inferior_call", None)
    if registry is not None:
        registry.connect(_called)


_connect()
