/*
 * A target's own error and Ctrl-C stop the core at once: for every entry
 * point and every hook call it makes, failing that call (KP_TARGET_ERROR)
 * gives KP_ERR_TARGET and no later hook call; saying "interrupted" at any
 * check gives KP_ERR_INTERRUPTED and no later hook call.  A binding relies
 * on it: its callback's exception is still pending, and must not meet
 * another call into Python.
 */
#include <stdlib.h>

#include "unit.h"

typedef struct kp_error *op_fn(kvm_t *kd, struct ut_kernel *k);

static struct kp_error *
op_cpus(kvm_t *kd, struct ut_kernel *k)
{
	const int *cpus;
	int n;

	(void)k;
	return (kp_cpus(kd, &cpus, &n));
}

static struct kp_error *
op_pcpu_read(kvm_t *kd, struct ut_kernel *k)
{
	unsigned char buf[UT_PAGE];

	(void)k;
	return (kp_pcpu_read(kd, 3, buf));
}

static struct kp_error *
op_dpcpu_addr(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t addr;

	return (kp_dpcpu_addr(kd, k->dpcpu_int, 4, &addr));
}

static struct kp_error *
op_vnet_addr(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t addr;

	return (kp_vnet_addr(kd, k->vnet_start + 8, 0x100000, &addr));
}

static struct kp_error *
op_counter_fetch(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t sum;

	return (kp_counter_fetch(kd, k->counters[1], &sum));
}

static struct kp_error *
op_counter_fetch_array(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t sums[UT_NCOUNTERS];

	return (kp_counter_fetch_array(kd, k->counters, UT_NCOUNTERS, sums));
}

static struct kp_error *
op_counter_slots(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t values[UT_MAXCPU];

	return (kp_counter_slots(kd, k->counters[2], NULL, 0, values));
}

static struct kp_error *
op_read_zpcpu(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t v;

	return (kp_read_zpcpu(kd, k->counters[0], &v, 8, 5));
}

static struct kp_error *
op_read_uints(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t addrs[3] = { k->pcpu[0], k->pcpu[1] + 4, k->pcpu[4] };
	uint64_t values[3];
	bool ok[3];

	return (kp_read_uints(kd, addrs, 3, 4, values, ok));
}

static struct kp_error *
op_counter_slots_of(kvm_t *kd, struct ut_kernel *k)
{
	int cpus[3] = { 5, 0, 3 };
	uint64_t values[3];

	return (kp_counter_slots(kd, k->counters[2], cpus, 3, values));
}

static struct kp_error *
op_counter_fetch_partial(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t sums[UT_NCOUNTERS];
	int missing[UT_MAXCPU];
	size_t n;

	return (kp_counter_fetch_partial(kd, k->counters, UT_NCOUNTERS, sums,
	    missing, &n));
}

static const int some_cpus[] = { 0, 1, 3, 5 };

static struct kp_error *
op_read_fields(kvm_t *kd, struct ut_kernel *k)
{
	static const struct kp_field fields[] = {
		{ UT_PC_CPUID, 4, KP_FIELD_UINT },
		{ UT_PC_NAME, 16, KP_FIELD_STRING },
	};
	uint64_t addrs[4] = { k->pcpu[0], 0, k->pcpu[3], k->pcpu[5] };
	struct kp_rows *rows = NULL;
	struct kp_error *err;

	err = kp_read_fields(kd, addrs, 4, fields, 2, &rows);
	kp_rows_free(rows);
	return (err);
}

static struct kp_error *
op_dpcpu_fields(kvm_t *kd, struct ut_kernel *k)
{
	static const struct kp_field fields[] = { { 0, 4, KP_FIELD_INT } };
	struct kp_rows *rows = NULL;
	struct kp_error *err;

	err = kp_dpcpu_fields(kd, k->dpcpu_int, some_cpus, 4, fields, 1,
	    &rows);
	kp_rows_free(rows);
	return (err);
}

static struct kp_error *
op_dpcpu_read(kvm_t *kd, struct ut_kernel *k)
{
	unsigned char out[4 * 8];
	bool ok[4];

	return (kp_dpcpu_read(kd, k->dpcpu_int, 8, some_cpus, 4, out, ok));
}

static struct kp_error *
op_walk_list(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t *elems = NULL;
	struct kp_error *err;
	size_t n;

	err = kp_walk_list(kd, k->pcpu[0], UT_PC_NEXT, 100, &elems, &n);
	free(elems);
	return (err);
}

static struct kp_error *
op_read_pointer_array(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t addr, ptrs[8];
	struct kp_error *err;

	(void)k;
	if ((err = kp_lookup_symbol(kd, "cpuid_to_pcpu", &addr)) != NULL)
		return (err);
	return (kp_read_pointer_array(kd, addr, 8, ptrs));
}

static struct kp_error *
op_templates(kvm_t *kd, struct ut_kernel *k)
{
	uint64_t addr;
	struct kp_error *err;

	if ((err = kp_dpcpu_template(kd, k->dpcpu_int, &addr)) != NULL)
		return (err);
	return (kp_vnet_template(kd, k->vnet_start, &addr));
}

static const struct {
	const char *name;
	op_fn *fn;
} ops[] = {
	{ "kp_cpus", op_cpus },
	{ "kp_pcpu_read", op_pcpu_read },
	{ "kp_dpcpu_addr", op_dpcpu_addr },
	{ "kp_vnet_addr", op_vnet_addr },
	{ "kp_counter_fetch", op_counter_fetch },
	{ "kp_counter_fetch_array", op_counter_fetch_array },
	{ "kp_counter_slots", op_counter_slots },
	{ "kp_read_zpcpu", op_read_zpcpu },
	{ "kp_read_uints", op_read_uints },
	{ "kp_counter_slots of CPUs", op_counter_slots_of },
	{ "kp_counter_fetch_partial", op_counter_fetch_partial },
	{ "kp_read_fields", op_read_fields },
	{ "kp_dpcpu_fields", op_dpcpu_fields },
	{ "kp_dpcpu_read", op_dpcpu_read },
	{ "kp_walk_list", op_walk_list },
	{ "kp_read_pointer_array", op_read_pointer_array },
	{ "kp_dpcpu_template, kp_vnet_template", op_templates },
};

#define	NOPS	(sizeof(ops) / sizeof(ops[0]))

static const enum ut_shape shapes[] = {
	UT_AMD64_13, UT_ARM64_13, UT_AMD64_12, UT_AMD64_11,
};

/* Run op on a fresh handle of k, with the target's accounting reset. */
static struct kp_error *
run(struct ut_kernel *k, op_fn *fn, int fail_at, int interrupt_at)
{
	struct kp_error *err;
	kvm_t *kd;

	k->t.calls = k->t.reads = k->t.checks = k->t.calls_after_fail = 0;
	k->t.fail_at = fail_at;
	k->t.interrupt_at = interrupt_at;
	kd = ut_open(&k->t);
	err = fn(kd, k);
	kp_close(kd);
	return (err);
}

static void
test_a_target_error_stops_every_entry_point(void)
{
	struct ut_kernel k;
	struct kp_error *err;
	size_t s, i;
	int n, calls;

	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		ut_kernel(&k, shapes[s], 5, 8, 1 << 2);
		for (i = 0; i < NOPS; i++) {
			CHECK_OK(run(&k, ops[i].fn, 0, 0));
			calls = k.t.calls;
			CHECK(calls > 0);
			for (n = 1; n <= calls; n++) {
				err = run(&k, ops[i].fn, n, 0);
				if (err == NULL || err->code != KP_ERR_TARGET ||
				    k.t.calls_after_fail != 0) {
					ut_failed(__FILE__, __LINE__,
					    "shape %zu %s, call %d of %d "
					    "failed: error %d \"%s\", %d "
					    "calls after", s, ops[i].name, n,
					    calls, err ? (int)err->code : -1,
					    err ? err->message : "",
					    k.t.calls_after_fail);
					kp_error_destroy(err);
					ut_free(&k.t);
					return;
				}
				kp_error_destroy(err);
			}
		}
		ut_free(&k.t);
	}
}

static void
test_an_interrupt_stops_every_loop(void)
{
	struct ut_kernel k;
	struct kp_error *err;
	size_t i;
	int n, checks, tried = 0;

	ut_kernel(&k, UT_AMD64_13, 40, 64, 1 << 7);
	for (i = 0; i < NOPS; i++) {
		CHECK_OK(run(&k, ops[i].fn, 0, 0));
		checks = k.t.checks;
		for (n = 1; n <= checks; n++, tried++) {
			err = run(&k, ops[i].fn, 0, n);
			if (err == NULL || err->code != KP_ERR_INTERRUPTED ||
			    k.t.calls_after_fail != 0) {
				ut_failed(__FILE__, __LINE__, "%s, check %d of "
				    "%d: error %d, %d calls after", ops[i].name,
				    n, checks, err ? (int)err->code : -1,
				    k.t.calls_after_fail);
				kp_error_destroy(err);
				ut_free(&k.t);
				return;
			}
			kp_error_destroy(err);
		}
	}
	CHECK(tried > 0);
	ut_free(&k.t);
}

/* The version fallback of the zpcpu stride used to drop every error. */
static void
test_osreldate_lookup_errors_are_not_dropped(void)
{
	struct ut_kernel k;
	const int *cpus;
	uint64_t sum;
	kvm_t *kd;
	int n;

	ut_kernel(&k, UT_AMD64_11, 3, 4, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_counter_fetch(kd, k.counters[0], &sum));
	CHECK_EQ(sum, k.sums[0]);
	kp_close(kd);
	/* Fail the lookup of osreldate: the calls up to it, plus one. */
	kd = ut_open(&k.t);
	k.t.calls = 0;
	CHECK_OK(kp_cpus(kd, &cpus, &n));
	k.t.fail_at = k.t.calls + 1;
	CHECK_ERR(kp_counter_fetch(kd, k.counters[0], &sum), KP_ERR_TARGET,
	    "looking up osreldate failed");
	CHECK_EQ(k.t.calls_after_fail, 0);
	kp_close(kd);
	ut_free(&k.t);
}

static const struct ut_test tests[] = {
	{ "a_target_error_stops_every_entry_point",
	  test_a_target_error_stops_every_entry_point },
	{ "an_interrupt_stops_every_loop", test_an_interrupt_stops_every_loop },
	{ "osreldate_lookup_errors_are_not_dropped",
	  test_osreldate_lookup_errors_are_not_dropped },
};

UT_MAIN(tests)
