/*-
 * Fixture kernel: the parts of struct proc and struct thread
 * (sys/sys/proc.h), struct pcb (sys/<machine>/include/pcb.h) and struct
 * pmap (sys/<machine>/include/pmap.h) that per-CPU data points at, and
 * the list of every process, allproc.  Field names, types and relative
 * order are FreeBSD's; fields that nothing here uses are left out.  Every
 * struct thread has td_vnet, VIMAGE or not (NULL without VIMAGE).
 */

#ifndef _FIXTURE_PROC_H_
#define	_FIXTURE_PROC_H_

#include "sys.h"

struct mtx;
struct proc;
struct thread;
struct vnet;

#ifdef FIXTURE_MACHINE_AMD64
/* sys/amd64/include/pcb.h */
struct pcb {
	register_t	pcb_r15;
	register_t	pcb_r14;
	register_t	pcb_r13;
	register_t	pcb_r12;
	register_t	pcb_rbp;
	register_t	pcb_rsp;
	register_t	pcb_rbx;
	register_t	pcb_rip;
	register_t	pcb_fsbase;
	register_t	pcb_gsbase;
	register_t	pcb_kgsbase;
	register_t	pcb_cr0;
	register_t	pcb_cr2;
	register_t	pcb_cr3;
	register_t	pcb_cr4;
	u_int		pcb_flags;
};

/* sys/amd64/include/pmap.h */
struct pmap {
	struct mtx	*pm_mtx;
	uint64_t	*pm_pmltop;	/* KVA of top level page table */
	uint64_t	pm_cr3;
	uint64_t	pm_ucr3;
	long		pm_stats_resident_count;
};
#else
/* sys/arm64/include/pcb.h */
struct pcb {
	uint64_t	pcb_x[30];
	uint64_t	pcb_pc;
	uint64_t	pcb_sp;
	uint64_t	pcb_tpidr_el0;
	uint64_t	pcb_tpidrro_el0;
	u_int		pcb_flags;
};

/* sys/arm64/include/pmap.h */
struct pmap {
	struct mtx	*pm_mtx;
	uint64_t	pm_ttbr;
	uint64_t	*pm_l0;
	long		pm_stats_resident_count;
	int		pm_asid;
};
#endif

/* sys/vm/vm_map.h */
struct vmspace {
	u_int		vm_refcnt;	/* number of references */
	struct pmap	vm_pmap;	/* private physical map */
};

/* sys/sys/proc.h */
enum td_states {
	TDS_INACTIVE = 0x0,
	TDS_INHIBITED,
	TDS_CAN_RUN,
	TDS_RUNQ,
	TDS_RUNNING
};

struct thread {
	struct mtx	*volatile td_lock; /* replaces sched lock */
	struct proc	*td_proc;	/* (*) Associated process. */
	TAILQ_ENTRY(thread) td_plist;	/* (*) All threads in this proc. */
	TAILQ_ENTRY(thread) td_runq;	/* (t) Run queue. */
	lwpid_t		td_tid;		/* (b) Thread ID. */
	int		td_flags;	/* (t) TDF_* flags. */
	int		td_inhibitors;	/* (t) Why can not run. */
	int		td_pflags;	/* (k) Private thread (TDP_*) flags. */
	void		*td_wchan;	/* (t) Sleep address. */
	const char	*td_wmesg;	/* (t) Reason for sleep. */
#if __FreeBSD_version < 1300000
	u_char		td_lastcpu;	/* (t) Last cpu we were on. */
	u_char		td_oncpu;	/* (t) Which cpu we are on. */
#endif
	volatile u_char td_owepreempt;	/* (k*) Preempt on last critical_exit */
	short		td_locks;	/* (k) Count of non-spin locks. */
	u_int		td_critnest;	/* (k*) Critical section nest level. */
	int		td_intr_nesting_level; /* (k) Interrupt recursion. */
	char		td_name[MAXCOMLEN + 1];	/* (*) Thread name. */
	struct pcb	*td_pcb;	/* (k) Kernel VA of pcb and kstack. */
	enum td_states	td_state;	/* (t) thread state */
	vm_offset_t	td_kstack;	/* (a) Kernel VA of kstack. */
	int		td_kstack_pages; /* (a) Size of the kstack. */
#if __FreeBSD_version >= 1300000
	int		td_lastcpu;	/* (t) Last cpu we were on. */
	int		td_oncpu;	/* (t) Which cpu we are on. */
#endif
	struct vnet	*td_vnet;	/* (k) Effective vnet. */
};

struct proc {
	LIST_ENTRY(proc) p_list;	/* (d) List of all processes. */
	TAILQ_HEAD(, thread) p_threads;	/* (c) all threads. */
	struct vmspace	*p_vmspace;	/* (b) Address space. */
	int		p_flag;		/* (c) P_* flags. */
	pid_t		p_pid;		/* (b) Process identifier. */
	int		p_numthreads;	/* (c) Number of threads. */
	char		p_comm[MAXCOMLEN + 1];	/* (x) Process name. */
};

LIST_HEAD(proclist, proc);
extern struct proclist allproc;		/* sys/kern/kern_proc.c */

#define	P_SYSTEM	0x00200	/* System proc: no sigs, stats or swapping. */
#define	P_KPROC		0x00004	/* Kernel process. */

#endif /* !_FIXTURE_PROC_H_ */
