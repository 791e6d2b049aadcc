/*
 * Core errors as Python exceptions: one class per kind, one mapping function
 * (as drgn's set_drgn_error).
 *
 * Every class derives from KvmError, whose instances all have .address: the
 * failing address of a fault, the address refused as not per-CPU data or
 * found corrupt, else None.  Three kinds are Python's own: out of memory
 * (MemoryError), interrupted (KeyboardInterrupt, or whatever the signal
 * handler raised) and a target's error (the exception its callback raised,
 * still pending, unchanged).
 */
#include "py_kvm.h"

static PyObject *KvmError;

static PyObject *CpuAbsentError, *CpuRangeError, *FaultError,
    *NotPerCpuError, *SymbolError, *CorruptError, *NullCounterError,
    *InvalidError;

static const struct {
	const char *name;
	PyObject **cls;
	enum kp_error_code code;
	const char *doc;
} kinds[] = {
	{ "CpuAbsentError", &CpuAbsentError, KP_ERR_ABSENT,
	  "A CPU that this kernel does not have: \"CPU N not found\"." },
	{ "CpuRangeError", &CpuRangeError, KP_ERR_RANGE,
	  "A CPU id at or beyond mp_maxcpus: \"CPU N too big (mp_maxcpus is "
	  "M)\"." },
	{ "FaultError", &FaultError, KP_ERR_FAULT,
	  "Target memory that cannot be read; .address is where." },
	{ "NotPerCpuError", &NotPerCpuError, KP_ERR_NOT_PERCPU,
	  "An address outside set_pcpu or set_vnet and every module's; "
	  ".address is that address." },
	{ "SymbolError", &SymbolError, KP_ERR_LOOKUP,
	  "A symbol the kernel must export is missing." },
	{ "CorruptError", &CorruptError, KP_ERR_CORRUPT,
	  "The dump holds values no kernel would (a loop in a list, a CPU "
	  "count out of range)." },
	{ "NullCounterError", &NullCounterError, KP_ERR_NULL,
	  "A counter(9) that is NULL: \"counter is NULL (not allocated)\"." },
	{ "InvalidError", &InvalidError, KP_ERR_INVALID,
	  "Any other bad argument or unusable file." },
};

#define	NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

int
py_error_init(PyObject *module)
{
	PyObject *dict;
	size_t i;
	char name[64];

	dict = Py_BuildValue("{sO}", "address", Py_None);
	if (dict == NULL)
		return (-1);
	KvmError = PyErr_NewExceptionWithDoc("kgdb_pcpu._kvm.KvmError",
	    "A failure of the per-CPU core: str() says what and where, "
	    ".address the address concerned or None.", NULL, dict);
	Py_DECREF(dict);
	if (KvmError == NULL ||
	    PyModule_AddObjectRef(module, "KvmError", KvmError) < 0)
		return (-1);
	for (i = 0; i < NKINDS; i++) {
		snprintf(name, sizeof(name), "kgdb_pcpu._kvm.%s",
		    kinds[i].name);
		*kinds[i].cls = PyErr_NewExceptionWithDoc(name, kinds[i].doc,
		    KvmError, NULL);
		if (*kinds[i].cls == NULL ||
		    PyModule_AddObjectRef(module, kinds[i].name,
		    *kinds[i].cls) < 0)
			return (-1);
	}
	return (0);
}

/* The class of a kind that has one. */
static PyObject *
error_class(enum kp_error_code code)
{
	size_t i;

	for (i = 0; i < NKINDS; i++) {
		if (kinds[i].code == code)
			return (*kinds[i].cls);
	}
	return (KvmError);
}

/* Raise cls(message) with .address set. */
static void
raise_with_address(PyObject *cls, const struct kp_error *err)
{
	PyObject *exc, *addr;

	exc = PyObject_CallFunction(cls, "s", err->message);
	if (exc == NULL)
		return;
	if (err->has_address)
		addr = PyLong_FromUnsignedLongLong(err->address);
	else
		addr = Py_NewRef(Py_None);
	if (addr == NULL || PyObject_SetAttrString(exc, "address", addr) < 0) {
		Py_XDECREF(addr);
		Py_DECREF(exc);
		return;
	}
	Py_DECREF(addr);
	PyErr_SetObject(cls, exc);
	Py_DECREF(exc);
}

/*
 * Raise the exception of err, free err and return NULL, so that call sites
 * read "return (set_kp_error(err));".  A pending exception is the target's
 * own error (KP_ERR_TARGET) or the signal handler's (KP_ERR_INTERRUPTED):
 * it goes out as it is.
 */
PyObject *
set_kp_error(struct kp_error *err)
{
	if (PyErr_Occurred()) {
		kp_error_destroy(err);
		return (NULL);
	}
	switch (err->code) {
	case KP_ERR_NOMEM:
		PyErr_NoMemory();
		break;
	case KP_ERR_INTERRUPTED:
		PyErr_SetNone(PyExc_KeyboardInterrupt);
		break;
	default:
		raise_with_address(error_class(err->code), err);
		break;
	}
	kp_error_destroy(err);
	return (NULL);
}
