/*
 * Which CPUs exist: CPU_FOREACH over all_cpus, sparse ids, the fallback
 * without all_cpus, corrupt counts, byte order and pointer size.
 */
#include <stdlib.h>

#include "unit.h"

static void
test_sparse_cpus_follow_all_cpus(void)
{
	struct ut_kernel k;
	const int *cpus;
	int n, v;
	unsigned int id;
	bool present;
	uint64_t addr;
	kvm_t *kd;

	/* CPUs 2 and 5 never started; mp_ncpus 6 of mp_maxid 7. */
	ut_kernel(&k, UT_AMD64_13, 7, 256, (1 << 2) | (1 << 5));
	kd = ut_open(&k.t);
	CHECK_OK(kp_cpus(kd, &cpus, &n));
	CHECK_EQ(n, 6);
	CHECK(cpus[0] == 0 && cpus[1] == 1 && cpus[2] == 3 && cpus[3] == 4 &&
	    cpus[4] == 6 && cpus[5] == 7);
	CHECK_OK(kp_maxcpus(kd, &v));
	CHECK_EQ(v, 256);
	CHECK_OK(kp_ncpus(kd, &v));
	CHECK_EQ(v, 6);
	CHECK_OK(kp_maxid(kd, &id));
	CHECK_EQ(id, 7);
	CHECK_OK(kp_cpu_present(kd, 5, &present));
	CHECK(!present);
	CHECK_OK(kp_cpu_present(kd, 6, &present));
	CHECK(present);
	CHECK_OK(kp_pcpu_addr(kd, 6, &addr));
	CHECK_EQ(addr, k.pcpu[6]);
	CHECK_OK(kp_pcpu_addr(kd, 2, &addr));
	CHECK_EQ(addr, 0);
	CHECK_ERR(kp_cpu_check(kd, 256), KP_ERR_RANGE,
	    "CPU 256 too big (mp_maxcpus is 256)");
	CHECK_ERR(kp_cpu_check(kd, -1), KP_ERR_ABSENT, "CPU -1 not found");
	CHECK_ERR(kp_pcpu_read(kd, 5, NULL), KP_ERR_ABSENT, "CPU 5 not found");
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_pcpu_read_copies_the_struct(void)
{
	struct ut_kernel k;
	unsigned char *buf;
	kvm_t *kd;

	ut_kernel(&k, UT_ARM64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	buf = malloc(k.t.layout.pcpu_size);
	CHECK(buf != NULL);
	CHECK_OK(kp_pcpu_read(kd, 3, buf));
	CHECK_EQ(buf[UT_PC_CPUID], 3);
	CHECK(memcmp(buf + UT_PC_NAME, "cpu3", 5) == 0);
	free(buf);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_without_all_cpus_non_null_pcpu_entries(void)
{
	struct ut_kernel k;
	const int *cpus;
	int n;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 5, 8, 1 << 1);
	ut_unsym(&k.t, "all_cpus");
	kd = ut_open(&k.t);
	CHECK_OK(kp_cpus(kd, &cpus, &n));
	CHECK_EQ(n, 5);
	CHECK(cpus[0] == 0 && cpus[1] == 2 && cpus[4] == 5);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_without_mp_maxid_every_slot_may_hold_a_cpu(void)
{
	struct ut_kernel k;
	unsigned int id;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 8, 0);
	ut_unsym(&k.t, "mp_maxid");
	kd = ut_open(&k.t);
	CHECK_OK(kp_maxid(kd, &id));
	CHECK_EQ(id, 7);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_corrupt_counts_are_errors(void)
{
	struct ut_kernel k;
	uint64_t addr;
	int v;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 8, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "mp_maxcpus", &addr));
	ut_put(&k.t, addr, (uint64_t)-3, 4);
	CHECK_ERR(kp_maxcpus(kd, &v), KP_ERR_CORRUPT,
	    "mp_maxcpus is -3: not a CPU count (corrupt dump?)");
	ut_put(&k.t, addr, 8, 4);
	CHECK_OK(kp_lookup_symbol(kd, "mp_ncpus", &addr));
	ut_put(&k.t, addr, 9, 4);
	CHECK_ERR(kp_maxcpus(kd, &v), KP_ERR_CORRUPT,
	    "mp_ncpus is 9, outside 1..mp_maxcpus (8) (corrupt dump?)");
	ut_put(&k.t, addr, 4, 4);
	CHECK_OK(kp_lookup_symbol(kd, "mp_maxid", &addr));
	ut_put(&k.t, addr, 8, 4);
	CHECK_ERR(kp_maxcpus(kd, &v), KP_ERR_CORRUPT,
	    "mp_maxid is 8, beyond mp_maxcpus 8 (corrupt dump?)");
	ut_put(&k.t, addr, 3, 4);
	CHECK_OK(kp_maxcpus(kd, &v));
	CHECK_EQ(v, 8);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_missing_and_unreadable_tables(void)
{
	struct ut_kernel k;
	uint64_t addr;
	int v;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 1, 4, 0);
	ut_unsym(&k.t, "cpuid_to_pcpu");
	kd = ut_open(&k.t);
	CHECK_ERR(kp_maxcpus(kd, &v), KP_ERR_LOOKUP,
	    "unable to find cpuid_to_pcpu");
	kp_close(kd);
	ut_free(&k.t);

	ut_kernel(&k, UT_AMD64_13, 1, 4, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "mp_ncpus", &addr));
	k.t.unreadable = addr;
	if (!ut_check_err(kp_ncpus(kd, &v), KP_ERR_FAULT, NULL, "kp_ncpus",
	    __FILE__, __LINE__))
		return;
	k.t.unreadable = 0;
	CHECK_OK(kp_ncpus(kd, &v));
	CHECK_EQ(v, 2);
	kp_close(kd);
	ut_free(&k.t);
}

/* A 32-bit big-endian kernel: 4-byte pointers and all_cpus words. */
static void
test_big_endian_32_bit_tables(void)
{
	struct ut_target t;
	const int *cpus;
	uint64_t c2p, words, addr;
	int n;
	kvm_t *kd;

	ut_init(&t, 4, true);
	ut_put(&t, ut_define(&t, "mp_maxcpus", 4), 40, 4);
	ut_put(&t, ut_define(&t, "mp_ncpus", 4), 3, 4);
	ut_put(&t, ut_define(&t, "mp_maxid", 4), 33, 4);
	c2p = ut_define(&t, "cpuid_to_pcpu", 4 * 40);
	words = ut_define(&t, "all_cpus", 8);
	/* CPUs 0, 31 and 33: bits of two 32-bit longs. */
	ut_put(&t, words, 0x80000001u, 4);
	ut_put(&t, words + 4, 0x2, 4);
	ut_put(&t, c2p, 0x10000000, 4);
	ut_put(&t, c2p + 4 * 31, 0x10001000, 4);
	ut_put(&t, c2p + 4 * 33, 0x10003000, 4);
	kd = ut_open(&t);
	CHECK_OK(kp_cpus(kd, &cpus, &n));
	CHECK_EQ(n, 3);
	CHECK(cpus[0] == 0 && cpus[1] == 31 && cpus[2] == 33);
	CHECK_OK(kp_pcpu_addr(kd, 33, &addr));
	CHECK_EQ(addr, 0x10003000);
	kp_close(kd);
	ut_free(&t);
}

static void
test_caches_live_until_cleared(void)
{
	struct ut_kernel k;
	uint64_t addr;
	int v, reads;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 8, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_ncpus(kd, &v));
	reads = k.t.reads;
	CHECK_OK(kp_lookup_symbol(kd, "mp_ncpus", &addr));
	ut_put(&k.t, addr, 3, 4);
	CHECK_OK(kp_ncpus(kd, &v));
	CHECK_EQ(v, 4);
	CHECK_EQ(k.t.reads, reads);
	kp_clear_cache(kd);
	CHECK_OK(kp_ncpus(kd, &v));
	CHECK_EQ(v, 3);
	kp_close(kd);
	ut_free(&k.t);
}

static const struct ut_test tests[] = {
	{ "sparse_cpus_follow_all_cpus", test_sparse_cpus_follow_all_cpus },
	{ "pcpu_read_copies_the_struct", test_pcpu_read_copies_the_struct },
	{ "without_all_cpus_non_null_pcpu_entries",
	  test_without_all_cpus_non_null_pcpu_entries },
	{ "without_mp_maxid_every_slot_may_hold_a_cpu",
	  test_without_mp_maxid_every_slot_may_hold_a_cpu },
	{ "corrupt_counts_are_errors", test_corrupt_counts_are_errors },
	{ "missing_and_unreadable_tables", test_missing_and_unreadable_tables },
	{ "big_endian_32_bit_tables", test_big_endian_32_bit_tables },
	{ "caches_live_until_cleared", test_caches_live_until_cleared },
};

UT_MAIN(tests)
