/*
 * Linker sets that hold per-instance templates: set_pcpu (DPCPU) and set_vnet
 * (VNET).  The kernel's own set is [__start_set_X, __stop_set_X); a loaded
 * module has its own set_X, which the kernel copied elsewhere (DPCPU: into
 * modspace by dpcpu_alloc(); VNET: into the vnet data area by
 * vnet_data_alloc()), see sys/kern/link_elf.c and link_elf_obj.c.  kgdb puts
 * module symbols at their image addresses, so those are relocated here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

void
kp_set_clear(struct kp_set *set)
{
	set->loaded = false;
}

struct kp_error *
kp_set_load(kvm_t *kd, struct kp_set *set)
{
	struct kp_error *err;
	char start[64], stop[64];

	if (set->loaded)
		return (NULL);
	snprintf(start, sizeof(start), "__start_%s", set->name);
	snprintf(stop, sizeof(stop), "__stop_%s", set->name);
	err = kp_lookup(kd, start, &set->start);
	if (err == NULL)
		err = kp_lookup(kd, stop, &set->stop);
	if (err != NULL)
		return (err);
	if (set->stop <= set->start)
		return (kp_error_format(KP_ERR_CORRUPT,
		    "%s (0x%jx) is not above %s (0x%jx)", stop,
		    (uintmax_t)set->stop, start, (uintmax_t)set->start));
	set->loaded = true;
	return (NULL);
}

struct kp_error *
kp_set_modules(struct kp_set *set, const struct kp_reloc *mods, size_t count)
{
	struct kp_reloc *copy = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		if (mods[i].stop < mods[i].start)
			return (kp_error_format(KP_ERR_INVALID,
			    "module %s 0x%jx-0x%jx is reversed", set->name,
			    (uintmax_t)mods[i].start, (uintmax_t)mods[i].stop));
	}
	if (count > 0) {
		copy = calloc(count, sizeof(*copy));
		if (copy == NULL)
			return (&kp_enomem);
		memcpy(copy, mods, count * sizeof(*copy));
	}
	free(set->mods);
	set->mods = copy;
	set->nmods = count;
	return (NULL);
}

void
kp_set_free(struct kp_set *set)
{
	free(set->mods);
	set->mods = NULL;
	set->nmods = 0;
}

/*
 * The template address of the object at addr: itself inside the kernel's
 * set, relocated to the kernel's copy inside a module's.  Anything else is
 * not an object of this set.
 */
struct kp_error *
kp_set_template(struct kp_set *set, const char *kind, uint64_t addr,
    uint64_t *ret)
{
	const struct kp_reloc *m;
	size_t i;

	if (addr >= set->start && addr < set->stop) {
		*ret = addr;
		return (NULL);
	}
	for (i = 0; i < set->nmods; i++) {
		m = &set->mods[i];
		if (addr >= m->start && addr < m->stop) {
			*ret = addr - m->start + m->base;
			return (NULL);
		}
	}
	return (kp_error_format_at(KP_ERR_NOT_PERCPU, addr,
	    "0x%jx is not a %s variable (outside %s 0x%jx-0x%jx and every "
	    "module's)", (uintmax_t)addr, kind, set->name,
	    (uintmax_t)set->start, (uintmax_t)set->stop));
}
