"""kgdb-pcpu: the overview of every per-CPU command, function and setting."""

import gdb

from .errors import user_errors


class KgdbPcpuCommand(gdb.Command):
    """Overview of kgdb-pcpu: FreeBSD per-CPU data (struct pcpu, DPCPU, counter(9), VNET).

Usage: kgdb-pcpu

CPUS, in every command, is a CPU list: 2, 0-3,8, all; each end may be an
expression ($c, mp_maxid - 1, 0-$c); -1 is the default CPU.  The default
CPU is the CPU running the selected thread, or the one set by dpcpu-setcpu.
An absent CPU is "CPU N not found".

Commands:
  pcpu [CPUS]           a CPU's struct pcpu as ddb's "show pcpu" prints it
  pcpu -r [CPU]         the struct pcpu as print shows it
  pcpu -l [CPUS]        one line per CPU: the present CPUs and curthreads
  pcpu apply CPUS CMD   run CMD once per CPU, that CPU the default
  dpcpu-print NAME[.path] [CPUS]   a DPCPU variable on each CPU (-s: totals)
  dpcpu-off             each CPU's DPCPU offset (ddb's show dpcpu_off)
  dpcpu-setcpu [N|auto] choose the default CPU, or say which one is used
  counter-fetch EXPR    a counter(9) counter summed over the CPUs (-v: slots)
  vnet-list             the VNET network stacks and their jails
  vnet-print NAME [VNET]   a VNET variable in each network stack

Functions:
  $pcpu([CPU])          a CPU's struct pcpu
  $PCPU(FIELD [, CPU])  a struct pcpu member or DPCPU variable (FreeBSD's)
  $dpcpu(NAME [, CPU])  a CPU's copy of a DPCPU variable
  $dpcpu_ptr(NAME [, CPU])   a pointer to it
  $counter(EXPR)        the sum of a counter(9) counter
  $V(NAME [, VNET])     a VNET variable of a vnet (FreeBSD's)
  $maxcpu()  $ncpus()   mp_maxcpus and mp_ncpus
  $CPU_FIRST()  $CPU_NEXT(N)  $CPU_ABSENT(N)   the kernel's CPU iterators

Settings (set kgdb-pcpu alone lists them; show kgdb-pcpu):
  set kgdb-pcpu bar-width N          the width of counter-fetch -v bars
  set kgdb-pcpu maxcpus auto|N       override a garbage mp_maxcpus
  set kgdb-pcpu zpcpu-stride auto|N  the distance of UMA_ZONE_PCPU slots

"help COMMAND" and "help function NAME" tell more; "apropos per-CPU" lists
them all."""

    def __init__(self):
        super().__init__("kgdb-pcpu", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("kgdb-pcpu takes no argument: see "
                               "\"help kgdb-pcpu\"")
        gdb.write(self.__doc__ + "\n")


KgdbPcpuCommand()
