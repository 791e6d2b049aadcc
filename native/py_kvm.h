/*
 * What the files of the CPython binding kgdb_pcpu._kvm (native/py_*.c)
 * share.  None of it is part of the core.
 */
#ifndef PY_KVM_H
#define PY_KVM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "kvm_pcpu.h"

/* py_error.c: the exception classes and the one mapping function. */
int py_error_init(PyObject *module);
PyObject *set_kp_error(struct kp_error *err);

#endif /* !PY_KVM_H */
