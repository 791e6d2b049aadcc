/*-
 * Fixture kernel internals: what is not FreeBSD's but the fixture's own
 * machinery (memory, the boot plan, the values written, the ground truth).
 */

#ifndef _FIXTURE_FIXTURE_H_
#define	_FIXTURE_FIXTURE_H_

#include <stdbool.h>
#include <stdio.h>

#include "sys.h"
#include "counter.h"
#include "jail.h"
#include "pcpu.h"
#include "proc.h"
#include "vnet.h"

/*
 * The boot plan, compiled in and overridden from the command line: which
 * CPU ids exist, which one panicked (its curthread carries the fixture
 * process's own thread id, so that the thread GDB selects in the core is
 * that CPU's), which one runs an interrupt thread, the defect of a
 * corrupt dump; and where the kernel is (the loader's module path).
 */
struct fixture_plan {
	const char	*shape;
	const char	*truth_path;	/* NULL: write no truth.json */
	u_int		maxid;
	bool		absent[MAXCPU];
	u_int		selected_cpu;
	int		intr_cpu;	/* NOCPU: none */
	const char	*corrupt;	/* NULL: a healthy kernel */
	const char	*kernel_path;
	lwpid_t		selected_tid;
};

extern struct fixture_plan plan;

/*
 * kmem.c: page-aligned memory that lands in the core.  Memory that
 * exists for an absent CPU holds JUNK_WORD.
 */
void	kmem_init(void);
void	*kmem_alloc_pages(size_t size);
void	*kmem_alloc_guarded(size_t size);
void	*kmem_alloc_hole(size_t size);
void	*kmem_zalloc(size_t size);
void	kmem_unmap_guards(void);
#define	JUNK_WORD	0x4a554e4b4a554e4bULL	/* "JUNKJUNK" */
void	junk_fill(void *p, size_t len);

/* kernel.c */
void	panic(const char *fmt, ...) __attribute__((__noreturn__,
	    __format__(__printf__, 1, 2)));

/* subr_smp.c */
void	mp_setmaxid(void);

/*
 * <machine>_machdep.c: where the struct pcpus and DPCPU areas are, the
 * MD fields, and what changes on the MD side when a CPU switches to a
 * thread.
 */
void	cpu_mp_start(void);
void	cpu_pcpu_md_init(struct pcpu *pc, u_int cpu);
void	cpu_switch_md(struct pcpu *pc, struct thread *td);
void	truth_pcpu_md(FILE *, struct pcpu *pc);

/* kern_thread.c */
void	thread_startup(void);
void	truth_threads(FILE *);
void	truth_allproc(FILE *);

/* dpcpu_vars.c */
void	dpcpu_vars_init(void);
void	truth_dpcpu(FILE *);

/*
 * subr_counter.c: every counter the fixture allocated is registered,
 * by name or as an element of a named array, and gets its slot values
 * from counters_fill().
 */
enum counter_kind {
	CK_NORMAL,		/* distinct non-zero slots */
	CK_ZERO,		/* every slot 0 */
	CK_WRAP			/* slots near 2^63: the sum wraps mod 2^64 */
};
void	counter_register(const char *name, counter_u64_t *var,
	    enum counter_kind kind);
void	counter_array_register(const char *name, const char *type,
	    const char *const *fields, u_int n, counter_u64_t *arr,
	    void (*copy)(void *), const u_int *zero, u_int nzero);
void	counters_fill(void);
void	truth_counters(FILE *);
void	truth_counter_array(FILE *, const char *key, const char *type,
	    const char *const *fields, u_int n, counter_u64_t *arr,
	    const uint64_t *sums);

/* vm_meter.c, vfs_bio.c (12+): the counters' owners. */
void	vmcounter_startup(void);
void	truth_vm_cnt(FILE *);
#if __FreeBSD_version < 1200000
void	truth_pc_cnt(FILE *, struct pcpu *pc);
#endif
void	vfs_bio_init(void);

/*
 * ip_input.c, tcp_subr.c: VNET variables (plain globals without
 * VIMAGE); vnet_tcp_init() is a VNET_SYSINIT (vnet NULL without VIMAGE).
 * truth_tcpstat() is a vnet's tcpstat (VIMAGE), truth_bench_array() the
 * array of the bench shape (TCPSTAT_FULL).
 */
VNET_DECLARE(int, ipforwarding);
VNET_DECLARE(int, tcp_mssdflt);
void	vnet_tcp_init(struct vnet *vnet);
void	truth_tcpstat(FILE *, struct vnet *vnet);
void	truth_bench_array(FILE *);

/* netconf.c: each network stack's settings, by the stack's name. */
void	netconf(struct vnet *vnet, const char *stack);
void	truth_netconf(FILE *, struct vnet *vnet);

#ifdef VIMAGE
/* vnet.c, kern_jail.c */
void	vnet_data_startup(void);
void	vnet0_init(void);
void	truth_vnets(FILE *);
void	prison_startup(void);
const char *prison_vnet_name(struct vnet *vnet);
void	truth_prison_names(FILE *, const char *key, struct vnet *vnet);
void	truth_jails(FILE *);
#endif

/* kern_linker.c (every shape: the kernel's own linker file, first). */
void	linker_startup(void);
void	truth_linker_files(FILE *);

#ifdef FIXTURE_MODULES
/* modules.c */
void	modules_preload(void);
void	modules_fill(void);
void	truth_modules(FILE *);
#endif

/* corrupt.c: the defect of a corrupt dump. */
void	corrupt_init(void);
void	truth_corrupt(FILE *);
void	corrupt_apply(void);

/* truth.c: the JSON writer. */
void	json_begin(FILE *, const char *key, char open);
void	json_end(FILE *, char close);
void	json_u64(FILE *, const char *key, uint64_t v);
void	json_i64(FILE *, const char *key, int64_t v);
void	json_str(FILE *, const char *key, const char *s);
void	json_bool(FILE *, const char *key, bool v);
void	json_null(FILE *, const char *key);
const char *cpukey(u_int cpu);
void	truth_write(void);

#endif /* !_FIXTURE_FIXTURE_H_ */
