/*-
 * Fixture kernel, amd64: where struct pcpu lives and its MD fields.
 *
 * 13+ (sys/amd64/amd64/pmap.c, mp_machdep.c): the pointer __pcpu, one
 * page per CPU id 0..mp_maxid, contiguous; counters are stored as
 * offsets from __pcpu and pc_zpcpu_offset = __pcpu + PAGE_SIZE * cpu.
 * 12 and 11 (sys/amd64/amd64/machdep.c): the array __pcpu[MAXCPU].
 * Each CPU's DPCPU area is a separate allocation (start_all_aps()).
 */

#include <string.h>

#include "fixture.h"

#ifdef PCPU_POINTER
struct pcpu *__pcpu;
#else
struct pcpu __pcpu[MAXCPU];
#endif

/* sys/amd64/amd64/pmap.c */
struct pmap kernel_pmap_store;

#define	KERNEL_CR3		0x2b1f000ULL	/* kernel page tables */
#define	KERNEL_UCR3		0x5d2a000ULL	/* kernel's PTI user tables */
#define	KSTACK_TOP_OFFSET	0x380		/* pcb and FPU save area */

void
cpu_mp_start(void)
{
	struct pcpu *pc;
	u_int cpu;

	kernel_pmap_store.pm_cr3 = KERNEL_CR3;
	kernel_pmap_store.pm_ucr3 = KERNEL_UCR3;
#ifdef PCPU_POINTER
	/* The pages of absent CPUs exist here but hold no struct pcpu. */
	__pcpu = kmem_alloc_pages((mp_maxid + 1) * sizeof(struct pcpu));
	junk_fill(__pcpu, (mp_maxid + 1) * sizeof(struct pcpu));
#endif
	CPU_FOREACH(cpu) {
		pc = &__pcpu[cpu];
		pcpu_init(pc, cpu, sizeof(struct pcpu));
		dpcpu_init(kmem_alloc_pages(DPCPU_SIZE), cpu);
	}
}

/*
 * cpu_pcpu_init(), and the GDT and TSS that init_secondary() sets up: in
 * struct pcpu itself from 13.0 (pc_gdt, pc_common_tss), allocated before.
 */
void
cpu_pcpu_md_init(struct pcpu *pc, u_int cpu)
{
	struct user_segment_descriptor *gdt;
	struct amd64tss *tss;

#if __FreeBSD_version >= 1300000
	gdt = pc->pc_gdt;
	tss = &pc->pc_common_tss;
	pc->pc_smp_tlb_gen = 7000 + cpu;
#else
	gdt = kmem_zalloc(NGDT * sizeof(*gdt));
	tss = kmem_zalloc(sizeof(*tss));
	pc->pc_commontssp = tss;
	pc->pc_smp_tlb_done = 7000 + cpu;
#endif
	pc->pc_prvspace = pc;
	pc->pc_tssp = tss;
	pc->pc_fs32p = &gdt[GUFS32_SEL];
	pc->pc_gs32p = &gdt[GUGS32_SEL];
	pc->pc_tss = (struct system_segment_descriptor *)&gdt[GPROC0_SEL];
	pc->pc_ldt = (struct system_segment_descriptor *)&gdt[GUSERLDT_SEL];
	pc->pc_apic_id = cpu * 2;
	pc->pc_acpi_id = cpu + 1;
	pc->pc_pcid_next = 2;
	pc->pc_pcid_gen = 1;
	pc->pc_domain = cpu % 2;
}

/*
 * cpu_switch() to td: the pmap, CR3 values (with the CPU's PCID in the
 * low bits) and the kernel stack pointer in the TSS.
 */
void
cpu_switch_md(struct pcpu *pc, struct thread *td)
{
	struct vmspace *vm;
	struct pmap *pmap;

	vm = td->td_proc->p_vmspace;
	pmap = vm != NULL ? &vm->vm_pmap : &kernel_pmap_store;
	pc->pc_curpmap = pmap;
	pc->pc_kcr3 = pmap->pm_cr3 | pc->pc_cpuid;
	pc->pc_ucr3 = pmap->pm_ucr3 | pc->pc_cpuid;
	pc->pc_rsp0 = td->td_kstack + td->td_kstack_pages * PAGE_SIZE -
	    KSTACK_TOP_OFFSET;
	pc->pc_tssp->tss_rsp0 = pc->pc_rsp0;
	pc->pc_scratch_rsp = vm != NULL ? 0x7fffffffe8c0 : 0;
}

void
truth_pcpu_md(FILE *f, struct pcpu *pc)
{

	json_u64(f, "prvspace", (uintptr_t)pc->pc_prvspace);
	json_u64(f, "curpmap", (uintptr_t)pc->pc_curpmap);
	json_u64(f, "tssp", (uintptr_t)pc->pc_tssp);
#if __FreeBSD_version < 1300000
	json_u64(f, "commontssp", (uintptr_t)pc->pc_commontssp);
	json_u64(f, "smp_tlb_done", pc->pc_smp_tlb_done);
#else
	json_u64(f, "smp_tlb_gen", pc->pc_smp_tlb_gen);
#endif
	json_u64(f, "kcr3", pc->pc_kcr3);
	json_u64(f, "ucr3", pc->pc_ucr3);
	json_u64(f, "saved_ucr3", pc->pc_saved_ucr3);
	json_u64(f, "rsp0", (uint64_t)pc->pc_rsp0);
	json_u64(f, "scratch_rsp", (uint64_t)pc->pc_scratch_rsp);
	json_u64(f, "apic_id", pc->pc_apic_id);
	json_u64(f, "acpi_id", pc->pc_acpi_id);
	json_u64(f, "fs32p", (uintptr_t)pc->pc_fs32p);
	json_u64(f, "gs32p", (uintptr_t)pc->pc_gs32p);
	json_u64(f, "ldt", (uintptr_t)pc->pc_ldt);
	json_u64(f, "tss", (uintptr_t)pc->pc_tss);
}
