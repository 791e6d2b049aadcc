"""dpcpu-setcpu: choose the default CPU, or say which one commands use."""

import gdb

from . import cpus, default_cpu
from .errors import user_errors

AUTO = "auto"


class DpcpuSetcpuCommand(gdb.Command):
    """Set the default CPU of the per-CPU commands, or show it.

Usage: dpcpu-setcpu [CPU | auto]

CPU is a present CPU: a number or an expression ($c, mp_maxid - 1).  It
becomes the default CPU of every kgdb-pcpu command and function, and
libkvm's current CPU (kvm_dpcpu_setcpu), until "dpcpu-setcpu auto".  With
auto (the start), the default CPU is the CPU running the selected thread,
its td_oncpu, as FreeBSD's $PCPU does; a command given no CPU while that
thread is off-CPU says so.

Without an argument, says which CPU commands use now, and why.  See
"help kgdb-pcpu" for every per-CPU command.

Examples:
  dpcpu-setcpu 2
  dpcpu-setcpu
  dpcpu-setcpu auto"""

    def __init__(self):
        super().__init__("dpcpu-setcpu", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if not arg:
            gdb.write(default_cpu.explain() + "\n")
        elif arg.lower() == AUTO:
            default_cpu.set_auto()
        else:
            default_cpu.set_cpu(cpus.parse_one(arg))

    def complete(self, text, word):
        if word is None or text[:len(text) - len(word)].strip():
            return []
        words = cpus.complete(text, word, allow_all=False)
        return ([AUTO] if AUTO.startswith(word) else []) + words


DpcpuSetcpuCommand()
