/*
 * DPCPU: dynamic per-CPU variables (sys/sys/pcpu.h, sys/kern/subr_pcpu.c).
 *
 * DPCPU_DEFINE(t, x) puts pcpu_entry_x in the section set_pcpu, which is only
 * a template: CPU n's copy is at &pcpu_entry_x + dpcpu_off[n].  A module's
 * variables are first relocated to the module's copy in modspace (kp_set.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

void
kp_dpcpu_clear(kvm_t *kd)
{
	free(kd->dpcpu_off);
	kd->dpcpu_off = NULL;
	kd->dpcpu_loaded = false;
	kp_set_clear(&kd->dpcpu_set);
}

static struct kp_error *
kp_dpcpu_load_tables(kvm_t *kd)
{
	struct kp_error *err;
	uint64_t addr;

	err = kp_cpus_load(kd);
	if (err != NULL)
		return (err);
	err = kp_set_load(kd, &kd->dpcpu_set);
	if (err != NULL)
		return (err);
	err = kp_lookup(kd, "dpcpu_off", &addr);
	if (err != NULL)
		return (err);
	kd->dpcpu_off = calloc(kd->maxcpus, sizeof(*kd->dpcpu_off));
	if (kd->dpcpu_off == NULL)
		return (&kp_enomem);
	return (kp_read_pointers(kd, addr, kd->maxcpus, kd->dpcpu_off,
	    "dpcpu_off array"));
}

static struct kp_error *
kp_dpcpu_load(kvm_t *kd)
{
	struct kp_error *err;

	if (kd->dpcpu_loaded)
		return (NULL);
	err = kp_dpcpu_load_tables(kd);
	if (err != NULL) {
		kp_dpcpu_clear(kd);
		return (err);
	}
	kd->dpcpu_loaded = true;
	return (NULL);
}

struct kp_error *
kp_dpcpu_bounds(kvm_t *kd, uint64_t *start, uint64_t *stop)
{
	struct kp_error *err;

	err = kp_dpcpu_load(kd);
	if (err != NULL)
		return (err);
	*start = kd->dpcpu_set.start;
	*stop = kd->dpcpu_set.stop;
	return (NULL);
}

/* dpcpu_off[cpu]; a CPU whose offset is 0 has no DPCPU area. */
struct kp_error *
kp_dpcpu_off(kvm_t *kd, int cpu, uint64_t *ret)
{
	struct kp_error *err;

	err = kp_dpcpu_load(kd);
	if (err != NULL)
		return (err);
	err = kp_cpu_check(kd, cpu);
	if (err != NULL)
		return (err);
	if (kd->dpcpu_off[cpu] == 0)
		return (kp_error_format(KP_ERR_ABSENT, "CPU %d not found", cpu));
	*ret = kd->dpcpu_off[cpu];
	return (NULL);
}

struct kp_error *
kp_dpcpu_setcpu(kvm_t *kd, int cpu)
{
	struct kp_error *err;
	uint64_t off;

	err = kp_dpcpu_off(kd, cpu, &off);
	if (err != NULL)
		return (err);
	kd->dpcpu_curcpu = cpu;
	return (NULL);
}

int
kp_dpcpu_curcpu(kvm_t *kd)
{
	return (kd->dpcpu_curcpu);
}

struct kp_error *
kp_dpcpu_set_modules(kvm_t *kd, const struct kp_reloc *mods, size_t count)
{
	return (kp_set_modules(&kd->dpcpu_set, mods, count));
}

struct kp_error *
kp_dpcpu_addr(kvm_t *kd, uint64_t addr, int cpu, uint64_t *ret)
{
	struct kp_error *err;
	uint64_t off = 0, tmpl = 0;

	err = kp_dpcpu_template(kd, addr, &tmpl);
	if (err != NULL)
		return (err);
	err = kp_dpcpu_off(kd, cpu, &off);
	if (err != NULL)
		return (err);
	*ret = tmpl + off;
	return (NULL);
}

struct kp_error *
kp_dpcpu_template(kvm_t *kd, uint64_t addr, uint64_t *ret)
{
	struct kp_error *err;

	err = kp_dpcpu_load(kd);
	if (err != NULL)
		return (err);
	return (kp_set_template(&kd->dpcpu_set, "DPCPU", addr, ret));
}

/* The address of each of cpus[0..n)'s copy; free *ret. */
static struct kp_error *
kp_dpcpu_addrs(kvm_t *kd, uint64_t addr, const int *cpus, size_t n,
    uint64_t **ret)
{
	struct kp_error *err;
	uint64_t *addrs;
	size_t i;

	addrs = calloc(n + 1, sizeof(*addrs));
	if (addrs == NULL)
		return (&kp_enomem);
	for (i = 0; i < n; i++) {
		if ((err = kp_dpcpu_addr(kd, addr, cpus[i], &addrs[i])) !=
		    NULL) {
			free(addrs);
			return (err);
		}
	}
	*ret = addrs;
	return (NULL);
}

struct kp_error *
kp_dpcpu_read(kvm_t *kd, uint64_t addr, size_t size, const int *cpus,
    size_t n, unsigned char *out, bool *ok)
{
	struct kp_error *err;
	uint64_t *addrs;

	if ((err = kp_dpcpu_addrs(kd, addr, cpus, n, &addrs)) != NULL)
		return (err);
	err = kp_read_records(kd, addrs, n, size, out, ok);
	free(addrs);
	return (err);
}

struct kp_error *
kp_dpcpu_fields(kvm_t *kd, uint64_t addr, const int *cpus, size_t n,
    const struct kp_field *fields, size_t nfields, struct kp_rows **ret)
{
	struct kp_error *err;
	uint64_t *addrs;

	if ((err = kp_dpcpu_addrs(kd, addr, cpus, n, &addrs)) != NULL)
		return (err);
	err = kp_read_fields(kd, addrs, n, fields, nfields, ret);
	free(addrs);
	return (err);
}
