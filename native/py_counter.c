/*
 * Kvm methods of UMA_ZONE_PCPU slots (zpcpu) and counter(9).  A base of 0
 * is NullCounterError everywhere (kp_zpcpu.c).
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
	static char *keywords[] = { "base", NULL };
	struct kp_error *err;
	const int *cpus;
	uint64_t base, *values;
	PyObject *list = NULL, *item;
	kvm_t *kd;
	int i, n;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&:counter_u64_slots",
	    keywords, addr_converter, &base))
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
