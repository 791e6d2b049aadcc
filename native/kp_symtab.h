/*
 * A kernel ELF file's symbol table, sorted by name (kp_symtab.c), for the
 * ELF target.
 */
#ifndef KP_SYMTAB_H
#define KP_SYMTAB_H

#include <libelf.h>

#include "kp_elf.h"

struct kp_symtab_sym {
	const char *name;	/* in the file's string table */
	uint64_t value;
	uint64_t size;
	bool global;
};

struct kp_symtab {
	struct kp_symtab_sym *syms;	/* sorted by name, globals first */
	size_t n;
};

/* Every defined, named symbol of e's .symtab; names live as long as e. */
struct kp_error *kp_symtab_load(Elf *e, const char *path,
    struct kp_symtab *ret);
void kp_symtab_free(struct kp_symtab *symtab);
/* The entry of name (its global definition if it has one), or NULL. */
const struct kp_symtab_sym *kp_symtab_find(const struct kp_symtab *symtab,
    const char *name);
/* The names that start with prefix, each once, sorted (kp_elf.h). */
struct kp_error *kp_symtab_names(const struct kp_symtab *symtab,
    const char *prefix, char ***names, size_t *count);

#endif /* !KP_SYMTAB_H */
