/*
 * VNET: virtual network stack variables (sys/net/vnet.h, sys/net/vnet.c).
 *
 * VNET_DEFINE(t, x) puts vnet_entry_x in the section set_vnet, a template:
 * vnet V's copy is at &vnet_entry_x + V->vnet_data_base.  Module variables
 * are first relocated to the module's copy (kp_set.c).  The caller reads
 * vnet_data_base from the struct vnet it chose (vnet0, a jail's pr_vnet, a
 * thread's td_vnet): the arithmetic and its checks are here.
 */
#include "kp_private.h"

struct kp_error *
kp_vnet_bounds(kvm_t *kd, uint64_t *start, uint64_t *stop)
{
	struct kp_error *err;

	err = kp_set_load(kd, &kd->vnet_set);
	if (err != NULL)
		return (err);
	*start = kd->vnet_set.start;
	*stop = kd->vnet_set.stop;
	return (NULL);
}

struct kp_error *
kp_vnet_set_modules(kvm_t *kd, const struct kp_reloc *mods, size_t count)
{
	return (kp_set_modules(&kd->vnet_set, mods, count));
}

struct kp_error *
kp_vnet_template(kvm_t *kd, uint64_t addr, uint64_t *ret)
{
	struct kp_error *err;

	err = kp_set_load(kd, &kd->vnet_set);
	if (err != NULL)
		return (err);
	return (kp_set_template(&kd->vnet_set, "VNET", addr, ret));
}

struct kp_error *
kp_vnet_addr(kvm_t *kd, uint64_t addr, uint64_t data_base, uint64_t *ret)
{
	struct kp_error *err;
	uint64_t tmpl;

	err = kp_vnet_template(kd, addr, &tmpl);
	if (err != NULL)
		return (err);
	if (data_base == 0)
		return (kp_error_format(KP_ERR_INVALID,
		    "vnet_data_base is 0: not a live vnet"));
	*ret = tmpl + data_base;
	return (NULL);
}
