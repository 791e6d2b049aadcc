/*
 * Walking a sys/queue.h list (LIST, SLIST, TAILQ: the next pointer is the
 * first word of the entry): linker_files, allproc, a jail's or vnet's list.
 * A dump may hold a list that loops or runs into garbage: a loop is found
 * exactly (a set of the elements seen), and a walk stops at a limit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kp_private.h"

/* Open addressing of nonzero addresses; at most half full. */
struct kp_addr_set {
	uint64_t *slots;
	size_t mask;
	size_t count;
};

static size_t
kp_addr_hash(uint64_t addr, size_t mask)
{
	/* Fibonacci hashing: list elements are aligned, the low bits zero. */
	return ((size_t)((addr * 0x9e3779b97f4a7c15ull) >> 17) & mask);
}

static struct kp_error *
kp_addr_set_grow(struct kp_addr_set *set)
{
	struct kp_addr_set bigger;
	size_t i, j;

	bigger.mask = set->mask != 0 ? 2 * set->mask + 1 : 63;
	bigger.count = set->count;
	bigger.slots = calloc(bigger.mask + 1, sizeof(*bigger.slots));
	if (bigger.slots == NULL)
		return (&kp_enomem);
	for (i = 0; set->mask != 0 && i <= set->mask; i++) {
		if (set->slots[i] == 0)
			continue;
		for (j = kp_addr_hash(set->slots[i], bigger.mask);
		    bigger.slots[j] != 0; j = (j + 1) & bigger.mask)
			;
		bigger.slots[j] = set->slots[i];
	}
	free(set->slots);
	*set = bigger;
	return (NULL);
}

/* Add addr (not 0); *seen true if it was there already. */
static struct kp_error *
kp_addr_set_add(struct kp_addr_set *set, uint64_t addr, bool *seen)
{
	struct kp_error *err;
	size_t i;

	if (2 * (set->count + 1) > set->mask + 1 &&
	    (err = kp_addr_set_grow(set)) != NULL)
		return (err);
	for (i = kp_addr_hash(addr, set->mask); set->slots[i] != 0;
	    i = (i + 1) & set->mask) {
		if (set->slots[i] == addr) {
			*seen = true;
			return (NULL);
		}
	}
	set->slots[i] = addr;
	set->count++;
	*seen = false;
	return (NULL);
}

/* Append addr to the growing array *elems of *count entries. */
static struct kp_error *
kp_list_append(uint64_t **elems, size_t *count, size_t *room, uint64_t addr)
{
	uint64_t *grown;

	if (*count == *room) {
		*room = *room != 0 ? 2 * *room : 64;
		grown = realloc(*elems, *room * sizeof(**elems));
		if (grown == NULL)
			return (&kp_enomem);
		*elems = grown;
	}
	(*elems)[(*count)++] = addr;
	return (NULL);
}

static struct kp_error *
kp_list_step(kvm_t *kd, uint64_t elem, uint64_t next_offset, uint64_t *next)
{
	unsigned int psize = kd->target.layout.pointer_size;
	unsigned char buf[8];
	char what[64];
	int status;

	status = kd->target.read(kd->target.arg, elem + next_offset, buf,
	    psize);
	if (status != KP_TARGET_OK) {
		snprintf(what, sizeof(what), "the link of list element 0x%jx",
		    (uintmax_t)elem);
		return (kp_read_error(status, elem + next_offset, psize, what));
	}
	*next = kp_decode_uint(kd, buf, psize);
	return (NULL);
}

struct kp_error *
kp_walk_list(kvm_t *kd, uint64_t first, uint64_t next_offset, size_t limit,
    uint64_t **elems, size_t *count)
{
	struct kp_addr_set seen = { NULL, 0, 0 };
	struct kp_error *err = NULL;
	uint64_t addr, *list = NULL;
	size_t n = 0, room = 0;
	bool again;

	for (addr = first; addr != 0 && err == NULL; ) {
		if (n == limit) {
			err = kp_error_format_at(KP_ERR_CORRUPT, first,
			    "the list at 0x%jx has more than %zu elements "
			    "(corrupt dump?)", (uintmax_t)first, limit);
			break;
		}
		if ((err = kp_addr_set_add(&seen, addr, &again)) != NULL)
			break;
		if (again) {
			err = kp_error_format_at(KP_ERR_CORRUPT, addr,
			    "the list at 0x%jx loops: element 0x%jx links back "
			    "to 0x%jx (corrupt dump?)", (uintmax_t)first,
			    (uintmax_t)list[n - 1], (uintmax_t)addr);
			break;
		}
		if ((err = kp_list_append(&list, &n, &room, addr)) != NULL ||
		    (err = kp_check_interrupt(kd)) != NULL)
			break;
		err = kp_list_step(kd, addr, next_offset, &addr);
	}
	free(seen.slots);
	if (err != NULL) {
		free(list);
		return (err);
	}
	*elems = list;
	*count = n;
	return (NULL);
}
