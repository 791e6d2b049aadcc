/*
 * kgdb_pcpu._kvm: the CPython binding of the per-CPU core.  The module's
 * functions, its types (Kvm, ElfKvm) and exceptions, set up in one place.
 * See py_kvm.h for what each py_*.c file holds.
 */
#include "py_kvm.h"

static PyMethodDef module_methods[] = {
	{ "elf_symbol_names", (PyCFunction)(void (*)(void))py_elf_symbol_names,
	  METH_VARARGS | METH_KEYWORDS,
	  "elf_symbol_names(path, prefix='') -> sorted list of the names in "
	  "the ELF file's .symtab that start with prefix" },
	{ "elf_symbol_addresses",
	  (PyCFunction)(void (*)(void))py_elf_symbol_addresses,
	  METH_VARARGS | METH_KEYWORDS,
	  "elf_symbol_addresses(path, names) -> {name: value} of the names "
	  "in the ELF file's .symtab (a global before a local of the same "
	  "name); names not there are left out" },
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
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef kvm_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "kgdb_pcpu._kvm",
	.m_doc = "FreeBSD per-CPU data (libkvm's per-CPU API) over a target "
	    "of Python callables, or over a kernel and a core file.",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__kvm(void)
{
	PyObject *m;

	if (PyType_Ready(&Kvm_Type) < 0 || PyType_Ready(&ElfKvm_Type) < 0)
		return (NULL);
	m = PyModule_Create(&kvm_module);
	if (m == NULL)
		return (NULL);
	if (py_error_init(m) < 0 ||
	    PyModule_AddObjectRef(m, "Kvm", (PyObject *)&Kvm_Type) < 0 ||
	    PyModule_AddObjectRef(m, "ElfKvm", (PyObject *)&ElfKvm_Type) < 0) {
		Py_DECREF(m);
		return (NULL);
	}
	return (m);
}
