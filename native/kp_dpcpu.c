/*
 * DPCPU: dynamic per-CPU variables (sys/sys/pcpu.h, sys/kern/subr_pcpu.c).
 *
 * DPCPU_DEFINE(t, x) puts pcpu_entry_x in the section set_pcpu, which is only
 * a template: CPU n's copy is at &pcpu_entry_x + dpcpu_off[n].  A module's
 * variables live in the module's own set_pcpu, which the kernel copied into
 * modspace (dpcpu_alloc()), so they are first relocated to that copy; see
 * sys/kern/link_elf.c and link_elf_obj.c.
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
}

static struct kp_error *
kp_dpcpu_load_tables(kvm_t *kd)
{
	struct kp_error *err;
	uint64_t addr;

	err = kp_cpus_load(kd);
	if (err != NULL)
		return (err);
	err = kp_lookup(kd, "__start_set_pcpu", &kd->dpcpu_start);
	if (err != NULL)
		return (err);
	err = kp_lookup(kd, "__stop_set_pcpu", &kd->dpcpu_stop);
	if (err != NULL)
		return (err);
	if (kd->dpcpu_stop <= kd->dpcpu_start)
		return (kp_error_format(KP_ERR_CORRUPT,
		    "__stop_set_pcpu (0x%jx) is not above __start_set_pcpu "
		    "(0x%jx)", (uintmax_t)kd->dpcpu_stop,
		    (uintmax_t)kd->dpcpu_start));
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
	*start = kd->dpcpu_start;
	*stop = kd->dpcpu_stop;
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
	struct kp_reloc *copy = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		if (mods[i].stop < mods[i].start)
			return (kp_error_format(KP_ERR_INVALID,
			    "module set_pcpu 0x%jx-0x%jx is reversed",
			    (uintmax_t)mods[i].start, (uintmax_t)mods[i].stop));
	}
	if (count > 0) {
		copy = calloc(count, sizeof(*copy));
		if (copy == NULL)
			return (&kp_enomem);
		memcpy(copy, mods, count * sizeof(*copy));
	}
	free(kd->dpcpu_mods);
	kd->dpcpu_mods = copy;
	kd->dpcpu_nmods = count;
	return (NULL);
}

/*
 * The template address of the DPCPU object at addr: itself for the kernel's
 * own set_pcpu, relocated into modspace for a module's.
 */
static struct kp_error *
kp_dpcpu_template(kvm_t *kd, uint64_t addr, uint64_t *ret)
{
	const struct kp_reloc *m;
	size_t i;

	if (addr >= kd->dpcpu_start && addr < kd->dpcpu_stop) {
		*ret = addr;
		return (NULL);
	}
	for (i = 0; i < kd->dpcpu_nmods; i++) {
		m = &kd->dpcpu_mods[i];
		if (addr >= m->start && addr < m->stop) {
			*ret = addr - m->start + m->base;
			return (NULL);
		}
	}
	return (kp_error_format(KP_ERR_INVALID,
	    "0x%jx is not a DPCPU variable (outside set_pcpu 0x%jx-0x%jx)",
	    (uintmax_t)addr, (uintmax_t)kd->dpcpu_start,
	    (uintmax_t)kd->dpcpu_stop));
}

struct kp_error *
kp_dpcpu_addr(kvm_t *kd, uint64_t addr, int cpu, uint64_t *ret)
{
	struct kp_error *err;
	uint64_t off = 0, tmpl = 0;

	err = kp_dpcpu_load(kd);
	if (err != NULL)
		return (err);
	err = kp_dpcpu_template(kd, addr, &tmpl);
	if (err != NULL)
		return (err);
	err = kp_dpcpu_off(kd, cpu, &off);
	if (err != NULL)
		return (err);
	*ret = tmpl + off;
	return (NULL);
}
