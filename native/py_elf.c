/*
 * ElfKvm: a Kvm handle on a kernel ELF file and an ELF core file, without
 * GDB (the ELF target, kp_elf.c).  Besides every Kvm method it reads the
 * kernel's symbol table and DWARF itself: lookup, symbol_size, read,
 * struct_members, variable_type.  And elf_symbol_names(), for completion
 * without parsing ELF in Python.
 */
#include <stdlib.h>

#include "kp_elf.h"
#include "py_kvm.h"

typedef struct {
	KvmObject kvm;
	struct kp_elf *elf;
} ElfKvmObject;

static void
ElfKvm_close(ElfKvmObject *self)
{
	/* The handle reads through elf: it goes first. */
	kp_close(self->kvm.kd);
	self->kvm.kd = NULL;
	kp_elf_close(self->elf);
	self->elf = NULL;
}

static int
ElfKvm_init(ElfKvmObject *self, PyObject *args, PyObject *kwds)
{
	static char *keywords[] = { "kernel", "core", "zpcpu_stride",
	    "maxcpus", NULL };
	unsigned long long stride = 0;
	int maxcpus = 0;
	struct kp_target target;
	struct kp_error *err;
	PyObject *kpath, *cpath;
	int ret = -1;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&|$Ki:ElfKvm",
	    keywords, PyUnicode_FSConverter, &kpath, PyUnicode_FSConverter,
	    &cpath, &stride, &maxcpus))
		return (-1);
	ElfKvm_close(self);
	err = kp_elf_open(PyBytes_AS_STRING(kpath), PyBytes_AS_STRING(cpath),
	    &self->elf);
	if (err == NULL) {
		kp_elf_target(self->elf, &target);
		target.interrupted = py_target_interrupted;
		target.layout.zpcpu_stride = stride;
		target.layout.maxcpus = maxcpus;
		err = kp_open(&target, &self->kvm.kd);
	}
	if (err != NULL) {
		ElfKvm_close(self);
		set_kp_error(err);
	} else
		ret = 0;
	Py_DECREF(kpath);
	Py_DECREF(cpath);
	return (ret);
}

/* The Python references are Kvm's: none, but GC wants the slots. */
static int
ElfKvm_traverse(PyObject *self, visitproc visit, void *arg)
{
	return (Kvm_Type.tp_traverse(self, visit, arg));
}

static int
ElfKvm_clear(PyObject *self)
{
	return (Kvm_Type.tp_clear(self));
}

static void
ElfKvm_dealloc(ElfKvmObject *self)
{
	PyObject_GC_UnTrack(self);
	ElfKvm_close(self);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The ELF of an initialised handle, or NULL with an exception set. */
static struct kp_elf *
elf_of(ElfKvmObject *self)
{
	if (self->elf == NULL) {
		PyErr_SetString(PyExc_ValueError, "ElfKvm handle not "
		    "initialised");
		return (NULL);
	}
	return (self->elf);
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

static PyObject *
ElfKvm_struct_members(ElfKvmObject *self, PyObject *args)
{
	struct kp_member *m;
	struct kp_error *err;
	struct kp_elf *elf;
	PyObject *list, *item;
	const char *tag;
	uint64_t size;
	size_t i, n;

	if (!PyArg_ParseTuple(args, "s:struct_members", &tag))
		return (NULL);
	if ((elf = elf_of(self)) == NULL)
		return (NULL);
	if ((err = kp_elf_struct(elf, tag, &size, &m, &n)) != NULL)
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
ElfKvm_variable_type(ElfKvmObject *self, PyObject *args)
{
	struct kp_member m;
	struct kp_error *err;
	struct kp_elf *elf;
	const char *name;
	PyObject *ret;

	if (!PyArg_ParseTuple(args, "s:variable_type", &name))
		return (NULL);
	if ((elf = elf_of(self)) == NULL)
		return (NULL);
	if ((err = kp_elf_variable(elf, name, &m)) != NULL)
		return (set_kp_error(err));
	ret = member_tuple(&m);
	free(m.tag);
	return (ret);
}

static PyObject *
ElfKvm_lookup(ElfKvmObject *self, PyObject *args)
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
ElfKvm_symbol_size(ElfKvmObject *self, PyObject *args)
{
	struct kp_error *err;
	struct kp_elf *elf;
	const char *name;
	uint64_t addr, size;

	if (!PyArg_ParseTuple(args, "s:symbol_size", &name))
		return (NULL);
	if ((elf = elf_of(self)) == NULL)
		return (NULL);
	if ((err = kp_elf_symbol(elf, name, &addr, &size)) != NULL)
		return (set_kp_error(err));
	return (PyLong_FromUnsignedLongLong(size));
}

static PyObject *
ElfKvm_read(ElfKvmObject *self, PyObject *args)
{
	struct kp_error *err;
	PyObject *bytes;
	uint64_t addr;
	size_t size;
	kvm_t *kd;

	if (!PyArg_ParseTuple(args, "O&O&:read", addr_converter, &addr,
	    size_converter, &size))
		return (NULL);
	if ((kd = KD(self)) == NULL)
		return (NULL);
	bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
	if (bytes == NULL)
		return (NULL);
	err = kp_read_memory(kd, addr, PyBytes_AS_STRING(bytes), size);
	if (err != NULL) {
		Py_DECREF(bytes);
		return (set_kp_error(err));
	}
	return (bytes);
}

static PyMethodDef ElfKvm_methods[] = {
	{ "lookup", (PyCFunction)ElfKvm_lookup, METH_VARARGS,
	  "lookup(name) -> the symbol's address; SymbolError if there is "
	  "none" },
	{ "symbol_size", (PyCFunction)ElfKvm_symbol_size, METH_VARARGS,
	  "symbol_size(name) -> the symbol's st_size" },
	{ "read", (PyCFunction)ElfKvm_read, METH_VARARGS,
	  "read(addr, size) -> bytes of target memory; FaultError if "
	  "unreadable" },
	{ "struct_members", (PyCFunction)ElfKvm_struct_members, METH_VARARGS,
	  "struct_members(tag) -> [(name, offset, size, kind, elem_kind, "
	  "elem_size, tag), ...] of struct tag, from DWARF" },
	{ "variable_type", (PyCFunction)ElfKvm_variable_type, METH_VARARGS,
	  "variable_type(name) -> (None, 0, size, kind, elem_kind, elem_size, "
	  "tag) of a global variable, from DWARF" },
	{ NULL, NULL, 0, NULL },
};

PyTypeObject ElfKvm_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "kgdb_pcpu._kvm.ElfKvm",
	.tp_basicsize = sizeof(ElfKvmObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "ElfKvm(kernel, core, *, zpcpu_stride=0, maxcpus=0)\n\n"
	    "A Kvm handle on a kernel ELF file and an ELF core file (PT_LOAD\n"
	    "segments at virtual addresses), as libkvm reads a vmcore with\n"
	    "-N kernel -M core, without GDB.",
	.tp_base = &Kvm_Type,
	.tp_init = (initproc)ElfKvm_init,
	.tp_dealloc = (destructor)ElfKvm_dealloc,
	.tp_traverse = ElfKvm_traverse,
	.tp_clear = ElfKvm_clear,
	.tp_methods = ElfKvm_methods,
};

PyObject *
py_elf_symbol_names(PyObject *Py_UNUSED(mod), PyObject *args, PyObject *kwds)
{
	static char *keywords[] = { "path", "prefix", NULL };
	struct kp_error *err;
	PyObject *path, *list = NULL, *item;
	const char *prefix = "";
	char **names;
	size_t i, n;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|s:elf_symbol_names",
	    keywords, PyUnicode_FSConverter, &path, &prefix))
		return (NULL);
	err = kp_elf_symbol_names(PyBytes_AS_STRING(path), prefix, &names, &n);
	Py_DECREF(path);
	if (err != NULL)
		return (set_kp_error(err));
	list = PyList_New((Py_ssize_t)n);
	for (i = 0; list != NULL && i < n; i++) {
		item = PyUnicode_DecodeFSDefault(names[i]);
		if (item == NULL)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	kp_elf_names_free(names);
	return (list);
}

PyObject *
py_elf_symbol_addresses(PyObject *Py_UNUSED(mod), PyObject *args,
    PyObject *kwds)
{
	static char *keywords[] = { "path", "names", NULL };
	struct kp_error *err = NULL;
	PyObject *path, *names, *seq = NULL, *dict = NULL, *value;
	const char **cnames = NULL;
	uint64_t *values = NULL;
	bool *found = NULL;
	Py_ssize_t i, n;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O:elf_symbol_addresses",
	    keywords, PyUnicode_FSConverter, &path, &names))
		return (NULL);
	seq = PySequence_Fast(names, "names must be a sequence of str");
	if (seq == NULL)
		goto out;
	n = PySequence_Fast_GET_SIZE(seq);
	cnames = calloc(n ? (size_t)n : 1, sizeof(*cnames));
	values = calloc(n ? (size_t)n : 1, sizeof(*values));
	found = calloc(n ? (size_t)n : 1, sizeof(*found));
	if (cnames == NULL || values == NULL || found == NULL) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < n; i++) {
		cnames[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
		if (cnames[i] == NULL)
			goto out;
	}
	err = kp_elf_symbol_addresses(PyBytes_AS_STRING(path), cnames,
	    (size_t)n, values, found);
	if (err != NULL) {
		set_kp_error(err);
		goto out;
	}
	dict = PyDict_New();
	for (i = 0; dict != NULL && i < n; i++) {
		if (!found[i])
			continue;
		value = PyLong_FromUnsignedLongLong(values[i]);
		if (value == NULL || PyDict_SetItem(dict,
		    PySequence_Fast_GET_ITEM(seq, i), value) < 0)
			Py_CLEAR(dict);
		Py_XDECREF(value);
	}
out:
	free(cnames);
	free(values);
	free(found);
	Py_XDECREF(seq);
	Py_DECREF(path);
	return (dict);
}
