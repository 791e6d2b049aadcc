"""The default CPU: the one a command or function uses when given none, or -1.

As FreeBSD's own $PCPU (sys/tools/gdb) decides it (docs/FREEBSD.md): the
selected GDB thread's id is the kernel's td_tid (kgdb puts it in the ptid's
tid; a core file of a process has it in the lwp), and that thread's
td_oncpu is the default CPU.  When td_oncpu is NOCPU, the thread is
off-CPU: that is an error naming the thread, never a silent CPU 0.

dpcpu-setcpu N makes N the default CPU until dpcpu-setcpu auto; pcpu apply
makes each CPU in turn the default (using()).

The thread is looked for among the present CPUs' pc_curthread first (one
gathered read of every CPU's pc_curthread, then of those threads' td_tid,
td_oncpu and td_name), then on allproc.  What is found is kept per stop
(Target.thread_cpu).
"""

import contextlib

import gdb

from . import gtypes, interrupt, symtab, target
from ._kvm import KvmError

HELP = """\
The default CPU, used when no CPU is given or when the CPU is -1, is the CPU
set by "dpcpu-setcpu N"; after "dpcpu-setcpu auto" (the start), the CPU
running the selected thread (its td_oncpu), as FreeBSD's $PCPU does.  When
the selected thread is off-CPU, a command given no CPU says so."""

# The CPU of "dpcpu-setcpu N" (None: auto), and those of pcpu apply.
_explicit = None
_applied = []


class Thread:
    """What the default CPU is decided from: a kernel thread's td_tid,
    td_oncpu (None when the thread was not found) and td_name."""

    def __init__(self, tid, oncpu, name):
        self.tid = tid
        self.oncpu = oncpu
        self.name = name


def selected_thread():
    """The selected gdb.InferiorThread, or None."""
    try:
        return gdb.selected_thread()
    except gdb.error:
        return None


def selected_tid():
    """The kernel thread id of the selected GDB thread, or None."""
    thread = selected_thread()
    if thread is None:
        return None
    ptid = thread.ptid
    return (ptid[2] if ptid[2] else ptid[1]) or None


def _int(value, gtype):
    """value, a field of type gtype read unsigned, as C reads it."""
    bits = 8 * gtype.sizeof
    if gtypes.is_signed(gtype) and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def _nocpu(oncpu, gtype):
    """Whether td_oncpu holds NOCPU: (-1) for an int td_oncpu, 0xff for the
    u_char of old kernels (docs/FREEBSD.md)."""
    return oncpu == -1 or oncpu == (1 << (8 * gtype.sizeof)) - 1


class _Layout:
    """Offsets and types of the struct thread fields read here."""

    def __init__(self, thread_type):
        fields = {f.name: f for f in thread_type.strip_typedefs().fields()}
        offsets = gtypes.flatten_fields(thread_type)
        self.tid_type = fields["td_tid"].type
        self.oncpu_type = fields["td_oncpu"].type
        name_type = fields["td_name"].type if "td_name" in fields else None
        self.read = [(offsets["td_tid"], self.tid_type.sizeof, "u"),
                     (offsets["td_oncpu"], self.oncpu_type.sizeof, "u")]
        if name_type is not None:
            self.read.append((offsets["td_name"], name_type.sizeof, "s"))

    def thread(self, row):
        name = row[2] if len(row) > 2 else None
        return Thread(_int(row[0], self.tid_type),
                      _int(row[1], self.oncpu_type), name)


def _layout():
    thread_type = symtab.lookup_struct("thread")
    if thread_type is None:
        raise gdb.GdbError("no struct thread in the debug info: cannot find "
                           "the selected thread's CPU; give a CPU")
    return _Layout(thread_type)


def _curthreads_fast(tgt, layout):
    """The Thread of every present CPU's pc_curthread, by the core's
    gathered reads; None when the handle has no read_fields."""
    kd = tgt.kd
    if not hasattr(kd, "read_fields"):
        return None
    addrs = [kd.pcpu_addr(cpu) for cpu in kd.cpus()]
    rows = kd.read_fields(addrs, [(tgt.pcpu_fields["pc_curthread"],
                                   tgt.pointer_size, "u")])
    tds = [row[0] for row in rows if row is not None and row[0]]
    return [layout.thread(row) for row in kd.read_fields(tds, layout.read)
            if row is not None]


def _curthreads_values(tgt):
    """The Thread of every present CPU's pc_curthread, through gdb.Value."""
    found = []
    for cpu in tgt.kd.cpus():
        interrupt.check()
        try:
            td = tgt.pcpu_value(cpu)["pc_curthread"]
            if int(td) != 0:
                found.append(_value_thread(td.dereference()))
        except (gdb.error, KvmError):
            continue
    return found


def _value_thread(td):
    try:
        name = td["td_name"].string(length=-1)
    except (gdb.error, UnicodeDecodeError):
        name = None
    return Thread(int(td["td_tid"]), int(td["td_oncpu"]), name)


def _allproc_thread(tid):
    """The Thread whose td_tid is tid on allproc, or None (a list that
    loops back ends the search)."""
    sym = symtab.lookup_symbol("allproc")
    if sym is None or sym.needs_frame:
        return None
    seen = set()
    try:
        proc = sym.value()["lh_first"]
        while int(proc) != 0 and int(proc) not in seen:
            interrupt.check()
            seen.add(int(proc))
            td = proc["p_threads"]["tqh_first"]
            while int(td) != 0 and int(td) not in seen:
                seen.add(int(td))
                if int(td["td_tid"]) == tid:
                    return _value_thread(td.dereference())
                td = td["td_plist"]["tqe_next"]
            proc = proc["p_list"]["le_next"]
    except gdb.error:
        return None
    return None


def find_thread(tgt, tid):
    """The Thread of td_tid tid: a CPU's curthread, else on allproc, else
    Thread(tid, None, None)."""
    cached = tgt.thread_cpu.get(tid)
    if isinstance(cached, Thread):
        return cached
    layout = _layout()
    threads = _curthreads_fast(tgt, layout)
    if threads is None:
        threads = _curthreads_values(tgt)
    found = next((t for t in threads if t.tid == tid), None)
    if found is None:
        found = _allproc_thread(tid) or Thread(tid, None, None)
    if found.oncpu is not None and _nocpu(found.oncpu, layout.oncpu_type):
        found.oncpu = None
    tgt.thread_cpu[tid] = found
    return found


def _describe(gthread, found):
    """"thread 1, tid 2374 "sh"" for the messages."""
    text = "thread %d, tid %d" % (gthread.num, found.tid)
    name = found.name or gthread.name
    if name:
        text += ' "%s"' % name
    return text


def thread_cpu():
    """(the selected thread's CPU, "thread N, tid T "name"") or a
    gdb.GdbError saying why there is none."""
    gthread = selected_thread()
    tid = selected_tid()
    if gthread is None or tid is None:
        raise gdb.GdbError("No thread selected: give a CPU, or choose one "
                           "with dpcpu-setcpu N")
    tgt = target.current()
    found = find_thread(tgt, tid)
    who = _describe(gthread, found)
    if found.oncpu is None:
        raise gdb.GdbError("Currently selected thread is off-CPU (%s): give "
                           "a CPU, or choose one with dpcpu-setcpu N" % who)
    maxid = tgt.kd.getmaxid()
    if not 0 <= found.oncpu <= maxid:
        raise gdb.GdbError("Currently selected thread is on invalid CPU %d "
                           "(%s; mp_maxid is %d)" % (found.oncpu, who, maxid))
    return found.oncpu, who


def default_cpu():
    """The CPU to use when none is given (see HELP)."""
    if _applied:
        return _applied[-1]
    if _explicit is not None:
        return _explicit
    return thread_cpu()[0]


def explain():
    """One line: the CPU commands use now and why."""
    if _applied:
        return "Commands use CPU %d (pcpu apply)." % _applied[-1]
    if _explicit is not None:
        return ("Commands use CPU %d, set by dpcpu-setcpu (dpcpu-setcpu auto: "
                "the selected thread's CPU)." % _explicit)
    try:
        cpu, who = thread_cpu()
    except gdb.GdbError as err:
        return "Commands have no default CPU: %s." % err
    return "Commands use CPU %d, the CPU of the selected thread (%s)." % (cpu,
                                                                           who)


def explicit():
    """The CPU of dpcpu-setcpu N, or None after dpcpu-setcpu auto."""
    return _explicit


def set_cpu(cpu):
    """dpcpu-setcpu N: N, present, is the default CPU until set_auto();
    libkvm's current CPU too (kvm_dpcpu_setcpu)."""
    global _explicit
    target.kvm().dpcpu_setcpu(cpu)
    _explicit = cpu


def set_auto():
    """dpcpu-setcpu auto: the selected thread's CPU again."""
    global _explicit
    _explicit = None


@contextlib.contextmanager
def using(cpu):
    """The default CPU is cpu inside the with block (pcpu apply)."""
    _applied.append(cpu)
    try:
        yield cpu
    finally:
        _applied.pop()


def _exited(*_args):
    set_auto()


gdb.events.exited.connect(_exited)
