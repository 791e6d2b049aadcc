/*-
 * Fixture kernel: the ground truth, truth.json, written from the
 * kernel's own view of what it built (CPU_FOREACH, cpuid_to_pcpu[],
 * dpcpu_off[], counter_u64_fetch()), before fixture_ready().
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"

/* A minimal JSON writer: nesting state is one "first item" flag a level. */
static bool json_first[16] = { true };
static int json_depth;

static void
json_sep(FILE *f, const char *key)
{

	if (!json_first[json_depth])
		fputc(',', f);
	json_first[json_depth] = false;
	if (key != NULL)
		fprintf(f, "\"%s\":", key);
}

void
json_begin(FILE *f, const char *key, char open)
{

	json_sep(f, key);
	fputc(open, f);
	if (++json_depth >= (int)(sizeof(json_first) / sizeof(json_first[0])))
		panic("json_begin: nesting too deep");
	json_first[json_depth] = true;
}

void
json_end(FILE *f, char close)
{

	fputc(close, f);
	json_depth--;
}

void
json_u64(FILE *f, const char *key, uint64_t v)
{

	json_sep(f, key);
	fprintf(f, "%ju", (uintmax_t)v);
}

void
json_i64(FILE *f, const char *key, int64_t v)
{

	json_sep(f, key);
	fprintf(f, "%jd", (intmax_t)v);
}

void
json_bool(FILE *f, const char *key, bool v)
{

	json_sep(f, key);
	fputs(v ? "true" : "false", f);
}

void
json_null(FILE *f, const char *key)
{

	json_sep(f, key);
	fputs("null", f);
}

void
json_str(FILE *f, const char *key, const char *s)
{

	json_sep(f, key);
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((u_char)*s < 0x20)
			fprintf(f, "\\u%04x", (u_char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* The key of an object member indexed by CPU id: its decimal string. */
const char *
cpukey(u_int cpu)
{
	static char key[16];

	snprintf(key, sizeof(key), "%u", cpu);
	return (key);
}

static void
truth_pcpu(FILE *f, struct pcpu *pc)
{
	u_int i;

	json_begin(f, cpukey(pc->pc_cpuid), '{');
	json_u64(f, "addr", (uintptr_t)pc);
	json_u64(f, "cpuid", pc->pc_cpuid);
	json_u64(f, "dynamic", pc->pc_dynamic);
#if __FreeBSD_version >= 1300000
	json_u64(f, "zpcpu_offset", pc->pc_zpcpu_offset);
#else
	json_null(f, "zpcpu_offset");
#endif
	json_u64(f, "curthread", (uintptr_t)pc->pc_curthread);
	json_u64(f, "idlethread", (uintptr_t)pc->pc_idlethread);
	json_u64(f, "fpcurthread", (uintptr_t)pc->pc_fpcurthread);
	json_u64(f, "curpcb", (uintptr_t)pc->pc_curpcb);
	json_u64(f, "switchtime", pc->pc_switchtime);
	json_i64(f, "switchticks", pc->pc_switchticks);
	json_i64(f, "domain", pc->pc_domain);
	json_u64(f, "allcpu_next", (uintptr_t)pc->pc_allcpu.stqe_next);
	json_begin(f, "cp_time", '[');
	for (i = 0; i < CPUSTATES; i++)
		json_i64(f, NULL, pc->pc_cp_time[i]);
	json_end(f, ']');
	json_begin(f, "md", '{');
	truth_pcpu_md(f, pc);
	json_end(f, '}');
#if __FreeBSD_version < 1200000
	truth_pc_cnt(f, pc);
#endif
	json_end(f, '}');
}

void
truth_write(void)
{
	char tmp[4096];
	struct pcpu *pc;
	FILE *f;
	u_int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", plan.truth_path);
	if ((f = fopen(tmp, "w")) == NULL)
		panic("%s: %s", tmp, strerror(errno));

	json_begin(f, NULL, '{');
	json_str(f, "shape", plan.shape);
	json_str(f, "release", FIXTURE_RELEASE);
#ifdef FIXTURE_MACHINE_AMD64
	json_str(f, "machine", "amd64");
#else
	json_str(f, "machine", "arm64");
#endif
	json_i64(f, "osreldate", osreldate);
	json_str(f, "version", version);
	json_i64(f, "mp_maxcpus", mp_maxcpus);
	json_u64(f, "mp_maxid", mp_maxid);
	json_i64(f, "mp_ncpus", mp_ncpus);
	json_begin(f, "cpus", '[');
	CPU_FOREACH(i)
		json_u64(f, NULL, i);
	json_end(f, ']');
	json_begin(f, "absent", '[');
	for (i = 0; i <= mp_maxid; i++)
		if (CPU_ABSENT(i))
			json_u64(f, NULL, i);
	json_end(f, ']');
	json_begin(f, "stopped_cpus", '[');
	for (i = 0; i <= mp_maxid; i++)
		if (CPU_ISSET(i, &stopped_cpus))
			json_u64(f, NULL, i);
	json_end(f, ']');
	json_i64(f, "dumptid", dumptid);
	json_u64(f, "pcpu_size", sizeof(struct pcpu));
	json_u64(f, "page_size", PAGE_SIZE);
#if defined(PCPU_POINTER)
	json_u64(f, "pcpu_symbol_value", (uintptr_t)__pcpu);
#elif defined(PCPU_ARRAY)
	json_u64(f, "pcpu_symbol_value", (uintptr_t)&__pcpu[0]);
#else
	json_null(f, "pcpu_symbol_value");
	json_u64(f, "pcpu0", (uintptr_t)&pcpu0);
#endif
	json_u64(f, "start_set_pcpu", DPCPU_START);
	json_u64(f, "stop_set_pcpu", DPCPU_STOP);
	json_u64(f, "dpcpu_size", DPCPU_SIZE);
	json_u64(f, "dpcpu_modmin", DPCPU_MODMIN);
#if __FreeBSD_version >= 1300000
	json_str(f, "zpcpu_stride", "pc_zpcpu_offset");
#else
	json_u64(f, "zpcpu_stride", UMA_PCPU_ALLOC_SIZE);
#endif
	json_u64(f, "selected_cpu", plan.selected_cpu);
	json_i64(f, "selected_tid", plan.selected_tid);

	json_begin(f, "pcpu", '{');
	CPU_FOREACH(i) {
		pc = cpuid_to_pcpu[i];
		truth_pcpu(f, pc);
	}
	json_end(f, '}');

	json_begin(f, "cpuhead", '[');
	for (pc = cpuhead.stqh_first; pc != NULL; pc = pc->pc_allcpu.stqe_next)
		json_u64(f, NULL, pc->pc_cpuid);
	json_end(f, ']');

	truth_threads(f);
	truth_allproc(f);

	json_begin(f, "dpcpu_off", '{');
	CPU_FOREACH(i)
		json_u64(f, cpukey(i), dpcpu_off[i]);
	json_end(f, '}');
	truth_dpcpu(f);
	truth_counters(f);
	truth_vm_cnt(f);
#ifdef TCPSTAT_FULL
	truth_bench_array(f);
#endif
#ifdef VIMAGE
	json_bool(f, "vimage", true);
	truth_vnets(f);
	truth_jails(f);
	json_str(f, "vnet_default", prison_vnet_name(
	    cpuid_to_pcpu[plan.selected_cpu]->pc_curthread->td_vnet));
#else
	json_bool(f, "vimage", false);
	json_begin(f, "plain_vnet_vars", '{');
	truth_netconf(f, NULL);
	json_end(f, '}');
#endif
	truth_linker_files(f);
#ifdef FIXTURE_MODULES
	truth_modules(f);
#endif
	if (plan.corrupt != NULL)
		truth_corrupt(f);
	json_end(f, '}');
	fputc('\n', f);

	if (ferror(f) || fclose(f) != 0)
		panic("%s: write error", tmp);
	if (rename(tmp, plan.truth_path) != 0)
		panic("%s: %s", plan.truth_path, strerror(errno));
}
