"""The GDB target of the per-CPU core, and all the state kept per handle.

current() returns the Target of the selected inferior: its
kgdb_pcpu._kvm.Kvm handle, built on first use and kept until the program,
its symbols or the inferior change (drop()), plus everything the GDB layer
derives from that handle.  The handle looks symbols up through GDB
(symtab.py), reads memory through the selected inferior, and takes
sizeof(struct pcpu), its member offsets and the pointer size from GDB's
types: nothing about a FreeBSD layout is compiled in.

When the target runs or its memory is written, Target.invalidate() drops
what was read from memory and keeps what comes from the symbols.
"""

import gdb

from . import compat, gtypes, symtab
from ._kvm import Kvm, KvmError

NO_KERNEL = ("no struct pcpu in the debug info: "
             "load a FreeBSD kernel with its debug info")

# Local targets pay per read, not per byte: the core merges the per-CPU
# values that lie this close into one read (native/kp_gather.c).
LOCAL_READ_WINDOW = 256 * 1024
LOCAL_TARGETS = ("core", "native", "exec")


def _byteorder():
    try:
        text = gdb.execute("show endian", to_string=True)
    except gdb.error:
        return "little"
    return "big" if "big endian" in text else "little"


def _page_size():
    """PAGE_SIZE: pagesizes[0] when the kernel has it, else 4096."""
    if symtab.symbol_address("pagesizes") is not None:
        try:
            val = int(gdb.parse_and_eval("pagesizes[0]"))
            if val > 0 and val & (val - 1) == 0:
                return val
        except (gdb.error, RuntimeError):
            pass
    return 4096


def _check_program(inferior):
    """Refuse, as one KvmError line, a program no handle can read: none at
    all, one that is not a FreeBSD kernel, or a kernel file with no dump."""
    progspace = getattr(inferior, "progspace", None) or gdb.current_progspace()
    if progspace is None or progspace.filename is None:
        raise KvmError(NO_KERNEL)
    if symtab.symbol_address("cpuid_to_pcpu") is None:
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


def _read_window(inferior):
    """LOCAL_READ_WINDOW for a core file or a live local process, else 0:
    a remote target (gdbserver, a serial kgdb stub, QEMU) pays per byte too,
    and every read of a value alone is the fewest bytes on the wire."""
    kind = compat.connection_type(inferior)
    return LOCAL_READ_WINDOW if kind in LOCAL_TARGETS else 0


class Target:
    """The handle of one inferior and every piece of state kept with it.

    Kept for the handle's life (the symbols and types do not change under
    it): inferior, kd, pcpu_type, pcpu_ptr_type, pcpu_fields, pointer_size,
    page_size, big_endian, vimage, and the dict `cache` (a module's values
    derived from the symbols and types, under a key it names).

    Dropped by invalidate() (the target ran, or memory was written):
      modules      the Modules of linker_files (modules.py), None until a
                   module's variable needs them again (modules.place);
      vnet_stacks  the vnet and jail lists (vnet.py), None until read;
      thread_cpu   td_tid of a GDB thread -> the CPU running it, or None;
      osreldate    the kernel's osreldate, None until read (osreldate());
      stopped      a module's values read from memory, under a key it names.
    """

    def __init__(self, inferior, zpcpu_stride=0, maxcpus=0):
        self.inferior = inferior
        _check_program(inferior)
        pcpu_type = symtab.lookup_struct("pcpu")
        if pcpu_type is None:
            raise KvmError(NO_KERNEL)
        self.pcpu_type = pcpu_type
        self.pcpu_ptr_type = pcpu_type.pointer()
        self.pcpu_fields = gtypes.flatten_fields(pcpu_type)
        self.pointer_size = gdb.lookup_type("void").pointer().sizeof
        self.page_size = _page_size()
        self.big_endian = _byteorder() == "big"
        options = {"maxcpus": maxcpus} if maxcpus else {}
        # Inferior.read_memory itself is the read hook: the core calls it
        # with no Python frame in between (the hot path of every sum), takes
        # the buffer it returns, and reads gdb.MemoryError as "unreadable".
        self.kd = Kvm(symtab.symbol_address, inferior.read_memory,
                      pcpu_size=pcpu_type.sizeof,
                      pcpu_fields=self.pcpu_fields,
                      page_size=self.page_size,
                      pointer_size=self.pointer_size,
                      byteorder="big" if self.big_endian else "little",
                      zpcpu_stride=zpcpu_stride,
                      read_faults=gdb.MemoryError,
                      read_window=_read_window(inferior),
                      **options)
        self.cache = {}
        self.modules = None
        self.vnet_stacks = None
        self.thread_cpu = {}
        self.osreldate_value = None
        self.stopped = {}

    def invalidate(self):
        """Drop what was read from memory: the target ran or was written."""
        self.kd.clear_cache()
        self.modules = None
        self.vnet_stacks = None
        self.thread_cpu.clear()
        self.osreldate_value = None
        self.stopped.clear()

    @property
    def vimage(self):
        """Whether the kernel has options VIMAGE (a vnet0), looked up on
        first need: a $PCPU pays no VNET lookup."""
        return symtab.symbol_address("vnet0") is not None

    def has_field(self, name):
        """Whether struct pcpu has the member name."""
        return name in self.pcpu_fields

    def osreldate(self):
        """The kernel's osreldate (1403000 for 14.3), or None when it has
        none or it cannot be read."""
        if self.osreldate_value is None:
            sym = symtab.lookup_symbol("osreldate")
            addr = symtab.symbol_address("osreldate")
            if sym is None or addr is None:
                return None
            row = self.kd.read_fields([addr], [(0, sym.type.sizeof, "i")])[0]
            if row is None:
                return None
            self.osreldate_value = row[0]
        return self.osreldate_value

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
_settings = {"zpcpu_stride": 0, "maxcpus": 0}
_setcpu = None          # the CPU of the last dpcpu-setcpu, re-applied on rebuild


def _key(inferior):
    progspace = gdb.current_progspace()
    return (inferior.num, inferior.pid,
            compat.connection_num(inferior),
            progspace.filename if progspace is not None else None)


def current():
    """The Target of the selected inferior, built on first use."""
    global _current, _current_key
    inferior = gdb.selected_inferior()
    key = _key(inferior)
    if _current is None or _current_key != key:
        drop()
        _current = Target(inferior, **_settings)
        _current_key = key
        if _setcpu is not None:
            try:
                _current.kd.dpcpu_setcpu(_setcpu)
            except KvmError:
                pass
    return _current


def kvm():
    """The kgdb_pcpu._kvm.Kvm handle of the current inferior."""
    return current().kd


def dpcpu_setcpu(cpu):
    """kvm_dpcpu_setcpu on the current handle, remembered across rebuilds."""
    global _setcpu
    kvm().dpcpu_setcpu(cpu)
    _setcpu = cpu


def set_zpcpu_stride(stride):
    """set kgdb-pcpu zpcpu-stride: BYTES, 0 to detect; rebuilds the handle."""
    _settings["zpcpu_stride"] = stride
    drop()


def set_maxcpus(maxcpus):
    """set kgdb-pcpu maxcpus: N overrides mp_maxcpus, 0 reads the kernel's;
    rebuilds the handle."""
    _settings["maxcpus"] = maxcpus
    drop()


def drop(*_args):
    """Forget the handle: the program, its symbols or the inferior changed."""
    global _current, _current_key, _setcpu
    if _current is not None:
        try:
            _current.invalidate()
        except KvmError:
            pass
    if _args and isinstance(_args[0], gdb.ExitedEvent):
        _setcpu = None
    symtab.drop()
    _current = None
    _current_key = None


def invalidate(*_args):
    """Memory may have changed: keep the handle, drop what it has read."""
    if _current is not None:
        try:
            _current.invalidate()
        except KvmError:
            pass


def _called(event):
    """An inferior call ran kernel code, with no cont or stop event."""
    if compat.is_inferior_call_end(event):
        invalidate()


def _connect():
    for name in ("new_objfile", "free_objfile", "clear_objfiles", "exited",
                 "new_inferior", "inferior_deleted"):
        compat.connect(name, drop)
    for name in ("cont", "memory_changed", "stop"):
        compat.connect(name, invalidate)
    compat.connect("inferior_call", _called)


_connect()

