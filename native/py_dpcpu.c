/*
 * Kvm methods of DPCPU (set_pcpu, dpcpu_off[]) and VNET (set_vnet, a vnet's
 * vnet_data_base): addresses of per-CPU and per-vnet copies, module
 * relocation.
 */
#include "py_kvm.h"

KVM_METHOD(dpcpu_setcpu)
{
	static char *keywords[] = { "cpu", NULL };
	struct kp_error *err;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:dpcpu_setcpu",
	    keywords, cpu_converter, &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_dpcpu_setcpu(kd, cpu)) != NULL)
		return (set_kp_error(err));
	Py_RETURN_NONE;
}

KVM_NOARGS(dpcpu_curcpu)
{
	kvm_t *kd;

	(void)unused;
	if ((kd = KD(self)) == NULL)
		return (NULL);
	return (PyLong_FromLong(kp_dpcpu_curcpu(kd)));
}

KVM_METHOD(dpcpu_off)
{
	static char *keywords[] = { "cpu", NULL };
	struct kp_error *err;
	uint64_t off;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:dpcpu_off", keywords,
	    cpu_converter, &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_dpcpu_off(kd, cpu, &off)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(off));
}

static PyObject *
bounds(KvmObject *self,
    struct kp_error *(*get)(kvm_t *, uint64_t *, uint64_t *))
{
	struct kp_error *err;
	uint64_t start, stop;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = get(kd, &start, &stop)) != NULL)
		return (set_kp_error(err));
	return (Py_BuildValue("KK", (unsigned long long)start,
	    (unsigned long long)stop));
}

KVM_NOARGS(dpcpu_bounds)
{
	(void)unused;
	return (bounds(self, kp_dpcpu_bounds));
}

KVM_NOARGS(vnet_bounds)
{
	(void)unused;
	return (bounds(self, kp_vnet_bounds));
}

KVM_METHOD(dpcpu_addr)
{
	static char *keywords[] = { "addr", "cpu", NULL };
	struct kp_error *err;
	PyObject *cpuobj = Py_None;
	uint64_t addr, ret;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|O:dpcpu_addr",
	    keywords, addr_converter, &addr, &cpuobj))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	/* None: libkvm's current CPU (kvm_dpcpu_setcpu()). */
	if (cpuobj == Py_None)
		cpu = kp_dpcpu_curcpu(kd);
	else if (!cpu_converter(cpuobj, &cpu))
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
set_modules(KvmObject *self, PyObject *args, PyObject *kwds,
    const char *format, const char *fname,
    struct kp_error *(*setter)(kvm_t *, const struct kp_reloc *, size_t))
{
	static char *keywords[] = { "mods", NULL };
	struct kp_reloc *mods;
	struct kp_error *err;
	PyObject *seq;
	Py_ssize_t n;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, format, keywords, &seq))
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

KVM_METHOD(dpcpu_set_modules)
{
	return (set_modules(self, args, kwds, "O:dpcpu_set_modules",
	    "dpcpu_set_modules", kp_dpcpu_set_modules));
}

KVM_METHOD(vnet_set_modules)
{
	return (set_modules(self, args, kwds, "O:vnet_set_modules",
	    "vnet_set_modules", kp_vnet_set_modules));
}

KVM_METHOD(vnet_addr)
{
	static char *keywords[] = { "addr", "vnet_data_base", NULL };
	struct kp_error *err;
	uint64_t addr, base, ret;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&:vnet_addr",
	    keywords, addr_converter, &addr, addr_converter, &base))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_vnet_addr(kd, addr, base, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

static PyObject *
template(KvmObject *self, PyObject *args, PyObject *kwds, const char *format,
    struct kp_error *(*get)(kvm_t *, uint64_t, uint64_t *))
{
	static char *keywords[] = { "addr", NULL };
	struct kp_error *err;
	uint64_t addr, ret;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, format, keywords,
	    addr_converter, &addr))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = get(kd, addr, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

KVM_METHOD(dpcpu_template)
{
	return (template(self, args, kwds, "O&:dpcpu_template",
	    kp_dpcpu_template));
}

KVM_METHOD(vnet_template)
{
	return (template(self, args, kwds, "O&:vnet_template",
	    kp_vnet_template));
}

KVM_METHOD(dpcpu_fields)
{
	static char *keywords[] = { "addr", "cpus", "fields", NULL };
	struct py_array cpus = { NULL, 0 }, fields = { NULL, 0 };
	struct kp_rows *rows;
	struct kp_error *err;
	PyObject *list = NULL;
	uint64_t addr;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&O&:dpcpu_fields",
	    keywords, addr_converter, &addr, cpus_converter, &cpus,
	    fields_converter, &fields))
		return (NULL);
	err = kp_dpcpu_fields(kd, addr, cpus.items, cpus.count, fields.items,
	    fields.count, &rows);
	if (err != NULL)
		set_kp_error(err);
	else {
		list = rows_to_list(rows, fields.items);
		kp_rows_free(rows);
	}
	py_array_free(&cpus);
	py_array_free(&fields);
	return (list);
}

KVM_METHOD(dpcpu_read)
{
	static char *keywords[] = { "addr", "size", "cpus", NULL };
	struct py_array cpus = { NULL, 0 };
	struct kp_error *err;
	PyObject *list = NULL, *item;
	unsigned char *out = NULL;
	bool *ok = NULL;
	uint64_t addr;
	size_t size, i;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&O&:dpcpu_read",
	    keywords, addr_converter, &addr, size_converter, &size,
	    cpus_converter, &cpus))
		return (NULL);
	if (size != 0 && cpus.count > (PY_SSIZE_T_MAX - 1) / size)
		PyErr_NoMemory();
	else if ((out = PyMem_Malloc(cpus.count * size + 1)) == NULL ||
	    (ok = PyMem_Calloc(cpus.count + 1, sizeof(*ok))) == NULL)
		PyErr_NoMemory();
	else if ((err = kp_dpcpu_read(kd, addr, size, cpus.items, cpus.count,
	    out, ok)) != NULL)
		set_kp_error(err);
	else
		list = PyList_New((Py_ssize_t)cpus.count);
	for (i = 0; list != NULL && i < cpus.count; i++) {
		item = ok[i] ? PyBytes_FromStringAndSize((char *)out + i * size,
		    (Py_ssize_t)size) : Py_NewRef(Py_None);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	PyMem_Free(out);
	PyMem_Free(ok);
	py_array_free(&cpus);
	return (list);
}
