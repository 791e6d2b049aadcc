/*-
 * Fixture kernel: a program that lays out memory as a FreeBSD kernel of
 * one version and architecture does (struct pcpu, cpuid_to_pcpu[],
 * DPCPU, counter(9)), writes the ground truth of every value it wrote,
 * and stops in fixture_ready() for GDB to dump it with gcore.
 *
 * usage: kernel --shape NAME --truth PATH --maxid N [--absent 2,4,5]
 *	      --selected CPU [--intr CPU]
 */

#include <sys/syscall.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

struct fixture_plan plan;

void
panic(const char *fmt, ...)
{
	va_list ap;

	fputs("fixture kernel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* GDB stops here and takes the core. */
__noinline void
fixture_ready(void)
{

	__asm__ __volatile__("" ::: "memory");
}

static u_int
parse_cpu(const char *opt, const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v >= MAXCPU)
		panic("%s: bad CPU id \"%s\" (MAXCPU is %d)", opt, s, MAXCPU);
	return ((u_int)v);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "shape", required_argument, NULL, 's' },
		{ "truth", required_argument, NULL, 't' },
		{ "maxid", required_argument, NULL, 'm' },
		{ "absent", required_argument, NULL, 'a' },
		{ "selected", required_argument, NULL, 'c' },
		{ "intr", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	char *list, *tok;
	bool have_maxid, have_selected;
	int ch;

	have_maxid = have_selected = false;
	plan.intr_cpu = NOCPU;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			plan.shape = optarg;
			break;
		case 't':
			plan.truth_path = optarg;
			break;
		case 'm':
			plan.maxid = parse_cpu("--maxid", optarg);
			have_maxid = true;
			break;
		case 'a':
			list = strdup(optarg);
			for (tok = strtok(list, ","); tok != NULL;
			    tok = strtok(NULL, ","))
				plan.absent[parse_cpu("--absent", tok)] = true;
			free(list);
			break;
		case 'c':
			plan.selected_cpu = parse_cpu("--selected", optarg);
			have_selected = true;
			break;
		case 'i':
			plan.intr_cpu = parse_cpu("--intr", optarg);
			break;
		default:
			panic("usage: kernel --shape NAME --truth PATH "
			    "--maxid N [--absent LIST] --selected CPU "
			    "[--intr CPU]");
		}
	}
	if (plan.shape == NULL || plan.truth_path == NULL || !have_maxid ||
	    !have_selected || optind != argc)
		panic("--shape, --truth, --maxid and --selected are required");
	if (plan.selected_cpu > plan.maxid || plan.absent[plan.selected_cpu])
		panic("selected CPU %u is not present", plan.selected_cpu);
	if (plan.intr_cpu != NOCPU && ((u_int)plan.intr_cpu > plan.maxid ||
	    plan.absent[plan.intr_cpu] ||
	    (u_int)plan.intr_cpu == plan.selected_cpu))
		panic("interrupt CPU %d is absent or the selected one",
		    plan.intr_cpu);
	plan.selected_tid = (lwpid_t)syscall(SYS_gettid);
}

/* What statclock() and sched_switch() leave in each struct pcpu. */
static void
statclock_init(void)
{
	struct pcpu *pc;
	u_int cpu, i;

	CPU_FOREACH(cpu) {
		pc = cpuid_to_pcpu[cpu];
		for (i = 0; i < CPUSTATES; i++)
			pc->pc_cp_time[i] = 100000L * (cpu + 1) + 1000 * i +
			    (i == CP_IDLE ? 999 : 0);
		pc->pc_switchtime = 0x10000000000ULL + 0x1000ULL * cpu;
		pc->pc_switchticks = 500000 + cpu;
	}
}

int
main(int argc, char **argv)
{
	u_int cpu;

	parse_args(argc, argv);
	kmem_init();
	mp_setmaxid();
	cpu_mp_start();
	thread_startup();
	statclock_init();
	dpcpu_vars_init();
	vmcounter_startup();
	vfs_bio_init();
	tcp_init();
	counters_fill();

	/* The selected CPU panicked and stopped the others. */
	CPU_FOREACH(cpu)
		if (cpu != plan.selected_cpu)
			CPU_SET(cpu, &stopped_cpus);

	truth_write();
	kmem_unmap_guards();
	fixture_ready();
	return (0);
}
