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
#include <string.h>

#include "kp_private.h"

static int
kp_slot_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct kp_slot *)a)->addr;
	uint64_t y = ((const struct kp_slot *)b)->addr;

	return ((x > y) - (x < y));
}

/*
 * Where a slot's bytes go: decoded into s->value (out NULL, size <= 8), or
 * copied to out + s->row * size.
 */
static void
kp_deliver(kvm_t *kd, struct kp_slot *s, const unsigned char *src,
    size_t size, unsigned char *out)
{
	if (out != NULL)
		memcpy(out + s->row * size, src, size);
	else
		s->value = kp_decode_uint(kd, src, size);
	s->ok = true;
}

/*
 * Read one slot alone.  what == NULL: an unreadable one is only marked so
 * (s->ok false), for callers that show each value or its absence.
 */
static struct kp_error *
kp_gather_one(kvm_t *kd, struct kp_slot *s, size_t size, unsigned char *out,
    const char *what)
{
	unsigned char buf[8], *dst;
	char msg[96];
	int status;

	dst = out != NULL ? out + s->row * size : buf;
	status = kd->target.read(kd->target.arg, s->addr, dst, size);
	s->ok = status == KP_TARGET_OK;
	if (status == KP_TARGET_FAULT && what == NULL)
		return (NULL);
	if (status != KP_TARGET_OK) {
		/* Formatted only on failure: this is the hot path of sums. */
		snprintf(msg, sizeof(msg), "%s of CPU %d", what, s->cpu);
		return (kp_read_error(status, s->addr, size, msg));
	}
	if (out == NULL)
		s->value = kp_decode_uint(kd, buf, size);
	return (NULL);
}

/* Read slots[i..j), sorted, with one read of their span into kd->gather_buf. */
static struct kp_error *
kp_gather_span(kvm_t *kd, struct kp_slot *slots, size_t i, size_t j,
    size_t size, unsigned char *out, const char *what)
{
	uint64_t first = slots[i].addr;
	struct kp_error *err;
	size_t k;
	int status;

	status = kd->target.read(kd->target.arg, first, kd->gather_buf,
	    slots[j - 1].addr - first + size);
	if (status == KP_TARGET_OK) {
		for (k = i; k < j; k++)
			kp_deliver(kd, &slots[k],
			    kd->gather_buf + (slots[k].addr - first), size, out);
		return (NULL);
	}
	if (status != KP_TARGET_FAULT)
		return (kp_read_error(status, first, 0, "memory"));
	for (k = i; k < j; k++) {
		if ((err = kp_gather_one(kd, &slots[k], size, out, what)) !=
		    NULL)
			return (err);
	}
	return (NULL);
}

static struct kp_error *
kp_gather_run(kvm_t *kd, struct kp_slot *slots, size_t n, size_t size,
    unsigned char *out, const char *what)
{
	uint64_t window = kd->target.layout.read_window;
	struct kp_error *err;
	size_t i, j;

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
		for (j = i + 1; j < n && window >= size &&
		    slots[j].addr - slots[i].addr <= window - size; j++)
			;
		if (j - i == 1)
			err = kp_gather_one(kd, &slots[i], size, out, what);
		else
			err = kp_gather_span(kd, slots, i, j, size, out, what);
		if (err != NULL)
			return (err);
	}
	return (NULL);
}

struct kp_error *
kp_gather(kvm_t *kd, struct kp_slot *slots, size_t n, size_t size,
    const char *what)
{
	if (size == 0 || size > 8)
		return (kp_error_format(KP_ERR_INVALID,
		    "a gathered value is 1 to 8 bytes, not %zu", size));
	return (kp_gather_run(kd, slots, n, size, NULL, what));
}

struct kp_error *
kp_gather_bytes(kvm_t *kd, struct kp_slot *slots, size_t n, size_t size,
    unsigned char *out, const char *what)
{
	size_t i;

	if (size == 0) {
		for (i = 0; i < n; i++)
			slots[i].ok = true;
		return (NULL);
	}
	return (kp_gather_run(kd, slots, n, size, out, what));
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
		slots[i].row = i;
	}
	err = kp_gather(kd, slots, n, size, NULL);
	for (i = 0; err == NULL && i < n; i++) {
		values[slots[i].row] = slots[i].value;
		ok[slots[i].row] = slots[i].ok;
	}
	free(slots);
	return (err);
}
