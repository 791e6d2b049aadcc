/*
 * Which CPUs exist and where their struct pcpu lives.
 *
 * Mirrors the initialisation of lib/libkvm/kvm_pcpu.c (mp_maxcpus, mp_ncpus,
 * the cpuid_to_pcpu array) and iterates CPUs as sys/sys/smp.h's CPU_FOREACH
 * does: 0 .. mp_maxid, skipping CPU_ABSENT() ones.  libkvm's 0 .. mp_ncpus-1
 * loop is wrong when CPU ids are sparse.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kp_private.h"

void
kp_cpus_clear(kvm_t *kd)
{
	free(kd->pcpu_addrs);
	free(kd->present);
	free(kd->cpu_list);
	kd->pcpu_addrs = NULL;
	kd->present = NULL;
	kd->cpu_list = NULL;
	kd->cpu_count = 0;
	kd->cpus_loaded = false;
}

static struct kp_error *
kp_read_int_symbol(kvm_t *kd, const char *name, uint64_t *ret)
{
	struct kp_error *err;
	uint64_t addr;

	err = kp_lookup(kd, name, &addr);
	if (err != NULL)
		return (err);
	/* Fails as libkvm words it: "cannot read mp_maxcpus (...)". */
	return (kp_read_uint(kd, addr, 4, ret, name));
}

/*
 * all_cpus is a cpuset_t: a bitset of longs (sys/sys/_bitset.h), bit n of
 * word n / (8 * sizeof(long)).  long is pointer-sized on every FreeBSD
 * platform.  Without all_cpus, fall back to the non-NULL cpuid_to_pcpu[]
 * entries, as FreeBSD's sys/tools/gdb does.
 */
static struct kp_error *
kp_load_present(kvm_t *kd)
{
	unsigned int lbits = 8 * kd->target.layout.pointer_size;
	size_t nwords = (kd->maxid + lbits) / lbits;
	struct kp_error *err;
	uint64_t addr, *words;
	unsigned int cpu;

	err = kp_lookup(kd, "all_cpus", &addr);
	if (err != NULL && err->code == KP_ERR_LOOKUP) {
		kp_error_destroy(err);
		for (cpu = 0; cpu <= kd->maxid; cpu++)
			kd->present[cpu] = kd->pcpu_addrs[cpu] != 0;
		return (NULL);
	}
	if (err != NULL)
		return (err);
	words = calloc(nwords, sizeof(*words));
	if (words == NULL)
		return (&kp_enomem);
	err = kp_read_pointers(kd, addr, nwords, words, "all_cpus");
	if (err == NULL) {
		for (cpu = 0; cpu <= kd->maxid; cpu++)
			kd->present[cpu] =
			    (words[cpu / lbits] >> (cpu % lbits)) & 1;
	}
	free(words);
	return (err);
}

static struct kp_error *
kp_cpus_load_counts(kvm_t *kd)
{
	struct kp_error *err;
	uint64_t v;

	/* The user's mp_maxcpus, for a dump whose own is garbage. */
	if (kd->target.layout.maxcpus > 0)
		v = (uint64_t)kd->target.layout.maxcpus;
	else if ((err = kp_read_int_symbol(kd, "mp_maxcpus", &v)) != NULL)
		return (err);
	kd->maxcpus = (int)(int32_t)v;
	if (kd->maxcpus <= 0 || kd->maxcpus > KP_MAXCPU_LIMIT)
		return (kp_error_format(KP_ERR_CORRUPT,
		    "mp_maxcpus is %d: not a CPU count (corrupt dump?)",
		    kd->maxcpus));
	err = kp_read_int_symbol(kd, "mp_ncpus", &v);
	if (err != NULL)
		return (err);
	kd->ncpus = (int)(int32_t)v;
	if (kd->ncpus <= 0 || kd->ncpus > kd->maxcpus)
		return (kp_error_format(KP_ERR_CORRUPT,
		    "mp_ncpus is %d, outside 1..mp_maxcpus (%d) (corrupt dump?)",
		    kd->ncpus, kd->maxcpus));
	err = kp_read_int_symbol(kd, "mp_maxid", &v);
	if (err != NULL && err->code == KP_ERR_LOOKUP) {
		/* A kernel without mp_maxid: every slot may hold a CPU. */
		kp_error_destroy(err);
		v = (uint64_t)kd->maxcpus - 1;
	} else if (err != NULL)
		return (err);
	if (v >= (uint64_t)kd->maxcpus)
		return (kp_error_format(KP_ERR_CORRUPT,
		    "mp_maxid is %ju, beyond mp_maxcpus %d (corrupt dump?)",
		    (uintmax_t)v, kd->maxcpus));
	kd->maxid = (unsigned int)v;
	return (NULL);
}

static struct kp_error *
kp_cpus_load_tables(kvm_t *kd)
{
	struct kp_error *err;
	uint64_t addr;
	unsigned int cpu;

	/* libkvm looks up cpuid_to_pcpu first: its message for a non-kernel. */
	err = kp_lookup(kd, "cpuid_to_pcpu", &addr);
	if (err != NULL)
		return (err);
	err = kp_cpus_load_counts(kd);
	if (err != NULL)
		return (err);
	kd->pcpu_addrs = calloc(kd->maxcpus, sizeof(*kd->pcpu_addrs));
	kd->present = calloc(kd->maxcpus, sizeof(*kd->present));
	kd->cpu_list = calloc(kd->maxid + 1, sizeof(*kd->cpu_list));
	if (kd->pcpu_addrs == NULL || kd->present == NULL ||
	    kd->cpu_list == NULL)
		return (&kp_enomem);
	err = kp_read_pointers(kd, addr, kd->maxcpus, kd->pcpu_addrs,
	    "cpuid_to_pcpu array");
	if (err != NULL)
		return (err);
	err = kp_load_present(kd);
	if (err != NULL)
		return (err);
	for (cpu = 0; cpu <= kd->maxid; cpu++) {
		if (kd->present[cpu])
			kd->cpu_list[kd->cpu_count++] = cpu;
	}
	return (NULL);
}

struct kp_error *
kp_cpus_load(kvm_t *kd)
{
	struct kp_error *err;

	if (kd->cpus_loaded)
		return (NULL);
	err = kp_cpus_load_tables(kd);
	if (err != NULL) {
		kp_cpus_clear(kd);
		return (err);
	}
	kd->cpus_loaded = true;
	return (NULL);
}

/*
 * A CPU id usable as an index: 0 <= cpu < mp_maxcpus.  A negative CPU is
 * refused like an absent one (libkvm lets it index before its array).
 */
struct kp_error *
kp_cpu_check(kvm_t *kd, int cpu)
{
	struct kp_error *err;

	err = kp_cpus_load(kd);
	if (err != NULL)
		return (err);
	if (cpu < 0)
		return (kp_error_format(KP_ERR_ABSENT, "CPU %d not found", cpu));
	if (cpu >= kd->maxcpus)
		return (kp_error_format(KP_ERR_RANGE,
		    "CPU %d too big (mp_maxcpus is %d)", cpu, kd->maxcpus));
	return (NULL);
}

struct kp_error *
kp_maxcpus(kvm_t *kd, int *ret)
{
	struct kp_error *err;

	err = kp_cpus_load(kd);
	if (err == NULL)
		*ret = kd->maxcpus;
	return (err);
}

struct kp_error *
kp_ncpus(kvm_t *kd, int *ret)
{
	struct kp_error *err;

	err = kp_cpus_load(kd);
	if (err == NULL)
		*ret = kd->ncpus;
	return (err);
}

struct kp_error *
kp_maxid(kvm_t *kd, unsigned int *ret)
{
	struct kp_error *err;

	err = kp_cpus_load(kd);
	if (err == NULL)
		*ret = kd->maxid;
	return (err);
}

struct kp_error *
kp_cpus(kvm_t *kd, const int **cpus, int *count)
{
	struct kp_error *err;

	err = kp_cpus_load(kd);
	if (err != NULL)
		return (err);
	*cpus = kd->cpu_list;
	*count = kd->cpu_count;
	return (NULL);
}

struct kp_error *
kp_cpu_present(kvm_t *kd, int cpu, bool *ret)
{
	struct kp_error *err;

	err = kp_cpu_check(kd, cpu);
	if (err != NULL && err->code == KP_ERR_ABSENT) {
		kp_error_destroy(err);
		*ret = false;
		return (NULL);
	}
	if (err != NULL)
		return (err);
	*ret = kd->present[cpu] && kd->pcpu_addrs[cpu] != 0;
	return (NULL);
}

struct kp_error *
kp_pcpu_addr(kvm_t *kd, int cpu, uint64_t *ret)
{
	struct kp_error *err;

	err = kp_cpu_check(kd, cpu);
	if (err != NULL && err->code == KP_ERR_ABSENT) {
		kp_error_destroy(err);
		*ret = 0;
		return (NULL);
	}
	if (err != NULL)
		return (err);
	*ret = kd->pcpu_addrs[cpu];
	return (NULL);
}

struct kp_error *
kp_pcpu_read(kvm_t *kd, int cpu, void *buf)
{
	struct kp_error *err;
	uint64_t addr;
	char what[48];

	err = kp_pcpu_addr(kd, cpu, &addr);
	if (err != NULL)
		return (err);
	if (addr == 0)
		return (kp_error_format(KP_ERR_ABSENT, "CPU %d not found", cpu));
	snprintf(what, sizeof(what), "struct pcpu of CPU %d", cpu);
	return (kp_read(kd, addr, buf, kd->target.layout.pcpu_size, what));
}
