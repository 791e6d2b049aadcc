/*
 * UMA_ZONE_PCPU slots and counter(9): the rule of each era (13+:
 * pc_zpcpu_offset, 12: PAGE_SIZE, 11: sizeof(struct pcpu)), the user's
 * stride, sums with wrap-around, faults and NULL counters.
 */
#include "unit.h"

static const struct {
	enum ut_shape shape;
	enum kp_zpcpu_rule rule;
	uint64_t stride;
} eras[] = {
	{ UT_AMD64_13, KP_ZPCPU_FIELD, 0 },
	{ UT_ARM64_13, KP_ZPCPU_FIELD, 0 },
	{ UT_AMD64_12, KP_ZPCPU_PAGE, UT_PAGE },
	{ UT_AMD64_11, KP_ZPCPU_PCPU_SIZE, 1152 },
};

static void
test_each_era_finds_every_slot(void)
{
	struct ut_kernel k;
	enum kp_zpcpu_rule rule;
	uint64_t stride, v, sum, sums[UT_NCOUNTERS], slots[UT_MAXCPU];
	size_t e;
	int i, cpu, n;
	kvm_t *kd;

	for (e = 0; e < sizeof(eras) / sizeof(eras[0]); e++) {
		ut_kernel(&k, eras[e].shape, 6, 16, 1 << 4);
		kd = ut_open(&k.t);
		CHECK_OK(kp_zpcpu_rule(kd, &rule, &stride));
		CHECK_EQ(rule, eras[e].rule);
		CHECK_EQ(stride, eras[e].stride);
		for (i = 0; i < UT_NCOUNTERS; i++) {
			for (cpu = 0; cpu <= 6; cpu++) {
				if (cpu == 4) {
					CHECK_ERR(kp_read_zpcpu(kd,
					    k.counters[i], &v, 8, cpu),
					    KP_ERR_ABSENT, "CPU 4 not found");
					continue;
				}
				CHECK_OK(kp_read_zpcpu(kd, k.counters[i], &v,
				    8, cpu));
				CHECK_EQ(v, k.slot[i][cpu]);
			}
			CHECK_OK(kp_counter_fetch(kd, k.counters[i], &sum));
			CHECK_EQ(sum, k.sums[i]);
			CHECK_OK(kp_counter_slots(kd, k.counters[i],
			    kd->cpu_list, (size_t)kd->cpu_count, slots));
			for (n = 0, cpu = 0; cpu <= 6; cpu++) {
				if (cpu != 4)
					CHECK_EQ(slots[n++], k.slot[i][cpu]);
			}
		}
		CHECK_OK(kp_counter_fetch_array(kd, k.counters, UT_NCOUNTERS,
		    sums));
		for (i = 0; i < UT_NCOUNTERS; i++)
			CHECK_EQ(sums[i], k.sums[i]);
		kp_close(kd);
		ut_free(&k.t);
	}
}

static void
test_user_stride_overrides_the_era(void)
{
	struct ut_kernel k;
	enum kp_zpcpu_rule rule;
	uint64_t stride, sum;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_12, 3, 4, 0);
	k.t.layout.zpcpu_stride = UT_PAGE;
	ut_unsym(&k.t, "osreldate");
	kd = ut_open(&k.t);
	CHECK_OK(kp_zpcpu_rule(kd, &rule, &stride));
	CHECK_EQ(rule, KP_ZPCPU_USER);
	CHECK_EQ(stride, UT_PAGE);
	CHECK_OK(kp_counter_fetch(kd, k.counters[3], &sum));
	CHECK_EQ(sum, k.sums[3]);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_without_osreldate(void)
{
	struct ut_kernel k;
	enum kp_zpcpu_rule rule;
	uint64_t stride, addr;
	kvm_t *kd;

	/* x86 12: sizeof(struct pcpu) == PAGE_SIZE, both rules agree. */
	ut_kernel(&k, UT_AMD64_12, 3, 4, 0);
	ut_unsym(&k.t, "osreldate");
	kd = ut_open(&k.t);
	CHECK_OK(kp_zpcpu_rule(kd, &rule, &stride));
	CHECK_EQ(rule, KP_ZPCPU_PAGE);
	kp_close(kd);
	ut_free(&k.t);
	/* 11: they differ, and the version is unreadable: say so. */
	ut_kernel(&k, UT_AMD64_11, 3, 4, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "osreldate", &addr));
	k.t.unreadable = addr;
	CHECK_ERR(kp_zpcpu_rule(kd, &rule, &stride), KP_ERR_LOOKUP,
	    "cannot tell the zpcpu stride: no pc_zpcpu_offset in struct pcpu "
	    "and no readable osreldate (set kgdb-pcpu zpcpu-stride)");
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_sum_wraps_as_the_kernels_uint64(void)
{
	struct ut_kernel k;
	uint64_t addr, sum;
	int cpu;
	kvm_t *kd;

	ut_kernel(&k, UT_ARM64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	for (cpu = 0; cpu < 4; cpu++) {
		CHECK_OK(kp_zpcpu_addr(kd, k.counters[0], cpu, &addr));
		/* A decremented slot: the kernel added -1 - cpu there. */
		ut_put(&k.t, addr, (uint64_t)-1 - (uint64_t)cpu, 8);
	}
	ut_put(&k.t, addr, 100, 8);
	CHECK_OK(kp_counter_fetch(kd, k.counters[0], &sum));
	CHECK_EQ(sum, 100 - 1 - 2 - 3);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_a_null_counter_is_an_error_before_any_read(void)
{
	struct ut_kernel k;
	uint64_t v, sums[3], bases[3], slots[UT_MAXCPU];
	int missing[UT_MAXCPU];
	size_t nmissing;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	bases[0] = k.counters[0];
	bases[1] = 0;
	bases[2] = k.counters[2];
	CHECK_ERR(kp_counter_fetch(kd, 0, &v), KP_ERR_NULL,
	    "counter is NULL (not allocated)");
	CHECK_ERR(kp_counter_slots(kd, 0, NULL, 0, slots), KP_ERR_NULL,
	    "counter is NULL (not allocated)");
	CHECK_ERR(kp_counter_fetch_array(kd, bases, 3, sums), KP_ERR_NULL,
	    "counter is NULL (not allocated)");
	CHECK_ERR(kp_counter_fetch_partial(kd, bases, 3, sums, missing,
	    &nmissing), KP_ERR_NULL, "counter is NULL (not allocated)");
	CHECK_ERR(kp_read_zpcpu(kd, 0, &v, 8, 0), KP_ERR_NULL,
	    "counter is NULL (not allocated)");
	CHECK_ERR(kp_zpcpu_addr(kd, 0, 0, &v), KP_ERR_NULL,
	    "counter is NULL (not allocated)");
	CHECK_EQ(k.t.calls, 0);
	CHECK_EQ(kvm_counter_u64_fetch(kd, 0), 0);
	CHECK(strcmp(kvm_geterr(kd), "counter is NULL (not allocated)") == 0);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_a_fault_names_the_cpu_and_address(void)
{
	struct ut_kernel k;
	struct kp_error *err;
	uint64_t bad, sum, sums[UT_NCOUNTERS];
	char msg[128];
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_zpcpu_addr(kd, k.counters[1], 2, &bad));
	k.t.unreadable = bad;
	err = kp_counter_fetch(kd, k.counters[1], &sum);
	CHECK(err != NULL && err->code == KP_ERR_FAULT && err->has_address &&
	    err->address == bad);
	snprintf(msg, sizeof(msg),
	    "cannot read counter slot of CPU 2 (8 bytes at 0x%jx)",
	    (uintmax_t)bad);
	CHECK(strcmp(err->message, msg) == 0);
	kp_error_destroy(err);
	/* The array reads CPU 2's slots of all counters at once. */
	CHECK_ERR(kp_counter_fetch_array(kd, k.counters, UT_NCOUNTERS, sums),
	    KP_ERR_FAULT, NULL);
	CHECK_EQ(kvm_counter_u64_fetch(kd, k.counters[1]), 0);
	CHECK(strcmp(kvm_geterr(kd), msg) == 0);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_fetch_array_reads_one_page_per_cpu(void)
{
	struct ut_kernel k;
	uint64_t sums[UT_NCOUNTERS], rev[UT_NCOUNTERS], revsums[UT_NCOUNTERS];
	int i;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 7, 8, 1 << 3);
	kd = ut_open(&k.t);
	CHECK_OK(kp_counter_fetch(kd, k.counters[0], &sums[0]));
	k.t.reads = 0;
	CHECK_OK(kp_counter_fetch_array(kd, k.counters, UT_NCOUNTERS, sums));
	CHECK_EQ(k.t.reads, 7);
	for (i = 0; i < UT_NCOUNTERS; i++) {
		CHECK_EQ(sums[i], k.sums[i]);
		rev[i] = k.counters[UT_NCOUNTERS - 1 - i];
	}
	CHECK_OK(kp_counter_fetch_array(kd, rev, UT_NCOUNTERS, revsums));
	for (i = 0; i < UT_NCOUNTERS; i++)
		CHECK_EQ(revsums[i], k.sums[UT_NCOUNTERS - 1 - i]);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_a_read_window_merges_slots(void)
{
	struct ut_kernel k;
	uint64_t sum;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 31, 32, 0);
	k.t.layout.read_window = 16 * UT_PAGE;
	kd = ut_open(&k.t);
	CHECK_OK(kp_counter_fetch(kd, k.counters[0], &sum));
	k.t.reads = 0;
	CHECK_OK(kp_counter_fetch(kd, k.counters[1], &sum));
	CHECK_EQ(sum, k.sums[1]);
	/* 32 slots a page apart, 16 pages a read. */
	CHECK_EQ(k.t.reads, 2);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_slots_of_chosen_cpus(void)
{
	struct ut_kernel k;
	uint64_t values[4];
	int cpus[4] = { 6, 0, 3, 6 };
	kvm_t *kd;

	ut_kernel(&k, UT_ARM64_13, 6, 8, 1 << 2);
	kd = ut_open(&k.t);
	CHECK_OK(kp_counter_slots(kd, k.counters[2], cpus, 4, values));
	CHECK_EQ(values[0], k.slot[2][6]);
	CHECK_EQ(values[1], k.slot[2][0]);
	CHECK_EQ(values[2], k.slot[2][3]);
	CHECK_EQ(values[3], k.slot[2][6]);
	cpus[1] = 2;
	CHECK_ERR(kp_counter_slots(kd, k.counters[2], cpus, 4, values),
	    KP_ERR_ABSENT, "CPU 2 not found");
	cpus[1] = 8;
	CHECK_ERR(kp_counter_slots(kd, k.counters[2], cpus, 4, values),
	    KP_ERR_RANGE, "CPU 8 too big (mp_maxcpus is 8)");
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_partial_sums_leave_out_unreadable_slots(void)
{
	struct ut_kernel k;
	uint64_t sums[UT_NCOUNTERS], bad;
	int missing[UT_MAXCPU], i;
	size_t nmissing;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 5, 8, 1 << 1);
	kd = ut_open(&k.t);
	CHECK_OK(kp_counter_fetch_partial(kd, k.counters, UT_NCOUNTERS, sums,
	    missing, &nmissing));
	CHECK_EQ(nmissing, 0);
	for (i = 0; i < UT_NCOUNTERS; i++)
		CHECK_EQ(sums[i], k.sums[i]);
	/* CPU 4's slot of counter 2 is unreadable: only that one is left out. */
	CHECK_OK(kp_zpcpu_addr(kd, k.counters[2], 4, &bad));
	k.t.unreadable = bad;
	CHECK_OK(kp_counter_fetch_partial(kd, k.counters, UT_NCOUNTERS, sums,
	    missing, &nmissing));
	CHECK_EQ(nmissing, 1);
	CHECK_EQ(missing[0], 4);
	for (i = 0; i < UT_NCOUNTERS; i++)
		CHECK_EQ(sums[i], k.sums[i] - (i == 2 ? k.slot[2][4] : 0));
	/* The strict sums refuse. */
	CHECK_ERR(kp_counter_fetch_array(kd, k.counters, UT_NCOUNTERS, sums),
	    KP_ERR_FAULT, NULL);
	kp_close(kd);
	ut_free(&k.t);
}

static const struct ut_test tests[] = {
	{ "each_era_finds_every_slot", test_each_era_finds_every_slot },
	{ "user_stride_overrides_the_era", test_user_stride_overrides_the_era },
	{ "without_osreldate", test_without_osreldate },
	{ "sum_wraps_as_the_kernels_uint64",
	  test_sum_wraps_as_the_kernels_uint64 },
	{ "a_null_counter_is_an_error_before_any_read",
	  test_a_null_counter_is_an_error_before_any_read },
	{ "a_fault_names_the_cpu_and_address",
	  test_a_fault_names_the_cpu_and_address },
	{ "fetch_array_reads_one_page_per_cpu",
	  test_fetch_array_reads_one_page_per_cpu },
	{ "a_read_window_merges_slots", test_a_read_window_merges_slots },
	{ "slots_of_chosen_cpus", test_slots_of_chosen_cpus },
	{ "partial_sums_leave_out_unreadable_slots",
	  test_partial_sums_leave_out_unreadable_slots },
};

UT_MAIN(tests)
