/*-
 * Fixture kernel: sys/kern/subr_pcpu.c: the list and array of struct
 * pcpu, dpcpu_off[], the kernel's own DPCPU template space and its
 * allocator for modules.
 */

#include <string.h>

#include "fixture.h"

/*
 * Room for the DPCPU variables of kernel modules, inside the kernel's
 * own set_pcpu section (dpcpu_alloc() hands it out).
 */
DPCPU_DEFINE_STATIC(char, modspace[DPCPU_MODMIN] __aligned(8));

struct dpcpu_free {
	uintptr_t	df_start;
	int		df_len;
	TAILQ_ENTRY(dpcpu_free) df_link;
};

static TAILQ_HEAD(, dpcpu_free) dpcpu_head =
    TAILQ_HEAD_INITIALIZER(dpcpu_head);

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

/*
 * Initialize the dynamic per-cpu free list with the module space
 * (SYSINIT(dpcpu, SI_SUB_KLD, SI_ORDER_FIRST)).
 */
void
dpcpu_startup(void)
{
	struct dpcpu_free *df;

	df = kmem_zalloc(sizeof(*df));
	df->df_start = (uintptr_t)&DPCPU_NAME(modspace);
	df->df_len = DPCPU_MODMIN;
	TAILQ_INSERT_HEAD(&dpcpu_head, df, df_link);
}

/*
 * First-fit extent based allocator for allocating space in the per-cpu
 * region reserved for modules.  This is only intended for use by the
 * kernel linkers to place module linker sets.
 */
void *
dpcpu_alloc(int size)
{
	struct dpcpu_free *df;
	void *s;

	s = NULL;
	size = roundup2(size, sizeof(void *));
	TAILQ_FOREACH(df, &dpcpu_head, df_link) {
		if (df->df_len < size)
			continue;
		if (df->df_len == size) {
			s = (void *)df->df_start;
			TAILQ_REMOVE(&dpcpu_head, df, df_link);
			break;
		}
		s = (void *)df->df_start;
		df->df_len -= size;
		df->df_start = df->df_start + size;
		break;
	}
	return (s);
}

/*
 * Initialize the per-cpu storage from an updated linker-set region.
 */
void
dpcpu_copy(void *s, int size)
{
	uintptr_t dpcpu;
	u_int i;

	CPU_FOREACH(i) {
		dpcpu = dpcpu_off[i];
		if (dpcpu == 0)
			continue;
		memcpy((void *)(dpcpu + (uintptr_t)s), s, size);
	}
}
