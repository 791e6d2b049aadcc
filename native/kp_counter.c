/*
 * counter(9) (sys/sys/counter.h, sys/kern/subr_counter.c): a counter is a
 * UMA_ZONE_PCPU allocation of one uint64_t per CPU, and counter_u64_fetch()
 * sums the slots over CPU_FOREACH in uint64_t, wrap-around included.  Slot
 * addresses come from kp_zpcpu.c; a counter of 0 is KP_ERR_NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

/*
 * The slots of one counter, read gathered: of cpus[0..n), each checked, or
 * of every present CPU when cpus is NULL.  Free *ret.
 */
static struct kp_error *
kp_counter_gather(kvm_t *kd, uint64_t base, const int *cpus, size_t n,
    struct kp_slot **ret)
{
	struct kp_error *err;
	struct kp_slot *slots;
	bool present = cpus == NULL;
	size_t i;

	if ((err = kp_zpcpu_check_null(base)) != NULL ||
	    (err = kp_zpcpu_load(kd)) != NULL)
		return (err);
	if (present) {
		cpus = kd->cpu_list;
		n = (size_t)kd->cpu_count;
	}
	slots = calloc(n + 1, sizeof(*slots));
	if (slots == NULL)
		return (&kp_enomem);
	for (i = 0; i < n; i++) {
		slots[i].cpu = cpus[i];
		slots[i].row = i;
		if (present)
			slots[i].addr = kp_zpcpu_slot(kd, base, cpus[i]);
		else if ((err = kp_zpcpu_addr(kd, base, cpus[i],
		    &slots[i].addr)) != NULL)
			break;
	}
	if (err == NULL)
		err = kp_gather(kd, slots, n, 8, "counter slot");
	if (err != NULL) {
		free(slots);
		return (err);
	}
	*ret = slots;
	return (NULL);
}

struct kp_error *
kp_counter_slots(kvm_t *kd, uint64_t base, const int *cpus, size_t n,
    uint64_t *values)
{
	struct kp_error *err;
	struct kp_slot *slots;
	size_t i;

	if ((err = kp_counter_gather(kd, base, cpus, n, &slots)) != NULL)
		return (err);
	/* In the caller's order, whatever order the reads took. */
	for (i = 0; i < n; i++)
		values[slots[i].row] = slots[i].value;
	free(slots);
	return (NULL);
}

struct kp_error *
kp_counter_fetch(kvm_t *kd, uint64_t base, uint64_t *ret)
{
	struct kp_error *err;
	struct kp_slot *slots;
	uint64_t sum;
	int i;

	if ((err = kp_counter_gather(kd, base, NULL, 0, &slots)) != NULL)
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
 * Add CPU cpu's slots of order[i..j) one by one; an unreadable one sets
 * *lost and is left out (kp_counter_fetch_partial()).
 */
static struct kp_error *
kp_counter_add_each(kvm_t *kd, const struct kp_counter_ref *order, size_t i,
    size_t j, int cpu, uint64_t *sums, bool *lost)
{
	unsigned char buf[8];
	uint64_t addr;
	char what[48];
	int status;

	for (; i < j; i++) {
		addr = kp_zpcpu_slot(kd, order[i].base, cpu);
		status = kd->target.read(kd->target.arg, addr, buf, 8);
		if (status == KP_TARGET_FAULT) {
			*lost = true;
			continue;
		}
		if (status != KP_TARGET_OK) {
			snprintf(what, sizeof(what), "counter slot of CPU %d",
			    cpu);
			return (kp_read_error(status, addr, 8, what));
		}
		sums[order[i].index] += kp_decode_uint(kd, buf, 8);
	}
	return (NULL);
}

/*
 * Add CPU cpu's slots of every counter to sums.  order lists the counters by
 * stored value, so that slots sharing a page are neighbours: each run of
 * slots within one page is one read, as UMA packs a CPU's items in a page.
 * lost NULL: an unreadable run is an error; else its slots are read one by
 * one and what cannot be read is left out, setting *lost.
 */
static struct kp_error *
kp_counter_add_cpu(kvm_t *kd, const struct kp_counter_ref *order,
    size_t count, int cpu, unsigned char *page, uint64_t *sums, bool *lost)
{
	uint64_t pgmask = ~(kd->target.layout.page_size - 1);
	uint64_t first, last, addr;
	struct kp_error *err;
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
		if (status == KP_TARGET_FAULT && lost != NULL) {
			err = kp_counter_add_each(kd, order, i, j, cpu, sums,
			    lost);
			if (err != NULL)
				return (err);
			continue;
		}
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

/* Sum count counters over the present CPUs; missing NULL: strictly. */
static struct kp_error *
kp_counter_sum_array(kvm_t *kd, const uint64_t *bases, size_t count,
    uint64_t *sums, int *missing, size_t *nmissing)
{
	struct kp_counter_ref *order = NULL;
	unsigned char *page = NULL;
	struct kp_error *err;
	size_t i;
	bool lost;
	int c;

	for (i = 0; i < count; i++) {
		if ((err = kp_zpcpu_check_null(bases[i])) != NULL)
			return (err);
	}
	if ((err = kp_zpcpu_load(kd)) != NULL)
		return (err);
	memset(sums, 0, count * sizeof(*sums));
	if (missing != NULL)
		*nmissing = 0;
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
		lost = false;
		err = kp_counter_add_cpu(kd, order, count, kd->cpu_list[c],
		    page, sums, missing != NULL ? &lost : NULL);
		if (err != NULL)
			goto out;
		if (lost)
			missing[(*nmissing)++] = kd->cpu_list[c];
	}
out:
	free(order);
	free(page);
	return (err);
}

struct kp_error *
kp_counter_fetch_array(kvm_t *kd, const uint64_t *bases, size_t count,
    uint64_t *sums)
{
	return (kp_counter_sum_array(kd, bases, count, sums, NULL, NULL));
}

struct kp_error *
kp_counter_fetch_partial(kvm_t *kd, const uint64_t *bases, size_t count,
    uint64_t *sums, int *missing, size_t *nmissing)
{
	return (kp_counter_sum_array(kd, bases, count, sums, missing,
	    nmissing));
}
