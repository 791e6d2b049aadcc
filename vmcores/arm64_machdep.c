/*-
 * Fixture kernel, arm64: where struct pcpu lives and its MD fields.
 *
 * sys/arm64/arm64/machdep.c, mp_machdep.c: the BSP's struct pcpu is the
 * static pcpu0 and its DPCPU area is allocated on its own; each AP gets
 * one allocation of round_page(sizeof(struct pcpu) + DPCPU_SIZE) holding
 * its struct pcpu with its DPCPU area right after it.  These allocations
 * are not contiguous.
 */

#include <string.h>

#include "fixture.h"

struct pcpu pcpu0;

/* sys/arm64/arm64/pmap.c */
struct pmap kernel_pmap_store;

#define	KERNEL_TTBR	0x40b2c000ULL
#define	MIDR_CORTEX_A53	0x410fd034	/* r0p4 */
#define	MIDR_CORTEX_A72	0x410fd083	/* r0p3 */
#define	MPIDR_RES1	0x80000000

/* sys/arm64/arm64/cpu_errata.c: the Spectre workarounds, by firmware call. */
static int
smccc_arch_workaround_1(void)
{

	return (0);
}

static int
smccc_arch_workaround_2(int enable)
{

	return (enable);
}

void
cpu_mp_start(void)
{
	struct pcpu *pc;
	u_int cpu;

	kernel_pmap_store.pm_ttbr = KERNEL_TTBR;
	pcpu_init(&pcpu0, 0, sizeof(struct pcpu));
	dpcpu_init(kmem_alloc_guarded(DPCPU_SIZE), 0);
	CPU_FOREACH(cpu) {
		if (cpu == 0)
			continue;
		pc = kmem_alloc_guarded(sizeof(struct pcpu) + DPCPU_SIZE);
		pcpu_init(pc, cpu, sizeof(struct pcpu));
		dpcpu_init(pc + 1, cpu);
	}
}

/*
 * cpu_pcpu_init() and what init_secondary() records: a big.LITTLE
 * system, Cortex-A53 on even CPU ids (no branch predictor hardening
 * needed) and Cortex-A72 on odd ones, four cores a cluster.
 */
void
cpu_pcpu_md_init(struct pcpu *pc, u_int cpu)
{

	pc->pc_acpi_id = cpu + 1;
	pc->pc_midr = cpu % 2 == 0 ? MIDR_CORTEX_A53 : MIDR_CORTEX_A72;
	pc->pc_mpidr = MPIDR_RES1 | (cpu / 4) << 8 | cpu % 4;
	pc->pc_clock = 1000000000 + cpu;
	pc->pc_bp_harden = cpu % 2 == 0 ? NULL : smccc_arch_workaround_1;
	pc->pc_ssbd = smccc_arch_workaround_2;
	pc->pc_domain = cpu % 2;
}

void
cpu_switch_md(struct pcpu *pc, struct thread *td)
{
	struct vmspace *vm;

	vm = td->td_proc->p_vmspace;
	pc->pc_curpmap = vm != NULL ? &vm->vm_pmap : &kernel_pmap_store;
}

void
truth_pcpu_md(FILE *f, struct pcpu *pc)
{

	json_u64(f, "acpi_id", pc->pc_acpi_id);
	json_u64(f, "midr", pc->pc_midr);
	json_u64(f, "clock", pc->pc_clock);
	json_u64(f, "bp_harden", (uintptr_t)pc->pc_bp_harden);
	json_u64(f, "ssbd", (uintptr_t)pc->pc_ssbd);
	json_u64(f, "curpmap", (uintptr_t)pc->pc_curpmap);
	json_u64(f, "curvmpmap", (uintptr_t)pc->pc_curvmpmap);
	json_u64(f, "mpidr", pc->pc_mpidr);
	json_u64(f, "bcast_tlbi_workaround", pc->pc_bcast_tlbi_workaround);
}
