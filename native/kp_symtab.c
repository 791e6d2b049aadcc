/*
 * A kernel ELF file's .symtab, sorted by name: binary search for lookups,
 * prefix ranges for completion.  Local symbols are kept (static variables
 * have DPCPU and VNET entries too), after the global of the same name.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "kp_symtab.h"

static int
kp_symtab_cmp(const void *a, const void *b)
{
	const struct kp_symtab_sym *x = a, *y = b;
	int c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return (c);
	return ((int)y->global - (int)x->global);
}

struct kp_error *
kp_symtab_load(Elf *e, const char *path, struct kp_symtab *ret)
{
	struct kp_symtab_sym *syms;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Sym sym;
	Elf_Data *data;
	const char *name;
	size_t i, n, m;

	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &shdr) != NULL &&
		    shdr.sh_type == SHT_SYMTAB)
			break;
	}
	if (scn == NULL || shdr.sh_entsize == 0 ||
	    (data = elf_getdata(scn, NULL)) == NULL)
		return (kp_error_format(KP_ERR_LOOKUP,
		    "kernel file %s has no symbol table", path));
	n = shdr.sh_size / shdr.sh_entsize;
	syms = calloc(n ? n : 1, sizeof(*syms));
	if (syms == NULL)
		return (&kp_enomem);
	for (i = m = 0; i < n; i++) {
		if (gelf_getsym(data, (int)i, &sym) == NULL ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, shdr.sh_link, sym.st_name);
		if (name == NULL || name[0] == '\0')
			continue;
		syms[m].name = name;
		syms[m].value = sym.st_value;
		syms[m].size = sym.st_size;
		syms[m].global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		m++;
	}
	qsort(syms, m, sizeof(*syms), kp_symtab_cmp);
	ret->syms = syms;
	ret->n = m;
	return (NULL);
}

void
kp_symtab_free(struct kp_symtab *symtab)
{
	free(symtab->syms);
	symtab->syms = NULL;
	symtab->n = 0;
}

/* The first entry whose name is not below name (strncmp over len bytes). */
static size_t
kp_symtab_lower(const struct kp_symtab *symtab, const char *name, size_t len)
{
	size_t lo = 0, hi = symtab->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(symtab->syms[mid].name, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

const struct kp_symtab_sym *
kp_symtab_find(const struct kp_symtab *symtab, const char *name)
{
	size_t i;

	i = kp_symtab_lower(symtab, name, strlen(name) + 1);
	if (i == symtab->n || strcmp(symtab->syms[i].name, name) != 0)
		return (NULL);
	return (&symtab->syms[i]);
}

/* Whether syms[i] starts with prefix and is not a repeat of syms[i - 1]. */
static bool
kp_symtab_new_name(const struct kp_symtab *symtab, size_t first, size_t i)
{
	return (i == first ||
	    strcmp(symtab->syms[i - 1].name, symtab->syms[i].name) != 0);
}

struct kp_error *
kp_symtab_names(const struct kp_symtab *symtab, const char *prefix,
    char ***names, size_t *count)
{
	size_t len = strlen(prefix), first, last, i, n = 0, bytes = 0;
	char **list, *p;

	/* One block: the pointers, then the names they point to. */
	first = kp_symtab_lower(symtab, prefix, len);
	for (last = first; last < symtab->n &&
	    strncmp(symtab->syms[last].name, prefix, len) == 0; last++) {
		if (kp_symtab_new_name(symtab, first, last)) {
			n++;
			bytes += strlen(symtab->syms[last].name) + 1;
		}
	}
	list = malloc((n + 1) * sizeof(*list) + bytes);
	if (list == NULL)
		return (&kp_enomem);
	p = (char *)(list + n + 1);
	for (i = first, n = 0; i < last; i++) {
		if (!kp_symtab_new_name(symtab, first, i))
			continue;
		list[n++] = p;
		p = stpcpy(p, symtab->syms[i].name) + 1;
	}
	list[n] = NULL;
	*names = list;
	*count = n;
	return (NULL);
}

void
kp_elf_names_free(char **names)
{
	free(names);
}
