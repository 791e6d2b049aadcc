/*
 * The target hooks of a Kvm handle: trampolines into its Python callables.
 *
 *   lookup(name) -> int address, or None for no such symbol;
 *   read(address, size) -> exactly size bytes (any buffer), or None when
 *     unreadable (or an exception of read_faults, as gdb.MemoryError).
 *
 * An exception raised by a callable (or KeyboardInterrupt from Ctrl-C) stays
 * pending while the core returns KP_ERR_TARGET (KP_ERR_INTERRUPTED), and
 * goes out of the method unchanged (py_error.c).  The core calls no hook
 * after a failed one; should it, the hooks refuse while an exception is
 * pending, so that Python never runs with one set.
 */
#include <stdio.h>
#include <string.h>

#include "py_kvm.h"

/*
 * How many target callbacks are running.  The core is iterating its caches
 * while one runs: a callback that clears or reopens a handle would free
 * them under it, so that is refused (refuse_in_callback()).
 */
static int callbacks_running;

int
refuse_in_callback(const char *fname)
{
	if (callbacks_running == 0)
		return (0);
	PyErr_Format(PyExc_RuntimeError, "%s: not from inside a target's "
	    "lookup or read", fname);
	return (-1);
}

int
py_target_lookup(void *arg, const char *name, uint64_t *addrp)
{
	KvmObject *self = arg;
	PyObject *res;
	unsigned long long v;

	if (PyErr_Occurred())
		return (KP_TARGET_ERROR);
	callbacks_running++;
	res = PyObject_CallFunction(self->lookup, "s", name);
	callbacks_running--;
	if (res == NULL)
		return (KP_TARGET_ERROR);
	if (res == Py_None) {
		Py_DECREF(res);
		return (KP_TARGET_MISSING);
	}
	v = PyLong_AsUnsignedLongLong(res);
	Py_DECREF(res);
	if (v == (unsigned long long)-1 && PyErr_Occurred())
		return (KP_TARGET_ERROR);
	*addrp = v;
	return (KP_TARGET_OK);
}

/* read(addr, size), by vectorcall: this is the hot path of every sum. */
static PyObject *
call_read(PyObject *read, uint64_t addr, size_t size)
{
	PyObject *args[2], *res;

	args[0] = PyLong_FromUnsignedLongLong(addr);
	args[1] = PyLong_FromSize_t(size);
	if (args[0] == NULL || args[1] == NULL)
		res = NULL;
	else
		res = PyObject_Vectorcall(read, args, 2, NULL);
	Py_XDECREF(args[0]);
	Py_XDECREF(args[1]);
	return (res);
}

int
py_target_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	KvmObject *self = arg;
	PyObject *res;
	Py_buffer view;
	char msg[96];
	int ret;

	if (PyErr_Occurred())
		return (KP_TARGET_ERROR);
	callbacks_running++;
	res = call_read(self->read, addr, size);
	callbacks_running--;
	if (res == NULL) {
		if (self->read_faults != NULL &&
		    PyErr_ExceptionMatches(self->read_faults)) {
			PyErr_Clear();
			return (KP_TARGET_FAULT);
		}
		return (KP_TARGET_ERROR);
	}
	if (res == Py_None) {
		Py_DECREF(res);
		return (KP_TARGET_FAULT);
	}
	if (PyObject_GetBuffer(res, &view, PyBUF_SIMPLE) < 0) {
		Py_DECREF(res);
		return (KP_TARGET_ERROR);
	}
	if ((size_t)view.len != size) {
		/* PyErr_Format() has no %llx. */
		snprintf(msg, sizeof(msg), "read(0x%llx, %zu) returned %zd "
		    "bytes", (unsigned long long)addr, size, view.len);
		PyErr_SetString(PyExc_ValueError, msg);
		ret = KP_TARGET_ERROR;
	} else {
		memcpy(buf, view.buf, size);
		ret = KP_TARGET_OK;
	}
	PyBuffer_Release(&view);
	Py_DECREF(res);
	return (ret);
}

/* Ctrl-C: Python's signal handlers run here and raise KeyboardInterrupt. */
int
py_target_interrupted(void *arg)
{
	(void)arg;
	return (PyErr_Occurred() != NULL || PyErr_CheckSignals() < 0);
}
