/*
 * Errors as values (after drgn's struct drgn_error): every core function that
 * can fail returns a struct kp_error *, NULL on success.  The caller owns the
 * error and frees it with kp_error_destroy().
 */
#ifndef KP_ERROR_H
#define KP_ERROR_H

#include <stdint.h>

enum kp_error_code {
	KP_ERR_NOMEM,		/* allocation failed */
	KP_ERR_LOOKUP,		/* a symbol the kernel must export is missing */
	KP_ERR_FAULT,		/* target memory could not be read; see address */
	KP_ERR_ABSENT,		/* the CPU does not exist in this kernel */
	KP_ERR_RANGE,		/* a CPU id at or beyond mp_maxcpus */
	KP_ERR_CORRUPT,		/* the dump holds values no kernel would */
	KP_ERR_INVALID,		/* a bad argument (address not per-CPU, ...) */
	KP_ERR_TARGET,		/* the target reported its own error */
	KP_ERR_INTERRUPTED,	/* the user asked to stop */
};

struct kp_error {
	enum kp_error_code code;
	uint64_t address;	/* the failing address, for KP_ERR_FAULT */
	char *message;		/* one line, lower case, no final period */
};

/* The static error for allocation failures: needs no memory, never freed. */
extern struct kp_error kp_enomem;

/* Make an error from a printf format.  Returns &kp_enomem if out of memory. */
struct kp_error *kp_error_format(enum kp_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Make a KP_ERR_FAULT error for size bytes at address. */
struct kp_error *kp_error_fault(uint64_t address, uint64_t size,
    const char *what);

/* Free an error; NULL and &kp_enomem are accepted. */
void kp_error_destroy(struct kp_error *err);

#endif /* !KP_ERROR_H */
