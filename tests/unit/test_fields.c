/*
 * Values out of memory: records and their decoded fields (gathered reads,
 * byte order, sign, strings), pointer arrays and sys/queue.h lists.
 */
#include <stdlib.h>

#include "unit.h"

#define	UT_PC_SIGNED	0xb0	/* an int16_t: -100 - n */

static const struct kp_field pcpu_fields[] = {
	{ UT_PC_CPUID, 4, KP_FIELD_UINT },
	{ UT_PC_NAME, 16, KP_FIELD_STRING },
	{ UT_PC_SIGNED, 2, KP_FIELD_INT },
	{ UT_PC_DYNAMIC, 8, KP_FIELD_UINT },
};

static void
put_signed(struct ut_kernel *k)
{
	int cpu;

	for (cpu = 0; cpu <= k->maxid; cpu++) {
		if (k->present[cpu])
			ut_put(&k->t, k->pcpu[cpu] + UT_PC_SIGNED,
			    (uint64_t)(-100 - cpu) & 0xffff, 2);
	}
}

static void
test_fields_of_every_struct_pcpu(void)
{
	struct ut_kernel k;
	struct kp_rows *rows;
	const struct kp_value *v;
	uint64_t addrs[6];
	char name[16];
	int cpu;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 4, 8, 1 << 2);
	put_signed(&k);
	k.t.layout.read_window = 64 * 1024;
	kd = ut_open(&k.t);
	for (cpu = 0; cpu <= 4; cpu++)
		addrs[cpu] = k.pcpu[cpu];	/* CPU 2: 0, absent */
	addrs[5] = 0x10;			/* unmapped */
	k.t.reads = 0;
	CHECK_OK(kp_read_fields(kd, addrs, 6, pcpu_fields, 4, &rows));
	/* Four struct pcpus within the window: one read, and one that fails. */
	CHECK_EQ(k.t.reads, 2);
	CHECK(rows->nrows == 6 && rows->ncols == 4);
	CHECK(!rows->ok[2] && !rows->ok[5]);
	for (cpu = 0; cpu <= 4; cpu++) {
		if (cpu == 2)
			continue;
		CHECK(rows->ok[cpu]);
		v = &rows->values[cpu * 4];
		CHECK_EQ(v[0].u, cpu);
		snprintf(name, sizeof(name), "cpu%d", cpu);
		CHECK(v[1].len == strlen(name) &&
		    memcmp(v[1].str, name, v[1].len) == 0);
		CHECK((int64_t)v[2].u == -100 - cpu);
		CHECK_EQ(v[3].u, k.dpcpu_off[cpu]);
	}
	kp_rows_free(rows);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_big_endian_fields_and_full_strings(void)
{
	static const struct kp_field fields[] = {
		{ 0, 2, KP_FIELD_UINT },
		{ 2, 1, KP_FIELD_INT },
		{ 3, 4, KP_FIELD_INT },
		{ 8, 4, KP_FIELD_STRING },
		{ 16, 8, KP_FIELD_INT },
	};
	struct ut_target t;
	struct kp_rows *rows;
	uint64_t rec;
	kvm_t *kd;

	ut_init(&t, 4, true);
	rec = ut_alloc(&t, 64, 8);
	ut_put(&t, rec, 0x1234, 2);
	ut_put(&t, rec + 2, 0x80, 1);
	ut_put(&t, rec + 3, 0x7fffffff, 4);
	ut_put_bytes(&t, rec + 8, "abcd", 4);	/* no NUL */
	ut_put(&t, rec + 16, (uint64_t)-2, 8);
	kd = ut_open(&t);
	CHECK_OK(kp_read_fields(kd, &rec, 1, fields, 5, &rows));
	CHECK(rows->ok[0]);
	CHECK_EQ(rows->values[0].u, 0x1234);
	CHECK((int64_t)rows->values[1].u == -128);
	CHECK((int64_t)rows->values[2].u == 0x7fffffff);
	CHECK(rows->values[3].len == 4 &&
	    memcmp(rows->values[3].str, "abcd", 4) == 0);
	CHECK((int64_t)rows->values[4].u == -2);
	kp_rows_free(rows);
	kp_close(kd);
	ut_free(&t);
}

static void
test_bad_fields_are_refused(void)
{
	struct kp_field f[2] = { { 0, 4, KP_FIELD_UINT }, { 0, 0, 0 } };
	struct ut_target t;
	struct kp_rows *rows;
	uint64_t rec = 0x1000;
	kvm_t *kd;

	ut_init(&t, 8, false);
	kd = ut_open(&t);
	f[1] = (struct kp_field){ 8, 9, KP_FIELD_INT };
	CHECK_ERR(kp_read_fields(kd, &rec, 1, f, 2, &rows), KP_ERR_INVALID,
	    "field 1: 9 bytes: an integer is 1 to 8 bytes, a string at least "
	    "1");
	f[1] = (struct kp_field){ 8, 0, KP_FIELD_STRING };
	CHECK_ERR(kp_read_fields(kd, &rec, 1, f, 2, &rows), KP_ERR_INVALID,
	    NULL);
	f[1] = (struct kp_field){ 2 * 1024 * 1024, 4, KP_FIELD_UINT };
	CHECK_ERR(kp_read_fields(kd, &rec, 1, f, 2, &rows), KP_ERR_INVALID,
	    "field 1: offset 2097152 or size 4 is beyond 1048576 bytes");
	CHECK_EQ(t.calls, 0);
	/* No fields: a row per readable address, read or not. */
	CHECK_OK(kp_read_fields(kd, &rec, 1, f, 0, &rows));
	CHECK(rows->nrows == 1 && rows->ok[0]);
	kp_rows_free(rows);
	kp_close(kd);
	ut_free(&t);
}

static void
test_records_are_copied_whole(void)
{
	struct ut_kernel k;
	unsigned char out[3 * 16];
	uint64_t addrs[3];
	bool ok[3];
	kvm_t *kd;

	ut_kernel(&k, UT_ARM64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	addrs[0] = k.pcpu[3] + UT_PC_NAME;
	addrs[1] = 0;
	addrs[2] = k.pcpu[1] + UT_PC_NAME;
	CHECK_OK(kp_read_records(kd, addrs, 3, 16, out, ok));
	CHECK(ok[0] && !ok[1] && ok[2]);
	CHECK(strcmp((char *)out, "cpu3") == 0);
	CHECK(strcmp((char *)out + 32, "cpu1") == 0);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_pointer_arrays(void)
{
	struct ut_kernel k;
	uint64_t addr, ptrs[9];
	int cpu;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 5, 8, 1 << 4);
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "cpuid_to_pcpu", &addr));
	k.t.reads = 0;
	CHECK_OK(kp_read_pointer_array(kd, addr, 8, ptrs));
	CHECK_EQ(k.t.reads, 1);
	for (cpu = 0; cpu < 8; cpu++)
		CHECK_EQ(ptrs[cpu], k.pcpu[cpu]);
	CHECK_OK(kp_read_pointer_array(kd, addr, 0, ptrs));
	CHECK_ERR(kp_read_pointer_array(kd, addr, 9, ptrs), KP_ERR_FAULT,
	    NULL);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_walk_a_list(void)
{
	struct ut_kernel k;
	uint64_t *elems, head;
	size_t n;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 6, 8, (1 << 1) | (1 << 4));
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "cpuhead", &head));
	CHECK_OK(kp_read_pointer_array(kd, head, 1, &head));
	CHECK_OK(kp_walk_list(kd, head, UT_PC_NEXT, 1000, &elems, &n));
	CHECK_EQ(n, 5);
	CHECK(elems[0] == k.pcpu[0] && elems[1] == k.pcpu[2] &&
	    elems[2] == k.pcpu[3] && elems[3] == k.pcpu[5] &&
	    elems[4] == k.pcpu[6]);
	free(elems);
	CHECK_OK(kp_walk_list(kd, 0, UT_PC_NEXT, 1000, &elems, &n));
	CHECK_EQ(n, 0);
	free(elems);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_a_list_that_loops_or_never_ends(void)
{
	struct ut_kernel k;
	uint64_t *elems;
	struct kp_error *err;
	char msg[160];
	size_t n;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	/* CPU 3's links back to CPU 1's. */
	ut_put(&k.t, k.pcpu[3] + UT_PC_NEXT, k.pcpu[1], 8);
	err = kp_walk_list(kd, k.pcpu[0], UT_PC_NEXT, 1000, &elems, &n);
	snprintf(msg, sizeof(msg), "the list at 0x%jx loops: element 0x%jx "
	    "links back to 0x%jx (corrupt dump?)", (uintmax_t)k.pcpu[0],
	    (uintmax_t)k.pcpu[3], (uintmax_t)k.pcpu[1]);
	CHECK(err != NULL && err->code == KP_ERR_CORRUPT && err->has_address &&
	    err->address == k.pcpu[1] && strcmp(err->message, msg) == 0);
	kp_error_destroy(err);
	/* A self loop. */
	ut_put(&k.t, k.pcpu[0] + UT_PC_NEXT, k.pcpu[0], 8);
	CHECK_ERR(kp_walk_list(kd, k.pcpu[0], UT_PC_NEXT, 1000, &elems, &n),
	    KP_ERR_CORRUPT, NULL);
	/* Past the limit. */
	ut_put(&k.t, k.pcpu[0] + UT_PC_NEXT, k.pcpu[1], 8);
	snprintf(msg, sizeof(msg), "the list at 0x%jx has more than 2 "
	    "elements (corrupt dump?)", (uintmax_t)k.pcpu[0]);
	CHECK_ERR(kp_walk_list(kd, k.pcpu[0], UT_PC_NEXT, 2, &elems, &n),
	    KP_ERR_CORRUPT, msg);
	/* An unreadable link. */
	ut_put(&k.t, k.pcpu[1] + UT_PC_NEXT, 0x10, 8);
	snprintf(msg, sizeof(msg), "cannot read the link of list element 0x10 "
	    "(8 bytes at 0x%x)", 0x10 + UT_PC_NEXT);
	CHECK_ERR(kp_walk_list(kd, k.pcpu[0], UT_PC_NEXT, 1000, &elems, &n),
	    KP_ERR_FAULT, msg);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_a_long_list(void)
{
	struct ut_target t;
	uint64_t base, *elems;
	size_t i, n, count = 50000;
	kvm_t *kd;

	ut_init(&t, 8, false);
	base = ut_alloc(&t, 16 * count, 16);
	/* Elements 16 bytes apart, linked backwards: last is at base. */
	for (i = 1; i < count; i++)
		ut_put(&t, base + 16 * i + 8, base + 16 * (i - 1), 8);
	kd = ut_open(&t);
	CHECK_OK(kp_walk_list(kd, base + 16 * (count - 1), 8, count, &elems,
	    &n));
	CHECK_EQ(n, count);
	CHECK_EQ(elems[count - 1], base);
	free(elems);
	kp_close(kd);
	ut_free(&t);
}

static const struct ut_test tests[] = {
	{ "fields_of_every_struct_pcpu", test_fields_of_every_struct_pcpu },
	{ "big_endian_fields_and_full_strings",
	  test_big_endian_fields_and_full_strings },
	{ "bad_fields_are_refused", test_bad_fields_are_refused },
	{ "records_are_copied_whole", test_records_are_copied_whole },
	{ "pointer_arrays", test_pointer_arrays },
	{ "walk_a_list", test_walk_a_list },
	{ "a_list_that_loops_or_never_ends",
	  test_a_list_that_loops_or_never_ends },
	{ "a_long_list", test_a_long_list },
};

UT_MAIN(tests)
