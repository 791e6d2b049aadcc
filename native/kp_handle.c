/*
 * Opening, closing and clearing handles.
 *
 * libkvm keeps its per-CPU caches in process-global statics shared by every
 * kvm_t (lib/libkvm/kvm_pcpu.c says so itself).  Here each handle owns its
 * caches; the global list below exists only so that libkvm's "NULL handle
 * clears the cache" still reaches every handle.
 */
#include <stdlib.h>

#include "kp_private.h"

static kvm_t *kp_all_handles;

struct kp_error *
kp_open(const struct kp_target *target, kvm_t **ret)
{
	const struct kp_layout *lo = &target->layout;
	kvm_t *kd;

	if (target->lookup == NULL || target->read == NULL)
		return (kp_error_format(KP_ERR_INVALID,
		    "a target needs a lookup and a read hook"));
	if (lo->pointer_size != 4 && lo->pointer_size != 8)
		return (kp_error_format(KP_ERR_INVALID,
		    "pointer size %u is not 4 or 8", lo->pointer_size));
	if (lo->pcpu_size == 0)
		return (kp_error_format(KP_ERR_INVALID,
		    "sizeof(struct pcpu) is 0"));
	if (lo->page_size == 0 || (lo->page_size & (lo->page_size - 1)) != 0)
		return (kp_error_format(KP_ERR_INVALID,
		    "page size %ju is not a power of 2",
		    (uintmax_t)lo->page_size));
	if (lo->maxcpus < 0 || lo->maxcpus > KP_MAXCPU_LIMIT)
		return (kp_error_format(KP_ERR_INVALID,
		    "maxcpus %d is not in 0..%d", lo->maxcpus,
		    KP_MAXCPU_LIMIT));
	if (lo->pc_zpcpu_offset >= 0 &&
	    (uint64_t)lo->pc_zpcpu_offset + lo->pointer_size > lo->pcpu_size)
		return (kp_error_format(KP_ERR_INVALID,
		    "pc_zpcpu_offset lies outside struct pcpu"));

	kd = calloc(1, sizeof(*kd));
	if (kd == NULL)
		return (&kp_enomem);
	kd->target = *target;
	kd->dpcpu_set.name = "set_pcpu";
	kd->vnet_set.name = "set_vnet";
	kd->all_next = kp_all_handles;
	if (kp_all_handles != NULL)
		kp_all_handles->all_prevp = &kd->all_next;
	kd->all_prevp = &kp_all_handles;
	kp_all_handles = kd;
	*ret = kd;
	return (NULL);
}

const struct kp_layout *
kp_layout(kvm_t *kd)
{
	return (&kd->target.layout);
}

static void
kp_clear_one(kvm_t *kd)
{
	kp_zpcpu_clear(kd);
	kp_dpcpu_clear(kd);
	kp_set_clear(&kd->vnet_set);
	kp_cpus_clear(kd);
}

void
kp_clear_cache(kvm_t *kd)
{
	if (kd != NULL) {
		kp_clear_one(kd);
		return;
	}
	for (kd = kp_all_handles; kd != NULL; kd = kd->all_next)
		kp_clear_one(kd);
}

void
kp_close(kvm_t *kd)
{
	if (kd == NULL)
		return;
	kp_clear_one(kd);
	free(kd->gather_buf);
	kp_set_free(&kd->dpcpu_set);
	kp_set_free(&kd->vnet_set);
	*kd->all_prevp = kd->all_next;
	if (kd->all_next != NULL)
		kd->all_next->all_prevp = kd->all_prevp;
	free(kd);
}
