/*
 * Gathered reads: many small values, one per CPU, in as few target reads as
 * the target's read window allows.
 *
 * A local target (a core file, a live process) pays per read, not per byte:
 * one read of 64 KiB costs about as much as three of 8 bytes.  So values that
 * lie within layout.read_window bytes of each other are read together and the
 * bytes between them dropped.  A remote target pays per byte and per round
 * trip alike: its window is 0 and every value is its own read.  When a merged
 * read fails (a hole between two readable values), its values are read one
 * by one, so a hole costs time, never a wrong error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kp_private.h"

static int
kp_slot_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct kp_slot *)a)->addr;
	uint64_t y = ((const struct kp_slot *)b)->addr;

	return ((x > y) - (x < y));
}

/*
 * Read one value.  what == NULL: an unreadable value is only marked so
 * (s->ok false), for callers that show each value or its absence.
 */
static struct kp_error *
kp_gather_one(kvm_t *kd, struct kp_slot *s, size_t size, const char *what)
{
	unsigned char buf[8];
	char msg[96];
	int status;

	status = kd->target.read(kd->target.arg, s->addr, buf, size);
	s->ok = status == KP_TARGET_OK;
	if (status == KP_TARGET_FAULT && what == NULL)
		return (NULL);
	if (status != KP_TARGET_OK) {
		/* Formatted only on failure: this is the hot path of sums. */
		snprintf(msg, sizeof(msg), "%s of CPU %d", what, s->cpu);
		return (kp_read_error(status, s->addr, size, msg));
	}
	s->value = kp_decode_uint(kd, buf, size);
	return (NULL);
}

/* Read slots[i..j), sorted, with one read of their span into kd->gather_buf. */
static struct kp_error *
kp_gather_span(kvm_t *kd, struct kp_slot *slots, size_t i, size_t j,
    size_t size, const char *what)
{
	uint64_t first = slots[i].addr;
	struct kp_error *err;
	size_t k;
	int status;

	status = kd->target.read(kd->target.arg, first, kd->gather_buf,
	    slots[j - 1].addr + size - first);
	if (status == KP_TARGET_OK) {
		for (k = i; k < j; k++) {
			slots[k].value = kp_decode_uint(kd,
			    kd->gather_buf + (slots[k].addr - first), size);
			slots[k].ok = true;
		}
		return (NULL);
	}
	if (status != KP_TARGET_FAULT)
		return (kp_read_error(status, first, 0, "memory"));
	for (k = i; k < j; k++) {
		if ((err = kp_gather_one(kd, &slots[k], size, what)) != NULL)
			return (err);
	}
	return (NULL);
}

struct kp_error *
kp_gather(kvm_t *kd, struct kp_slot *slots, size_t n, size_t size,
    const char *what)
{
	uint64_t window = kd->target.layout.read_window;
	struct kp_error *err;
	size_t i, j;

	if (size == 0 || size > 8)
		return (kp_error_format(KP_ERR_INVALID,
		    "a gathered value is 1 to 8 bytes, not %zu", size));
	if (window >= size && kd->gather_buf == NULL) {
		kd->gather_buf = malloc(window);
		if (kd->gather_buf == NULL)
			return (&kp_enomem);
	}
	for (i = 1; i < n && slots[i - 1].addr <= slots[i].addr; i++)
		;
	if (i < n)
		qsort(slots, n, sizeof(*slots), kp_slot_cmp);
	for (i = 0; i < n; i = j) {
		if ((err = kp_check_interrupt(kd)) != NULL)
			return (err);
		for (j = i + 1; j < n && slots[j].addr - slots[i].addr <=
		    window - size && window >= size; j++)
			;
		if (j - i == 1)
			err = kp_gather_one(kd, &slots[i], size, what);
		else
			err = kp_gather_span(kd, slots, i, j, size, what);
		if (err != NULL)
			return (err);
	}
	return (NULL);
}

struct kp_error *
kp_read_uints(kvm_t *kd, const uint64_t *addrs, size_t n, size_t size,
    uint64_t *values, bool *ok)
{
	struct kp_slot *slots;
	struct kp_error *err;
	size_t i;

	slots = calloc(n > 0 ? n : 1, sizeof(*slots));
	if (slots == NULL)
		return (&kp_enomem);
	for (i = 0; i < n; i++) {
		slots[i].addr = addrs[i];
		slots[i].cpu = (int)i;		/* the caller's order */
	}
	err = kp_gather(kd, slots, n, size, NULL);
	for (i = 0; err == NULL && i < n; i++) {
		values[slots[i].cpu] = slots[i].value;
		ok[slots[i].cpu] = slots[i].ok;
	}
	free(slots);
	return (err);
}
