/*
 * libkvm's per-CPU API (lib/libkvm/kvm_pcpu.c, kvm_getpcpu(3)): the same
 * names, signatures and return conventions, over the core.  What differs
 * from libkvm is listed in docs/libkvm-differences.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

/* Record err's message for kvm_geterr() and free it (lib/libkvm/kvm_private.c _kvm_err). */
static void
kvm_seterr(kvm_t *kd, struct kp_error *err)
{
	snprintf(kd->errbuf, sizeof(kd->errbuf), "%s", err->message);
	kp_error_destroy(err);
}

static void
kvm_seterr_msg(kvm_t *kd, struct kp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
kvm_seterr_msg(kvm_t *kd, struct kp_error *err, const char *fmt, ...)
{
	va_list ap;

	kp_error_destroy(err);
	va_start(ap, fmt);
	vsnprintf(kd->errbuf, sizeof(kd->errbuf), fmt, ap);
	va_end(ap);
}

kvm_t *
kvm_open_target(const struct kp_target *target, char *errbuf)
{
	struct kp_error *err;
	kvm_t *kd;

	err = kp_open(target, &kd);
	if (err != NULL) {
		if (errbuf != NULL)
			snprintf(errbuf, _POSIX2_LINE_MAX, "%s", err->message);
		kp_error_destroy(err);
		return (NULL);
	}
	return (kd);
}

int
kvm_close(kvm_t *kd)
{
	kp_close(kd);
	return (0);
}

char *
kvm_geterr(kvm_t *kd)
{
	return (kd->errbuf);
}

/* With kd == NULL, libkvm clears its cache; here every handle's. */
int
kvm_getmaxcpu(kvm_t *kd)
{
	struct kp_error *err;
	int maxcpus;

	if (kd == NULL) {
		kp_clear_cache(NULL);
		return (0);
	}
	err = kp_maxcpus(kd, &maxcpus);
	if (err != NULL) {
		kvm_seterr(kd, err);
		return (-1);
	}
	return (maxcpus);
}

int
kvm_getncpus(kvm_t *kd)
{
	struct kp_error *err;
	int ncpus;

	if (kd == NULL)
		return (-1);
	err = kp_ncpus(kd, &ncpus);
	if (err != NULL) {
		kvm_seterr(kd, err);
		return (-1);
	}
	return (ncpus);
}

void *
kvm_getpcpu(kvm_t *kd, int cpu)
{
	struct kp_error *err;
	uint64_t addr;
	void *buf;

	if (kd == NULL) {
		kp_clear_cache(NULL);
		return (NULL);
	}
	err = kp_pcpu_addr(kd, cpu, &addr);
	if (err != NULL && err->code == KP_ERR_RANGE) {
		/* libkvm: NULL for cpu >= maxcpu. */
		kp_error_destroy(err);
		return (NULL);
	}
	if (err != NULL) {
		kvm_seterr(kd, err);
		return ((void *)-1);
	}
	if (addr == 0)
		return (NULL);
	buf = malloc(kd->target.layout.pcpu_size);
	if (buf == NULL) {
		kvm_seterr_msg(kd, NULL, "out of memory");
		return ((void *)-1);
	}
	err = kp_read(kd, addr, buf, kd->target.layout.pcpu_size,
	    "struct pcpu");
	if (err != NULL) {
		free(buf);
		kvm_seterr_msg(kd, err, "unable to read per-CPU data");
		return ((void *)-1);
	}
	return (buf);
}

int
kvm_dpcpu_setcpu(kvm_t *kd, unsigned int cpu)
{
	struct kp_error *err;
	uint64_t start, stop;

	err = kp_dpcpu_bounds(kd, &start, &stop);
	if (err != NULL) {
		kvm_seterr_msg(kd, err, "%s: init failed", __func__);
		return (-1);
	}
	err = kp_dpcpu_setcpu(kd, (int)cpu);
	if (err == NULL)
		return (0);
	if (err->code == KP_ERR_RANGE)
		kvm_seterr_msg(kd, err, "%s: CPU %u too big", __func__, cpu);
	else if (err->code == KP_ERR_ABSENT)
		kvm_seterr_msg(kd, err, "%s: CPU %d not found", __func__,
		    (int)cpu);
	else
		kvm_seterr(kd, err);
	return (-1);
}

ssize_t
kvm_read_zpcpu(kvm_t *kd, u_long base, void *buf, size_t size, int cpu)
{
	struct kp_error *err;

	err = kp_read_zpcpu(kd, base, buf, size, cpu);
	if (err != NULL) {
		kvm_seterr(kd, err);
		return (-1);
	}
	return ((ssize_t)size);
}

/*
 * libkvm returns 0 when a read fails, which a caller cannot tell from a real
 * 0.  So does this function, for compatibility, but kvm_geterr() says why;
 * kp_counter_fetch() returns the error itself.
 */
uint64_t
kvm_counter_u64_fetch(kvm_t *kd, u_long base)
{
	struct kp_error *err;
	uint64_t sum;

	err = kp_counter_fetch(kd, base, &sum);
	if (err != NULL) {
		kvm_seterr(kd, err);
		return (0);
	}
	kd->errbuf[0] = '\0';
	return (sum);
}
