/*
 * The Kvm type: a handle on one kernel target with libkvm's per-CPU state,
 * the target being two Python callables (py_target.c).  This file builds it
 * and answers about CPUs; the other methods are in py_memory.c, py_dpcpu.c
 * and py_counter.c, and the table below lists them all.
 */
#include <string.h>

#include "py_kvm.h"

static int
Kvm_init(KvmObject *self, PyObject *args, PyObject *kwds)
{
	static char *keywords[] = { "lookup", "read", "pcpu_size",
	    "pcpu_fields", "page_size", "pointer_size", "byteorder",
	    "zpcpu_stride", "read_faults", "read_window", "maxcpus", NULL };
	struct kp_target target;
	struct kp_error *err;
	PyObject *lookup, *read, *fields = NULL, *off, *faults = NULL;
	unsigned long long pcpu_size = 0, page_size = 4096, stride = 0;
	unsigned long long window = 0;
	unsigned int pointer_size = 8;
	const char *byteorder = "little";
	long long zoff = -1;
	int maxcpus = 0;

	if (PyObject_TypeCheck(self, &ElfKvm_Type)) {
		PyErr_SetString(PyExc_TypeError,
		    "Kvm.__init__: an ElfKvm handle opens its files itself");
		return (-1);
	}
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|$KOKIsKOKi:Kvm",
	    keywords, &lookup, &read, &pcpu_size, &fields, &page_size,
	    &pointer_size, &byteorder, &stride, &faults, &window, &maxcpus))
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
	target.layout.maxcpus = maxcpus;

	if (refuse_in_callback("Kvm.__init__") < 0)
		return (-1);
	kp_close(self->kd);
	self->kd = NULL;
	err = kp_open(&target, &self->kd);
	if (err != NULL) {
		set_kp_error(err);
		return (-1);
	}
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
	Kvm_clear(self);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

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
	kvm_t *kd;
	int n;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_cpus(kd, &cpus, &n)) != NULL)
		return (set_kp_error(err));
	return (list_of_int(cpus, (size_t)n));
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
	bytes = PyBytes_FromStringAndSize(NULL,
	    (Py_ssize_t)kp_layout(kd)->pcpu_size);
	if (bytes == NULL)
		return (NULL);
	if ((err = kp_pcpu_read(kd, cpu, PyBytes_AS_STRING(bytes))) != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
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

static PyObject *
Kvm_get_pointer_size(KvmObject *self, void *Py_UNUSED(closure))
{
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	return (PyLong_FromUnsignedLong(kp_layout(kd)->pointer_size));
}

static PyObject *
Kvm_get_byteorder(KvmObject *self, void *Py_UNUSED(closure))
{
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	return (PyUnicode_FromString(kp_layout(kd)->big_endian ? "big" :
	    "little"));
}

static PyGetSetDef Kvm_getset[] = {
	{ "pointer_size", (getter)Kvm_get_pointer_size, NULL,
	  "the target's pointer size in bytes (4 or 8)", NULL },
	{ "byteorder", (getter)Kvm_get_byteorder, NULL,
	  "the target's byte order, 'little' or 'big' (as int.from_bytes)",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

#define	VARARGS(name)	(PyCFunction)(void (*)(void))Kvm_##name,	\
	METH_VARARGS | METH_KEYWORDS

static PyMethodDef Kvm_methods[] = {
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
	{ "clear_cache", (PyCFunction)Kvm_clear_cache, METH_NOARGS,
	  "clear_cache(): forget everything read (the target changed)" },
	/* py_memory.c */
	{ "read_uints", VARARGS(read_uints),
	  "read_uints(addrs, size) -> [value or None, ...]: the unsigned "
	  "size-byte values at addrs, None where unreadable, in as few reads "
	  "as the read window allows" },
	{ "read_fields", VARARGS(read_fields),
	  "read_fields(addrs, fields) -> [tuple or None, ...]: per address, "
	  "the values of fields, a sequence of (offset, size, kind) with kind "
	  "'u' (unsigned), 'i' (signed) or 's' (char array, as str up to its "
	  "NUL); None where the address is 0 or unreadable.  One gathered read "
	  "per address" },
	{ "read_pointers", VARARGS(read_pointers),
	  "read_pointers(addr, count) -> [int, ...]: count target pointers "
	  "at addr; FaultError if unreadable" },
	{ "walk_list", VARARGS(walk_list),
	  "walk_list(first, next_offset, limit=1000000) -> [address, ...]: "
	  "the elements of a sys/queue.h list from first, following the "
	  "pointer at next_offset until 0; CorruptError on a loop or past "
	  "limit, FaultError for an unreadable link" },
	/* py_dpcpu.c */
	{ "dpcpu_setcpu", VARARGS(dpcpu_setcpu),
	  "dpcpu_setcpu(cpu): select libkvm's current CPU" },
	{ "dpcpu_curcpu", (PyCFunction)Kvm_dpcpu_curcpu, METH_NOARGS,
	  "dpcpu_curcpu() -> libkvm's current CPU (0 until set)" },
	{ "dpcpu_off", VARARGS(dpcpu_off),
	  "dpcpu_off(cpu) -> dpcpu_off[cpu]; CpuAbsentError for a CPU "
	  "without DPCPU" },
	{ "dpcpu_bounds", (PyCFunction)Kvm_dpcpu_bounds, METH_NOARGS,
	  "dpcpu_bounds() -> (__start_set_pcpu, __stop_set_pcpu)" },
	{ "dpcpu_addr", VARARGS(dpcpu_addr),
	  "dpcpu_addr(addr, cpu=None) -> address of CPU cpu's copy of the "
	  "DPCPU object at addr (None: the current CPU)" },
	{ "dpcpu_template", VARARGS(dpcpu_template),
	  "dpcpu_template(addr) -> the template of the DPCPU object at addr "
	  "(a module's relocated); NotPerCpuError outside every set_pcpu" },
	{ "dpcpu_fields", VARARGS(dpcpu_fields),
	  "dpcpu_fields(addr, cpus, fields) -> [tuple or None, ...]: "
	  "read_fields() of each CPU's copy of the DPCPU object at addr" },
	{ "dpcpu_read", VARARGS(dpcpu_read),
	  "dpcpu_read(addr, size, cpus) -> [bytes or None, ...]: each CPU's "
	  "copy of the DPCPU object at addr" },
	{ "dpcpu_set_modules", VARARGS(dpcpu_set_modules),
	  "dpcpu_set_modules([(start, stop, base), ...]): the loaded modules' "
	  "set_pcpu sections and where the kernel moved them" },
	{ "vnet_bounds", (PyCFunction)Kvm_vnet_bounds, METH_NOARGS,
	  "vnet_bounds() -> (__start_set_vnet, __stop_set_vnet)" },
	{ "vnet_set_modules", VARARGS(vnet_set_modules),
	  "vnet_set_modules([(start, stop, base), ...]): the loaded modules' "
	  "set_vnet sections and where the kernel moved them" },
	{ "vnet_template", VARARGS(vnet_template),
	  "vnet_template(addr) -> the template of the VNET object at addr "
	  "(a module's relocated); NotPerCpuError outside every set_vnet" },
	{ "vnet_addr", VARARGS(vnet_addr),
	  "vnet_addr(addr, vnet_data_base) -> address of the VNET object at "
	  "addr in the vnet with that vnet_data_base" },
	/* py_counter.c */
	{ "zpcpu_addr", VARARGS(zpcpu_addr),
	  "zpcpu_addr(base, cpu) -> address of CPU cpu's slot" },
	{ "zpcpu_stride", (PyCFunction)Kvm_zpcpu_stride, METH_NOARGS,
	  "zpcpu_stride() -> (rule, stride): how zpcpu slots are found" },
	{ "read_zpcpu", VARARGS(read_zpcpu),
	  "read_zpcpu(base, size, cpu) -> bytes of CPU cpu's slot" },
	{ "counter_u64_fetch", VARARGS(counter_u64_fetch),
	  "counter_u64_fetch(base) -> sum of the counter over present CPUs" },
	{ "counter_u64_slots", VARARGS(counter_u64_slots),
	  "counter_u64_slots(base, cpus=None) -> [(cpu, value), ...] per CPU "
	  "of cpus (None: every present CPU)" },
	{ "counter_u64_fetch_array", VARARGS(counter_u64_fetch_array),
	  "counter_u64_fetch_array(bases) -> [sum, ...] of many counters" },
	{ "counter_u64_fetch_partial", VARARGS(counter_u64_fetch_partial),
	  "counter_u64_fetch_partial(bases) -> (sums, missing): the sums over "
	  "the slots that could be read, and the CPUs left out for any base" },
	{ NULL, NULL, 0, NULL },
};

PyTypeObject Kvm_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "kgdb_pcpu._kvm.Kvm",
	.tp_basicsize = sizeof(KvmObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "Kvm(lookup, read, *, pcpu_size, pcpu_fields, page_size=4096, "
	    "pointer_size=8, byteorder='little', zpcpu_stride=0, "
	    "read_faults=None, read_window=0, maxcpus=0)\n\n"
	    "A handle on one kernel target, with libkvm's per-CPU state.\n"
	    "read(addr, size) returns the bytes (any buffer) or None when the\n"
	    "memory is unreadable; read_faults, an exception class or tuple,\n"
	    "names what read may raise for unreadable memory instead\n"
	    "(gdb.MemoryError for Inferior.read_memory).  read_window: values\n"
	    "of different CPUs that lie within this many bytes are read\n"
	    "together (for local targets; 0 for remote ones).  maxcpus, when\n"
	    "not 0, replaces a garbage mp_maxcpus.",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)Kvm_init,
	.tp_dealloc = (destructor)Kvm_dealloc,
	.tp_traverse = (traverseproc)Kvm_traverse,
	.tp_clear = (inquiry)Kvm_clear,
	.tp_methods = Kvm_methods,
	.tp_getset = Kvm_getset,
};
