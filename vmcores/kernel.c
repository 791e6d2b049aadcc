/*-
 * Fixture kernel: a program that lays out memory as a FreeBSD kernel of
 * one version and architecture does (struct pcpu, cpuid_to_pcpu[],
 * DPCPU, counter(9), processes and threads, the kernel linker; modules,
 * VNET and jails in some shapes), writes the
 * ground truth of every value it wrote, and stops in fixture_ready() for
 * GDB to dump it with gcore.
 *
 * usage: kernel [--shape NAME] [--maxid N] [--absent 2,4,5]
 *	      [--selected CPU] [--intr CPU] [--corrupt KIND]
 *	      [--truth PATH | PATH]
 *
 * The boot plan it was built for is compiled in (mkvmcore.py passes
 * -DFIXTURE_SHAPE=... and the rest), so "kernel TRUTH", or "kernel"
 * alone, boots that plan; each option overrides one part of it.  Without
 * a truth path no truth.json is written.  Modules are loaded from the
 * kernel's own directory.
 */

#include <sys/syscall.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#if !defined(FIXTURE_SHAPE) || !defined(FIXTURE_MAXID) || \
    !defined(FIXTURE_ABSENT) || !defined(FIXTURE_SELECTED) || \
    !defined(FIXTURE_INTR) || !defined(FIXTURE_CORRUPT)
#error "define the boot plan (FIXTURE_SHAPE and the rest: mkvmcore.py)"
#endif

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
parse_absent(const char *opt, const char *s)
{
	char *list, *tok;

	memset(plan.absent, 0, sizeof(plan.absent));
	list = strdup(s);
	for (tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ","))
		plan.absent[parse_cpu(opt, tok)] = true;
	free(list);
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
		{ "corrupt", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	static char kernel_path[PATH_MAX];
	int ch;

	plan.shape = FIXTURE_SHAPE;
	plan.maxid = parse_cpu("FIXTURE_MAXID", __XSTRING(FIXTURE_MAXID));
	parse_absent("FIXTURE_ABSENT", FIXTURE_ABSENT);
	plan.selected_cpu = parse_cpu("FIXTURE_SELECTED",
	    __XSTRING(FIXTURE_SELECTED));
	plan.intr_cpu = FIXTURE_INTR;
	plan.corrupt = *FIXTURE_CORRUPT != '\0' ? FIXTURE_CORRUPT : NULL;
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
			break;
		case 'a':
			parse_absent("--absent", optarg);
			break;
		case 'c':
			plan.selected_cpu = parse_cpu("--selected", optarg);
			break;
		case 'i':
			plan.intr_cpu = parse_cpu("--intr", optarg);
			break;
		case 'k':
			plan.corrupt = *optarg != '\0' ? optarg : NULL;
			break;
		default:
			panic("usage: kernel [--shape NAME] [--maxid N] "
			    "[--absent LIST] [--selected CPU] [--intr CPU] "
			    "[--corrupt KIND] [--truth PATH | PATH]");
		}
	}
	if (optind < argc && plan.truth_path == NULL)
		plan.truth_path = argv[optind++];
	if (optind != argc)
		panic("unexpected argument \"%s\"", argv[optind]);
	if (plan.selected_cpu > plan.maxid || plan.absent[plan.selected_cpu])
		panic("selected CPU %u is not present", plan.selected_cpu);
	if (plan.intr_cpu != NOCPU && ((u_int)plan.intr_cpu > plan.maxid ||
	    plan.absent[plan.intr_cpu] ||
	    (u_int)plan.intr_cpu == plan.selected_cpu))
		panic("interrupt CPU %d is absent or the selected one",
		    plan.intr_cpu);
	if (realpath("/proc/self/exe", kernel_path) == NULL)
		panic("/proc/self/exe: %s", strerror(errno));
	plan.kernel_path = kernel_path;
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
	corrupt_init();
	thread_startup();
	statclock_init();
	dpcpu_vars_init();
	vmcounter_startup();
#if __FreeBSD_version >= 1200000
	vfs_bio_init();
#endif
	linker_startup();
#ifdef FIXTURE_MODULES
	modules_preload();
#endif
#ifdef VIMAGE
	vnet0_init();
	prison_startup();
#else
	vnet_tcp_init(NULL);
	netconf(NULL, "vnet0");
#endif
#ifdef FIXTURE_MODULES
	modules_fill();
#endif
	counters_fill();

	/* The selected CPU panicked and stopped the others. */
	CPU_FOREACH(cpu)
		if (cpu != plan.selected_cpu)
			CPU_SET(cpu, &stopped_cpus);
	/* doadump(): the dumping thread (docs/FREEBSD.md, "Dumps and panics"). */
	dumptid = plan.selected_tid;

	if (plan.truth_path != NULL)
		truth_write();
	corrupt_apply();
	kmem_unmap_guards();
	fixture_ready();
	return (0);
}
