/*
 * DPCPU and VNET: each CPU's copy, module relocation, templates, many CPUs
 * at once; and the user's mp_maxcpus.
 */
#include <stdlib.h>

#include "unit.h"

/* A module's own set_pcpu image (kgdb's address) and where it was moved. */
#define	MOD_IMAGE	0x7f0000001000ull
#define	MOD_SIZE	64
#define	MOD_OFFSET	256	/* into the kernel's set_pcpu */

static void
test_every_cpus_copy_of_a_dpcpu_variable(void)
{
	struct ut_kernel k;
	uint64_t addr, off, v;
	int cpu;
	kvm_t *kd;

	ut_kernel(&k, UT_ARM64_13, 5, 8, 1 << 3);
	kd = ut_open(&k.t);
	for (cpu = 0; cpu <= 5; cpu++) {
		if (cpu == 3) {
			CHECK_ERR(kp_dpcpu_addr(kd, k.dpcpu_int, cpu, &addr),
			    KP_ERR_ABSENT, "CPU 3 not found");
			continue;
		}
		CHECK_OK(kp_dpcpu_addr(kd, k.dpcpu_int, cpu, &addr));
		CHECK_EQ(addr, k.dpcpu_int + k.dpcpu_off[cpu]);
		v = 0;
		CHECK_OK(kp_read_memory(kd, addr, &v, 4));
		CHECK_EQ(v & 0xffffffff, 1000 + 17 * cpu);
		CHECK_OK(kp_dpcpu_off(kd, cpu, &off));
		CHECK_EQ(off, k.dpcpu_off[cpu]);
	}
	CHECK_ERR(kp_dpcpu_addr(kd, k.dpcpu_int, 8, &addr), KP_ERR_RANGE,
	    "CPU 8 too big (mp_maxcpus is 8)");
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_module_relocation_and_templates(void)
{
	struct kp_reloc mod = { MOD_IMAGE, MOD_IMAGE + MOD_SIZE, 0 };
	struct ut_kernel k;
	struct kp_error *err;
	uint64_t addr, tmpl;
	char msg[160];
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 4, 0);
	kd = ut_open(&k.t);
	mod.base = k.set_start + MOD_OFFSET;
	CHECK_OK(kp_dpcpu_set_modules(kd, &mod, 1));
	CHECK_OK(kp_dpcpu_template(kd, k.dpcpu_int, &tmpl));
	CHECK_EQ(tmpl, k.dpcpu_int);
	CHECK_OK(kp_dpcpu_template(kd, MOD_IMAGE + 8, &tmpl));
	CHECK_EQ(tmpl, k.set_start + MOD_OFFSET + 8);
	CHECK_OK(kp_dpcpu_addr(kd, MOD_IMAGE + 8, 2, &addr));
	CHECK_EQ(addr, k.set_start + MOD_OFFSET + 8 + k.dpcpu_off[2]);
	/* Past the module's set, and past the kernel's. */
	err = kp_dpcpu_template(kd, MOD_IMAGE + MOD_SIZE, &tmpl);
	snprintf(msg, sizeof(msg), "0x%jx is not a DPCPU variable (outside "
	    "set_pcpu 0x%jx-0x%jx and every module's)",
	    (uintmax_t)(MOD_IMAGE + MOD_SIZE), (uintmax_t)k.set_start,
	    (uintmax_t)k.set_stop);
	CHECK(err != NULL && err->code == KP_ERR_NOT_PERCPU &&
	    err->has_address && err->address == MOD_IMAGE + MOD_SIZE &&
	    strcmp(err->message, msg) == 0);
	kp_error_destroy(err);
	CHECK_ERR(kp_dpcpu_addr(kd, k.set_stop, 0, &addr), KP_ERR_NOT_PERCPU,
	    NULL);
	/* A reversed module is refused; none leaves only the kernel's. */
	mod.stop = mod.start - 1;
	CHECK_ERR(kp_dpcpu_set_modules(kd, &mod, 1), KP_ERR_INVALID, NULL);
	CHECK_OK(kp_dpcpu_set_modules(kd, NULL, 0));
	CHECK_ERR(kp_dpcpu_template(kd, MOD_IMAGE + 8, &tmpl),
	    KP_ERR_NOT_PERCPU, NULL);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_dpcpu_fields_and_bytes_of_many_cpus(void)
{
	static const struct kp_field fields[] = {
		{ 0, 4, KP_FIELD_INT },
		{ 0, 2, KP_FIELD_UINT },
	};
	static const int cpus[] = { 4, 0, 2 };
	struct ut_kernel k;
	struct kp_rows *rows;
	unsigned char out[3 * 4];
	bool ok[3];
	int i, bad[] = { 0, 1 };
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 4, 8, 1 << 1);
	kd = ut_open(&k.t);
	CHECK_OK(kp_dpcpu_fields(kd, k.dpcpu_int, cpus, 3, fields, 2, &rows));
	for (i = 0; i < 3; i++) {
		CHECK(rows->ok[i]);
		CHECK_EQ(rows->values[2 * i].u, 1000 + 17 * cpus[i]);
		CHECK_EQ(rows->values[2 * i + 1].u, 1000 + 17 * cpus[i]);
	}
	kp_rows_free(rows);
	/* CPU 2's copy unreadable: None for it, the others read. */
	k.t.unreadable = k.dpcpu_int + k.dpcpu_off[2];
	CHECK_OK(kp_dpcpu_read(kd, k.dpcpu_int, 4, cpus, 3, out, ok));
	CHECK(ok[0] && ok[1] && !ok[2]);
	CHECK_EQ(out[0] | out[1] << 8, 1000 + 17 * 4);
	CHECK_EQ(out[4] | out[5] << 8, 1000);
	CHECK_ERR(kp_dpcpu_read(kd, k.dpcpu_int, 4, bad, 2, out, ok),
	    KP_ERR_ABSENT, "CPU 1 not found");
	CHECK_ERR(kp_dpcpu_fields(kd, k.set_stop, cpus, 3, fields, 2, &rows),
	    KP_ERR_NOT_PERCPU, NULL);
	kp_close(kd);
	ut_free(&k.t);
}

static void
test_vnet_addresses(void)
{
	struct kp_reloc mod = { MOD_IMAGE, MOD_IMAGE + MOD_SIZE, 0 };
	struct ut_kernel k;
	uint64_t addr, tmpl, start, stop;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 1, 2, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_vnet_bounds(kd, &start, &stop));
	CHECK(start == k.vnet_start && stop == k.vnet_start + 256);
	CHECK_OK(kp_vnet_addr(kd, k.vnet_start + 16, 0x100000, &addr));
	CHECK_EQ(addr, k.vnet_start + 16 + 0x100000);
	mod.base = k.vnet_start + 128;
	CHECK_OK(kp_vnet_set_modules(kd, &mod, 1));
	CHECK_OK(kp_vnet_template(kd, MOD_IMAGE + 8, &tmpl));
	CHECK_EQ(tmpl, k.vnet_start + 136);
	CHECK_OK(kp_vnet_addr(kd, MOD_IMAGE + 8, 0x100000, &addr));
	CHECK_EQ(addr, k.vnet_start + 136 + 0x100000);
	CHECK_ERR(kp_vnet_addr(kd, k.vnet_start, 0, &addr), KP_ERR_INVALID,
	    "vnet_data_base is 0: not a live vnet");
	CHECK_ERR(kp_vnet_template(kd, k.dpcpu_int, &tmpl), KP_ERR_NOT_PERCPU,
	    NULL);
	ut_unsym(&k.t, "__start_set_vnet");
	kp_clear_cache(kd);
	CHECK_ERR(kp_vnet_template(kd, k.vnet_start, &tmpl), KP_ERR_LOOKUP,
	    "unable to find __start_set_vnet");
	kp_close(kd);
	ut_free(&k.t);
}

static int
no_lookup(void *arg, const char *name, uint64_t *addrp)
{
	(void)arg;
	(void)name;
	(void)addrp;
	return (KP_TARGET_MISSING);
}

static int
no_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	(void)arg;
	(void)addr;
	(void)buf;
	(void)size;
	return (KP_TARGET_FAULT);
}

static void
test_the_users_mp_maxcpus(void)
{
	struct kp_target target;
	struct ut_kernel k;
	const int *cpus;
	uint64_t addr, sum;
	int n, v;
	kvm_t *kd;

	ut_kernel(&k, UT_AMD64_13, 3, 8, 0);
	kd = ut_open(&k.t);
	CHECK_OK(kp_lookup_symbol(kd, "mp_maxcpus", &addr));
	kp_close(kd);
	ut_put(&k.t, addr, 0x7fffffff, 4);
	kd = ut_open(&k.t);
	CHECK_ERR(kp_cpus(kd, &cpus, &n), KP_ERR_CORRUPT,
	    "mp_maxcpus is 2147483647: not a CPU count (corrupt dump?)");
	kp_close(kd);
	k.t.layout.maxcpus = 8;
	kd = ut_open(&k.t);
	CHECK_OK(kp_maxcpus(kd, &v));
	CHECK_EQ(v, 8);
	CHECK_OK(kp_cpus(kd, &cpus, &n));
	CHECK_EQ(n, 4);
	CHECK_OK(kp_counter_fetch(kd, k.counters[0], &sum));
	CHECK_EQ(sum, k.sums[0]);
	kp_close(kd);
	/* Not below mp_ncpus, and not absurd. */
	k.t.layout.maxcpus = 2;
	kd = ut_open(&k.t);
	CHECK_ERR(kp_cpus(kd, &cpus, &n), KP_ERR_CORRUPT, NULL);
	kp_close(kd);
	memset(&target, 0, sizeof(target));
	target.lookup = no_lookup;
	target.read = no_read;
	target.layout = k.t.layout;
	target.layout.maxcpus = 100000;
	CHECK_ERR(kp_open(&target, &kd), KP_ERR_INVALID,
	    "maxcpus 100000 is not in 0..65536");
	ut_free(&k.t);
}

static const struct ut_test tests[] = {
	{ "every_cpus_copy_of_a_dpcpu_variable",
	  test_every_cpus_copy_of_a_dpcpu_variable },
	{ "module_relocation_and_templates",
	  test_module_relocation_and_templates },
	{ "dpcpu_fields_and_bytes_of_many_cpus",
	  test_dpcpu_fields_and_bytes_of_many_cpus },
	{ "vnet_addresses", test_vnet_addresses },
	{ "the_users_mp_maxcpus", test_the_users_mp_maxcpus },
};

UT_MAIN(tests)
