/*-
 * Fixture kernel: vm_cnt, the system-wide statistics of
 * sys/vm/vm_meter.c, whose counters vmcounter_startup() allocates.
 */

#include "fixture.h"

struct vmmeter vm_cnt VMMETER_ALIGNED;

static const char *const vm_cnt_names[] = {
	"vm_cnt.v_swtch", "vm_cnt.v_trap", "vm_cnt.v_syscall",
	"vm_cnt.v_intr", "vm_cnt.v_soft", "vm_cnt.v_vm_faults",
	"vm_cnt.v_io_faults", "vm_cnt.v_cow_faults", "vm_cnt.v_cow_optim",
	"vm_cnt.v_zfod", "vm_cnt.v_ozfod", "vm_cnt.v_swapin",
	"vm_cnt.v_swapout", "vm_cnt.v_swappgsin", "vm_cnt.v_swappgsout",
	"vm_cnt.v_vnodein", "vm_cnt.v_vnodeout",
};
_Static_assert(sizeof(vm_cnt_names) / sizeof(vm_cnt_names[0]) ==
    VM_METER_NCOUNTERS, "a name for each vm_cnt counter");

void
vmcounter_startup(void)
{
	counter_u64_t *cnt = (counter_u64_t *)&vm_cnt;
	u_int i;

	COUNTER_ARRAY_ALLOC(cnt, VM_METER_NCOUNTERS);
	for (i = 0; i < VM_METER_NCOUNTERS; i++)
		counter_register(vm_cnt_names[i], &cnt[i],
		    &cnt[i] == &vm_cnt.v_intr ? CK_ZERO :
		    &cnt[i] == &vm_cnt.v_soft ? CK_WRAP : CK_NORMAL);

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
