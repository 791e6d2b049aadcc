/*
 * UMA_ZONE_PCPU slots and counter(9) (sys/sys/pcpu.h zpcpu_get_cpu(),
 * sys/kern/subr_counter.c counter_u64_fetch()).
 *
 * Where CPU n's slot of an allocation whose stored value is c lives depends
 * on the kernel (docs/FREEBSD.md, counter(9) and UMA_ZONE_PCPU slots):
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
static struct kp_error *
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

static struct kp_error *
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
static uint64_t
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

static int
kp_slot_cmp_cpu(const void *a, const void *b)
{
	return (((const struct kp_slot *)a)->cpu -
	    ((const struct kp_slot *)b)->cpu);
}

/* Each present CPU's slot of one counter, gathered; free *ret. */
static struct kp_error *
kp_counter_gather(kvm_t *kd, uint64_t base, struct kp_slot **ret)
{
	struct kp_error *err;
	struct kp_slot *slots;
	int i;

	if ((err = kp_zpcpu_check_null(base)) != NULL)
		return (err);
	err = kp_zpcpu_load(kd);
	if (err != NULL)
		return (err);
	slots = calloc(kd->cpu_count > 0 ? kd->cpu_count : 1, sizeof(*slots));
	if (slots == NULL)
		return (&kp_enomem);
	for (i = 0; i < kd->cpu_count; i++) {
		slots[i].cpu = kd->cpu_list[i];
		slots[i].addr = kp_zpcpu_slot(kd, base, slots[i].cpu);
	}
	err = kp_gather(kd, slots, kd->cpu_count, 8, "counter slot");
	if (err != NULL) {
		free(slots);
		return (err);
	}
	*ret = slots;
	return (NULL);
}

struct kp_error *
kp_counter_slots(kvm_t *kd, uint64_t base, uint64_t *values)
{
	struct kp_error *err;
	struct kp_slot *slots;
	int i;

	if ((err = kp_counter_gather(kd, base, &slots)) != NULL)
		return (err);
	/* Back in CPU_FOREACH order (ascending ids), whatever order the reads took. */
	qsort(slots, kd->cpu_count, sizeof(*slots), kp_slot_cmp_cpu);
	for (i = 0; i < kd->cpu_count; i++)
		values[i] = slots[i].value;
	free(slots);
	return (NULL);
}

/* The kernel sums over CPU_FOREACH in uint64_t: wrap-around included. */
struct kp_error *
kp_counter_fetch(kvm_t *kd, uint64_t base, uint64_t *ret)
{
	struct kp_error *err;
	struct kp_slot *slots;
	uint64_t sum;
	int i;

	if ((err = kp_counter_gather(kd, base, &slots)) != NULL)
		return (err);
	sum = 0;
	for (i = 0; i < kd->cpu_count; i++)
		sum += slots[i].value;
	free(slots);
	*ret = sum;
	return (NULL);
}

/* A counter of an array, for sorting by stored value. */
struct kp_counter_ref {
	uint64_t base;
	size_t index;
};

static int
kp_cmp_base(const void *a, const void *b)
{
	uint64_t x = ((const struct kp_counter_ref *)a)->base;
	uint64_t y = ((const struct kp_counter_ref *)b)->base;

	return ((x > y) - (x < y));
}

/*
 * Add CPU cpu's slots of every counter to sums.  order lists the counters by
 * stored value, so that slots sharing a page are neighbours: each run of
 * slots within one page is one read, as UMA packs a CPU's items in a page.
 */
static struct kp_error *
kp_counter_add_cpu(kvm_t *kd, const struct kp_counter_ref *order,
    size_t count, int cpu, unsigned char *page, uint64_t *sums)
{
	uint64_t pgmask = ~(kd->target.layout.page_size - 1);
	uint64_t first, last, addr;
	size_t i, j, k;
	char what[64];
	int status;

	for (i = 0; i < count; i = j) {
		first = kp_zpcpu_slot(kd, order[i].base, cpu);
		last = first;
		for (j = i + 1; j < count; j++) {
			addr = kp_zpcpu_slot(kd, order[j].base, cpu);
			if ((addr & pgmask) != (first & pgmask) ||
			    ((addr + 7) & pgmask) != (first & pgmask))
				break;
			last = addr;
		}
		status = kd->target.read(kd->target.arg, first, page,
		    last + 8 - first);
		if (status != KP_TARGET_OK) {
			snprintf(what, sizeof(what), "counter slots of CPU %d",
			    cpu);
			return (kp_read_error(status, first, last + 8 - first,
			    what));
		}
		for (k = i; k < j; k++) {
			addr = kp_zpcpu_slot(kd, order[k].base, cpu);
			sums[order[k].index] += kp_decode_uint(kd,
			    page + (addr - first), 8);
		}
	}
	return (NULL);
}

struct kp_error *
kp_counter_fetch_array(kvm_t *kd, const uint64_t *bases, size_t count,
    uint64_t *sums)
{
	struct kp_counter_ref *order = NULL;
	unsigned char *page = NULL;
	struct kp_error *err;
	size_t i;
	int c;

	for (i = 0; i < count; i++) {
		if ((err = kp_zpcpu_check_null(bases[i])) != NULL)
			return (err);
	}
	err = kp_zpcpu_load(kd);
	if (err != NULL)
		return (err);
	memset(sums, 0, count * sizeof(*sums));
	if (count == 0)
		return (NULL);
	order = calloc(count, sizeof(*order));
	page = malloc(kd->target.layout.page_size + 8);
	if (order == NULL || page == NULL) {
		err = &kp_enomem;
		goto out;
	}
	for (i = 0; i < count; i++)
		order[i] = (struct kp_counter_ref){ bases[i], i };
	qsort(order, count, sizeof(*order), kp_cmp_base);
	for (c = 0; c < kd->cpu_count; c++) {
		if ((err = kp_check_interrupt(kd)) != NULL)
			goto out;
		err = kp_counter_add_cpu(kd, order, count, kd->cpu_list[c],
		    page, sums);
		if (err != NULL)
			goto out;
	}
out:
	free(order);
	free(page);
	return (err);
}
