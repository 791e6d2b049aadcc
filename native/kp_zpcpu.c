/*
 * UMA_ZONE_PCPU slots (sys/sys/pcpu.h zpcpu_get_cpu()), of which counter(9)
 * is the main user (its sums are in kp_counter.c).
 *
 * Where CPU n's slot of an allocation whose stored value is c lives depends
 * on the kernel (docs/FREEBSD.md, "counter(9) and zpcpu"):
 *   13+:  c + cpuid_to_pcpu[n]->pc_zpcpu_offset  (on amd64 that offset
 *         includes the value of __pcpu, because c is stored relative to it);
 *   12:   c + PAGE_SIZE * n;
 *   11-:  c + sizeof(struct pcpu) * n.
 * libkvm always uses sizeof(struct pcpu) (plus __pcpu on amd64 builds), which
 * is wrong on every non-x86 kernel and on amd64 dumps of the other era.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

/* First __FreeBSD_version of 12.0-CURRENT: the stride became PAGE_SIZE. */
#define	KP_OSRELDATE_12		1200000

/*
 * A counter(9) holds what counter_u64_alloc() returned, a UMA_ZONE_PCPU
 * allocation: never 0 once allocated.  It is 0 before (early in boot, in a
 * vnet being built), and on amd64 13+, where the stored value is an offset
 * from __pcpu, a 0 would read each CPU's struct pcpu as its slot
 * (docs/FREEBSD.md).  So 0 is an error, in every counter and zpcpu path.
 */
struct kp_error *
kp_zpcpu_check_null(uint64_t base)
{
	if (base != 0)
		return (NULL);
	return (kp_error_format(KP_ERR_NULL, "counter is NULL (not allocated)"));
}

void
kp_zpcpu_clear(kvm_t *kd)
{
	free(kd->zpcpu_off);
	kd->zpcpu_off = NULL;
	kd->zpcpu_loaded = false;
}

/* Read pc_zpcpu_offset of every present CPU: the one formula of 13+. */
static struct kp_error *
kp_zpcpu_load_offsets(kvm_t *kd)
{
	struct kp_error *err;
	struct kp_slot *slots;
	int i, cpu;

	kd->zpcpu_off = calloc(kd->maxcpus, sizeof(*kd->zpcpu_off));
	slots = calloc(kd->cpu_count, sizeof(*slots));
	if (kd->zpcpu_off == NULL || slots == NULL) {
		free(slots);
		return (&kp_enomem);
	}
	for (i = 0; i < kd->cpu_count; i++) {
		cpu = kd->cpu_list[i];
		if (kd->pcpu_addrs[cpu] == 0) {
			free(slots);
			return (kp_error_format(KP_ERR_CORRUPT,
			    "CPU %d is in all_cpus but cpuid_to_pcpu[%d] is "
			    "NULL", cpu, cpu));
		}
		slots[i].cpu = cpu;
		slots[i].addr = kd->pcpu_addrs[cpu] +
		    (uint64_t)kd->target.layout.pc_zpcpu_offset;
	}
	err = kp_gather(kd, slots, kd->cpu_count,
	    kd->target.layout.pointer_size, "pc_zpcpu_offset");
	for (i = 0; err == NULL && i < kd->cpu_count; i++)
		kd->zpcpu_off[slots[i].cpu] = slots[i].value;
	free(slots);
	return (err);
}

/* Without pc_zpcpu_offset, __FreeBSD_version tells 12 from 11. */
static struct kp_error *
kp_zpcpu_stride_by_version(kvm_t *kd)
{
	const struct kp_layout *lo = &kd->target.layout;
	struct kp_error *err;
	uint64_t addr, osreldate;

	err = kp_lookup(kd, "osreldate", &addr);
	if (err == NULL)
		err = kp_read_uint(kd, addr, 4, &osreldate, "osreldate");
	/* Only a missing or unreadable osreldate leads to the fallback. */
	if (err != NULL && err->code != KP_ERR_LOOKUP &&
	    err->code != KP_ERR_FAULT)
		return (err);
	if (err != NULL) {
		kp_error_destroy(err);
		/* On x86 both rules agree: sizeof(struct pcpu) == PAGE_SIZE. */
		if (lo->pcpu_size == lo->page_size) {
			kd->zpcpu_rule = KP_ZPCPU_PAGE;
			kd->zpcpu_stride = lo->page_size;
			return (NULL);
		}
		return (kp_error_format(KP_ERR_LOOKUP,
		    "cannot tell the zpcpu stride: no pc_zpcpu_offset in "
		    "struct pcpu and no readable osreldate (set kgdb-pcpu "
		    "zpcpu-stride)"));
	}
	if (osreldate < KP_OSRELDATE_12) {
		kd->zpcpu_rule = KP_ZPCPU_PCPU_SIZE;
		kd->zpcpu_stride = lo->pcpu_size;
	} else {
		kd->zpcpu_rule = KP_ZPCPU_PAGE;
		kd->zpcpu_stride = lo->page_size;
	}
	return (NULL);
}

struct kp_error *
kp_zpcpu_load(kvm_t *kd)
{
	const struct kp_layout *lo = &kd->target.layout;
	struct kp_error *err;

	if (kd->zpcpu_loaded)
		return (NULL);
	err = kp_cpus_load(kd);
	if (err != NULL)
		return (err);
	if (lo->zpcpu_stride != 0) {
		kd->zpcpu_rule = KP_ZPCPU_USER;
		kd->zpcpu_stride = lo->zpcpu_stride;
	} else if (lo->pc_zpcpu_offset >= 0) {
		kd->zpcpu_rule = KP_ZPCPU_FIELD;
		kd->zpcpu_stride = 0;
		err = kp_zpcpu_load_offsets(kd);
	} else
		err = kp_zpcpu_stride_by_version(kd);
	if (err != NULL) {
		kp_zpcpu_clear(kd);
		return (err);
	}
	kd->zpcpu_loaded = true;
	return (NULL);
}

struct kp_error *
kp_zpcpu_rule(kvm_t *kd, enum kp_zpcpu_rule *rule, uint64_t *stride)
{
	struct kp_error *err;

	err = kp_zpcpu_load(kd);
	if (err != NULL)
		return (err);
	*rule = kd->zpcpu_rule;
	*stride = kd->zpcpu_stride;
	return (NULL);
}

/* The slot address of a CPU already known to be present. */
uint64_t
kp_zpcpu_slot(kvm_t *kd, uint64_t base, int cpu)
{
	if (kd->zpcpu_rule == KP_ZPCPU_FIELD)
		return (base + kd->zpcpu_off[cpu]);
	return (base + kd->zpcpu_stride * (uint64_t)cpu);
}

struct kp_error *
kp_zpcpu_addr(kvm_t *kd, uint64_t base, int cpu, uint64_t *ret)
{
	struct kp_error *err;

	if ((err = kp_zpcpu_check_null(base)) != NULL)
		return (err);
	err = kp_zpcpu_load(kd);
	if (err != NULL)
		return (err);
	err = kp_cpu_check(kd, cpu);
	if (err != NULL)
		return (err);
	if (!kd->present[cpu])
		return (kp_error_format(KP_ERR_ABSENT, "CPU %d not found", cpu));
	*ret = kp_zpcpu_slot(kd, base, cpu);
	return (NULL);
}

struct kp_error *
kp_read_zpcpu(kvm_t *kd, uint64_t base, void *buf, size_t size, int cpu)
{
	struct kp_error *err;
	uint64_t addr;
	char what[48];

	err = kp_zpcpu_addr(kd, base, cpu, &addr);
	if (err != NULL)
		return (err);
	snprintf(what, sizeof(what), "zpcpu slot of CPU %d", cpu);
	return (kp_read(kd, addr, buf, size, what));
}
