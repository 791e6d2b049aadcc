"""The CPU a command or function uses when it is given none.

As kgdb and FreeBSD's sys/tools/gdb do: the CPU of the selected thread.  The
selected GDB thread's id is the kernel's td_tid (kgdb puts it in the ptid's
tid, a core file of a process in its lwp); the CPU whose pc_curthread has
that td_tid is running it, and the thread's td_oncpu names that CPU.  When
no present CPU runs the selected thread (it is off-CPU, or there is no
thread), or with "set kgdb-pcpu follow-thread off", it is libkvm's current
CPU: the one set by dpcpu-setcpu, 0 until then.
"""

import gdb

from . import interrupt, parameters, target
from ._kvm import KvmError

HELP = """\
The default CPU, used when no CPU is given, is the CPU running the selected
thread (the CPU whose curthread has the selected thread's tid: its td_oncpu);
when no CPU runs it, or with "set kgdb-pcpu follow-thread off", the CPU set
by dpcpu-setcpu (0 until then)."""


def selected_tid():
    """The kernel thread id of the selected GDB thread, or None."""
    try:
        thread = gdb.selected_thread()
    except gdb.error:
        return None
    if thread is None:
        return None
    ptid = thread.ptid
    tid = ptid[2] if ptid[2] else ptid[1]
    return tid or None


def _thread_type_has(field):
    thread_type = target.lookup_struct("thread")
    if thread_type is None:
        return False
    try:
        return any(f.name == field for f in thread_type.strip_typedefs().fields())
    except TypeError:
        return False


def cpu_of_thread(tgt, tid):
    """The present CPU whose curthread has td_tid == tid, or None."""
    if tid in tgt.thread_cpu:
        return tgt.thread_cpu[tid]
    found = None
    kd = tgt.kd
    present = kd.cpus()
    has_oncpu = _thread_type_has("td_oncpu")
    for cpu in present:
        interrupt.check()
        try:
            td = tgt.pcpu_value(cpu)["pc_curthread"]
            if int(td) == 0:
                continue
            td = td.dereference()
            if int(td["td_tid"]) != tid:
                continue
            found = cpu
            if has_oncpu:
                oncpu = int(td["td_oncpu"])
                if oncpu in present:
                    found = oncpu
            break
        except (gdb.error, KvmError):
            continue
    tgt.thread_cpu[tid] = found
    return found


def default_cpu():
    """The CPU to use when none is given (see HELP)."""
    tgt = target.current()
    if parameters.follow_thread():
        tid = selected_tid()
        if tid is not None:
            cpu = cpu_of_thread(tgt, tid)
            if cpu is not None:
                return cpu
    return tgt.kd.dpcpu_curcpu()
