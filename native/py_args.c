/*
 * Argument converters ("O&" of PyArg_Parse*) and result lists of the
 * binding.  Addresses are ints in 0 .. 2**64-1; CPU ids any int a C int
 * holds, the core judging their range.
 */
#include <limits.h>

#include "py_kvm.h"

int
addr_converter(PyObject *o, void *p)
{
	unsigned long long v;

	v = PyLong_AsUnsignedLongLong(o);
	if (v == (unsigned long long)-1 && PyErr_Occurred()) {
		if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
			PyErr_Clear();
			PyErr_SetString(PyExc_ValueError,
			    "an address is an integer in 0 .. 2**64-1");
		}
		return (0);
	}
	*(uint64_t *)p = v;
	return (1);
}

int
cpu_converter(PyObject *o, void *p)
{
	long v;

	v = PyLong_AsLong(o);
	if (v == -1 && PyErr_Occurred())
		return (0);
	if (v < INT_MIN || v > INT_MAX) {
		PyErr_Format(PyExc_ValueError, "CPU %ld out of range", v);
		return (0);
	}
	*(int *)p = (int)v;
	return (1);
}

int
size_converter(PyObject *o, void *p)
{
	Py_ssize_t v;

	v = PyNumber_AsSsize_t(o, PyExc_OverflowError);
	if (v == -1 && PyErr_Occurred())
		return (0);
	if (v < 0) {
		PyErr_SetString(PyExc_ValueError, "a size is not negative");
		return (0);
	}
	*(size_t *)p = (size_t)v;
	return (1);
}

void
py_array_free(struct py_array *a)
{
	PyMem_Free(a->items);
	a->items = NULL;
	a->count = 0;
}

/*
 * A sequence into a: each item through convert into elem_size bytes.  As
 * an "O&" converter it also frees a when called with NULL (Py_CLEANUP_SUPPORTED).
 */
static int
array_converter(PyObject *o, struct py_array *a, size_t elem_size,
    int (*convert)(PyObject *, void *), const char *what)
{
	PyObject *fast;
	Py_ssize_t i, n;

	if (o == NULL) {
		py_array_free(a);
		return (1);
	}
	fast = PySequence_Fast(o, what);
	if (fast == NULL)
		return (0);
	n = PySequence_Fast_GET_SIZE(fast);
	a->items = PyMem_Calloc(n > 0 ? (size_t)n : 1, elem_size);
	a->count = (size_t)n;
	if (a->items == NULL) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (!convert(PySequence_Fast_GET_ITEM(fast, i),
		    (char *)a->items + (size_t)i * elem_size)) {
			Py_DECREF(fast);
			py_array_free(a);
			return (0);
		}
	}
	Py_DECREF(fast);
	return (Py_CLEANUP_SUPPORTED);
}

int
addrs_converter(PyObject *o, void *p)
{
	return (array_converter(o, p, sizeof(uint64_t), addr_converter,
	    "expected a sequence of addresses"));
}

int
cpus_converter(PyObject *o, void *p)
{
	return (array_converter(o, p, sizeof(int), cpu_converter,
	    "expected a sequence of CPU ids"));
}

kvm_t *
kvm_of(PyObject *o)
{
	if (!PyObject_TypeCheck(o, &Kvm_Type)) {
		PyErr_Format(PyExc_TypeError, "expected a Kvm handle, not %s",
		    Py_TYPE(o)->tp_name);
		return (NULL);
	}
	if (((KvmObject *)o)->kd == NULL) {
		PyErr_SetString(PyExc_ValueError, "Kvm handle not initialised");
		return (NULL);
	}
	return (((KvmObject *)o)->kd);
}

PyObject *
list_of_u64(const uint64_t *values, size_t n)
{
	PyObject *list, *item;
	size_t i;

	list = PyList_New((Py_ssize_t)n);
	for (i = 0; list != NULL && i < n; i++) {
		if ((item = PyLong_FromUnsignedLongLong(values[i])) == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return (list);
}

PyObject *
list_of_int(const int *values, size_t n)
{
	PyObject *list, *item;
	size_t i;

	list = PyList_New((Py_ssize_t)n);
	for (i = 0; list != NULL && i < n; i++) {
		if ((item = PyLong_FromLong(values[i])) == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return (list);
}
