/*-
 * Fixture kernel: the processes and threads that per-CPU data points at
 * (sys/kern/kern_thread.c, kern_idle.c, kern_intr.c).
 *
 * Every CPU has an idle thread of the "idle" process (pid 11) named
 * "idle: cpuN", tid 100003 + N.  The panicking CPU (plan.selected_cpu)
 * runs "sh" (pid 1234), whose tid is the fixture process's own thread
 * id, and owns the FPU; plan.intr_cpu, if any, runs an interrupt
 * thread of "intr" (pid 12).  Every other CPU runs its idle thread.
 * Each process is on allproc, newest first, as fork1() inserts it.
 */

#include <string.h>

#include "fixture.h"

#define	IDLE_TID_BASE		100003
#define	KSTACK_PAGES		4
#define	KSTACK_BASE		0xfffffe0080000000ULL
#define	USER_CR3		0x71c5000ULL
#define	USER_UCR3		0x71c6000ULL
#define	USER_TTBR		0x8a3f0000ULL

struct proclist allproc = LIST_HEAD_INITIALIZER(allproc);

static struct thread **alltds;
static u_int nalltds;

static struct proc *
proc_create(pid_t pid, const char *comm, int flags, struct vmspace *vm)
{
	struct proc *p;

	p = kmem_zalloc(sizeof(*p));
	TAILQ_INIT(&p->p_threads);
	p->p_pid = pid;
	p->p_flag = flags;
	p->p_vmspace = vm;
	strncpy(p->p_comm, comm, MAXCOMLEN);
	LIST_INSERT_HEAD(&allproc, p, p_list);	/* fork1() */
	return (p);
}

static struct thread *
thread_create(struct proc *p, lwpid_t tid, const char *name, u_int critnest)
{
	struct thread *td;
	struct pcb *pcb;

	td = kmem_zalloc(sizeof(*td));
	pcb = kmem_zalloc(sizeof(*pcb));
	td->td_proc = p;
	TAILQ_INSERT_TAIL(&p->p_threads, td, td_plist);
	p->p_numthreads++;
	td->td_tid = tid;
	strncpy(td->td_name, name, MAXCOMLEN);
	td->td_critnest = critnest;
	td->td_state = TDS_CAN_RUN;
	td->td_oncpu = NOCPU;
	td->td_lastcpu = NOCPU;
	td->td_kstack_pages = KSTACK_PAGES;
	td->td_kstack = KSTACK_BASE +
	    (vm_offset_t)nalltds * (KSTACK_PAGES + 1) * PAGE_SIZE;
	td->td_pcb = pcb;
#ifdef FIXTURE_MACHINE_AMD64
	pcb->pcb_rsp = td->td_kstack + KSTACK_PAGES * PAGE_SIZE - 0x400;
	pcb->pcb_rbp = pcb->pcb_rsp + 0x30;
#else
	pcb->pcb_sp = td->td_kstack + KSTACK_PAGES * PAGE_SIZE - 0x400;
#endif
	alltds[nalltds++] = td;
	return (td);
}

/* sched_switch() on cpu to td. */
static void
thread_run(struct thread *td, u_int cpu)
{
	struct pcpu *pc;

	pc = cpuid_to_pcpu[cpu];
	if (pc->pc_curthread != NULL) {
		pc->pc_curthread->td_oncpu = NOCPU;
		pc->pc_curthread->td_state = TDS_CAN_RUN;
	}
	pc->pc_curthread = td;
	pc->pc_curpcb = td->td_pcb;
	td->td_oncpu = cpu;
	td->td_lastcpu = cpu;
	td->td_state = TDS_RUNNING;
	cpu_switch_md(pc, td);
}

void
thread_startup(void)
{
	struct proc *idleproc, *intrproc, *shproc;
	struct vmspace *vm;
	struct thread *td;
	char name[MAXCOMLEN + 1];
	lwpid_t idle_base;
	u_int cpu;

	alltds = kmem_zalloc((mp_maxid + 3) * sizeof(*alltds));
	/*
	 * The selected thread's tid is the host's thread id; should it fall
	 * among the idle threads' ids, number those after it instead.
	 */
	idle_base = IDLE_TID_BASE;
	if (plan.selected_tid >= idle_base &&
	    plan.selected_tid <= idle_base + (lwpid_t)mp_maxid + 1)
		idle_base = plan.selected_tid + 1;

	idleproc = proc_create(11, "idle", P_SYSTEM | P_KPROC, NULL);
	CPU_FOREACH(cpu) {
		snprintf(name, sizeof(name), "idle: cpu%u", cpu);
		td = thread_create(idleproc, idle_base + cpu, name, 1);
		cpuid_to_pcpu[cpu]->pc_idlethread = td;
		thread_run(td, cpu);
	}

	vm = kmem_zalloc(sizeof(*vm));
	vm->vm_refcnt = 1;
#ifdef FIXTURE_MACHINE_AMD64
	vm->vm_pmap.pm_cr3 = USER_CR3;
	vm->vm_pmap.pm_ucr3 = USER_UCR3;
#else
	vm->vm_pmap.pm_ttbr = USER_TTBR;
#endif
	shproc = proc_create(1234, "sh", 0, vm);
	td = thread_create(shproc, plan.selected_tid, "sh", 0);
	thread_run(td, plan.selected_cpu);
	cpuid_to_pcpu[plan.selected_cpu]->pc_fpcurthread = td;

	if (plan.intr_cpu != NOCPU) {
		intrproc = proc_create(12, "intr", P_SYSTEM | P_KPROC, NULL);
		td = thread_create(intrproc, idle_base + mp_maxid + 1,
		    "swi4: clock (0)", 2);
		thread_run(td, plan.intr_cpu);
	}
}

void
truth_threads(FILE *f)
{
	struct thread *td;
	char key[32];
	u_int i;

	json_begin(f, "threads", '{');
	for (i = 0; i < nalltds; i++) {
		td = alltds[i];
		snprintf(key, sizeof(key), "%ju", (uintmax_t)(uintptr_t)td);
		json_begin(f, key, '{');
		json_i64(f, "tid", td->td_tid);
		json_i64(f, "pid", td->td_proc->p_pid);
		json_str(f, "name", td->td_name);
		json_str(f, "comm", td->td_proc->p_comm);
		json_u64(f, "critnest", td->td_critnest);
		json_i64(f, "oncpu", td->td_oncpu);
		json_i64(f, "lastcpu", td->td_lastcpu);
		json_u64(f, "proc", (uintptr_t)td->td_proc);
		json_u64(f, "pcb", (uintptr_t)td->td_pcb);
		json_i64(f, "state", td->td_state);
		json_u64(f, "vnet", (uintptr_t)td->td_vnet);
		json_end(f, '}');
	}
	json_end(f, '}');
}

/* allproc in list order, each process with its threads in p_threads order. */
void
truth_allproc(FILE *f)
{
	struct thread *td;
	struct proc *p;

	json_begin(f, "allproc", '[');
	LIST_FOREACH(p, &allproc, p_list) {
		json_begin(f, NULL, '{');
		json_u64(f, "addr", (uintptr_t)p);
		json_i64(f, "pid", p->p_pid);
		json_str(f, "comm", p->p_comm);
		json_begin(f, "threads", '[');
		TAILQ_FOREACH(td, &p->p_threads, td_plist)
			json_u64(f, NULL, (uintptr_t)td);
		json_end(f, ']');
		json_end(f, '}');
	}
	json_end(f, ']');
}
