/*-
 * Fixture kernel: counter(9) (sys/kern/subr_counter.c), plus the
 * fixture's record of every counter it allocated, the values it puts in
 * their slots and their ground truth.
 *
 * Slot values: present CPU n of the k-th counter allocated holds
 * (k + 1) * 1000000 + 7 * n + 1, distinct across counters and CPUs;
 * CK_ZERO counters hold 0; CK_WRAP counters hold 2^63 + 0x1000 + 0x111 * n
 * so that their uint64_t sum wraps; the slot of an absent CPU holds junk,
 * 0x4a554e4b00000000 | k << 16 | n.
 */

#include "fixture.h"

#define	COUNTERS_MAX		1024
#define	COUNTER_ARRAYS_MAX	4
#define	COUNTER_ARRAY_MAXN	512

struct fixture_counter {
	const char		*fc_name;	/* NULL: an array element */
	counter_u64_t		*fc_var;	/* where the kernel keeps it */
	enum counter_kind	fc_kind;
};

struct fixture_counter_array {
	const char		*fa_name;
	const char		*fa_type;
	const char *const	*fa_fields;
	u_int			fa_n;
	counter_u64_t		*fa_arr;
	void			(*fa_copy)(void *);	/* the sums, as a struct */
};

static struct fixture_counter counters[COUNTERS_MAX];
static u_int ncounters;
static struct fixture_counter_array counter_arrays[COUNTER_ARRAYS_MAX];
static u_int ncounter_arrays;

counter_u64_t
counter_u64_alloc(void)
{
	counter_u64_t c;
	u_int i;

	c = uma_zalloc_pcpu();
	CPU_FOREACH(i)
		*zpcpu_get_cpu(c, i) = 0;
	return (c);
}

uint64_t
counter_u64_fetch(counter_u64_t c)
{
	uint64_t r;
	u_int i;

	r = 0;
	CPU_FOREACH(i)
		r += *zpcpu_get_cpu(c, i);
	return (r);
}

void
counter_register(const char *name, counter_u64_t *var, enum counter_kind kind)
{

	if (ncounters == COUNTERS_MAX)
		panic("counter_register: too many counters");
	counters[ncounters].fc_name = name;
	counters[ncounters].fc_var = var;
	counters[ncounters].fc_kind = kind;
	ncounters++;
}

/*
 * An array of counters named name (NULL: one whose owner writes its
 * ground truth, such as a vnet's copy of one, with truth_counter_array()).
 */
void
counter_array_register(const char *name, const char *type,
    const char *const *fields, u_int n, counter_u64_t *arr,
    void (*copy)(void *), const u_int *zero, u_int nzero)
{
	struct fixture_counter_array *fa;
	u_int i, j;

	if (n > COUNTER_ARRAY_MAXN)
		panic("counter_array_register: too many counters");
	if (name != NULL) {
		if (ncounter_arrays == COUNTER_ARRAYS_MAX)
			panic("counter_array_register: too many arrays");
		fa = &counter_arrays[ncounter_arrays++];
		fa->fa_name = name;
		fa->fa_type = type;
		fa->fa_fields = fields;
		fa->fa_n = n;
		fa->fa_arr = arr;
		fa->fa_copy = copy;
	}
	for (i = 0; i < n; i++) {
		counter_register(NULL, &arr[i], CK_NORMAL);
		for (j = 0; j < nzero; j++)
			if (zero[j] == i)
				counters[ncounters - 1].fc_kind = CK_ZERO;
	}
}

static uint64_t
counter_slot_value(u_int k, enum counter_kind kind, u_int cpu)
{

	if (CPU_ABSENT(cpu))
		return (0x4a554e4b00000000ULL | (uint64_t)k << 16 | cpu);
	switch (kind) {
	case CK_ZERO:
		return (0);
	case CK_WRAP:
		return (0x8000000000001000ULL + 0x111ULL * cpu);
	default:
		return ((uint64_t)(k + 1) * 1000000 + 7 * cpu + 1);
	}
}

void
counters_fill(void)
{
	struct fixture_counter *fc;
	u_int k, cpu;

	for (k = 0; k < ncounters; k++) {
		fc = &counters[k];
		for (cpu = 0; cpu <= mp_maxid; cpu++)
			*zpcpu_get_cpu(*fc->fc_var, cpu) =
			    counter_slot_value(k, fc->fc_kind, cpu);
	}
}

/* The slots and their addresses, for present and for absent CPUs. */
static void
truth_slots(FILE *f, counter_u64_t c)
{
	u_int cpu;

	json_begin(f, "slots", '{');
	CPU_FOREACH(cpu)
		json_u64(f, cpukey(cpu), *zpcpu_get_cpu(c, cpu));
	json_end(f, '}');
	json_begin(f, "slot_addrs", '{');
	CPU_FOREACH(cpu)
		json_u64(f, cpukey(cpu), (uintptr_t)zpcpu_get_cpu(c, cpu));
	json_end(f, '}');
	json_begin(f, "absent_slots", '{');
	for (cpu = 0; cpu <= mp_maxid; cpu++)
		if (CPU_ABSENT(cpu))
			json_u64(f, cpukey(cpu), *zpcpu_get_cpu(c, cpu));
	json_end(f, '}');
}

/*
 * An array of counters: where it is, its counters and slots, and its
 * sums (what its sysctl handler returns, as one struct of type).
 */
void
truth_counter_array(FILE *f, const char *key, const char *type,
    const char *const *fields, u_int n, counter_u64_t *arr,
    const uint64_t *sums)
{
	u_int i;

	json_begin(f, key, '{');
	json_str(f, "struct", type);
	json_u64(f, "addr", (uintptr_t)arr);
	json_begin(f, "fields", '[');
	for (i = 0; i < n; i++)
		json_str(f, NULL, fields[i]);
	json_end(f, ']');
	json_begin(f, "values", '[');
	for (i = 0; i < n; i++)
		json_u64(f, NULL, (uintptr_t)arr[i]);
	json_end(f, ']');
	json_begin(f, "sums", '[');
	for (i = 0; i < n; i++)
		json_u64(f, NULL, sums[i]);
	json_end(f, ']');
	json_begin(f, "elements", '[');
	for (i = 0; i < n; i++) {
		json_begin(f, NULL, '{');
		truth_slots(f, arr[i]);
		json_end(f, '}');
	}
	json_end(f, ']');
	json_end(f, '}');
}

void
truth_counters(FILE *f)
{
	struct fixture_counter_array *fa;
	struct fixture_counter *fc;
	uint64_t sums[COUNTER_ARRAY_MAXN];
	u_int i, k;

	json_begin(f, "counters", '{');
	for (k = 0; k < ncounters; k++) {
		fc = &counters[k];
		if (fc->fc_name == NULL)
			continue;
		json_begin(f, fc->fc_name, '{');
		json_u64(f, "value", (uintptr_t)*fc->fc_var);
		json_u64(f, "addr", (uintptr_t)fc->fc_var);
		json_u64(f, "sum", counter_u64_fetch(*fc->fc_var));
		truth_slots(f, *fc->fc_var);
		json_end(f, '}');
	}
	json_end(f, '}');

	json_begin(f, "counter_arrays", '{');
	for (k = 0; k < ncounter_arrays; k++) {
		fa = &counter_arrays[k];
		fa->fa_copy(sums);
		truth_counter_array(f, fa->fa_name, fa->fa_type, fa->fa_fields,
		    fa->fa_n, fa->fa_arr, sums);
	}
	json_end(f, '}');

	json_begin(f, "libkvm_counter_sums", '{');
	for (k = 0; k < ncounters; k++) {
		fc = &counters[k];
		if (fc->fc_name != NULL)
			json_u64(f, fc->fc_name,
			    libkvm_counter_u64_fetch(*fc->fc_var));
	}
	json_end(f, '}');

	json_begin(f, "libkvm_counter_array_sums", '{');
	for (k = 0; k < ncounter_arrays; k++) {
		fa = &counter_arrays[k];
		json_begin(f, fa->fa_name, '[');
		for (i = 0; i < fa->fa_n; i++)
			json_u64(f, NULL,
			    libkvm_counter_u64_fetch(fa->fa_arr[i]));
		json_end(f, ']');
	}
	json_end(f, '}');
}
