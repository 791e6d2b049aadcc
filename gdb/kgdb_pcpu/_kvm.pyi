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

class Kvm:
    """A handle on one kernel target: the per-CPU state of libkvm's kvm_t."""

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
    ) -> None:
        """pcpu_size is sizeof(struct pcpu); pcpu_fields maps the member names of
        struct pcpu to their byte offsets (a kernel without pc_zpcpu_offset simply
        leaves it out).  zpcpu_stride, when not 0, overrides the detected stride of
        UMA_ZONE_PCPU slots (set kgdb-pcpu zpcpu-stride).  read_faults: the
        exception(s) read raises for unreadable memory, when it does not
        return None (gdb.MemoryError for Inferior.read_memory, passed as read).
        read_window: per-CPU values within this many bytes of each other are
        read together, the bytes between dropped (local targets: a read costs
        per call, not per byte); 0 reads each value alone (remote targets)."""
    def lookup(self, name: str) -> int: ...   # KvmError "unable to find NAME"
    def read(self, address: int, size: int) -> bytes: ...
    def read_uints(self, addrs: Sequence[int], size: int) -> list[Optional[int]]: ...  # None: unreadable
    def getmaxcpu(self) -> int: ...           # mp_maxcpus
    def getncpus(self) -> int: ...            # mp_ncpus
    def getmaxid(self) -> int: ...            # mp_maxid
    def cpus(self) -> list[int]: ...          # present CPUs, CPU_FOREACH order
    def getpcpu(self, cpu: int) -> Optional[bytes]: ...   # None: absent CPU
    def pcpu_addr(self, cpu: int) -> Optional[int]: ...   # cpuid_to_pcpu[cpu], None: absent
    def dpcpu_setcpu(self, cpu: int) -> None: ...
    def dpcpu_curcpu(self) -> int: ...
    def dpcpu_off(self, cpu: int) -> int: ...             # KvmError for an absent CPU
    def dpcpu_bounds(self) -> tuple[int, int]: ...        # (__start_set_pcpu, __stop_set_pcpu)
    def dpcpu_addr(self, addr: int, cpu: Optional[int] = None) -> int: ...  # None: dpcpu_curcpu()
    def dpcpu_set_modules(self, mods: Sequence[tuple[int, int, int]]) -> None: ...  # (start, stop, base)
    def vnet_bounds(self) -> tuple[int, int]: ...         # (__start_set_vnet, __stop_set_vnet)
    def vnet_set_modules(self, mods: Sequence[tuple[int, int, int]]) -> None: ...
    def vnet_addr(self, addr: int, vnet_data_base: int) -> int: ...
    def zpcpu_addr(self, base: int, cpu: int) -> int: ...
    def zpcpu_stride(self) -> tuple[str, int]: ...        # (how it was decided, bytes or 0 for pc_zpcpu_offset)
    def read_zpcpu(self, base: int, size: int, cpu: int) -> bytes: ...
    def counter_u64_fetch(self, base: int) -> int: ...
    def counter_u64_slots(self, base: int) -> list[tuple[int, int]]: ...  # (cpu, slot value)
    def counter_u64_fetch_array(self, bases: Sequence[int]) -> list[int]: ...
    def clear_cache(self) -> None: ...
    # open_elf() handles only (the ELF target reads symbols and DWARF itself):
    def symbol_size(self, name: str) -> int: ...
    def struct_members(self, tag: str) -> list[Member]: ...
    def variable_type(self, name: str) -> Member: ...     # name None, offset 0

def open_elf(kernel_path: str, core_path: str, *, zpcpu_stride: int = 0) -> Kvm: ...

# libkvm's own API, return values and all: for scripts ported from C and for the tests
# that pin libkvm compatibility.  kd None clears the caches of every handle.
def kvm_getmaxcpu(kd: Optional[Kvm]) -> int: ...
def kvm_getncpus(kd: Kvm) -> int: ...
def kvm_getpcpu(kd: Optional[Kvm], cpu: int) -> Union[bytes, None, int]: ...  # -1 on error
def kvm_dpcpu_setcpu(kd: Kvm, cpu: int) -> int: ...
def kvm_read_zpcpu(kd: Kvm, base: int, size: int, cpu: int) -> Union[bytes, int]: ...
def kvm_counter_u64_fetch(kd: Kvm, base: int) -> int: ...
def kvm_geterr(kd: Kvm) -> str: ...
