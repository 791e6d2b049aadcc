/*
 * Struct layouts from a kernel's DWARF, through libdw (elfutils).
 *
 * Only what printing a struct pcpu needs: the size of the struct and, per
 * member, its name, offset, size and whether it is a signed or unsigned
 * integer, a pointer, an array (of what) or an aggregate.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "kp_dwarf.h"

/* Strip typedefs and qualifiers (libdw's dwarf_peel_type). */
static int
kp_dwarf_peel(Dwarf_Die *type, Dwarf_Die *ret)
{
	return (dwarf_peel_type(type, ret));
}

static enum kp_member_kind
kp_dwarf_kind(Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;

	switch (dwarf_tag(type)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		return (KP_MEMBER_POINTER);
	case DW_TAG_array_type:
		return (KP_MEMBER_ARRAY);
	case DW_TAG_enumeration_type:
		return (KP_MEMBER_UINT);
	case DW_TAG_base_type:
		if (dwarf_attr(type, DW_AT_encoding, &attr) == NULL ||
		    dwarf_formudata(&attr, &enc) != 0)
			return (KP_MEMBER_STRUCT);
		if (enc == DW_ATE_signed || enc == DW_ATE_signed_char)
			return (KP_MEMBER_INT);
		if (enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char ||
		    enc == DW_ATE_boolean)
			return (KP_MEMBER_UINT);
		return (KP_MEMBER_STRUCT);
	default:
		return (KP_MEMBER_STRUCT);
	}
}

static uint64_t
kp_dwarf_size(Dwarf_Die *type, unsigned int pointer_size)
{
	Dwarf_Word size;

	if (dwarf_aggregate_size(type, &size) == 0)
		return (size);
	if (dwarf_tag(type) == DW_TAG_pointer_type)
		return (pointer_size);
	return (0);
}

/* The tag of a struct or union type, or NULL. */
static char *
kp_dwarf_tag(Dwarf_Die *type)
{
	const char *tag;

	if (dwarf_tag(type) != DW_TAG_structure_type &&
	    dwarf_tag(type) != DW_TAG_union_type)
		return (NULL);
	tag = dwarf_diename(type);
	return (tag != NULL ? strdup(tag) : NULL);
}

/* Describe the type that DIE die's DW_AT_type names; false if it has none. */
static bool
kp_dwarf_describe(Dwarf_Die *die, unsigned int pointer_size,
    struct kp_member *m)
{
	Dwarf_Attribute attr;
	Dwarf_Die type, peeled, elem;

	if (dwarf_attr_integrate(die, DW_AT_type, &attr) == NULL ||
	    dwarf_formref_die(&attr, &type) == NULL ||
	    kp_dwarf_peel(&type, &peeled) != 0)
		return (false);
	m->kind = kp_dwarf_kind(&peeled);
	m->size = kp_dwarf_size(&peeled, pointer_size);
	m->elem_kind = KP_MEMBER_STRUCT;
	m->elem_size = 0;
	m->tag = NULL;
	if (m->kind == KP_MEMBER_ARRAY &&
	    dwarf_attr_integrate(&peeled, DW_AT_type, &attr) != NULL &&
	    dwarf_formref_die(&attr, &type) != NULL &&
	    kp_dwarf_peel(&type, &elem) == 0) {
		m->elem_kind = kp_dwarf_kind(&elem);
		m->elem_size = kp_dwarf_size(&elem, pointer_size);
		m->tag = kp_dwarf_tag(&elem);
	} else
		m->tag = kp_dwarf_tag(&peeled);
	return (true);
}

/* Describe one DW_TAG_member; false if it is not a usable member. */
static bool
kp_dwarf_member(Dwarf_Die *die, unsigned int pointer_size,
    struct kp_member *m)
{
	Dwarf_Attribute attr;
	Dwarf_Word off;
	const char *name;

	name = dwarf_diename(die);
	if (name == NULL)
		return (false);		/* anonymous unions: not printed */
	if (dwarf_attr(die, DW_AT_data_member_location, &attr) == NULL ||
	    dwarf_formudata(&attr, &off) != 0)
		return (false);		/* bit-fields and the like */
	if (!kp_dwarf_describe(die, pointer_size, m))
		return (false);
	m->offset = off;
	m->name = strdup(name);
	if (m->name == NULL) {
		free(m->tag);
		return (false);
	}
	return (true);
}

void
kp_dwarf_members_free(struct kp_member *members, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(members[i].name);
		free(members[i].tag);
	}
	free(members);
}

static struct kp_error *
kp_dwarf_members(Dwarf_Die *st, unsigned int pointer_size,
    struct kp_member **members, size_t *count)
{
	struct kp_member *ms = NULL, *grown;
	size_t n = 0, cap = 0;
	Dwarf_Die child;

	if (dwarf_child(st, &child) == 0) {
		do {
			if (dwarf_tag(&child) != DW_TAG_member)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(ms, cap * sizeof(*ms));
				if (grown == NULL) {
					kp_dwarf_members_free(ms, n);
					return (&kp_enomem);
				}
				ms = grown;
			}
			if (kp_dwarf_member(&child, pointer_size, &ms[n]))
				n++;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	*members = ms;
	*count = n;
	return (NULL);
}

/*
 * The first top-level DIE of kind dwtag named name, a definition (no
 * DW_AT_declaration) when one exists; a struct also needs a size.
 */
static bool
kp_dwarf_find(Dwarf *dw, int dwtag, const char *name, Dwarf_Die *ret)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, die;
	bool found = false;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, off + hsize, &cu) != NULL &&
		    dwarf_child(&cu, &die) == 0) {
			do {
				if (dwarf_tag(&die) != dwtag ||
				    dwarf_diename(&die) == NULL ||
				    strcmp(dwarf_diename(&die), name) != 0)
					continue;
				if (dwtag == DW_TAG_structure_type &&
				    !dwarf_hasattr(&die, DW_AT_byte_size))
					continue;
				if (!dwarf_hasattr(&die, DW_AT_declaration)) {
					*ret = die;
					return (true);
				}
				if (!found) {
					*ret = die;
					found = true;
				}
			} while (dwarf_siblingof(&die, &die) == 0);
		}
		off = next;
	}
	return (found && dwtag != DW_TAG_structure_type);
}

static struct kp_error *
kp_dwarf_begin(Elf *elf, Dwarf **ret)
{
	*ret = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (*ret == NULL)
		return (kp_error_format(KP_ERR_LOOKUP,
		    "no debug info (DWARF) in the kernel file: use kernel.debug"));
	return (NULL);
}

struct kp_error *
kp_dwarf_variable(Elf *elf, const char *name, struct kp_member *ret)
{
	struct kp_error *err;
	Dwarf_Die var;
	Dwarf *dw;

	if ((err = kp_dwarf_begin(elf, &dw)) != NULL)
		return (err);
	memset(ret, 0, sizeof(*ret));
	if (!kp_dwarf_find(dw, DW_TAG_variable, name, &var) ||
	    !kp_dwarf_describe(&var, gelf_getclass(elf) == ELFCLASS32 ? 4 : 8,
	    ret))
		err = kp_error_format(KP_ERR_LOOKUP,
		    "no variable %s in the kernel's debug info", name);
	dwarf_end(dw);
	return (err);
}

struct kp_error *
kp_dwarf_struct(Elf *elf, const char *tag, uint64_t *size,
    struct kp_member **members, size_t *count)
{
	struct kp_error *err;
	unsigned int pointer_size;
	Dwarf_Word bytes;
	Dwarf_Die st;
	Dwarf *dw;

	pointer_size = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	if ((err = kp_dwarf_begin(elf, &dw)) != NULL)
		return (err);
	if (!kp_dwarf_find(dw, DW_TAG_structure_type, tag, &st)) {
		dwarf_end(dw);
		return (kp_error_format(KP_ERR_LOOKUP,
		    "no struct %s in the kernel's debug info", tag));
	}
	if (dwarf_aggregate_size(&st, &bytes) != 0) {
		dwarf_end(dw);
		return (kp_error_format(KP_ERR_LOOKUP,
		    "struct %s has no size in the kernel's debug info", tag));
	}
	*size = bytes;
	err = kp_dwarf_members(&st, pointer_size, members, count);
	dwarf_end(dw);
	return (err);
}
