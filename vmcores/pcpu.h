/*-
 * Fixture kernel: struct pcpu and DPCPU, as sys/sys/pcpu.h and
 * sys/{amd64,arm64}/include/pcpu.h declare them for the FreeBSD
 * release being mimicked (docs/FREEBSD.md, "struct pcpu: machine-independent
 * part" and "struct pcpu: machine-dependent part").
 */

#ifndef _FIXTURE_PCPU_H_
#define	_FIXTURE_PCPU_H_

#include "sys.h"
#if __FreeBSD_version < 1200000
#include "vmmeter.h"
#endif

struct device;
struct lock_list_entry;
struct pcb;
struct pmap;
struct thread;

/* sys/sys/_rmlock.h */
struct rm_queue {
	struct rm_queue	*volatile rmq_next;
	struct rm_queue	*volatile rmq_prev;
};

#ifdef FIXTURE_MACHINE_AMD64
/* sys/amd64/include/tss.h */
struct amd64tss {
	uint32_t	tss_rsvd0;
	uint64_t	tss_rsp0 __packed;	/* kernel stack pointer ring 0 */
	uint64_t	tss_rsp1 __packed;	/* kernel stack pointer ring 1 */
	uint64_t	tss_rsp2 __packed;	/* kernel stack pointer ring 2 */
	uint32_t	tss_rsvd1;
	uint32_t	tss_rsvd2;
	uint64_t	tss_ist1 __packed;	/* Interrupt stack table 1 */
	uint64_t	tss_ist2 __packed;	/* Interrupt stack table 2 */
	uint64_t	tss_ist3 __packed;	/* Interrupt stack table 3 */
	uint64_t	tss_ist4 __packed;	/* Interrupt stack table 4 */
	uint64_t	tss_ist5 __packed;	/* Interrupt stack table 5 */
	uint64_t	tss_ist6 __packed;	/* Interrupt stack table 6 */
	uint64_t	tss_ist7 __packed;	/* Interrupt stack table 7 */
	uint32_t	tss_rsvd3;
	uint32_t	tss_rsvd4;
	uint16_t	tss_rsvd5;
	uint16_t	tss_iobase;	/* io bitmap offset */
};

/* sys/x86/include/segments.h */
struct user_segment_descriptor {
	uint64_t sd_lolimit:16;		/* segment extent (lsb) */
	uint64_t sd_lobase:24;		/* segment base address (lsb) */
	uint64_t sd_type:5;		/* segment type */
	uint64_t sd_dpl:2;		/* segment descriptor priority level */
	uint64_t sd_p:1;		/* segment descriptor present */
	uint64_t sd_hilimit:4;		/* segment extent (msb) */
	uint64_t sd_xx:1;		/* unused */
	uint64_t sd_long:1;		/* long mode (cs only) */
	uint64_t sd_def32:1;		/* default 32 vs 16 bit size */
	uint64_t sd_gran:1;		/* limit granularity (byte/page units)*/
	uint64_t sd_hibase:8;		/* segment base address  (msb) */
} __packed;

struct system_segment_descriptor {
	uint64_t sd_lolimit:16;		/* segment extent (lsb) */
	uint64_t sd_lobase:24;		/* segment base address (lsb) */
	uint64_t sd_type:5;		/* segment type */
	uint64_t sd_dpl:2;		/* segment descriptor priority level */
	uint64_t sd_p:1;		/* segment descriptor present */
	uint64_t sd_hilimit:4;		/* segment extent (msb) */
	uint64_t sd_xx0:3;		/* unused */
	uint64_t sd_gran:1;		/* limit granularity (byte/page units)*/
	uint64_t sd_hibase:40 __packed;	/* segment base address  (msb) */
	uint64_t sd_xx1:8;
	uint64_t sd_mbz:5;		/* MUST be zero */
	uint64_t sd_xx2:19;
} __packed;

/* sys/amd64/include/segments.h: GDT slots */
#define	GUFS32_SEL	2
#define	GUGS32_SEL	3
#define	GPROC0_SEL	9
#define	GUSERLDT_SEL	11
#define	NGDT		13

#define	PC_PTI_STACK_SZ	16

/*
 * sys/amd64/include/pcpu.h, per release (docs/FREEBSD.md, "amd64
 * PCPU_MD_FIELDS").  The __pad of each makes struct pcpu one page (12+),
 * as x86 counter(9) requires, or a divisor of a page (11.x).
 */
#if __FreeBSD_version >= 1300000
struct monitorbuf {
	int idle_state;		/* Used by cpu_idle_mwait. */
	int stop_state;		/* Used by cpustop_handler. */
	char padding[128 - (2 * sizeof(int))];
};
_Static_assert(sizeof(struct monitorbuf) == 128, "2x cache line");
#endif

#if __FreeBSD_version >= 1400000
/* sys/amd64/include/_pmap.h */
struct pmap_pcid {
	uint32_t pm_pcid;
	uint32_t pm_gen;
};
#define	PCPU_MD_KPMAP_STORE						\
	struct pmap_pcid pc_kpmap_store;				\
	char	__pad[2900]		/* pad to UMA_PCPU_ALLOC_SIZE */
#else
#define	PCPU_MD_KPMAP_STORE						\
	char	__pad[2908]		/* pad to UMA_PCPU_ALLOC_SIZE */
#endif

#if __FreeBSD_version >= 1300000
#define	PCPU_MD_FIELDS							\
	struct monitorbuf pc_monitorbuf __aligned(128);	/* cache line */\
	struct	pcpu *pc_prvspace;	/* Self-reference */		\
	struct	pmap *pc_curpmap;					\
	struct	amd64tss *pc_tssp;	/* TSS segment active on CPU */	\
	void	*pc_pad0;						\
	uint64_t pc_kcr3;						\
	uint64_t pc_ucr3;						\
	uint64_t pc_saved_ucr3;						\
	register_t pc_rsp0;						\
	register_t pc_scratch_rsp;	/* User %rsp in syscall */	\
	register_t pc_scratch_rax;					\
	u_int	pc_apic_id;						\
	u_int   pc_acpi_id;		/* ACPI CPU id */		\
	/* Pointer to the CPU %fs descriptor */				\
	struct user_segment_descriptor	*pc_fs32p;			\
	/* Pointer to the CPU %gs descriptor */				\
	struct user_segment_descriptor	*pc_gs32p;			\
	/* Pointer to the CPU LDT descriptor */				\
	struct system_segment_descriptor *pc_ldt;			\
	/* Pointer to the CPU TSS descriptor */				\
	struct system_segment_descriptor *pc_tss;			\
	u_int	pc_cmci_mask;		/* MCx banks for CMCI */	\
	uint64_t pc_dbreg[16];		/* ddb debugging regs */	\
	uint64_t pc_pti_stack[PC_PTI_STACK_SZ];				\
	register_t pc_pti_rsp0;						\
	int pc_dbreg_cmd;		/* ddb debugging reg cmd */	\
	u_int	pc_vcpu_id;		/* Xen vCPU ID */		\
	uint32_t pc_pcid_next;						\
	uint32_t pc_pcid_gen;						\
	uint32_t pc_unused;						\
	uint32_t pc_ibpb_set;						\
	void	*pc_mds_buf;						\
	void	*pc_mds_buf64;						\
	uint32_t pc_pad[4];						\
	uint8_t	pc_mds_tmp[64];						\
	u_int 	pc_ipi_bitmap;						\
	struct amd64tss pc_common_tss;					\
	struct user_segment_descriptor pc_gdt[NGDT];			\
	void	*pc_smp_tlb_pmap;					\
	uint64_t pc_smp_tlb_addr1;					\
	uint64_t pc_smp_tlb_addr2;					\
	uint32_t pc_smp_tlb_gen;					\
	u_int	pc_smp_tlb_op;						\
	uint64_t pc_ucr3_load_mask;					\
	u_int	pc_small_core;						\
	u_int	pc_pcid_invlpg_workaround;				\
	PCPU_MD_KPMAP_STORE
#else
/* 12.x (12.2's); 11.x the same fields with the pad of a divisor of a page. */
#if __FreeBSD_version >= 1200000
#define	PCPU_MD_PAD	char	__pad[3176]	/* pad to UMA_PCPU_ALLOC_SIZE */
#else
#define	PCPU_MD_PAD	char	__pad[1024]	/* be divisor of PAGE_SIZE	\
					   after cache alignment */
#endif
#define	PCPU_MD_FIELDS							\
	char	pc_monitorbuf[128] __aligned(128); /* cache line */	\
	struct	pcpu *pc_prvspace;	/* Self-reference */		\
	struct	pmap *pc_curpmap;					\
	struct	amd64tss *pc_tssp;	/* TSS segment active on CPU */	\
	struct	amd64tss *pc_commontssp;/* Common TSS for the CPU */	\
	uint64_t pc_kcr3;						\
	uint64_t pc_ucr3;						\
	uint64_t pc_saved_ucr3;						\
	register_t pc_rsp0;						\
	register_t pc_scratch_rsp;	/* User %rsp in syscall */	\
	register_t pc_scratch_rax;					\
	u_int	pc_apic_id;						\
	u_int   pc_acpi_id;		/* ACPI CPU id */		\
	/* Pointer to the CPU %fs descriptor */				\
	struct user_segment_descriptor	*pc_fs32p;			\
	/* Pointer to the CPU %gs descriptor */				\
	struct user_segment_descriptor	*pc_gs32p;			\
	/* Pointer to the CPU LDT descriptor */				\
	struct system_segment_descriptor *pc_ldt;			\
	/* Pointer to the CPU TSS descriptor */				\
	struct system_segment_descriptor *pc_tss;			\
	uint64_t	pc_pm_save_cnt;					\
	u_int	pc_cmci_mask;		/* MCx banks for CMCI */	\
	uint64_t pc_dbreg[16];		/* ddb debugging regs */	\
	uint64_t pc_pti_stack[PC_PTI_STACK_SZ];				\
	register_t pc_pti_rsp0;						\
	int pc_dbreg_cmd;		/* ddb debugging reg cmd */	\
	u_int	pc_vcpu_id;		/* Xen vCPU ID */		\
	uint32_t pc_pcid_next;						\
	uint32_t pc_pcid_gen;						\
	uint32_t pc_smp_tlb_done;	/* TLB op acknowledgement */	\
	uint32_t pc_ibpb_set;						\
	void	*pc_mds_buf;						\
	void	*pc_mds_buf64;						\
	uint32_t pc_pad[2];						\
	uint8_t	pc_mds_tmp[64];						\
	PCPU_MD_PAD
#endif

#else /* FIXTURE_MACHINE_ARM64 */

/* sys/arm64/include/pcpu.h (docs/FREEBSD.md, "arm64 PCPU_MD_FIELDS") */
typedef int (*pcpu_bp_harden)(void);
typedef int (*pcpu_ssbd)(int);

#if __FreeBSD_version >= 1500000
#define	PCPU_MD_FIELDS							\
	u_int	pc_acpi_id;	/* ACPI CPU id */			\
	u_int	pc_midr;	/* stored MIDR value */			\
	uint64_t pc_clock;						\
	pcpu_bp_harden pc_bp_harden;					\
	pcpu_ssbd pc_ssbd;						\
	struct pmap *pc_curpmap;					\
	struct pmap *pc_curvmpmap;					\
	/* Store as two u_int values to preserve KBI */			\
	uint64_t pc_mpidr;						\
	u_int	pc_bcast_tlbi_workaround;				\
	char __pad[197]
#else
/* 13.0's, used for 14.x: a 32-bit pc_mpidr after pc_bcast_tlbi_workaround. */
#define	PCPU_MD_FIELDS							\
	u_int	pc_acpi_id;	/* ACPI CPU id */			\
	u_int	pc_midr;	/* stored MIDR value */			\
	uint64_t pc_clock;						\
	pcpu_bp_harden pc_bp_harden;					\
	pcpu_ssbd pc_ssbd;						\
	struct pmap *pc_curpmap;					\
	struct pmap *pc_curvmpmap;					\
	u_int	pc_bcast_tlbi_workaround;				\
	u_int	pc_mpidr;	/* stored MPIDR value */		\
	char __pad[201]
#endif

#endif /* FIXTURE_MACHINE_ARM64 */

/*
 * sys/sys/pcpu.h (docs/FREEBSD.md, "struct pcpu: machine-independent
 * part"): the machine-independent part of 11.x, 12.x, 13.0, 13.1-14.x or
 * main (15).
 */
#if __FreeBSD_version >= 1301000
struct _device;
#define	PCPU_DEVICE	struct _device
#else
#define	PCPU_DEVICE	struct device
#endif

struct pcpu {
	struct thread	*pc_curthread;		/* Current thread */
	struct thread	*pc_idlethread;		/* Idle thread */
	struct thread	*pc_fpcurthread;	/* Fp state owner */
	struct thread	*pc_deadthread;		/* Zombie thread or NULL */
	struct pcb	*pc_curpcb;		/* Current pcb */
#if __FreeBSD_version >= 1300000
	void		*pc_sched;		/* Scheduler state */
#endif
	uint64_t	pc_switchtime;		/* cpu_ticks() at last csw */
	int		pc_switchticks;		/* `ticks' at last csw */
	u_int		pc_cpuid;		/* This cpu number */
	STAILQ_ENTRY(pcpu) pc_allcpu;
	struct lock_list_entry *pc_spinlocks;
#if __FreeBSD_version < 1200000
	struct vmmeter	pc_cnt;			/* VM stats counters */
#endif
	long		pc_cp_time[CPUSTATES];	/* statclock ticks */
	PCPU_DEVICE	*pc_device;		/* CPU device handle */
	void		*pc_netisr;		/* netisr SWI cookie */
#if __FreeBSD_version >= 1500000
	int8_t		pc_vfs_freevnodes;	/* freevnodes counter */
	char		pc_unused1[3];		/* unused pad */
#else
	int		pc_unused1;		/* unused field */
#endif
	int		pc_domain;		/* Memory domain. */
	struct rm_queue	pc_rm_queue;		/* rmlock list of trackers */
	uintptr_t	pc_dynamic;		/* Dynamic per-cpu data area */
#if __FreeBSD_version >= 1200000
	uint64_t	pc_early_dummy_counter;	/* Startup time counter(9) */
#endif
#if __FreeBSD_version >= 1300000
	uintptr_t	pc_zpcpu_offset;	/* Offset into zpcpu allocs */
#endif

	/*
	 * Keep MD fields last, so that CPU-specific variations on a
	 * single architecture don't result in offset variations of
	 * the machine-independent fields of the pcpu.
	 */
	PCPU_MD_FIELDS;
} __aligned(CACHE_LINE_SIZE);

#if __FreeBSD_version >= 1200000
#define	UMA_PCPU_ALLOC_SIZE	PAGE_SIZE
#ifdef FIXTURE_MACHINE_AMD64
/* Required for counters(9) to work on x86. */
_Static_assert(sizeof(struct pcpu) == UMA_PCPU_ALLOC_SIZE,
    "struct pcpu must be one page on x86");
#else
/* To minimize memory waste in per-cpu UMA zones. */
_Static_assert((PAGE_SIZE / sizeof(struct pcpu)) * sizeof(struct pcpu) ==
    PAGE_SIZE, "struct pcpu size must divide PAGE_SIZE");
#endif
#else
/* 11.x: per-CPU UMA items are sizeof(struct pcpu) apart. */
#define	UMA_PCPU_ALLOC_SIZE	sizeof(struct pcpu)
_Static_assert(sizeof(struct pcpu) == 2048, "11.x amd64 struct pcpu size");
#endif

/*
 * Where struct pcpu lives: amd64 13+ maps one page per CPU at the
 * pointer __pcpu (sys/amd64/amd64/pmap.c); amd64 12 and 11 have the
 * static array __pcpu[MAXCPU] (machdep.c); arm64 has the BSP's in pcpu0
 * and allocates each AP's (arm64/mp_machdep.c).
 */
#if defined(FIXTURE_MACHINE_AMD64) && __FreeBSD_version >= 1300000
#define	PCPU_POINTER
extern struct pcpu *__pcpu;
#elif defined(FIXTURE_MACHINE_ARM64)
#define	PCPU_ALLOCATED
extern struct pcpu pcpu0;
#else
#define	PCPU_ARRAY
extern struct pcpu __pcpu[MAXCPU];
#endif

/*
 * zpcpu_offset_cpu(): where CPU n's slot of a UMA_ZONE_PCPU item is,
 * relative to the value stored for the item (docs/FREEBSD.md, "counter(9)
 * and zpcpu").
 */
#if defined(PCPU_POINTER)
#define	zpcpu_offset_cpu(cpu)						\
	((uintptr_t)&__pcpu[0] + UMA_PCPU_ALLOC_SIZE * (cpu))
#else
#define	zpcpu_offset_cpu(cpu)	(UMA_PCPU_ALLOC_SIZE * (uintptr_t)(cpu))
#endif

STAILQ_HEAD(cpuhead, pcpu);

extern struct cpuhead cpuhead;
extern struct pcpu *cpuid_to_pcpu[MAXCPU];

/* DPCPU: sys/sys/pcpu.h */
#define	DPCPU_SETNAME		"set_pcpu"
#define	DPCPU_SYMPREFIX		"pcpu_entry_"

/* The bounds of set_pcpu, made by the linker (see __SET_ADDR). */
#define	DPCPU_START		__SET_ADDR("__start_set_pcpu")
#define	DPCPU_STOP		__SET_ADDR("__stop_set_pcpu")

extern uintptr_t dpcpu_off[MAXCPU];

#define	DPCPU_BYTES		(DPCPU_STOP - DPCPU_START)
#define	DPCPU_MODMIN		2048
#define	DPCPU_SIZE		roundup2(DPCPU_BYTES, PAGE_SIZE)

#define	DPCPU_NAME(n)		pcpu_entry_##n
#define	DPCPU_DEFINE(t, n)						\
    struct _hack; t DPCPU_NAME(n) __section(DPCPU_SETNAME) __used
#define	DPCPU_DEFINE_STATIC(t, n)					\
    static t DPCPU_NAME(n) __section(DPCPU_SETNAME) __used

#define	_DPCPU_PTR(b, n)						\
    (__typeof(DPCPU_NAME(n))*)((b) + (uintptr_t)&DPCPU_NAME(n))
#define	DPCPU_ID_PTR(i, n)	_DPCPU_PTR(dpcpu_off[(i)], n)

void	pcpu_init(struct pcpu *pcpu, int cpuid, size_t size);
void	dpcpu_init(void *dpcpu, int cpuid);
void	dpcpu_startup(void);
void	*dpcpu_alloc(int size);
void	dpcpu_copy(void *s, int size);

#endif /* !_FIXTURE_PCPU_H_ */
