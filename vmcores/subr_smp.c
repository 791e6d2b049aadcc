/*-
 * Fixture kernel: the CPU globals of sys/kern/subr_smp.c (and the
 * version globals of sys/kern/kern_mib.c, sys/conf/newvers.sh).
 */

#include "fixture.h"

int osreldate = __FreeBSD_version;
/* MAXPAGESIZES is 3 on amd64 and arm64 (machine/param.h). */
u_long pagesizes[3] = { PAGE_SIZE };
char version[] = "FreeBSD fixture kernel, __FreeBSD_version "
    __XSTRING(__FreeBSD_version) ", " MACHINE "\n";

/* sys/kern/kern_shutdown.c: the thread that took the dump. */
lwpid_t dumptid;

cpuset_t all_cpus;
cpuset_t stopped_cpus;

int mp_ncpus;
/* export this for libkvm consumers. */
int mp_maxcpus = MAXCPU;

u_int mp_maxid;

/*
 * cpu_mp_setmaxid(): mp_maxid from the firmware tables, all_cpus from
 * the CPUs that started, mp_ncpus their count.  Ids can be sparse.
 */
void
mp_setmaxid(void)
{
	u_int i;

	if (plan.maxid >= MAXCPU)
		panic("mp_maxid %u >= MAXCPU %d", plan.maxid, MAXCPU);
	mp_maxid = plan.maxid;
	mp_ncpus = 0;
	for (i = 0; i <= mp_maxid; i++) {
		if (plan.absent[i])
			continue;
		CPU_SET(i, &all_cpus);
		mp_ncpus++;
	}
	if (mp_ncpus == 0 || CPU_ABSENT(0))
		panic("CPU 0 must be present");
}
