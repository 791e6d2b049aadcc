/*
 * The ELF target: symbols and read-only sections from the kernel ELF file,
 * memory from the PT_LOAD segments of an ELF core file (libelf), layout from
 * the kernel's DWARF (kp_dwarf.c).  As libkvm reads a vmcore with
 * "-N kernel -M core", without a debugger.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kp_dwarf.h"
#include "kp_symtab.h"

/* A range of target memory backed by a file. */
struct kp_elf_seg {
	uint64_t vaddr;
	uint64_t size;
	off_t offset;
	int fd;
};

struct kp_elf {
	int kernel_fd;
	int core_fd;
	Elf *kernel;
	Elf *core;
	struct kp_symtab symtab;
	struct kp_elf_seg *segs;	/* core segments first, then kernel's */
	size_t nsegs;
	struct kp_layout layout;
};

static struct kp_error *
kp_elf_open_file(const char *path, const char *role, Elf_Kind kind,
    int *fdp, Elf **elfp)
{
	Elf *e;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (kp_error_format(KP_ERR_INVALID, "%s file %s: %s", role,
		    path, strerror(errno)));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e == NULL || elf_kind(e) != kind) {
		if (e != NULL)
			elf_end(e);
		close(fd);
		return (kp_error_format(KP_ERR_INVALID,
		    "%s file %s is not an ELF file", role, path));
	}
	*fdp = fd;
	*elfp = e;
	return (NULL);
}

static struct kp_error *
kp_elf_add_segment(struct kp_elf *elf, uint64_t vaddr, uint64_t size,
    off_t offset, int fd)
{
	struct kp_elf_seg *grown;

	grown = realloc(elf->segs, (elf->nsegs + 1) * sizeof(*elf->segs));
	if (grown == NULL)
		return (&kp_enomem);
	elf->segs = grown;
	elf->segs[elf->nsegs++] = (struct kp_elf_seg){ vaddr, size, offset,
	    fd };
	return (NULL);
}

/*
 * The file-backed part of each PT_LOAD.  A core whose segments run past its
 * end was cut short: say so at once rather than fail reads later.
 */
static struct kp_error *
kp_elf_load_segments(struct kp_elf *elf, Elf *e, int fd, const char *role,
    const char *path)
{
	struct kp_error *err;
	struct stat st;
	GElf_Phdr ph;
	size_t i, n;

	if (fstat(fd, &st) != 0 || elf_getphdrnum(e, &n) != 0)
		return (kp_error_format(KP_ERR_INVALID,
		    "%s file %s: cannot read its program headers", role, path));
	for (i = 0; i < n; i++) {
		if (gelf_getphdr(e, (int)i, &ph) == NULL ||
		    ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (ph.p_offset + ph.p_filesz > (uint64_t)st.st_size)
			return (kp_error_format(KP_ERR_CORRUPT,
			    "%s file %s is cut short: the segment at 0x%jx "
			    "needs %ju bytes, the file has %ju", role, path,
			    (uintmax_t)ph.p_vaddr,
			    (uintmax_t)(ph.p_offset + ph.p_filesz),
			    (uintmax_t)st.st_size));
		err = kp_elf_add_segment(elf, ph.p_vaddr, ph.p_filesz,
		    (off_t)ph.p_offset, fd);
		if (err != NULL)
			return (err);
	}
	return (NULL);
}

static struct kp_error *
kp_elf_load_layout(struct kp_elf *elf)
{
	struct kp_member *members;
	struct kp_error *err;
	size_t i, n;

	elf->layout.pointer_size =
	    gelf_getclass(elf->kernel) == ELFCLASS32 ? 4 : 8;
	elf->layout.big_endian =
	    elf_getident(elf->kernel, NULL)[EI_DATA] == ELFDATA2MSB;
	elf->layout.page_size = 4096;
	/* A file pays per read, not per byte: see kp_gather.c. */
	elf->layout.read_window = 256 * 1024;
	elf->layout.pc_zpcpu_offset = -1;
	err = kp_dwarf_struct(elf->kernel, "pcpu", &elf->layout.pcpu_size,
	    &members, &n);
	if (err != NULL)
		return (err);
	for (i = 0; i < n; i++) {
		if (strcmp(members[i].name, "pc_zpcpu_offset") == 0)
			elf->layout.pc_zpcpu_offset = (int64_t)members[i].offset;
	}
	kp_dwarf_members_free(members, n);
	return (NULL);
}

static struct kp_error *
kp_elf_load(struct kp_elf *elf, const char *kernel_path,
    const char *core_path)
{
	struct kp_error *err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return (kp_error_format(KP_ERR_INVALID, "libelf is too old"));
	err = kp_elf_open_file(kernel_path, "kernel", ELF_K_ELF,
	    &elf->kernel_fd, &elf->kernel);
	if (err == NULL)
		err = kp_elf_open_file(core_path, "core", ELF_K_ELF,
		    &elf->core_fd, &elf->core);
	if (err == NULL && gelf_getclass(elf->core) !=
	    gelf_getclass(elf->kernel))
		err = kp_error_format(KP_ERR_INVALID,
		    "core file %s and kernel file %s are of different classes",
		    core_path, kernel_path);
	if (err == NULL)
		err = kp_symtab_load(elf->kernel, kernel_path, &elf->symtab);
	/* The core's memory first; the kernel file's for what it lacks (text). */
	if (err == NULL)
		err = kp_elf_load_segments(elf, elf->core, elf->core_fd, "core",
		    core_path);
	if (err == NULL)
		err = kp_elf_load_segments(elf, elf->kernel, elf->kernel_fd,
		    "kernel", kernel_path);
	if (err == NULL)
		err = kp_elf_load_layout(elf);
	return (err);
}

struct kp_error *
kp_elf_open(const char *kernel_path, const char *core_path,
    struct kp_elf **ret)
{
	struct kp_error *err;
	struct kp_elf *elf;

	elf = calloc(1, sizeof(*elf));
	if (elf == NULL)
		return (&kp_enomem);
	elf->kernel_fd = elf->core_fd = -1;
	err = kp_elf_load(elf, kernel_path, core_path);
	if (err != NULL) {
		kp_elf_close(elf);
		return (err);
	}
	*ret = elf;
	return (NULL);
}

void
kp_elf_close(struct kp_elf *elf)
{
	if (elf == NULL)
		return;
	kp_symtab_free(&elf->symtab);
	free(elf->segs);
	if (elf->core != NULL)
		elf_end(elf->core);
	if (elf->kernel != NULL)
		elf_end(elf->kernel);
	if (elf->core_fd >= 0)
		close(elf->core_fd);
	if (elf->kernel_fd >= 0)
		close(elf->kernel_fd);
	free(elf);
}

static int
kp_elf_lookup(void *arg, const char *name, uint64_t *addrp)
{
	const struct kp_symtab_sym *sym;
	struct kp_elf *elf = arg;

	sym = kp_symtab_find(&elf->symtab, name);
	if (sym == NULL)
		return (KP_TARGET_MISSING);
	*addrp = sym->value;
	return (KP_TARGET_OK);
}

struct kp_error *
kp_elf_symbol(struct kp_elf *elf, const char *name, uint64_t *addr,
    uint64_t *size)
{
	const struct kp_symtab_sym *sym;

	sym = kp_symtab_find(&elf->symtab, name);
	if (sym == NULL)
		return (kp_error_format(KP_ERR_LOOKUP, "no symbol %s in the "
		    "kernel", name));
	*addr = sym->value;
	*size = sym->size;
	return (NULL);
}

static const struct kp_elf_seg *
kp_elf_segment(struct kp_elf *elf, uint64_t addr)
{
	size_t i;

	for (i = 0; i < elf->nsegs; i++) {
		if (addr >= elf->segs[i].vaddr &&
		    addr - elf->segs[i].vaddr < elf->segs[i].size)
			return (&elf->segs[i]);
	}
	return (NULL);
}

static int
kp_elf_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	struct kp_elf *elf = arg;
	const struct kp_elf_seg *seg;
	unsigned char *p = buf;
	uint64_t n;
	ssize_t got;

	while (size > 0) {
		seg = kp_elf_segment(elf, addr);
		if (seg == NULL)
			return (KP_TARGET_FAULT);
		n = seg->vaddr + seg->size - addr;
		if (n > size)
			n = size;
		got = pread(seg->fd, p, n, seg->offset +
		    (off_t)(addr - seg->vaddr));
		if (got != (ssize_t)n)
			return (KP_TARGET_FAULT);
		p += n;
		addr += n;
		size -= n;
	}
	return (KP_TARGET_OK);
}

void
kp_elf_target(struct kp_elf *elf, struct kp_target *target)
{
	memset(target, 0, sizeof(*target));
	target->lookup = kp_elf_lookup;
	target->read = kp_elf_read;
	target->arg = elf;
	target->layout = elf->layout;
}

struct kp_error *
kp_elf_struct(struct kp_elf *elf, const char *tag, uint64_t *size,
    struct kp_member **members, size_t *count)
{
	return (kp_dwarf_struct(elf->kernel, tag, size, members, count));
}

struct kp_error *
kp_elf_variable(struct kp_elf *elf, const char *name, struct kp_member *ret)
{
	return (kp_dwarf_variable(elf->kernel, name, ret));
}

void
kp_elf_members_free(struct kp_member *members, size_t count)
{
	kp_dwarf_members_free(members, count);
}

/* A file's symbol table; its names point into the file's ELF data. */
struct kp_elf_symfile {
	int fd;
	Elf *e;
	struct kp_symtab symtab;
};

static struct kp_error *
kp_elf_symfile_open(const char *path, struct kp_elf_symfile *f)
{
	struct kp_error *err;

	*f = (struct kp_elf_symfile){ -1, NULL, { NULL, 0 } };
	if (elf_version(EV_CURRENT) == EV_NONE)
		return (kp_error_format(KP_ERR_INVALID, "libelf is too old"));
	err = kp_elf_open_file(path, "kernel", ELF_K_ELF, &f->fd, &f->e);
	if (err == NULL)
		err = kp_symtab_load(f->e, path, &f->symtab);
	return (err);
}

static void
kp_elf_symfile_close(struct kp_elf_symfile *f)
{
	kp_symtab_free(&f->symtab);
	if (f->e != NULL)
		elf_end(f->e);
	if (f->fd >= 0)
		close(f->fd);
}

struct kp_error *
kp_elf_symbol_names(const char *path, const char *prefix, char ***names,
    size_t *count)
{
	struct kp_elf_symfile f;
	struct kp_error *err;

	err = kp_elf_symfile_open(path, &f);
	if (err == NULL)
		err = kp_symtab_names(&f.symtab, prefix, names, count);
	kp_elf_symfile_close(&f);
	return (err);
}

struct kp_error *
kp_elf_symbol_addresses(const char *path, const char *const *names, size_t n,
    uint64_t *values, bool *found)
{
	const struct kp_symtab_sym *sym;
	struct kp_elf_symfile f;
	struct kp_error *err;
	size_t i;

	err = kp_elf_symfile_open(path, &f);
	for (i = 0; err == NULL && i < n; i++) {
		sym = kp_symtab_find(&f.symtab, names[i]);
		found[i] = sym != NULL;
		values[i] = sym != NULL ? sym->value : 0;
	}
	kp_elf_symfile_close(&f);
	return (err);
}
