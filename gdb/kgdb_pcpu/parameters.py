"""Settings: set kgdb-pcpu ... / show kgdb-pcpu ..."""

import gdb

from . import target
from ._kvm import KvmError


class SetPrefix(gdb.Command):
    """Set kgdb-pcpu settings.

Usage: set kgdb-pcpu SETTING VALUE

SETTING is one of follow-thread, zpcpu-stride, bar-width: see
"help set kgdb-pcpu SETTING"."""

    def __init__(self):
        super().__init__("set kgdb-pcpu", gdb.COMMAND_DATA, gdb.COMPLETE_NONE,
                         True)


class ShowPrefix(gdb.Command):
    """Show kgdb-pcpu settings.

Usage: show kgdb-pcpu [SETTING]

Without SETTING, shows every setting."""

    def __init__(self):
        super().__init__("show kgdb-pcpu", gdb.COMMAND_DATA,
                         gdb.COMPLETE_NONE, True)

    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError('Undefined show kgdb-pcpu command: "%s".'
                               % arg.strip())
        for param in (FOLLOW_THREAD, ZPCPU_STRIDE, BAR_WIDTH):
            gdb.write("%s: %s\n" % (param.short_name,
                                    param.get_show_string(param.svalue())))


class FollowThread(gdb.Parameter):
    """Set whether the default CPU is the CPU of the selected thread.

When on (the default), a command or function given no CPU uses the CPU whose
curthread is the selected GDB thread (its td_oncpu), as kgdb and FreeBSD's
$PCPU do; when the selected thread is not running on any CPU, or when off,
the CPU set by dpcpu-setcpu (0 until then)."""

    set_doc = "Set whether the default CPU is the CPU of the selected thread."
    show_doc = "Show whether the default CPU is the CPU of the selected thread."
    short_name = "follow-thread"

    def __init__(self):
        super().__init__("kgdb-pcpu follow-thread", gdb.COMMAND_DATA,
                         gdb.PARAM_BOOLEAN)
        self.value = True

    def get_set_string(self):
        return ""

    def svalue(self):
        return "on" if self.value else "off"

    def get_show_string(self, svalue):
        return ("Whether the default CPU is the CPU of the selected thread "
                "is %s." % svalue)


class ZpcpuStride(gdb.Parameter):
    """Set the distance between CPUs' slots of UMA_ZONE_PCPU allocations.

The slots of counter(9) counters and other UMA_ZONE_PCPU allocations.  With
"auto" (the default) it is found as the kernel finds it: pc_zpcpu_offset of
each CPU's struct pcpu when the kernel has that field (FreeBSD 13 and newer),
else PAGE_SIZE (12), else sizeof(struct pcpu) (11 and older).  A number of
bytes overrides it for every CPU (CPU n's slot is then at base + n * BYTES).

Usage: set kgdb-pcpu zpcpu-stride auto|BYTES"""

    set_doc = "Set the distance between CPUs' UMA_ZONE_PCPU slots."
    show_doc = "Show the distance between CPUs' UMA_ZONE_PCPU slots."
    short_name = "zpcpu-stride"

    def __init__(self):
        super().__init__("kgdb-pcpu zpcpu-stride", gdb.COMMAND_DATA,
                         gdb.PARAM_STRING)
        self.value = "auto"
        self._good = "auto"
        self.stride = 0

    def get_set_string(self):
        text = (self.value or "").strip().lower()
        if text in ("", "auto"):
            stride = 0
            text = "auto"
        else:
            try:
                stride = int(text, 0)
            except ValueError:
                stride = -1
            if stride <= 0 or stride >= 2 ** 63:
                self.value = self._good
                raise gdb.GdbError(
                    "zpcpu-stride must be \"auto\" or a positive number of "
                    "bytes, not \"%s\"" % text)
        self.value = self._good = text
        self.stride = stride
        target.set_zpcpu_stride(stride)
        return ""

    def svalue(self):
        return self.value

    def get_show_string(self, svalue):
        text = "The distance between CPUs' UMA_ZONE_PCPU slots is %s" % svalue
        if self.stride == 0:
            try:
                how, nbytes = target.kvm().zpcpu_stride()
                if nbytes:
                    text += " (currently %s: %d bytes)" % (how, nbytes)
                else:
                    text += " (currently %s)" % how
            except (KvmError, gdb.error):
                pass
        return text + "."


class BarWidth(gdb.Parameter):
    """Set the width of the bars that counter-fetch -v draws.

The largest per-CPU slot gets a bar this many characters long; 0 draws no
bars."""

    set_doc = "Set the width of counter-fetch -v bars."
    show_doc = "Show the width of counter-fetch -v bars."
    short_name = "bar-width"

    def __init__(self):
        super().__init__("kgdb-pcpu bar-width", gdb.COMMAND_DATA,
                         gdb.PARAM_ZUINTEGER)
        self.value = 30

    def get_set_string(self):
        return ""

    def svalue(self):
        return str(self.value)

    def get_show_string(self, svalue):
        return "The width of counter-fetch -v bars is %s." % svalue


SetPrefix()
ShowPrefix()
FOLLOW_THREAD = FollowThread()
ZPCPU_STRIDE = ZpcpuStride()
BAR_WIDTH = BarWidth()


def follow_thread():
    return bool(FOLLOW_THREAD.value)


def bar_width():
    return int(BAR_WIDTH.value or 0)
