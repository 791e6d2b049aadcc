/*
 * Errors as values (after drgn's struct drgn_error): every core function that
 * can fail returns a struct kp_error *, NULL on success.  The caller owns the
 * error and frees it with kp_error_destroy().
 */
#ifndef KP_ERROR_H
#define KP_ERROR_H

#include <stdbool.h>
#include <stdint.h>

enum kp_error_code {
	KP_ERR_NOMEM,		/* allocation failed */
	KP_ERR_LOOKUP,		/* a symbol the kernel must export is missing */
	KP_ERR_FAULT,		/* target memory could not be read; see address */
	KP_ERR_ABSENT,		/* the CPU does not exist in this kernel */
	KP_ERR_RANGE,		/* a CPU id at or beyond mp_maxcpus */
	KP_ERR_CORRUPT,		/* the dump holds values no kernel would */
	KP_ERR_INVALID,		/* any other bad argument */
	KP_ERR_TARGET,		/* a target hook failed with its own error */
	KP_ERR_INTERRUPTED,	/* the user asked to stop */
	KP_ERR_NOT_PERCPU,	/* an address outside set_pcpu/set_vnet and modules' */
	KP_ERR_NULL,		/* a counter(9) or zpcpu pointer that is 0 */
};

/*
 * KP_ERR_TARGET: a hook returned KP_TARGET_ERROR.  The core returns at once
 * and calls no hook again for that request; the target keeps its own error
 * (a binding's pending exception) and is the one to report it.
 */
struct kp_error {
	enum kp_error_code code;
	bool has_address;	/* address means something */
	uint64_t address;	/* the failing address (KP_ERR_FAULT), the
				   address refused (_NOT_PERCPU, _CORRUPT) */
	char *message;		/* one line, lower case, no final period */
};

/* The static error for allocation failures: needs no memory, never freed. */
extern struct kp_error kp_enomem;

/* Make an error from a printf format.  Returns &kp_enomem if out of memory. */
struct kp_error *kp_error_format(enum kp_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same, about an address: sets has_address. */
struct kp_error *kp_error_format_at(enum kp_error_code code, uint64_t address,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Make a KP_ERR_FAULT error for size bytes at address. */
struct kp_error *kp_error_fault(uint64_t address, uint64_t size,
    const char *what);

/* Free an error; NULL and &kp_enomem are accepted. */
void kp_error_destroy(struct kp_error *err);

#endif /* !KP_ERROR_H */
