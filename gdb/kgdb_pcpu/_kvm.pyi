"""Type stub of the C extension kgdb_pcpu._kvm (native/py_*.c)."""

from typing import Callable, Mapping, Optional, Sequence, Union

Lookup = Callable[[str], Optional[int]]
"""lookup(name) -> address of the symbol, or None when there is no such symbol."""

Read = Callable[[int, int], Optional[bytes]]
"""read(address, size) -> exactly size bytes, or None when the memory cannot be read.
Any exception it raises travels out of the calling method unchanged."""

Member = tuple[Optional[str], int, int, str, str, int, Optional[str]]
"""(name, offset, size, kind, elem_kind, elem_size, tag) from DWARF; kind and
elem_kind are "int", "uint", "pointer", "array" or "struct"; tag is the
struct/union tag of the type (of the element, for an array), or None."""

class KvmError(Exception):
    """Every failure of the per-CPU core. str(e) is one line saying what and where.

    Out of memory is MemoryError, an interrupt KeyboardInterrupt, and an
    exception raised by a target callback comes out of the method unchanged."""
    address: Optional[int]  # the address concerned (a fault's, a refused one's), else None

class CpuAbsentError(KvmError): ...    # "CPU N not found"
class CpuRangeError(KvmError): ...     # "CPU N too big (mp_maxcpus is M)"
class FaultError(KvmError): ...        # unreadable memory; .address is where
class NotPerCpuError(KvmError): ...    # outside set_pcpu/set_vnet and every module's; .address
class SymbolError(KvmError): ...       # a symbol the kernel must export is missing
class CorruptError(KvmError): ...      # values no kernel would hold (.address when one is named)
class NullCounterError(KvmError): ...  # "counter is NULL (not allocated)"
class InvalidError(KvmError): ...      # any other bad argument or unusable file

Field = tuple[int, int, str]
"""(offset, size, kind) of a field of a record: kind "u" an unsigned integer and "i" a
signed one (1 to 8 bytes, target byte order), "s" a char array of size bytes, returned
as str up to its first NUL (bytes that are not UTF-8 replaced)."""

class Kvm:
    """A handle on one kernel target: the per-CPU state of libkvm's kvm_t.

    Errors are KvmError subclasses (CpuAbsentError, FaultError, ...); an exception
    raised by lookup or read comes out of the method unchanged."""

    pointer_size: int   # the target's, 4 or 8 (read-only)
    byteorder: str      # the target's, "little" or "big" (read-only)

    def __init__(
        self,
        lookup: Lookup,
        read: Read,
        *,
        pcpu_size: int,
        pcpu_fields: Mapping[str, int],
        page_size: int = 4096,
        pointer_size: int = 8,
        byteorder: str = "little",
        zpcpu_stride: int = 0,
        read_faults: Union[type, tuple, None] = None,
        read_window: int = 0,
        maxcpus: int = 0,
    ) -> None:
        """pcpu_size is sizeof(struct pcpu); pcpu_fields maps the member names of
        struct pcpu to their byte offsets (a kernel without pc_zpcpu_offset simply
        leaves it out).  zpcpu_stride, when not 0, overrides the detected stride of
        UMA_ZONE_PCPU slots (set kgdb-pcpu zpcpu-stride).  read_faults: the
        exception(s) read raises for unreadable memory, when it does not
        return None (gdb.MemoryError for Inferior.read_memory, passed as read).
        read_window: per-CPU values within this many bytes of each other are
        read together, the bytes between dropped (local targets: a read costs
        per call, not per byte); 0 reads each value alone (remote targets).
        maxcpus, when not 0, replaces a garbage mp_maxcpus (InvalidError past 65536)."""
    # CPUs
    def getmaxcpu(self) -> int: ...           # mp_maxcpus
    def getncpus(self) -> int: ...            # mp_ncpus
    def getmaxid(self) -> int: ...            # mp_maxid
    def cpus(self) -> list[int]: ...          # present CPUs, CPU_FOREACH order
    def getpcpu(self, cpu: int) -> Optional[bytes]: ...   # None: absent CPU
    def pcpu_addr(self, cpu: int) -> Optional[int]: ...   # cpuid_to_pcpu[cpu], None: absent
    def clear_cache(self) -> None: ...
    # Values out of memory, decoded in the target's byte order and pointer size
    def read_uints(self, addrs: Sequence[int], size: int) -> list[Optional[int]]: ...  # None: unreadable
    def read_fields(self, addrs: Sequence[int], fields: Sequence[Field]) -> list[Optional[tuple]]:
        """Per address, a tuple of the fields' values (int, or str for "s"), or None
        when the address is 0 or unreadable; one gathered read per address span."""
    def read_pointers(self, addr: int, count: int) -> list[int]: ...  # FaultError if unreadable
    def walk_list(self, first: int, next_offset: int, limit: int = 1000000) -> list[int]:
        """The element addresses of a sys/queue.h list from first, following the pointer
        at next_offset until 0.  CorruptError (.address) on a loop or past limit,
        FaultError if a link cannot be read."""
    # DPCPU and VNET
    def dpcpu_setcpu(self, cpu: int) -> None: ...
    def dpcpu_curcpu(self) -> int: ...
    def dpcpu_off(self, cpu: int) -> int: ...             # CpuAbsentError for a CPU without DPCPU
    def dpcpu_bounds(self) -> tuple[int, int]: ...        # (__start_set_pcpu, __stop_set_pcpu)
    def dpcpu_addr(self, addr: int, cpu: Optional[int] = None) -> int: ...  # None: dpcpu_curcpu()
    def dpcpu_template(self, addr: int) -> int: ...       # a module's relocated; NotPerCpuError outside
    def dpcpu_fields(self, addr: int, cpus: Sequence[int], fields: Sequence[Field]) -> list[Optional[tuple]]:
        """read_fields() of each CPU's copy of the DPCPU object at addr (None where
        unreadable); CpuAbsentError/CpuRangeError for a CPU not present."""
    def dpcpu_read(self, addr: int, size: int, cpus: Sequence[int]) -> list[Optional[bytes]]:
        """Each CPU's copy (size bytes) of the DPCPU object at addr, None where
        unreadable; the same errors as dpcpu_fields."""
    def dpcpu_set_modules(self, mods: Sequence[tuple[int, int, int]]) -> None: ...  # (start, stop, base)
    def vnet_bounds(self) -> tuple[int, int]: ...         # (__start_set_vnet, __stop_set_vnet)
    def vnet_set_modules(self, mods: Sequence[tuple[int, int, int]]) -> None: ...
    def vnet_template(self, addr: int) -> int: ...        # as dpcpu_template, for set_vnet
    def vnet_addr(self, addr: int, vnet_data_base: int) -> int: ...
    # zpcpu and counter(9): a base of 0 is NullCounterError everywhere
    def zpcpu_addr(self, base: int, cpu: int) -> int: ...
    def zpcpu_stride(self) -> tuple[str, int]: ...        # (how it was decided, bytes or 0 for pc_zpcpu_offset)
    def read_zpcpu(self, base: int, size: int, cpu: int) -> bytes: ...
    def counter_u64_fetch(self, base: int) -> int: ...
    def counter_u64_slots(self, base: int, cpus: Optional[Sequence[int]] = None) -> list[tuple[int, int]]:
        """(cpu, slot value) per CPU of cpus, in that order (None: every present CPU,
        in CPU_FOREACH order); CpuAbsentError/CpuRangeError for a CPU not present."""
    def counter_u64_fetch_array(self, bases: Sequence[int]) -> list[int]: ...
    def counter_u64_fetch_partial(self, bases: Sequence[int]) -> tuple[list[int], list[int]]:
        """(sums, missing): each counter summed over the CPUs whose slot could be read,
        and the sorted CPUs left out for any of them."""

class ElfKvm(Kvm):
    """A handle on a kernel ELF file and an ELF core file, without GDB: reads the
    kernel's symbol table and DWARF itself."""

    def __init__(self, kernel: str, core: str, *, zpcpu_stride: int = 0, maxcpus: int = 0) -> None: ...
    def lookup(self, name: str) -> int: ...   # SymbolError "unable to find NAME"
    def symbol_size(self, name: str) -> int: ...
    def read(self, address: int, size: int) -> bytes: ...  # FaultError if unreadable
    def struct_members(self, tag: str) -> list[Member]: ...
    def variable_type(self, name: str) -> Member: ...     # name None, offset 0

def elf_symbol_names(path: str, prefix: str = "") -> list[str]: ...  # sorted, each once, of .symtab
def elf_symbol_addresses(path: str, names: Sequence[str]) -> dict[str, int]: ...  # those in .symtab

# libkvm's own API, return values and all: for scripts ported from C and for the tests
# that pin libkvm compatibility.  kd None clears the caches of every handle.
def kvm_getmaxcpu(kd: Optional[Kvm]) -> int: ...
def kvm_getncpus(kd: Kvm) -> int: ...
def kvm_getpcpu(kd: Optional[Kvm], cpu: int) -> Union[bytes, None, int]: ...  # -1 on error
def kvm_dpcpu_setcpu(kd: Kvm, cpu: int) -> int: ...
def kvm_read_zpcpu(kd: Kvm, base: int, size: int, cpu: int) -> Union[bytes, int]: ...
def kvm_counter_u64_fetch(kd: Kvm, base: int) -> int: ...
def kvm_geterr(kd: Kvm) -> str: ...
