/*
 * Struct layouts from a kernel's DWARF (libdw), for the ELF target.
 */
#ifndef KP_DWARF_H
#define KP_DWARF_H

#include <libelf.h>

#include "kp_elf.h"

/*
 * Find the definition of struct tag in elf's DWARF: its size and members
 * (malloc'd array; each name malloc'd).  KP_ERR_LOOKUP when there is none.
 */
struct kp_error *kp_dwarf_struct(Elf *elf, const char *tag, uint64_t *size,
    struct kp_member **members, size_t *count);

/* Describe the type of the global variable name (ret->name is NULL). */
struct kp_error *kp_dwarf_variable(Elf *elf, const char *name,
    struct kp_member *ret);

/* Free what kp_dwarf_struct() returned. */
void kp_dwarf_members_free(struct kp_member *members, size_t count);

#endif /* !KP_DWARF_H */
