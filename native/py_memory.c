/*
 * Kvm methods that read values out of target memory: each a thin wrapper of
 * one core function, which reads (gathered) and decodes in the target's
 * byte order and pointer size.
 */
#include <stdlib.h>
#include <string.h>

#include "py_kvm.h"

KVM_METHOD(read_uints)
{
	static char *keywords[] = { "addrs", "size", NULL };
	struct py_array addrs = { NULL, 0 };
	struct kp_error *err;
	PyObject *list = NULL, *item;
	uint64_t *values = NULL;
	bool *ok = NULL;
	size_t i, size;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&:read_uints",
	    keywords, addrs_converter, &addrs, size_converter, &size))
		return (NULL);
	values = PyMem_Calloc(addrs.count + 1, sizeof(*values));
	ok = PyMem_Calloc(addrs.count + 1, sizeof(*ok));
	if (values == NULL || ok == NULL) {
		PyErr_NoMemory();
		goto out;
	}
	err = kp_read_uints(kd, addrs.items, addrs.count, size, values, ok);
	if (err != NULL) {
		set_kp_error(err);
		goto out;
	}
	list = PyList_New((Py_ssize_t)addrs.count);
	for (i = 0; list != NULL && i < addrs.count; i++) {
		item = ok[i] ? PyLong_FromUnsignedLongLong(values[i]) :
		    Py_NewRef(Py_None);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
out:
	py_array_free(&addrs);
	PyMem_Free(values);
	PyMem_Free(ok);
	return (list);
}

/* "O&": a sequence of (offset, size, kind) into a struct py_array. */
int
fields_converter(PyObject *o, void *p)
{
	struct py_array *a = p;
	struct kp_field *f;
	PyObject *fast;
	const char *kind;
	Py_ssize_t i, n;

	if (o == NULL) {
		py_array_free(a);
		return (1);
	}
	fast = PySequence_Fast(o, "fields: expected a sequence of "
	    "(offset, size, kind)");
	if (fast == NULL)
		return (0);
	n = PySequence_Fast_GET_SIZE(fast);
	a->count = (size_t)n;
	a->items = f = PyMem_Calloc((size_t)n + 1, sizeof(*f));
	if (f == NULL) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i),
		    "O&O&s", addr_converter, &f[i].offset, addr_converter,
		    &f[i].size, &kind) || strlen(kind) != 1 ||
		    strchr("uis", kind[0]) == NULL) {
			PyErr_Format(PyExc_ValueError, "fields: item %zd is not "
			    "(offset, size, kind) with kind 'u', 'i' or 's'", i);
			Py_DECREF(fast);
			py_array_free(a);
			return (0);
		}
		f[i].kind = kind[0] == 'u' ? KP_FIELD_UINT :
		    kind[0] == 'i' ? KP_FIELD_INT : KP_FIELD_STRING;
	}
	Py_DECREF(fast);
	return (Py_CLEANUP_SUPPORTED);
}

static PyObject *
value_object(const struct kp_field *f, const struct kp_value *v)
{
	switch (f->kind) {
	case KP_FIELD_INT:
		return (PyLong_FromLongLong((long long)(int64_t)v->u));
	case KP_FIELD_STRING:
		return (PyUnicode_DecodeUTF8(v->str, (Py_ssize_t)v->len,
		    "replace"));
	default:
		return (PyLong_FromUnsignedLongLong(v->u));
	}
}

PyObject *
rows_to_list(const struct kp_rows *rows, const struct kp_field *fields)
{
	PyObject *list, *row, *item;
	size_t r, c;

	list = PyList_New((Py_ssize_t)rows->nrows);
	for (r = 0; list != NULL && r < rows->nrows; r++) {
		row = rows->ok[r] ? PyTuple_New((Py_ssize_t)rows->ncols) :
		    Py_NewRef(Py_None);
		for (c = 0; row != NULL && rows->ok[r] && c < rows->ncols;
		    c++) {
			item = value_object(&fields[c],
			    &rows->values[r * rows->ncols + c]);
			if (item == NULL)
				Py_CLEAR(row);
			else
				PyTuple_SET_ITEM(row, (Py_ssize_t)c, item);
		}
		if (row == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)r, row);
	}
	return (list);
}

KVM_METHOD(read_fields)
{
	static char *keywords[] = { "addrs", "fields", NULL };
	struct py_array addrs = { NULL, 0 }, fields = { NULL, 0 };
	struct kp_rows *rows;
	struct kp_error *err;
	PyObject *list = NULL;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&:read_fields",
	    keywords, addrs_converter, &addrs, fields_converter, &fields))
		return (NULL);
	err = kp_read_fields(kd, addrs.items, addrs.count, fields.items,
	    fields.count, &rows);
	if (err != NULL)
		set_kp_error(err);
	else {
		list = rows_to_list(rows, fields.items);
		kp_rows_free(rows);
	}
	py_array_free(&addrs);
	py_array_free(&fields);
	return (list);
}

KVM_METHOD(read_pointers)
{
	static char *keywords[] = { "addr", "count", NULL };
	struct kp_error *err;
	PyObject *list = NULL;
	uint64_t addr, *ptrs;
	size_t count;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&:read_pointers",
	    keywords, addr_converter, &addr, size_converter, &count))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (count > PY_SSIZE_T_MAX / sizeof(*ptrs) - 1)
		return (PyErr_NoMemory());
	if ((ptrs = PyMem_Calloc(count + 1, sizeof(*ptrs))) == NULL)
		return (PyErr_NoMemory());
	if ((err = kp_read_pointer_array(kd, addr, count, ptrs)) != NULL)
		set_kp_error(err);
	else
		list = list_of_u64(ptrs, count);
	PyMem_Free(ptrs);
	return (list);
}

KVM_METHOD(walk_list)
{
	static char *keywords[] = { "first", "next_offset", "limit", NULL };
	struct kp_error *err;
	uint64_t first, next_offset, *elems;
	size_t limit = 1000000, count;
	PyObject *list;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&|O&:walk_list",
	    keywords, addr_converter, &first, addr_converter, &next_offset,
	    size_converter, &limit))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	err = kp_walk_list(kd, first, next_offset, limit, &elems, &count);
	if (err != NULL)
		return (set_kp_error(err));
	list = list_of_u64(elems, count);
	free(elems);
	return (list);
}
