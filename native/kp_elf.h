/*
 * The ELF target: a kernel ELF file (symbol table, sections, DWARF) plus an
 * ELF core file (PT_LOAD segments at virtual addresses, as gcore or a
 * FreeBSD minidump converter writes them).  Needs no GDB.
 */
#ifndef KP_ELF_H
#define KP_ELF_H

#include "kvm_pcpu.h"

struct kp_elf;

/* What a struct member looks like, enough to print it (kp_dwarf.c). */
enum kp_member_kind {
	KP_MEMBER_INT,		/* signed integer, char, enum with negatives */
	KP_MEMBER_UINT,		/* unsigned integer, bool, enum */
	KP_MEMBER_POINTER,
	KP_MEMBER_ARRAY,	/* elem_kind/elem_size describe one element */
	KP_MEMBER_STRUCT,	/* struct, union, anything else */
};

struct kp_member {
	char *name;		/* malloc'd; NULL for a variable's own type */
	char *tag;		/* malloc'd struct/union tag of the type (or of
				   an array's element), or NULL */
	uint64_t offset;
	uint64_t size;
	enum kp_member_kind kind;
	enum kp_member_kind elem_kind;	/* KP_MEMBER_ARRAY only */
	uint64_t elem_size;
};

/*
 * Open kernel_path and core_path.  Fails with one line naming the file and
 * what is wrong with it (missing, not ELF, no symbols, cut short, no
 * struct pcpu in the debug info).  Free with kp_elf_close().
 */
struct kp_error *kp_elf_open(const char *kernel_path, const char *core_path,
    struct kp_elf **ret);
void kp_elf_close(struct kp_elf *elf);

/* Fill *target with the ELF target's hooks and layout (arg is elf). */
void kp_elf_target(struct kp_elf *elf, struct kp_target *target);

/* A kernel symbol's address and size (st_size); KP_ERR_LOOKUP if none. */
struct kp_error *kp_elf_symbol(struct kp_elf *elf, const char *name,
    uint64_t *addr, uint64_t *size);

/*
 * The members of struct tag from DWARF, in order, into a malloc'd array the
 * caller frees with kp_elf_members_free().  KP_ERR_LOOKUP if none.
 */
struct kp_error *kp_elf_struct(struct kp_elf *elf, const char *tag,
    uint64_t *size, struct kp_member **members, size_t *count);
/* The type of the global variable name, from DWARF; free ret->tag. */
struct kp_error *kp_elf_variable(struct kp_elf *elf, const char *name,
    struct kp_member *ret);
void kp_elf_members_free(struct kp_member *members, size_t count);

/*
 * The names in the .symtab of the ELF file path that start with prefix,
 * sorted, each once (for completion), in one block (NULL-terminated too)
 * that kp_elf_names_free() frees.
 */
struct kp_error *kp_elf_symbol_names(const char *path, const char *prefix,
    char ***names, size_t *count);
void kp_elf_names_free(char **names);

/*
 * The values of names[0..n) in the .symtab of the ELF file path (a global
 * definition before a local one): found[i] says whether names[i] is there.
 */
struct kp_error *kp_elf_symbol_addresses(const char *path,
    const char *const *names, size_t n, uint64_t *values, bool *found);

#endif /* !KP_ELF_H */
