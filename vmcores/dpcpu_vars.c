/*-
 * Fixture kernel: DPCPU variables of the kinds kernel code defines with
 * DPCPU_DEFINE (sys/sys/pcpu.h), one of each shape: int, uint64_t, an
 * array, a struct, a pointer.  The template in set_pcpu holds values no
 * CPU's copy has, so reading the template by mistake shows.
 */

#include "fixture.h"

struct dpcpu_stats {
	int	ds_calls;
	long	ds_bytes;
};

DPCPU_DEFINE(int, dpcpu_int) = -1;
DPCPU_DEFINE(uint64_t, dpcpu_u64) = 0xdeadbeefdeadbeefULL;
DPCPU_DEFINE(long, dpcpu_arr[4]) = { -1, -2, -3, -4 };
DPCPU_DEFINE(struct dpcpu_stats, dpcpu_stats) = { -1, -1 };
DPCPU_DEFINE(struct thread *, dpcpu_thread) = NULL;

/* After thread_startup(): dpcpu_thread is each CPU's idle thread. */
void
dpcpu_vars_init(void)
{
	struct dpcpu_stats *ds;
	long *arr;
	u_int cpu, i;

	CPU_FOREACH(cpu) {
		*DPCPU_ID_PTR(cpu, dpcpu_int) = 1000 + 17 * cpu;
		*DPCPU_ID_PTR(cpu, dpcpu_u64) = 0x5eed000000000000ULL +
		    0x10001ULL * cpu;
		arr = *DPCPU_ID_PTR(cpu, dpcpu_arr);
		for (i = 0; i < 4; i++)
			arr[i] = 100 * cpu + i + 1;
		ds = DPCPU_ID_PTR(cpu, dpcpu_stats);
		ds->ds_calls = 50000 + cpu;
		ds->ds_bytes = 0x100000000L + 4096L * cpu;
		*DPCPU_ID_PTR(cpu, dpcpu_thread) =
		    cpuid_to_pcpu[cpu]->pc_idlethread;
	}
}

static void
truth_dpcpu_begin(FILE *f, const char *name, const char *type, void *tmpl,
    size_t size)
{
	char sym[64];

	snprintf(sym, sizeof(sym), "%s%s", DPCPU_SYMPREFIX, name);
	json_begin(f, name, '{');
	json_str(f, "symbol", sym);
	json_str(f, "type", type);
	json_u64(f, "template_addr", (uintptr_t)tmpl);
	json_u64(f, "size", size);
}

static void
truth_dpcpu_stats(FILE *f, const char *key, struct dpcpu_stats *ds)
{

	json_begin(f, key, '{');
	json_i64(f, "ds_calls", ds->ds_calls);
	json_i64(f, "ds_bytes", ds->ds_bytes);
	json_end(f, '}');
}

static void
truth_dpcpu_arr(FILE *f, const char *key, long *arr)
{
	u_int i;

	json_begin(f, key, '[');
	for (i = 0; i < 4; i++)
		json_i64(f, NULL, arr[i]);
	json_end(f, ']');
}

/*
 * Each variable: its symbol, type, template value and each present
 * CPU's value, read through dpcpu_off[] as the kernel reads it.
 */
void
truth_dpcpu(FILE *f)
{
	u_int cpu;

	json_begin(f, "dpcpu", '{');

	truth_dpcpu_begin(f, "dpcpu_int", "int", &DPCPU_NAME(dpcpu_int),
	    sizeof(DPCPU_NAME(dpcpu_int)));
	json_i64(f, "template", DPCPU_NAME(dpcpu_int));
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		json_i64(f, cpukey(cpu), *DPCPU_ID_PTR(cpu, dpcpu_int));
	json_end(f, '}');
	json_end(f, '}');

	truth_dpcpu_begin(f, "dpcpu_u64", "uint64_t", &DPCPU_NAME(dpcpu_u64),
	    sizeof(DPCPU_NAME(dpcpu_u64)));
	json_u64(f, "template", DPCPU_NAME(dpcpu_u64));
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		json_u64(f, cpukey(cpu), *DPCPU_ID_PTR(cpu, dpcpu_u64));
	json_end(f, '}');
	json_end(f, '}');

	truth_dpcpu_begin(f, "dpcpu_arr", "long [4]", &DPCPU_NAME(dpcpu_arr),
	    sizeof(DPCPU_NAME(dpcpu_arr)));
	truth_dpcpu_arr(f, "template", DPCPU_NAME(dpcpu_arr));
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		truth_dpcpu_arr(f, cpukey(cpu), *DPCPU_ID_PTR(cpu, dpcpu_arr));
	json_end(f, '}');
	json_end(f, '}');

	truth_dpcpu_begin(f, "dpcpu_stats", "struct dpcpu_stats",
	    &DPCPU_NAME(dpcpu_stats), sizeof(DPCPU_NAME(dpcpu_stats)));
	truth_dpcpu_stats(f, "template", &DPCPU_NAME(dpcpu_stats));
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		truth_dpcpu_stats(f, cpukey(cpu),
		    DPCPU_ID_PTR(cpu, dpcpu_stats));
	json_end(f, '}');
	json_end(f, '}');

	truth_dpcpu_begin(f, "dpcpu_thread", "struct thread *",
	    &DPCPU_NAME(dpcpu_thread), sizeof(DPCPU_NAME(dpcpu_thread)));
	json_u64(f, "template", (uintptr_t)DPCPU_NAME(dpcpu_thread));
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		json_u64(f, cpukey(cpu),
		    (uintptr_t)*DPCPU_ID_PTR(cpu, dpcpu_thread));
	json_end(f, '}');
	json_end(f, '}');

	json_end(f, '}');
}
