/*
 * libkvm's per-CPU API as module functions, return conventions and all
 * (kvm_pcpu.h): for scripts ported from C, and for the tests that pin
 * libkvm compatibility.  kd None means libkvm's NULL handle.  An exception
 * raised by a target callback still wins over the return value.
 */
#include <stdlib.h>
#include <string.h>

#include "py_kvm.h"

static kvm_t *
kvm_or_none(PyObject *o, bool *none)
{
	*none = o == Py_None;
	return (*none ? NULL : kvm_of(o));
}

PyObject *
py_kvm_getmaxcpu(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o;
	kvm_t *kd;
	bool none;
	int v;

	if (!PyArg_ParseTuple(args, "O:kvm_getmaxcpu", &o))
		return (NULL);
	if ((kd = kvm_or_none(o, &none)) == NULL && !none)
		return (NULL);
	if (none && refuse_in_callback("kvm_getmaxcpu") < 0)
		return (NULL);
	v = kvm_getmaxcpu(kd);
	return (PyErr_Occurred() ? NULL : PyLong_FromLong(v));
}

PyObject *
py_kvm_getncpus(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o;
	kvm_t *kd;
	int v;

	if (!PyArg_ParseTuple(args, "O:kvm_getncpus", &o))
		return (NULL);
	if ((kd = kvm_of(o)) == NULL)
		return (NULL);
	v = kvm_getncpus(kd);
	return (PyErr_Occurred() ? NULL : PyLong_FromLong(v));
}

PyObject *
py_kvm_getpcpu(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o, *bytes;
	kvm_t *kd;
	bool none;
	void *p;
	int cpu;

	if (!PyArg_ParseTuple(args, "Oi:kvm_getpcpu", &o, &cpu))
		return (NULL);
	if ((kd = kvm_or_none(o, &none)) == NULL && !none)
		return (NULL);
	if (none && refuse_in_callback("kvm_getpcpu") < 0)
		return (NULL);
	p = kvm_getpcpu(kd, cpu);
	if (PyErr_Occurred()) {
		if (p != NULL && p != (void *)-1)
			free(p);
		return (NULL);
	}
	if (p == NULL)
		Py_RETURN_NONE;
	if (p == (void *)-1)
		return (PyLong_FromLong(-1));
	bytes = PyBytes_FromStringAndSize(p,
	    (Py_ssize_t)kp_layout(kd)->pcpu_size);
	free(p);
	return (bytes);
}

PyObject *
py_kvm_dpcpu_setcpu(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o;
	kvm_t *kd;
	int cpu, v;

	if (!PyArg_ParseTuple(args, "Oi:kvm_dpcpu_setcpu", &o, &cpu))
		return (NULL);
	if ((kd = kvm_of(o)) == NULL)
		return (NULL);
	v = kvm_dpcpu_setcpu(kd, (unsigned int)cpu);
	return (PyErr_Occurred() ? NULL : PyLong_FromLong(v));
}

PyObject *
py_kvm_read_zpcpu(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o, *bytes;
	uint64_t base;
	Py_ssize_t size;
	ssize_t n;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "OO&ni:kvm_read_zpcpu", &o, addr_converter,
	    &base, &size, &cpu))
		return (NULL);
	if ((kd = kvm_of(o)) == NULL)
		return (NULL);
	if (size < 0) {
		PyErr_SetString(PyExc_ValueError, "kvm_read_zpcpu: negative size");
		return (NULL);
	}
	bytes = PyBytes_FromStringAndSize(NULL, size);
	if (bytes == NULL)
		return (NULL);
	n = kvm_read_zpcpu(kd, (u_long)base, PyBytes_AS_STRING(bytes),
	    (size_t)size, cpu);
	if (PyErr_Occurred()) {
		Py_DECREF(bytes);
		return (NULL);
	}
	if (n < 0) {
		Py_DECREF(bytes);
		return (PyLong_FromSsize_t(n));
	}
	return (bytes);
}

PyObject *
py_kvm_counter_u64_fetch(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o;
	uint64_t base, v;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "OO&:kvm_counter_u64_fetch", &o,
	    addr_converter, &base))
		return (NULL);
	if ((kd = kvm_of(o)) == NULL)
		return (NULL);
	v = kvm_counter_u64_fetch(kd, (u_long)base);
	return (PyErr_Occurred() ? NULL : PyLong_FromUnsignedLongLong(v));
}

PyObject *
py_kvm_geterr(PyObject *Py_UNUSED(mod), PyObject *args)
{
	PyObject *o;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O:kvm_geterr", &o))
		return (NULL);
	if ((kd = kvm_of(o)) == NULL)
		return (NULL);
	return (PyUnicode_DecodeUTF8(kvm_geterr(kd), strlen(kvm_geterr(kd)),
	    "replace"));
}
