/*
 * Error values of the per-CPU core.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kp_error.h"

struct kp_error kp_enomem = {
	.code = KP_ERR_NOMEM,
	.message = "out of memory",
};

static struct kp_error *
kp_error_vformat(enum kp_error_code code, bool has_address, uint64_t address,
    const char *fmt, va_list ap)
{
	struct kp_error *err;
	va_list ap2;
	int len;

	err = malloc(sizeof(*err));
	if (err == NULL)
		return (&kp_enomem);
	err->code = code;
	err->has_address = has_address;
	err->address = address;
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	err->message = len < 0 ? NULL : malloc((size_t)len + 1);
	if (err->message == NULL) {
		free(err);
		return (&kp_enomem);
	}
	vsnprintf(err->message, (size_t)len + 1, fmt, ap);
	return (err);
}

struct kp_error *
kp_error_format(enum kp_error_code code, const char *fmt, ...)
{
	struct kp_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = kp_error_vformat(code, false, 0, fmt, ap);
	va_end(ap);
	return (err);
}

struct kp_error *
kp_error_format_at(enum kp_error_code code, uint64_t address,
    const char *fmt, ...)
{
	struct kp_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = kp_error_vformat(code, true, address, fmt, ap);
	va_end(ap);
	return (err);
}

struct kp_error *
kp_error_fault(uint64_t address, uint64_t size, const char *what)
{
	return (kp_error_format_at(KP_ERR_FAULT, address,
	    "cannot read %s (%ju bytes at 0x%jx)", what, (uintmax_t)size,
	    (uintmax_t)address));
}

void
kp_error_destroy(struct kp_error *err)
{
	if (err == NULL || err == &kp_enomem)
		return;
	free(err->message);
	free(err);
}
