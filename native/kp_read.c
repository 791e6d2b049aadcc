/*
 * Reads and lookups through the target's hooks, turned into error values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

struct kp_error *
kp_check_interrupt(kvm_t *kd)
{
	if (kd->target.interrupted != NULL &&
	    kd->target.interrupted(kd->target.arg))
		return (kp_error_format(KP_ERR_INTERRUPTED, "interrupted"));
	return (NULL);
}

struct kp_error *
kp_lookup(kvm_t *kd, const char *name, uint64_t *ret)
{
	switch (kd->target.lookup(kd->target.arg, name, ret)) {
	case KP_TARGET_OK:
		return (NULL);
	case KP_TARGET_MISSING:
		/* libkvm's wording: "unable to find cpuid_to_pcpu". */
		return (kp_error_format(KP_ERR_LOOKUP, "unable to find %s",
		    name));
	default:
		return (kp_error_format(KP_ERR_TARGET,
		    "looking up %s failed", name));
	}
}

/* The error of a read whose hook returned status (not KP_TARGET_OK). */
struct kp_error *
kp_read_error(int status, uint64_t addr, size_t size, const char *what)
{
	if (status == KP_TARGET_FAULT)
		return (kp_error_fault(addr, size, what));
	return (kp_error_format(KP_ERR_TARGET, "reading %s failed", what));
}

struct kp_error *
kp_read(kvm_t *kd, uint64_t addr, void *buf, size_t size, const char *what)
{
	int status;

	status = kd->target.read(kd->target.arg, addr, buf, size);
	if (status == KP_TARGET_OK)
		return (NULL);
	return (kp_read_error(status, addr, size, what));
}

uint64_t
kp_decode_uint(kvm_t *kd, const unsigned char *p, size_t size)
{
	uint64_t v;
	size_t i;

	/* Counters and pointers: the hot path of the array sums. */
	if (size == 8) {
		memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		return (kd->target.layout.big_endian ? __builtin_bswap64(v) : v);
#else
		return (kd->target.layout.big_endian ? v : __builtin_bswap64(v));
#endif
	}
	v = 0;
	for (i = 0; i < size; i++) {
		if (kd->target.layout.big_endian)
			v = (v << 8) | p[i];
		else
			v |= (uint64_t)p[i] << (8 * i);
	}
	return (v);
}

struct kp_error *
kp_read_uint(kvm_t *kd, uint64_t addr, size_t size, uint64_t *ret,
    const char *what)
{
	unsigned char buf[8];
	struct kp_error *err;

	err = kp_read(kd, addr, buf, size, what);
	if (err != NULL)
		return (err);
	*ret = kp_decode_uint(kd, buf, size);
	return (NULL);
}

struct kp_error *
kp_read_pointers(kvm_t *kd, uint64_t addr, size_t count, uint64_t *ptrs,
    const char *what)
{
	unsigned int psize = kd->target.layout.pointer_size;
	unsigned char *raw;
	struct kp_error *err;
	size_t i;

	raw = malloc(count * psize);
	if (raw == NULL)
		return (&kp_enomem);
	/* One read for the whole array: one round trip on a remote target. */
	err = kp_read(kd, addr, raw, count * psize, what);
	if (err == NULL) {
		for (i = 0; i < count; i++)
			ptrs[i] = kp_decode_uint(kd, raw + i * psize, psize);
	}
	free(raw);
	return (err);
}

struct kp_error *
kp_read_pointer_array(kvm_t *kd, uint64_t addr, size_t count, uint64_t *ptrs)
{
	if (count == 0)
		return (NULL);
	if (count > SIZE_MAX / 8)
		return (kp_error_format(KP_ERR_INVALID,
		    "%zu pointers are too many to read", count));
	return (kp_read_pointers(kd, addr, count, ptrs, "pointer array"));
}

struct kp_error *
kp_lookup_symbol(kvm_t *kd, const char *name, uint64_t *ret)
{
	return (kp_lookup(kd, name, ret));
}

struct kp_error *
kp_read_memory(kvm_t *kd, uint64_t addr, void *buf, size_t size)
{
	return (kp_read(kd, addr, buf, size, "memory"));
}
