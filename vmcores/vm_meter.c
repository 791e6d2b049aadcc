/*-
 * Fixture kernel: vm_cnt, the system-wide statistics of
 * sys/vm/vm_meter.c.  From 12.x its first VM_METER_NCOUNTERS members are
 * counters, which vmcounter_startup() allocates; on 11.x every member is
 * a u_int, and each CPU counts its share of the statistics in pc_cnt.
 */

#include "fixture.h"

struct vmmeter vm_cnt VMMETER_ALIGNED;

/* The plain members both eras have, as vm_pageout.c sizes them. */
static void
vmcounter_constants(void)
{

	vm_cnt.v_page_size = PAGE_SIZE;
	vm_cnt.v_page_count = 1048576;
	vm_cnt.v_free_reserved = 1739;
	vm_cnt.v_free_target = 22112;
	vm_cnt.v_free_min = 6592;
	vm_cnt.v_inactive_target = 33168;
	vm_cnt.v_pageout_free_min = 34;
	vm_cnt.v_interrupt_free_min = 2;
	vm_cnt.v_free_severe = 4165;
}

static void
truth_vm_cnt_constants(FILE *f)
{

	json_begin(f, "uint", '{');
	json_u64(f, "v_page_size", vm_cnt.v_page_size);
	json_u64(f, "v_page_count", vm_cnt.v_page_count);
	json_u64(f, "v_free_reserved", vm_cnt.v_free_reserved);
	json_u64(f, "v_free_target", vm_cnt.v_free_target);
	json_u64(f, "v_free_min", vm_cnt.v_free_min);
	json_u64(f, "v_inactive_target", vm_cnt.v_inactive_target);
	json_u64(f, "v_pageout_free_min", vm_cnt.v_pageout_free_min);
	json_u64(f, "v_interrupt_free_min", vm_cnt.v_interrupt_free_min);
	json_u64(f, "v_free_severe", vm_cnt.v_free_severe);
	json_end(f, '}');
}

#if __FreeBSD_version >= 1200000
static const char *const vm_cnt_fields[] = {
	"v_swtch", "v_trap", "v_syscall", "v_intr", "v_soft",
	"v_vm_faults", "v_io_faults", "v_cow_faults", "v_cow_optim",
	"v_zfod", "v_ozfod", "v_swapin", "v_swapout", "v_swappgsin",
	"v_swappgsout", "v_vnodein", "v_vnodeout", "v_vnodepgsin",
	"v_vnodepgsout", "v_intrans", "v_reactivated", "v_pdwakeups",
	"v_pdpages", "v_pdshortfalls", "v_dfree", "v_pfree", "v_tfree",
	"v_forks", "v_vforks", "v_rforks", "v_kthreads", "v_forkpages",
	"v_vforkpages", "v_rforkpages", "v_kthreadpages", "v_wire_count",
};
_Static_assert(sizeof(vm_cnt_fields) / sizeof(vm_cnt_fields[0]) ==
    VM_METER_NCOUNTERS, "a name for each vm_cnt counter");
static char vm_cnt_names[VM_METER_NCOUNTERS][32];

void
vmcounter_startup(void)
{
	counter_u64_t *cnt = (counter_u64_t *)&vm_cnt;
	u_int i;

	COUNTER_ARRAY_ALLOC(cnt, VM_METER_NCOUNTERS);
	for (i = 0; i < VM_METER_NCOUNTERS; i++) {
		snprintf(vm_cnt_names[i], sizeof(vm_cnt_names[i]), "vm_cnt.%s",
		    vm_cnt_fields[i]);
		counter_register(vm_cnt_names[i], &cnt[i],
		    &cnt[i] == &vm_cnt.v_intr ? CK_ZERO :
		    &cnt[i] == &vm_cnt.v_soft ? CK_WRAP : CK_NORMAL);
	}
	vmcounter_constants();
}

/*
 * vm_cnt as "vmstat -s" reads it: each counter member summed over the
 * CPUs (vcnt(), VM_CNT_FETCH), then the plain members.
 */
void
truth_vm_cnt(FILE *f)
{
	counter_u64_t *cnt = (counter_u64_t *)&vm_cnt;
	u_int i;

	json_begin(f, "vm_cnt", '{');
	json_str(f, "struct", "struct vmmeter");
	json_u64(f, "addr", (uintptr_t)&vm_cnt);
	json_bool(f, "counters", true);
	json_begin(f, "fields", '[');
	for (i = 0; i < VM_METER_NCOUNTERS; i++)
		json_str(f, NULL, vm_cnt_fields[i]);
	json_end(f, ']');
	json_begin(f, "values", '[');
	for (i = 0; i < VM_METER_NCOUNTERS; i++)
		json_u64(f, NULL, (uintptr_t)cnt[i]);
	json_end(f, ']');
	json_begin(f, "sums", '[');
	for (i = 0; i < VM_METER_NCOUNTERS; i++)
		json_u64(f, NULL, counter_u64_fetch(cnt[i]));
	json_end(f, ']');
	truth_vm_cnt_constants(f);
	json_end(f, '}');
}
#else
/* 11.x: each CPU's own statistics, written where PCPU_INC() puts them. */
void
vmcounter_startup(void)
{
	struct pcpu *pc;
	u_int cpu;

	CPU_FOREACH(cpu) {
		pc = cpuid_to_pcpu[cpu];
		pc->pc_cnt.v_swtch = 9000000 + 1000 * cpu;
		pc->pc_cnt.v_trap = 8000000 + 100 * cpu;
		pc->pc_cnt.v_syscall = 7000000 + 10 * cpu;
		pc->pc_cnt.v_intr = 0;
		pc->pc_cnt.v_soft = 6000000 + cpu;
	}
	vm_cnt.v_free_count = 812345;
	vm_cnt.v_wire_count = 123456;
	vmcounter_constants();
}

void
truth_vm_cnt(FILE *f)
{

	json_begin(f, "vm_cnt", '{');
	json_str(f, "struct", "struct vmmeter");
	json_u64(f, "addr", (uintptr_t)&vm_cnt);
	json_bool(f, "counters", false);
	truth_vm_cnt_constants(f);
	json_u64(f, "v_free_count", vm_cnt.v_free_count);
	json_u64(f, "v_wire_count", vm_cnt.v_wire_count);
	json_end(f, '}');
}

/* The five statistics every CPU counted, as truth_pcpu() records them. */
void
truth_pc_cnt(FILE *f, struct pcpu *pc)
{

	json_begin(f, "cnt", '{');
	json_u64(f, "v_swtch", pc->pc_cnt.v_swtch);
	json_u64(f, "v_trap", pc->pc_cnt.v_trap);
	json_u64(f, "v_syscall", pc->pc_cnt.v_syscall);
	json_u64(f, "v_intr", pc->pc_cnt.v_intr);
	json_u64(f, "v_soft", pc->pc_cnt.v_soft);
	json_end(f, '}');
}
#endif
