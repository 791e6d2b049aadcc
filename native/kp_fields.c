/*
 * Records and their fields: the same few fields of many objects (each CPU's
 * struct pcpu, each CPU's copy of a DPCPU struct, the elements of a list),
 * read with one gathered read per object and decoded in the target's byte
 * order, so that no caller reads memory or decodes bytes itself.
 */
#include <stdlib.h>
#include <string.h>

#include "kp_private.h"

/*
 * The largest span of fields read per record: struct thread and struct
 * proc are a few KiB; anything far larger is a wrong offset, not a reason
 * to allocate.
 */
#define	KP_FIELDS_MAX_SPAN	(1024 * 1024)

struct kp_error *
kp_read_records(kvm_t *kd, const uint64_t *addrs, size_t n, size_t size,
    unsigned char *out, bool *ok)
{
	struct kp_slot *slots;
	struct kp_error *err;
	size_t i, m;

	slots = calloc(n > 0 ? n : 1, sizeof(*slots));
	if (slots == NULL)
		return (&kp_enomem);
	for (i = m = 0; i < n; i++) {
		ok[i] = false;
		if (addrs[i] == 0)
			continue;
		slots[m].addr = addrs[i];
		slots[m].row = i;
		m++;
	}
	err = kp_gather_bytes(kd, slots, m, size, out, NULL);
	for (i = 0; err == NULL && i < m; i++)
		ok[slots[i].row] = slots[i].ok;
	free(slots);
	return (err);
}

void
kp_rows_free(struct kp_rows *rows)
{
	if (rows == NULL)
		return;
	free(rows->ok);
	free(rows->values);
	free(rows->data);
	free(rows);
}

/* Check fields; *lo and *span are where their bytes start and how many. */
static struct kp_error *
kp_fields_span(const struct kp_field *fields, size_t nfields, uint64_t *lo,
    uint64_t *span)
{
	const struct kp_field *f;
	uint64_t hi = 0;
	size_t i;

	*lo = UINT64_MAX;
	for (i = 0; i < nfields; i++) {
		f = &fields[i];
		if ((f->kind == KP_FIELD_STRING && f->size == 0) ||
		    (f->kind != KP_FIELD_STRING &&
		    (f->size == 0 || f->size > 8)))
			return (kp_error_format(KP_ERR_INVALID, "field %zu: "
			    "%ju bytes: an integer is 1 to 8 bytes, a string "
			    "at least 1", i, (uintmax_t)f->size));
		if (f->offset > KP_FIELDS_MAX_SPAN ||
		    f->size > KP_FIELDS_MAX_SPAN)
			return (kp_error_format(KP_ERR_INVALID, "field %zu: "
			    "offset %ju or size %ju is beyond %d bytes", i,
			    (uintmax_t)f->offset, (uintmax_t)f->size,
			    KP_FIELDS_MAX_SPAN));
		if (f->offset < *lo)
			*lo = f->offset;
		if (f->offset + f->size > hi)
			hi = f->offset + f->size;
	}
	if (nfields == 0)
		*lo = 0;
	*span = hi - *lo;
	if (*span > KP_FIELDS_MAX_SPAN)
		return (kp_error_format(KP_ERR_INVALID, "the fields span %ju "
		    "bytes, more than %d", (uintmax_t)*span,
		    KP_FIELDS_MAX_SPAN));
	return (NULL);
}

/* Decode row r's fields from its record at p (which starts at offset lo). */
static void
kp_fields_decode(kvm_t *kd, struct kp_rows *rows, size_t r,
    const struct kp_field *fields, const unsigned char *p, uint64_t lo)
{
	const struct kp_field *f;
	struct kp_value *v;
	size_t i;
	unsigned int bits;

	for (i = 0; i < rows->ncols; i++) {
		f = &fields[i];
		v = &rows->values[r * rows->ncols + i];
		if (f->kind == KP_FIELD_STRING) {
			v->str = (const char *)p + (f->offset - lo);
			v->len = strnlen(v->str, f->size);
			continue;
		}
		v->u = kp_decode_uint(kd, p + (f->offset - lo), f->size);
		bits = 8 * (unsigned int)f->size;
		if (f->kind == KP_FIELD_INT && bits < 64 &&
		    ((v->u >> (bits - 1)) & 1))
			v->u |= ~(uint64_t)0 << bits;
	}
}

struct kp_error *
kp_read_fields(kvm_t *kd, const uint64_t *addrs, size_t n,
    const struct kp_field *fields, size_t nfields, struct kp_rows **ret)
{
	struct kp_rows *rows;
	struct kp_error *err;
	uint64_t lo = 0, span = 0, *starts = NULL;
	size_t r;

	if ((err = kp_fields_span(fields, nfields, &lo, &span)) != NULL)
		return (err);
	rows = calloc(1, sizeof(*rows));
	if (rows == NULL)
		return (&kp_enomem);
	rows->nrows = n;
	rows->ncols = nfields;
	rows->ok = calloc(n + 1, sizeof(*rows->ok));
	rows->values = calloc(n * nfields + 1, sizeof(*rows->values));
	rows->data = malloc(n * span + 1);
	starts = calloc(n + 1, sizeof(*starts));
	if (rows->ok == NULL || rows->values == NULL || rows->data == NULL ||
	    starts == NULL) {
		err = &kp_enomem;
		goto out;
	}
	/* A record that would wrap around the address space is unreadable. */
	for (r = 0; r < n; r++) {
		if (addrs[r] != 0 && addrs[r] + lo >= addrs[r] &&
		    addrs[r] + lo + span >= addrs[r] + lo)
			starts[r] = addrs[r] + lo;
	}
	err = kp_read_records(kd, starts, n, span, rows->data, rows->ok);
	for (r = 0; err == NULL && r < n; r++) {
		if (rows->ok[r])
			kp_fields_decode(kd, rows, r, fields,
			    rows->data + r * span, lo);
	}
out:
	free(starts);
	if (err != NULL)
		kp_rows_free(rows);
	else
		*ret = rows;
	return (err);
}
