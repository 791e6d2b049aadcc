# The session `make demo` shows: kgdb-pcpu on the default fixture dump
# (amd64-15.0).  README.md pastes its output under "A session".
echo (kgdb) pcpu -l\n
pcpu -l
echo \n(kgdb) pcpu 2\n
pcpu 2
echo \n(kgdb) dpcpu-print dpcpu_int\n
dpcpu-print dpcpu_int
echo \n(kgdb) print pcpu_entry_dpcpu_int      # the template, not any CPU's value\n
print pcpu_entry_dpcpu_int
echo \n(kgdb) dpcpu-print -s dpcpu_stats.ds_calls\n
dpcpu-print -s dpcpu_stats.ds_calls
echo \n(kgdb) counter-fetch vm_cnt.v_swtch\n
counter-fetch vm_cnt.v_swtch
echo \n(kgdb) counter-fetch -v vm_cnt.v_syscall\n
counter-fetch -v vm_cnt.v_syscall
echo \n(kgdb) counter-fetch vm_cnt                # vmstat -s\n
counter-fetch vm_cnt
echo \n(kgdb) print $pcpu(1).pc_curthread->td_name\n
print $pcpu(1).pc_curthread->td_name
echo \n(kgdb) print $counter(vm_cnt.v_trap) + $counter(vm_cnt.v_syscall)\n
print $counter(vm_cnt.v_trap) + $counter(vm_cnt.v_syscall)
