/*-
 * Fixture kernel: the one defect of a corrupt dump (plan.corrupt),
 * applied after the ground truth of the healthy kernel is written, just
 * before the core is taken:
 *
 *	maxcpus-huge	  mp_maxcpus = 0x7fffffff
 *	maxcpus-negative  mp_maxcpus = -4
 *	maxcpus-zero	  mp_maxcpus = 0
 *	maxid-beyond	  mp_maxid = MAXCPU + 5
 *	pcpu-unmapped	  cpuid_to_pcpu[2] points at a page not in the core
 *	dpcpu-garbage	  dpcpu_off[1] = JUNK_WORD: CPU 1's DPCPU copies are
 *			  at non-canonical addresses
 *	counter-nowhere	  vm_cnt.v_swtch such that every CPU's slot is in a
 *			  hole of the core
 */

#include <string.h>

#include "fixture.h"

#define	PCPU_UNMAPPED_CPU	2
#define	DPCPU_GARBAGE_CPU	1

static const char *const corrupt_kinds[] = {
	"maxcpus-huge", "maxcpus-negative", "maxcpus-zero", "maxid-beyond",
	"pcpu-unmapped", "dpcpu-garbage", "counter-nowhere",
};

static void *corrupt_hole;	/* pcpu-unmapped, counter-nowhere */

static bool
corrupt_is(const char *kind)
{

	return (plan.corrupt != NULL && strcmp(plan.corrupt, kind) == 0);
}

/* After cpu_mp_start(): check the kind, reserve what it points into. */
void
corrupt_init(void)
{
	u_int i;

	if (plan.corrupt == NULL)
		return;
	for (i = 0; i < sizeof(corrupt_kinds) / sizeof(corrupt_kinds[0]); i++)
		if (strcmp(plan.corrupt, corrupt_kinds[i]) == 0)
			break;
	if (i == sizeof(corrupt_kinds) / sizeof(corrupt_kinds[0]))
		panic("unknown corruption \"%s\"", plan.corrupt);
	if (corrupt_is("counter-nowhere") && __FreeBSD_version < 1200000)
		panic("%s needs a vm_cnt of counters (12.x and later)",
		    plan.corrupt);
	if ((corrupt_is("pcpu-unmapped") && (PCPU_UNMAPPED_CPU > mp_maxid ||
	    CPU_ABSENT(PCPU_UNMAPPED_CPU))) ||
	    (corrupt_is("dpcpu-garbage") && (DPCPU_GARBAGE_CPU > mp_maxid ||
	    CPU_ABSENT(DPCPU_GARBAGE_CPU))))
		panic("%s needs more CPUs", plan.corrupt);
	if (corrupt_is("pcpu-unmapped") || corrupt_is("counter-nowhere"))
		corrupt_hole = kmem_alloc_hole((mp_maxid + 1) * PAGE_SIZE);
}

static counter_u64_t
corrupt_counter_value(void)
{

	return ((counter_u64_t)((uintptr_t)corrupt_hole -
	    zpcpu_offset_cpu(0)));
}

/* What corrupt_apply() will do, with the values it will write. */
void
truth_corrupt(FILE *f)
{
	u_int cpu;

	json_begin(f, "corrupt", '{');
	json_str(f, "kind", plan.corrupt);
	if (corrupt_is("maxcpus-huge") || corrupt_is("maxcpus-negative") ||
	    corrupt_is("maxcpus-zero")) {
		json_str(f, "variable", "mp_maxcpus");
		json_i64(f, "value", corrupt_is("maxcpus-huge") ? 0x7fffffff :
		    corrupt_is("maxcpus-negative") ? -4 : 0);
	} else if (corrupt_is("maxid-beyond")) {
		json_str(f, "variable", "mp_maxid");
		json_i64(f, "value", MAXCPU + 5);
	} else if (corrupt_is("pcpu-unmapped")) {
		json_i64(f, "cpu", PCPU_UNMAPPED_CPU);
		json_u64(f, "value", (uintptr_t)corrupt_hole);
	} else if (corrupt_is("dpcpu-garbage")) {
		json_i64(f, "cpu", DPCPU_GARBAGE_CPU);
		json_u64(f, "value", JUNK_WORD);
	} else {
		/* counter-nowhere (12+: vm_cnt's members are counters). */
		json_str(f, "counter", "vm_cnt.v_swtch");
		json_u64(f, "value", (uintptr_t)corrupt_counter_value());
		json_begin(f, "slot_addrs", '{');
		CPU_FOREACH(cpu)
			json_u64(f, cpukey(cpu), (uintptr_t)zpcpu_get_cpu(
			    corrupt_counter_value(), cpu));
		json_end(f, '}');
	}
	json_end(f, '}');
}

void
corrupt_apply(void)
{

	if (corrupt_is("maxcpus-huge"))
		mp_maxcpus = 0x7fffffff;
	else if (corrupt_is("maxcpus-negative"))
		mp_maxcpus = -4;
	else if (corrupt_is("maxcpus-zero"))
		mp_maxcpus = 0;
	else if (corrupt_is("maxid-beyond"))
		mp_maxid = MAXCPU + 5;
	else if (corrupt_is("pcpu-unmapped"))
		cpuid_to_pcpu[PCPU_UNMAPPED_CPU] = corrupt_hole;
	else if (corrupt_is("dpcpu-garbage"))
		dpcpu_off[DPCPU_GARBAGE_CPU] = JUNK_WORD;
#if __FreeBSD_version >= 1200000
	else if (corrupt_is("counter-nowhere"))
		vm_cnt.v_swtch = corrupt_counter_value();
#endif
}
