/*
 * Kvm methods of UMA_ZONE_PCPU slots (zpcpu) and counter(9).  A base of 0
 * is NullCounterError everywhere (kp_zpcpu.c, kp_counter.c).
 */
#include "py_kvm.h"

KVM_METHOD(zpcpu_addr)
{
	static char *keywords[] = { "base", "cpu", NULL };
	struct kp_error *err;
	uint64_t base, ret;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&:zpcpu_addr",
	    keywords, addr_converter, &base, cpu_converter, &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_zpcpu_addr(kd, base, cpu, &ret)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(ret));
}

KVM_NOARGS(zpcpu_stride)
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

	(void)unused;
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_zpcpu_rule(kd, &rule, &stride)) != NULL)
		return (set_kp_error(err));
	return (Py_BuildValue("sK", names[rule], (unsigned long long)stride));
}

KVM_METHOD(read_zpcpu)
{
	static char *keywords[] = { "base", "size", "cpu", NULL };
	struct kp_error *err;
	PyObject *bytes;
	uint64_t base;
	size_t size;
	kvm_t *kd;
	int cpu;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&O&:read_zpcpu",
	    keywords, addr_converter, &base, size_converter, &size,
	    cpu_converter, &cpu))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
	if (bytes == NULL)
		return (NULL);
	err = kp_read_zpcpu(kd, base, PyBytes_AS_STRING(bytes), size, cpu);
	if (err != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
}

KVM_METHOD(counter_u64_fetch)
{
	static char *keywords[] = { "base", NULL };
	struct kp_error *err;
	uint64_t base, sum;
	kvm_t *kd;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:counter_u64_fetch",
	    keywords, addr_converter, &base))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	if ((err = kp_counter_fetch(kd, base, &sum)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(sum));
}

KVM_METHOD(counter_u64_slots)
{
	static char *keywords[] = { "base", "cpus", NULL };
	struct py_array cpus = { NULL, 0 };
	struct kp_error *err;
	PyObject *cpuobj = Py_None, *list = NULL, *item;
	uint64_t base, *values = NULL;
	const int *ids;
	size_t i, n;
	kvm_t *kd;
	int count;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|O:counter_u64_slots",
	    keywords, addr_converter, &base, &cpuobj))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	/* None: every present CPU, in CPU_FOREACH order. */
	if (cpuobj != Py_None) {
		if (!cpus_converter(cpuobj, &cpus))
			return (NULL);
		ids = cpus.items;
		n = cpus.count;
	} else if ((err = kp_cpus(kd, &ids, &count)) != NULL)
		return (set_kp_error(err));
	else
		n = (size_t)count;
	if ((values = PyMem_Calloc(n + 1, sizeof(*values))) == NULL)
		PyErr_NoMemory();
	else if ((err = kp_counter_slots(kd, base, ids, n, values)) != NULL)
		set_kp_error(err);
	else
		list = PyList_New((Py_ssize_t)n);
	for (i = 0; list != NULL && i < n; i++) {
		item = Py_BuildValue("iK", ids[i],
		    (unsigned long long)values[i]);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	PyMem_Free(values);
	py_array_free(&cpus);
	return (list);
}

KVM_METHOD(counter_u64_fetch_array)
{
	static char *keywords[] = { "bases", NULL };
	struct py_array bases = { NULL, 0 };
	struct kp_error *err;
	PyObject *list = NULL;
	uint64_t *sums;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds,
	    "O&:counter_u64_fetch_array", keywords, addrs_converter, &bases))
		return (NULL);
	sums = PyMem_Calloc(bases.count + 1, sizeof(*sums));
	if (sums == NULL)
		PyErr_NoMemory();
	else if ((err = kp_counter_fetch_array(kd, bases.items, bases.count,
	    sums)) != NULL)
		set_kp_error(err);
	else
		list = list_of_u64(sums, bases.count);
	PyMem_Free(sums);
	py_array_free(&bases);
	return (list);
}

KVM_METHOD(counter_u64_fetch_partial)
{
	static char *keywords[] = { "bases", NULL };
	struct py_array bases = { NULL, 0 };
	struct kp_error *err;
	PyObject *ret = NULL, *sumlist = NULL, *misslist = NULL;
	const int *ids;
	uint64_t *sums = NULL;
	int *missing = NULL, count;
	size_t nmissing;
	kvm_t *kd;

	if ((kd = KD(self)) == NULL)
		return (NULL);
	if (!PyArg_ParseTupleAndKeywords(args, kwds,
	    "O&:counter_u64_fetch_partial", keywords, addrs_converter, &bases))
		return (NULL);
	if ((err = kp_cpus(kd, &ids, &count)) != NULL) {
		set_kp_error(err);
		goto out;
	}
	sums = PyMem_Calloc(bases.count + 1, sizeof(*sums));
	missing = PyMem_Calloc((size_t)count + 1, sizeof(*missing));
	if (sums == NULL || missing == NULL) {
		PyErr_NoMemory();
		goto out;
	}
	err = kp_counter_fetch_partial(kd, bases.items, bases.count, sums,
	    missing, &nmissing);
	if (err != NULL) {
		set_kp_error(err);
		goto out;
	}
	if ((sumlist = list_of_u64(sums, bases.count)) != NULL &&
	    (misslist = list_of_int(missing, nmissing)) != NULL)
		ret = PyTuple_Pack(2, sumlist, misslist);
out:
	Py_XDECREF(sumlist);
	Py_XDECREF(misslist);
	PyMem_Free(sums);
	PyMem_Free(missing);
	py_array_free(&bases);
	return (ret);
}
