"""Settings: set kgdb-pcpu SETTING VALUE, show kgdb-pcpu [SETTING].

zpcpu-stride and maxcpus take a number or "auto" (and complete "auto"):
they are commands under the set/show prefixes, since a gdb.Parameter
cannot complete.  bar-width is a plain gdb.Parameter.
"""

import gdb

from . import target
from ._kvm import KvmError
from .errors import user_errors

AUTO = "auto"
# No kernel has more CPUs (cpus.CPU_LIMIT): a larger maxcpus is a typo.
MAXCPUS_LIMIT = 65536


class SetPrefix(gdb.Command):
    """Set kgdb-pcpu settings; alone, list them.

Usage: set kgdb-pcpu SETTING VALUE

SETTING is bar-width, maxcpus or zpcpu-stride: see "help set kgdb-pcpu
SETTING".  Without SETTING, lists the settings of kgdb-pcpu, the per-CPU
toolkit, with their values."""

    def __init__(self):
        super().__init__("set kgdb-pcpu", gdb.COMMAND_DATA, gdb.COMPLETE_NONE,
                         True)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError('Undefined set kgdb-pcpu command: "%s".  Try '
                               '"help set kgdb-pcpu".' % arg.strip())
        gdb.write("kgdb-pcpu settings (set kgdb-pcpu SETTING VALUE):\n")
        for name, value, summary, _line in _settings():
            gdb.write("  %-13s %-6s %s\n" % (name, value, summary))


class ShowPrefix(gdb.Command):
    """Show kgdb-pcpu settings.

Usage: show kgdb-pcpu [SETTING]

Without SETTING, shows every setting of kgdb-pcpu, the per-CPU toolkit."""

    def __init__(self):
        super().__init__("show kgdb-pcpu", gdb.COMMAND_DATA,
                         gdb.COMPLETE_NONE, True)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError('Undefined show kgdb-pcpu command: "%s".  Try '
                               '"help show kgdb-pcpu".' % arg.strip())
        for name, _value, _summary, line in _settings():
            gdb.write("%s: %s\n" % (name, line))


SetPrefix()
ShowPrefix()


class AutoSetting:
    """A setting that is "auto" (0) or a positive number: the commands
    "set kgdb-pcpu NAME" and "show kgdb-pcpu NAME"."""

    def __init__(self, name, summary, doc, limit, what, apply, show):
        self.name = name
        self.summary = summary
        self.value = 0
        self.limit = limit
        self.what = what
        self.apply = apply
        self.show_text = show
        setting = self

        class Set(gdb.Command):
            __doc__ = "Set %s.\n\n%s\n\nUsage: set kgdb-pcpu %s auto|N" % (
                summary, doc, name)

            def __init__(self):
                super().__init__("set kgdb-pcpu " + name, gdb.COMMAND_DATA)

            @user_errors
            def invoke(self, arg, from_tty):
                setting.set(arg)

            def complete(self, text, word):
                if word is None or text[:len(text) - len(word)].strip():
                    return []
                return [AUTO] if AUTO.startswith(word.lower()) else []

        class Show(gdb.Command):
            __doc__ = "Show %s.\n\n%s\n\nUsage: show kgdb-pcpu %s" % (
                summary, doc, name)

            def __init__(self):
                super().__init__("show kgdb-pcpu " + name, gdb.COMMAND_DATA,
                                 gdb.COMPLETE_NONE)

            @user_errors
            def invoke(self, arg, from_tty):
                if arg.strip():
                    raise gdb.GdbError("show kgdb-pcpu %s takes no argument"
                                       % name)
                gdb.write(setting.show() + "\n")

        Set()
        Show()

    def svalue(self):
        return AUTO if self.value == 0 else str(self.value)

    def set(self, arg):
        text = arg.strip().lower()
        if text == AUTO:
            value = 0
        else:
            try:
                value = int(text, 0)
            except ValueError:
                value = -1
            if not 0 <= value <= self.limit:
                raise gdb.GdbError("%s must be \"auto\" or %s, not \"%s\""
                                   % (self.name, self.what, arg.strip()))
        self.value = value
        self.apply(value)

    def show(self):
        return self.show_text(self)


def _show_stride(setting):
    text = "The distance between CPUs' UMA_ZONE_PCPU slots is %s" % (
        setting.svalue())
    if setting.value == 0:
        try:
            how, nbytes = target.kvm().zpcpu_stride()
            if nbytes:
                text += " (currently %s: %d bytes)" % (how, nbytes)
            else:
                text += " (currently %s)" % how
        except (KvmError, gdb.error):
            pass
    return text + "."


def _show_maxcpus(setting):
    if setting.value:
        return ("The number of CPU slots (mp_maxcpus) is %d, overriding the "
                "kernel's." % setting.value)
    text = "The number of CPU slots (mp_maxcpus) is auto"
    try:
        text += " (the kernel's: %d)" % target.kvm().getmaxcpu()
    except (KvmError, gdb.error):
        pass
    return text + "."


ZPCPU_STRIDE = AutoSetting(
    "zpcpu-stride", "the distance between CPUs' UMA_ZONE_PCPU slots",
    """The slots of counter(9) counters and other UMA_ZONE_PCPU allocations.
With "auto" (the default) it is found as the kernel finds it: pc_zpcpu_offset
of each CPU's struct pcpu when the kernel has that field (FreeBSD 13 and
newer), else PAGE_SIZE (12), else sizeof(struct pcpu) (11 and older).  A
number of bytes overrides it for every CPU (CPU n's slot is then at
base + n * BYTES).""",
    (1 << 63) - 1, "a positive number of bytes", target.set_zpcpu_stride,
    _show_stride)

MAXCPUS = AutoSetting(
    "maxcpus", "the number of CPU slots (mp_maxcpus)",
    """The kernel's mp_maxcpus (MAXCPU) bounds every CPU id and the tables
indexed by CPU (cpuid_to_pcpu, dpcpu_off).  On a damaged dump that holds
garbage there, a number N overrides it: CPU ids are then below N.  "auto"
(the default) reads the kernel's.""",
    MAXCPUS_LIMIT, "a number of CPUs from 1 to %d" % MAXCPUS_LIMIT,
    target.set_maxcpus, _show_maxcpus)


class BarWidth(gdb.Parameter):
    """The largest per-CPU slot of counter-fetch -v gets a bar this many
characters long; 0 draws no bars."""

    set_doc = "Set the width of counter-fetch -v bars."
    show_doc = "Show the width of counter-fetch -v bars."
    short_name = "bar-width"
    summary = "the width of counter-fetch -v bars"

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


BAR_WIDTH = BarWidth()


def _settings():
    """(name, value, summary, show line) of every setting, by name."""
    return [(BAR_WIDTH.short_name, BAR_WIDTH.svalue(), BarWidth.summary,
             BAR_WIDTH.get_show_string(BAR_WIDTH.svalue())),
            (MAXCPUS.name, MAXCPUS.svalue(), MAXCPUS.summary, MAXCPUS.show()),
            (ZPCPU_STRIDE.name, ZPCPU_STRIDE.svalue(), ZPCPU_STRIDE.summary,
             ZPCPU_STRIDE.show())]


def bar_width():
    return int(BAR_WIDTH.value or 0)
