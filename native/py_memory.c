/*
 * Kvm methods that read values out of target memory: each a thin wrapper of
 * one core function, which reads (gathered) and decodes in the target's
 * byte order and pointer size.
 */
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
