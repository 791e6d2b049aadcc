/*
 * What the files of the CPython binding kgdb_pcpu._kvm (native/py_*.c)
 * share.  None of it is part of the core.
 *
 *   py_module.c   the module: its functions and PyInit__kvm()
 *   py_error.c    the exception classes, one mapping function
 *   py_target.c   the target hooks: trampolines into Python callables
 *   py_args.c     argument converters and result lists
 *   py_kvm.c      the Kvm type: construction, attributes, CPUs
 *   py_memory.c   Kvm methods that read values: read_uints, read_fields, ...
 *   py_dpcpu.c    Kvm methods of DPCPU and VNET
 *   py_counter.c  Kvm methods of zpcpu slots and counter(9)
 *   py_elf.c      the ElfKvm type (the ELF target), elf_symbol_names() and
 *                 elf_symbol_addresses()
 *   py_compat.c   libkvm's API, return conventions and all
 */
#ifndef PY_KVM_H
#define PY_KVM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdbool.h>

#include "kvm_pcpu.h"

/* A handle: a kvm_t whose target is Python callables (or the ELF files). */
typedef struct {
	PyObject_HEAD
	kvm_t *kd;
	PyObject *lookup;
	PyObject *read;
	PyObject *read_faults;	/* exceptions of read that mean "unreadable" */
} KvmObject;

extern PyTypeObject Kvm_Type;		/* py_kvm.c */
extern PyTypeObject ElfKvm_Type;	/* py_elf.c */

/* py_error.c */
int py_error_init(PyObject *module);
PyObject *set_kp_error(struct kp_error *err);

/* py_target.c */
int py_target_lookup(void *arg, const char *name, uint64_t *addrp);
int py_target_read(void *arg, uint64_t addr, void *buf, size_t size);
int py_target_interrupted(void *arg);
/* -1 with RuntimeError set when a target callback is running. */
int refuse_in_callback(const char *fname);

/* py_args.c: "O&" converters; each returns 1, or 0 with an exception set. */
int addr_converter(PyObject *o, void *p);	/* uint64_t */
int cpu_converter(PyObject *o, void *p);	/* int */
int size_converter(PyObject *o, void *p);	/* size_t, not negative */

/* A sequence converted item by item into a PyMem_Malloc'd array. */
struct py_array {
	void *items;
	size_t count;
};
int addrs_converter(PyObject *o, void *p);	/* struct py_array of uint64_t */
int cpus_converter(PyObject *o, void *p);	/* struct py_array of int */
void py_array_free(struct py_array *a);

/* The handle of a Kvm object, or NULL with an exception set. */
kvm_t *kvm_of(PyObject *o);
#define	KD(self)	kvm_of((PyObject *)(self))

/* Lists of results: NULL with an exception set on failure. */
PyObject *list_of_u64(const uint64_t *values, size_t n);
PyObject *list_of_int(const int *values, size_t n);

/* py_memory.c: fields as (offset, size, kind 'u'/'i'/'s'), and rows. */
int fields_converter(PyObject *o, void *p);	/* struct py_array of kp_field */
/* [tuple of values or None, ...]: ints, and str for 's' fields. */
PyObject *rows_to_list(const struct kp_rows *rows,
    const struct kp_field *fields);

/*
 * Methods of the Kvm type defined outside py_kvm.c, which lists them:
 * KVM_METHOD takes arguments (METH_VARARGS | METH_KEYWORDS), KVM_NOARGS
 * none (METH_NOARGS).
 */
#define	KVM_METHOD(name)						\
	PyObject *Kvm_##name(KvmObject *self, PyObject *args, PyObject *kwds)
#define	KVM_NOARGS(name)						\
	PyObject *Kvm_##name(KvmObject *self, PyObject *unused)
KVM_METHOD(read_uints);
KVM_METHOD(read_fields);
KVM_METHOD(read_pointers);
KVM_METHOD(walk_list);
KVM_METHOD(dpcpu_template);
KVM_METHOD(dpcpu_fields);
KVM_METHOD(dpcpu_read);
KVM_METHOD(vnet_template);
KVM_METHOD(counter_u64_fetch_partial);
KVM_METHOD(dpcpu_setcpu);
KVM_NOARGS(dpcpu_curcpu);
KVM_METHOD(dpcpu_off);
KVM_NOARGS(dpcpu_bounds);
KVM_METHOD(dpcpu_addr);
KVM_METHOD(dpcpu_set_modules);
KVM_NOARGS(vnet_bounds);
KVM_METHOD(vnet_set_modules);
KVM_METHOD(vnet_addr);
KVM_METHOD(zpcpu_addr);
KVM_NOARGS(zpcpu_stride);
KVM_METHOD(read_zpcpu);
KVM_METHOD(counter_u64_fetch);
KVM_METHOD(counter_u64_slots);
KVM_METHOD(counter_u64_fetch_array);

/* py_elf.c and py_compat.c: module functions (py_module.c lists them). */
PyObject *py_elf_symbol_names(PyObject *mod, PyObject *args, PyObject *kwds);
PyObject *py_elf_symbol_addresses(PyObject *mod, PyObject *args,
    PyObject *kwds);
PyObject *py_kvm_getmaxcpu(PyObject *mod, PyObject *args);
PyObject *py_kvm_getncpus(PyObject *mod, PyObject *args);
PyObject *py_kvm_getpcpu(PyObject *mod, PyObject *args);
PyObject *py_kvm_dpcpu_setcpu(PyObject *mod, PyObject *args);
PyObject *py_kvm_read_zpcpu(PyObject *mod, PyObject *args);
PyObject *py_kvm_counter_u64_fetch(PyObject *mod, PyObject *args);
PyObject *py_kvm_geterr(PyObject *mod, PyObject *args);

#endif /* !PY_KVM_H */
