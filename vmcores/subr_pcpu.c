/*-
 * Fixture kernel: sys/kern/subr_pcpu.c: the list and array of struct
 * pcpu, dpcpu_off[], and the kernel's own DPCPU template space.
 */

#include <string.h>

#include "fixture.h"

/*
 * Room for the DPCPU variables of kernel modules, inside the kernel's
 * own set_pcpu section (dpcpu_alloc() hands it out).
 */
DPCPU_DEFINE_STATIC(char, modspace[DPCPU_MODMIN] __aligned(8));

uintptr_t dpcpu_off[MAXCPU];
struct pcpu *cpuid_to_pcpu[MAXCPU];
struct cpuhead cpuhead = { NULL, &cpuhead.stqh_first };

/*
 * Initialize the MI portions of a struct pcpu.
 */
void
pcpu_init(struct pcpu *pcpu, int cpuid, size_t size)
{

	memset(pcpu, 0, size);
	if (cpuid < 0 || cpuid >= MAXCPU)
		panic("pcpu_init: invalid cpuid %d", cpuid);
	pcpu->pc_cpuid = cpuid;
	cpuid_to_pcpu[cpuid] = pcpu;
	STAILQ_INSERT_TAIL(&cpuhead, pcpu, pc_allcpu);
	cpu_pcpu_md_init(pcpu, cpuid);
	pcpu->pc_rm_queue.rmq_next = &pcpu->pc_rm_queue;
	pcpu->pc_rm_queue.rmq_prev = &pcpu->pc_rm_queue;
#if __FreeBSD_version >= 1300000
	pcpu->pc_zpcpu_offset = zpcpu_offset_cpu(cpuid);
#endif
}

void
dpcpu_init(void *dpcpu, int cpuid)
{
	struct pcpu *pcpu;

	pcpu = cpuid_to_pcpu[cpuid];
	pcpu->pc_dynamic = (uintptr_t)dpcpu - DPCPU_START;

	/*
	 * Initialize defaults from our linker section.
	 */
	memcpy(dpcpu, (void *)DPCPU_START, DPCPU_BYTES);

	/*
	 * Place it in the global pcpu offset array.
	 */
	dpcpu_off[cpuid] = pcpu->pc_dynamic;
}
