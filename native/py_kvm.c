/*
 * kgdb_pcpu._kvm: the CPython binding of the per-CPU core.
 *
 * A Kvm handle wraps a kvm_t whose target is two Python callables:
 *   lookup(name) -> int address, or None for no such symbol;
 *   read(address, size) -> exactly size bytes, or None when unreadable.
 * An exception raised by a callable (or KeyboardInterrupt from Ctrl-C)
 * stays pending while the core returns KP_ERR_TARGET (KP_ERR_INTERRUPTED),
 * and travels out of the method unchanged: no callable is called again
 * before the method returns.  Every failure of the core itself becomes a
 * KvmError subclass with one line of message (py_error.c).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kp_elf.h"
#include "py_kvm.h"

/*
 * How many target callbacks are running.  The core is iterating its caches
 * while one runs: a callback that clears or reopens a handle would free
 * them under it, so that is refused (refuse_in_callback()).
 */
static int callbacks_running;

static int
refuse_in_callback(const char *fname)
{
	if (callbacks_running == 0)
		return (0);
	PyErr_Format(PyExc_RuntimeError, "%s: not from inside a target's "
	    "lookup or read", fname);
	return (-1);
}

typedef struct {
	PyObject_HEAD
	kvm_t *kd;
	PyObject *lookup;
	PyObject *read;
	PyObject *read_faults;	/* exceptions of read that mean "unreadable" */
	Py_ssize_t pcpu_size;
	struct kp_elf *elf;	/* the ELF target, for open_elf() handles */
} KvmObject;

static PyTypeObject Kvm_Type;

/* Target hooks: trampolines into the Python callables. */

static int
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

static int
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
		snprintf(msg, sizeof(msg), "read(0x%llx, %zu) returned %zd bytes",
		    (unsigned long long)addr, size, view.len);
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

static int
py_target_interrupted(void *arg)
{
	(void)arg;
	return (PyErr_Occurred() != NULL || PyErr_CheckSignals() < 0);
}

/* Argument converters. */

static int
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

/* A CPU id: any int that fits a C int; the core judges its range. */
static int
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

/* The handle type. */

static int
Kvm_init(KvmObject *self, PyObject *args, PyObject *kwds)
{
	static char *keywords[] = { "lookup", "read", "pcpu_size",
	    "pcpu_fields", "page_size", "pointer_size", "byteorder",
	    "zpcpu_stride", "read_faults", "read_window", NULL };
	struct kp_target target;
	struct kp_error *err;
	PyObject *lookup, *read, *fields = NULL, *off, *faults = NULL;
	unsigned long long pcpu_size = 0, page_size = 4096, stride = 0;
	unsigned long long window = 0;
	unsigned int pointer_size = 8;
	const char *byteorder = "little";
	long long zoff = -1;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|$KOKIsKOK:Kvm", keywords,
	    &lookup, &read, &pcpu_size, &fields, &page_size, &pointer_size,
	    &byteorder, &stride, &faults, &window))
		return (-1);
	if (pcpu_size == 0 || fields == NULL) {
		PyErr_SetString(PyExc_TypeError,
		    "Kvm: pcpu_size and pcpu_fields are required");
		return (-1);
	}
	if (!PyCallable_Check(lookup) || !PyCallable_Check(read)) {
		PyErr_SetString(PyExc_TypeError,
		    "Kvm: lookup and read must be callable");
		return (-1);
	}
	if (strcmp(byteorder, "little") != 0 && strcmp(byteorder, "big") != 0) {
		PyErr_SetString(PyExc_ValueError,
		    "Kvm: byteorder is 'little' or 'big'");
		return (-1);
	}
	off = PyMapping_GetItemString(fields, "pc_zpcpu_offset");
	if (off != NULL) {
		zoff = PyLong_AsLongLong(off);
		Py_DECREF(off);
		if (zoff == -1 && PyErr_Occurred())
			return (-1);
	} else if (PyErr_ExceptionMatches(PyExc_KeyError))
		PyErr_Clear();
	else
		return (-1);

	memset(&target, 0, sizeof(target));
	target.lookup = py_target_lookup;
	target.read = py_target_read;
	target.interrupted = py_target_interrupted;
	target.arg = self;
	target.layout.pcpu_size = pcpu_size;
	target.layout.pc_zpcpu_offset = zoff;
	target.layout.page_size = page_size;
	target.layout.pointer_size = pointer_size;
	target.layout.big_endian = strcmp(byteorder, "big") == 0;
	target.layout.zpcpu_stride = stride;
	target.layout.read_window = window;

	if (self->elf != NULL) {
		PyErr_SetString(PyExc_TypeError,
		    "Kvm: an open_elf() handle cannot be re-initialised");
		return (-1);
	}
	if (refuse_in_callback("Kvm.__init__") < 0)
		return (-1);
	kp_close(self->kd);
	self->kd = NULL;
	err = kp_open(&target, &self->kd);
	if (err != NULL) {
		set_kp_error(err);
		return (-1);
	}
	self->pcpu_size = (Py_ssize_t)pcpu_size;
	Py_XSETREF(self->lookup, Py_NewRef(lookup));
	Py_XSETREF(self->read, Py_NewRef(read));
	Py_XSETREF(self->read_faults, faults == Py_None ? NULL : Py_XNewRef(faults));
	return (0);
}

static int
Kvm_traverse(KvmObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->lookup);
	Py_VISIT(self->read);
	Py_VISIT(self->read_faults);
	return (0);
}

static int
Kvm_clear(KvmObject *self)
{
	Py_CLEAR(self->lookup);
	Py_CLEAR(self->read);
	Py_CLEAR(self->read_faults);
	return (0);
}

static void
Kvm_dealloc(KvmObject *self)
{
	PyObject_GC_UnTrack(self);
	kp_close(self->kd);
	kp_elf_close(self->elf);
	Kvm_clear(self);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The handle of a Kvm object, or NULL with TypeError set. */
static kvm_t *
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

#define	KD(self)	kvm_of((PyObject *)(self))

static PyObject *
Kvm_getmaxcpu(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	kvm_t *kd;
	int v;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_maxcpus(kd, &v)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromLong(v));
}

static PyObject *
Kvm_getncpus(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	kvm_t *kd;
	int v;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_ncpus(kd, &v)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromLong(v));
}

static PyObject *
Kvm_getmaxid(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	unsigned int v;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_maxid(kd, &v)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLong(v));
}

static PyObject *
Kvm_cpus(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	const int *cpus;
	PyObject *list, *item;
	kvm_t *kd;
	int i, n;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_cpus(kd, &cpus, &n)) != NULL)
		return (set_kp_error(err));
	list = PyList_New(n);
	if (list == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		item = PyLong_FromLong(cpus[i]);
		if (item == NULL) {
			Py_DECREF(list);
			return (NULL);
		}
		PyList_SET_ITEM(list, i, item);
	}
	return (list);
}

static PyObject *
Kvm_pcpu_addr(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	uint64_t addr;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "i:pcpu_addr", &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_pcpu_addr(kd, cpu, &addr)) != NULL)
		return (set_kp_error(err));
	if (addr == 0)
		Py_RETURN_NONE;
	return (PyLong_FromUnsignedLongLong(addr));
}

static PyObject *
Kvm_getpcpu(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *bytes;
	bool present;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "i:getpcpu", &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_cpu_present(kd, cpu, &present)) != NULL)
		return (set_kp_error(err));
	if (!present)
		Py_RETURN_NONE;
	bytes = PyBytes_FromStringAndSize(NULL, self->pcpu_size);
	if (bytes == NULL)
		return (NULL);
	if ((err = kp_pcpu_read(kd, cpu, PyBytes_AS_STRING(bytes))) != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
}

static PyObject *
Kvm_dpcpu_setcpu(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "i:dpcpu_setcpu", &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_dpcpu_setcpu(kd, cpu)) != NULL)
		return (set_kp_error(err));
	Py_RETURN_NONE;
}

static PyObject *
Kvm_dpcpu_curcpu(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	return (PyLong_FromLong(kp_dpcpu_curcpu(kd)));
}

static PyObject *
Kvm_dpcpu_off(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	uint64_t off;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "i:dpcpu_off", &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_dpcpu_off(kd, cpu, &off)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(off));
}

static PyObject *
Kvm_dpcpu_bounds(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	uint64_t start, stop;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_dpcpu_bounds(kd, &start, &stop)) != NULL)
		return (set_kp_error(err));
	return (Py_BuildValue("KK", (unsigned long long)start,
	    (unsigned long long)stop));
}

/* A CPU argument that may be None: None means libkvm's current CPU. */
static int
cpu_or_current(kvm_t *kd, PyObject *o, int *cpu)
{
	if (o == NULL || o == Py_None) {
		*cpu = kp_dpcpu_curcpu(kd);
		return (1);
	}
	return (cpu_converter(o, cpu));
}

static PyObject *
Kvm_dpcpu_addr(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *cpuobj = NULL;
	uint64_t addr, ret;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "O&|O:dpcpu_addr", addr_converter, &addr,
	    &cpuobj))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!cpu_or_current(kd, cpuobj, &cpu))
		return (NULL);
	if ((err = kp_dpcpu_addr(kd, addr, cpu, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

/* A sequence of (start, stop, base) into a PyMem_Malloc'd array. */
static int
parse_relocs(PyObject *seq, const char *fname, struct kp_reloc **ret,
    Py_ssize_t *count)
{
	struct kp_reloc *mods = NULL;
	PyObject *fast;
	Py_ssize_t i, n;

	fast = PySequence_Fast(seq, "expected a sequence of (start, stop, base)");
	if (fast == NULL)
		return (0);
	n = PySequence_Fast_GET_SIZE(fast);
	if (n > 0 && (mods = PyMem_Calloc(n, sizeof(*mods))) == NULL) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i),
		    "O&O&O&", addr_converter, &mods[i].start, addr_converter,
		    &mods[i].stop, addr_converter, &mods[i].base)) {
			PyErr_Format(PyExc_TypeError, "%s: item %zd is not "
			    "(start, stop, base)", fname, i);
			PyMem_Free(mods);
			Py_DECREF(fast);
			return (0);
		}
	}
	Py_DECREF(fast);
	*ret = mods;
	*count = n;
	return (1);
}

static PyObject *
set_modules(KvmObject *self, PyObject *args, const char *fname,
    struct kp_error *(*setter)(kvm_t *, const struct kp_reloc *, size_t))
{
	struct kp_reloc *mods;
	struct kp_error *err;
	PyObject *seq;
	Py_ssize_t n;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O", &seq))
		return (NULL);
	if ((kd = KD(self)) == NULL || refuse_in_callback(fname) < 0)
		return (NULL);
	if (!parse_relocs(seq, fname, &mods, &n))
		return (NULL);
	err = setter(kd, mods, (size_t)n);
	PyMem_Free(mods);
	if (err != NULL)
		return (set_kp_error(err));
	Py_RETURN_NONE;
}

static PyObject *
Kvm_dpcpu_set_modules(KvmObject *self, PyObject *args)
{
	return (set_modules(self, args, "dpcpu_set_modules",
	    kp_dpcpu_set_modules));
}

static PyObject *
Kvm_vnet_set_modules(KvmObject *self, PyObject *args)
{
	return (set_modules(self, args, "vnet_set_modules",
	    kp_vnet_set_modules));
}

static PyObject *
Kvm_vnet_bounds(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	struct kp_error *err;
	uint64_t start, stop;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_vnet_bounds(kd, &start, &stop)) != NULL)
		return (set_kp_error(err));
	return (Py_BuildValue("KK", (unsigned long long)start,
	    (unsigned long long)stop));
}

static PyObject *
Kvm_vnet_addr(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	uint64_t addr, base, ret;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O&O&:vnet_addr", addr_converter, &addr,
	    addr_converter, &base))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_vnet_addr(kd, addr, base, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

static PyObject *
Kvm_zpcpu_addr(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	uint64_t base, ret;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "O&i:zpcpu_addr", addr_converter, &base,
	    &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_zpcpu_addr(kd, base, cpu, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

static PyObject *
Kvm_zpcpu_stride(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	static const char *const names[] = {
		[KP_ZPCPU_FIELD] = "pc_zpcpu_offset",
		[KP_ZPCPU_PAGE] = "PAGE_SIZE",
		[KP_ZPCPU_PCPU_SIZE] = "sizeof(struct pcpu)",
		[KP_ZPCPU_USER] = "zpcpu-stride setting",
	};
	enum kp_zpcpu_rule rule;
	struct kp_error *err;
	uint64_t stride;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_zpcpu_rule(kd, &rule, &stride)) != NULL)
		return (set_kp_error(err));
	return (Py_BuildValue("sK", names[rule], (unsigned long long)stride));
}

static PyObject *
Kvm_read_zpcpu(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *bytes;
	uint64_t base;
	Py_ssize_t size;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTuple(args, "O&ni:read_zpcpu", addr_converter, &base,
	    &size, &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (size < 0) {
		PyErr_SetString(PyExc_ValueError, "read_zpcpu: negative size");
		return (NULL);
	}
	bytes = PyBytes_FromStringAndSize(NULL, size);
	if (bytes == NULL)
		return (NULL);
	err = kp_read_zpcpu(kd, base, PyBytes_AS_STRING(bytes), (size_t)size,
	    cpu);
	if (err != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
}

static PyObject *
Kvm_counter_u64_fetch(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	uint64_t base, sum;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O&:counter_u64_fetch", addr_converter,
	    &base))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_counter_fetch(kd, base, &sum)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(sum));
}

static PyObject *
Kvm_counter_u64_slots(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	const int *cpus;
	uint64_t base, *values;
	PyObject *list = NULL, *item;
	kvm_t *kd;
	int i, n;

	if (!PyArg_ParseTuple(args, "O&:counter_u64_slots", addr_converter,
	    &base))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_cpus(kd, &cpus, &n)) != NULL)
		return (set_kp_error(err));
	values = PyMem_Calloc(n > 0 ? n : 1, sizeof(*values));
	if (values == NULL)
		return (PyErr_NoMemory());
	if ((err = kp_counter_slots(kd, base, values)) != NULL) {
		PyMem_Free(values);
		return (set_kp_error(err));
	}
	/* kp_counter_slots() may have reloaded the CPU list: ask again. */
	if ((err = kp_cpus(kd, &cpus, &n)) != NULL) {
		PyMem_Free(values);
		return (set_kp_error(err));
	}
	list = PyList_New(n);
	for (i = 0; list != NULL && i < n; i++) {
		item = Py_BuildValue("iK", cpus[i],
		    (unsigned long long)values[i]);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, i, item);
	}
	PyMem_Free(values);
	return (list);
}

static PyObject *
Kvm_counter_u64_fetch_array(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *seq, *fast, *list = NULL, *item;
	uint64_t *bases, *sums;
	Py_ssize_t i, n;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O:counter_u64_fetch_array", &seq))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	fast = PySequence_Fast(seq,
	    "counter_u64_fetch_array: expected a sequence of addresses");
	if (fast == NULL)
		return (NULL);
	n = PySequence_Fast_GET_SIZE(fast);
	bases = PyMem_Calloc(n > 0 ? n : 1, sizeof(*bases));
	sums = PyMem_Calloc(n > 0 ? n : 1, sizeof(*sums));
	if (bases == NULL || sums == NULL) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!addr_converter(PySequence_Fast_GET_ITEM(fast, i),
		    &bases[i]))
			goto out;
	}
	if ((err = kp_counter_fetch_array(kd, bases, (size_t)n, sums)) !=
	    NULL) {
		set_kp_error(err);
		goto out;
	}
	list = PyList_New(n);
	for (i = 0; list != NULL && i < n; i++) {
		item = PyLong_FromUnsignedLongLong(sums[i]);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, i, item);
	}
out:
	PyMem_Free(bases);
	PyMem_Free(sums);
	Py_DECREF(fast);
	return (list);
}

static PyObject *
Kvm_clear_cache(KvmObject *self, PyObject *Py_UNUSED(unused))
{
	kvm_t *kd;

	if ((kd = KD(self)) == NULL || refuse_in_callback("clear_cache") < 0)
		return (NULL);
	kp_clear_cache(kd);
	Py_RETURN_NONE;
}

static const char *const member_kinds[] = {
	[KP_MEMBER_INT] = "int",
	[KP_MEMBER_UINT] = "uint",
	[KP_MEMBER_POINTER] = "pointer",
	[KP_MEMBER_ARRAY] = "array",
	[KP_MEMBER_STRUCT] = "struct",
};

/* (name, offset, size, kind, elem_kind, elem_size, tag) */
static PyObject *
member_tuple(const struct kp_member *m)
{
	return (Py_BuildValue("zKKssKz", m->name,
	    (unsigned long long)m->offset, (unsigned long long)m->size,
	    member_kinds[m->kind], member_kinds[m->elem_kind],
	    (unsigned long long)m->elem_size, m->tag));
}

static bool
need_elf(KvmObject *self, const char *fname)
{
	if (self->elf != NULL)
		return (true);
	PyErr_Format(PyExc_TypeError, "%s: only an open_elf() handle reads "
	    "the kernel's symbols and DWARF itself", fname);
	return (false);
}

static PyObject *
Kvm_struct_members(KvmObject *self, PyObject *args)
{
	struct kp_member *m;
	struct kp_error *err;
	PyObject *list, *item;
	const char *tag;
	uint64_t size;
	size_t i, n;

	if (!PyArg_ParseTuple(args, "s:struct_members", &tag))
		return (NULL);
	if (!need_elf(self, "struct_members"))
		return (NULL);
	if ((err = kp_elf_struct(self->elf, tag, &size, &m, &n)) != NULL)
		return (set_kp_error(err));
	list = PyList_New((Py_ssize_t)n);
	for (i = 0; list != NULL && i < n; i++) {
		if ((item = member_tuple(&m[i])) == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	kp_elf_members_free(m, n);
	return (list);
}

static PyObject *
Kvm_variable_type(KvmObject *self, PyObject *args)
{
	struct kp_member m;
	struct kp_error *err;
	const char *name;
	PyObject *ret;

	if (!PyArg_ParseTuple(args, "s:variable_type", &name))
		return (NULL);
	if (!need_elf(self, "variable_type"))
		return (NULL);
	if ((err = kp_elf_variable(self->elf, name, &m)) != NULL)
		return (set_kp_error(err));
	ret = member_tuple(&m);
	free(m.tag);
	return (ret);
}

static PyObject *
Kvm_lookup(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	const char *name;
	uint64_t addr;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "s:lookup", &name))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_lookup_symbol(kd, name, &addr)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(addr));
}

static PyObject *
Kvm_symbol_size(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	const char *name;
	uint64_t addr, size;

	if (!PyArg_ParseTuple(args, "s:symbol_size", &name))
		return (NULL);
	if (!need_elf(self, "symbol_size"))
		return (NULL);
	if ((err = kp_elf_symbol(self->elf, name, &addr, &size)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(size));
}

static PyObject *
Kvm_read(KvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *bytes;
	uint64_t addr;
	Py_ssize_t size;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O&n:read", addr_converter, &addr, &size))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (size < 0) {
		PyErr_SetString(PyExc_ValueError, "read: negative size");
		return (NULL);
	}
	bytes = PyBytes_FromStringAndSize(NULL, size);
	if (bytes == NULL)
		return (NULL);
	err = kp_read_memory(kd, addr, PyBytes_AS_STRING(bytes), (size_t)size);
	if (err != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
}

static PyObject *
Kvm_read_uints(KvmObject *self, PyObject *args)
{
	PyObject *seq, *fast, *list = NULL, *item;
	struct kp_error *err;
	uint64_t *addrs = NULL, *values = NULL;
	bool *ok = NULL;
	Py_ssize_t i, n, size;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "On:read_uints", &seq, &size))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	fast = PySequence_Fast(seq, "read_uints: expected a sequence of addresses");
	if (fast == NULL)
		return (NULL);
	n = PySequence_Fast_GET_SIZE(fast);
	addrs = PyMem_Calloc(n > 0 ? n : 1, sizeof(*addrs));
	values = PyMem_Calloc(n > 0 ? n : 1, sizeof(*values));
	ok = PyMem_Calloc(n > 0 ? n : 1, sizeof(*ok));
	if (addrs == NULL || values == NULL || ok == NULL) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!addr_converter(PySequence_Fast_GET_ITEM(fast, i), &addrs[i]))
			goto out;
	}
	if (size < 0) {
		PyErr_SetString(PyExc_ValueError, "read_uints: negative size");
		goto out;
	}
	err = kp_read_uints(kd, addrs, (size_t)n, (size_t)size, values, ok);
	if (err != NULL) {
		set_kp_error(err);
		goto out;
	}
	list = PyList_New(n);
	for (i = 0; list != NULL && i < n; i++) {
		item = ok[i] ? PyLong_FromUnsignedLongLong(values[i]) :
		    Py_NewRef(Py_None);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, i, item);
	}
out:
	PyMem_Free(addrs);
	PyMem_Free(values);
	PyMem_Free(ok);
	Py_DECREF(fast);
	return (list);
}

static PyMethodDef Kvm_methods[] = {
	{ "read_uints", (PyCFunction)Kvm_read_uints, METH_VARARGS,
	  "read_uints(addrs, size) -> [value or None, ...]: the unsigned "
	  "size-byte values at addrs, None where unreadable, in as few reads "
	  "as the read window allows" },
	{ "lookup", (PyCFunction)Kvm_lookup, METH_VARARGS,
	  "lookup(name) -> the symbol's address; KvmError if there is none" },
	{ "symbol_size", (PyCFunction)Kvm_symbol_size, METH_VARARGS,
	  "symbol_size(name) -> the symbol's st_size (open_elf() handles)" },
	{ "read", (PyCFunction)Kvm_read, METH_VARARGS,
	  "read(addr, size) -> bytes of target memory" },
	{ "struct_members", (PyCFunction)Kvm_struct_members, METH_VARARGS,
	  "struct_members(tag) -> [(name, offset, size, kind, elem_kind, "
	  "elem_size, tag), ...] of struct tag, from DWARF (open_elf() handles)" },
	{ "variable_type", (PyCFunction)Kvm_variable_type, METH_VARARGS,
	  "variable_type(name) -> (None, 0, size, kind, elem_kind, elem_size, "
	  "tag) of a global variable, from DWARF (open_elf() handles)" },
	{ "getmaxcpu", (PyCFunction)Kvm_getmaxcpu, METH_NOARGS,
	  "getmaxcpu() -> int: mp_maxcpus (MAXCPU)" },
	{ "getncpus", (PyCFunction)Kvm_getncpus, METH_NOARGS,
	  "getncpus() -> int: mp_ncpus" },
	{ "getmaxid", (PyCFunction)Kvm_getmaxid, METH_NOARGS,
	  "getmaxid() -> int: mp_maxid" },
	{ "cpus", (PyCFunction)Kvm_cpus, METH_NOARGS,
	  "cpus() -> list of the present CPU ids, in CPU_FOREACH order" },
	{ "pcpu_addr", (PyCFunction)Kvm_pcpu_addr, METH_VARARGS,
	  "pcpu_addr(cpu) -> cpuid_to_pcpu[cpu], None for an absent CPU" },
	{ "getpcpu", (PyCFunction)Kvm_getpcpu, METH_VARARGS,
	  "getpcpu(cpu) -> bytes of struct pcpu, None for an absent CPU" },
	{ "dpcpu_setcpu", (PyCFunction)Kvm_dpcpu_setcpu, METH_VARARGS,
	  "dpcpu_setcpu(cpu): select libkvm's current CPU" },
	{ "dpcpu_curcpu", (PyCFunction)Kvm_dpcpu_curcpu, METH_NOARGS,
	  "dpcpu_curcpu() -> libkvm's current CPU (0 until set)" },
	{ "dpcpu_off", (PyCFunction)Kvm_dpcpu_off, METH_VARARGS,
	  "dpcpu_off(cpu) -> dpcpu_off[cpu]; KvmError for a CPU without DPCPU" },
	{ "dpcpu_bounds", (PyCFunction)Kvm_dpcpu_bounds, METH_NOARGS,
	  "dpcpu_bounds() -> (__start_set_pcpu, __stop_set_pcpu)" },
	{ "dpcpu_addr", (PyCFunction)Kvm_dpcpu_addr, METH_VARARGS,
	  "dpcpu_addr(addr, cpu=None) -> address of CPU cpu's copy of the "
	  "DPCPU object at addr (None: the current CPU)" },
	{ "dpcpu_set_modules", (PyCFunction)Kvm_dpcpu_set_modules,
	  METH_VARARGS,
	  "dpcpu_set_modules([(start, stop, base), ...]): the loaded modules' "
	  "set_pcpu sections and where the kernel moved them" },
	{ "vnet_bounds", (PyCFunction)Kvm_vnet_bounds, METH_NOARGS,
	  "vnet_bounds() -> (__start_set_vnet, __stop_set_vnet)" },
	{ "vnet_set_modules", (PyCFunction)Kvm_vnet_set_modules, METH_VARARGS,
	  "vnet_set_modules([(start, stop, base), ...]): the loaded modules' "
	  "set_vnet sections and where the kernel moved them" },
	{ "vnet_addr", (PyCFunction)Kvm_vnet_addr, METH_VARARGS,
	  "vnet_addr(addr, vnet_data_base) -> address of the VNET object at "
	  "addr in the vnet with that vnet_data_base" },
	{ "zpcpu_addr", (PyCFunction)Kvm_zpcpu_addr, METH_VARARGS,
	  "zpcpu_addr(base, cpu) -> address of CPU cpu's slot" },
	{ "zpcpu_stride", (PyCFunction)Kvm_zpcpu_stride, METH_NOARGS,
	  "zpcpu_stride() -> (rule, stride): how zpcpu slots are found" },
	{ "read_zpcpu", (PyCFunction)Kvm_read_zpcpu, METH_VARARGS,
	  "read_zpcpu(base, size, cpu) -> bytes of CPU cpu's slot" },
	{ "counter_u64_fetch", (PyCFunction)Kvm_counter_u64_fetch,
	  METH_VARARGS,
	  "counter_u64_fetch(base) -> sum of the counter over present CPUs" },
	{ "counter_u64_slots", (PyCFunction)Kvm_counter_u64_slots,
	  METH_VARARGS,
	  "counter_u64_slots(base) -> [(cpu, value), ...] per present CPU" },
	{ "counter_u64_fetch_array", (PyCFunction)Kvm_counter_u64_fetch_array,
	  METH_VARARGS,
	  "counter_u64_fetch_array(bases) -> [sum, ...] of many counters" },
	{ "clear_cache", (PyCFunction)Kvm_clear_cache, METH_NOARGS,
	  "clear_cache(): forget everything read (the target changed)" },
	{ NULL },
};

static PyTypeObject Kvm_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "kgdb_pcpu._kvm.Kvm",
	.tp_basicsize = sizeof(KvmObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "Kvm(lookup, read, *, pcpu_size, pcpu_fields, page_size=4096, "
	    "pointer_size=8, byteorder='little', zpcpu_stride=0, "
	    "read_faults=None, read_window=0)\n\n"
	    "A handle on one kernel target, with libkvm's per-CPU state.\n"
	    "read(addr, size) returns the bytes (any buffer) or None when the\n"
	    "memory is unreadable; read_faults, an exception class or tuple,\n"
	    "names what read may raise for unreadable memory instead\n"
	    "(gdb.MemoryError for Inferior.read_memory).  read_window: values\n"
	    "of different CPUs that lie within this many bytes are read\n"
	    "together (for local targets; 0 for remote ones).",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)Kvm_init,
	.tp_dealloc = (destructor)Kvm_dealloc,
	.tp_traverse = (traverseproc)Kvm_traverse,
	.tp_clear = (inquiry)Kvm_clear,
	.tp_methods = Kvm_methods,
};

/*
 * libkvm's API, return conventions and all.  A callback's exception still
 * wins over the return value.
 */

static kvm_t *
kvm_or_none(PyObject *o, bool *none)
{
	*none = o == Py_None;
	return (*none ? NULL : kvm_of(o));
}

static PyObject *
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

static PyObject *
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

static PyObject *
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
	bytes = PyBytes_FromStringAndSize(p, ((KvmObject *)o)->pcpu_size);
	free(p);
	return (bytes);
}

static PyObject *
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

static PyObject *
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

static PyObject *
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

static PyObject *
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

static PyObject *
py_open_elf(PyObject *Py_UNUSED(mod), PyObject *args, PyObject *kwds)
{
	static char *keywords[] = { "kernel_path", "core_path",
	    "zpcpu_stride", NULL };
	unsigned long long stride = 0;
	struct kp_target target;
	struct kp_error *err;
	PyObject *kpath, *cpath;
	KvmObject *self;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&|$K:open_elf",
	    keywords, PyUnicode_FSConverter, &kpath, PyUnicode_FSConverter,
	    &cpath, &stride))
		return (NULL);
	self = (KvmObject *)Kvm_Type.tp_alloc(&Kvm_Type, 0);
	if (self == NULL)
		goto fail;
	err = kp_elf_open(PyBytes_AS_STRING(kpath), PyBytes_AS_STRING(cpath),
	    &self->elf);
	if (err != NULL) {
		set_kp_error(err);
		goto fail;
	}
	kp_elf_target(self->elf, &target);
	target.interrupted = py_target_interrupted;
	target.layout.zpcpu_stride = stride;
	self->pcpu_size = (Py_ssize_t)target.layout.pcpu_size;
	if ((err = kp_open(&target, &self->kd)) != NULL) {
		set_kp_error(err);
		goto fail;
	}
	Py_DECREF(kpath);
	Py_DECREF(cpath);
	return ((PyObject *)self);
fail:
	Py_XDECREF(self);
	Py_DECREF(kpath);
	Py_DECREF(cpath);
	return (NULL);
}

static PyMethodDef module_methods[] = {
	{ "open_elf", (PyCFunction)(void (*)(void))py_open_elf,
	  METH_VARARGS | METH_KEYWORDS,
	  "open_elf(kernel_path, core_path, *, zpcpu_stride=0) -> Kvm on a "
	  "kernel ELF file and an ELF core file, without GDB" },
	{ "kvm_getmaxcpu", py_kvm_getmaxcpu, METH_VARARGS,
	  "kvm_getmaxcpu(kd) -> mp_maxcpus, -1 on error; kd None clears "
	  "every handle's cache and returns 0" },
	{ "kvm_getncpus", py_kvm_getncpus, METH_VARARGS,
	  "kvm_getncpus(kd) -> mp_ncpus, -1 on error" },
	{ "kvm_getpcpu", py_kvm_getpcpu, METH_VARARGS,
	  "kvm_getpcpu(kd, cpu) -> bytes, None (absent CPU) or -1 (error); "
	  "kd None clears every handle's cache" },
	{ "kvm_dpcpu_setcpu", py_kvm_dpcpu_setcpu, METH_VARARGS,
	  "kvm_dpcpu_setcpu(kd, cpu) -> 0, or -1 on error" },
	{ "kvm_read_zpcpu", py_kvm_read_zpcpu, METH_VARARGS,
	  "kvm_read_zpcpu(kd, base, size, cpu) -> bytes, or -1 on error" },
	{ "kvm_counter_u64_fetch", py_kvm_counter_u64_fetch, METH_VARARGS,
	  "kvm_counter_u64_fetch(kd, base) -> the sum, 0 on error" },
	{ "kvm_geterr", py_kvm_geterr, METH_VARARGS,
	  "kvm_geterr(kd) -> the last error message" },
	{ NULL },
};

static struct PyModuleDef kvm_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "kgdb_pcpu._kvm",
	.m_doc = "FreeBSD per-CPU data (libkvm's per-CPU API) over a target "
	    "of Python callables.",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__kvm(void)
{
	PyObject *m;

	if (PyType_Ready(&Kvm_Type) < 0)
		return (NULL);
	m = PyModule_Create(&kvm_module);
	if (m == NULL)
		return (NULL);
	if (py_error_init(m) < 0 ||
	    PyModule_AddObjectRef(m, "Kvm", (PyObject *)&Kvm_Type) < 0) {
		Py_DECREF(m);
		return (NULL);
	}
	return (m);
}
