/*-
 * Fixture kernel: the kernel linker (sys/kern/kern_linker.c): the list
 * of linker classes, the list linker_files of every loaded file (the
 * kernel first), and the preloading of the modules loader(8) loaded.
 */

#define	_GNU_SOURCE		/* dlinfo(), RTLD_NOLOAD */

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "fixture.h"
#include "linker.h"

linker_file_t linker_kernel_file;

static linker_class_list_t classes = TAILQ_HEAD_INITIALIZER(classes);
static linker_file_list_t linker_files = TAILQ_HEAD_INITIALIZER(linker_files);
static int next_file_id = 1;
static int loadcnt;

/*
 * The SYSINITs of SI_SUB_KLD, in order, up to the preloading of
 * modules: the module space of DPCPU (and VNET), then the linker
 * classes, link_elf.c's last because it makes the kernel's own file.
 */
void
linker_startup(void)
{

	dpcpu_startup();
#ifdef VIMAGE
	vnet_data_startup();
#endif
	link_elf_obj_init();
	link_elf_init();
}

int
linker_add_class(linker_class_t lc)
{

	kobj_class_compile((kobj_class_t)lc);
	((kobj_class_t)lc)->refs++;
	TAILQ_INSERT_TAIL(&classes, lc, link);
	return (0);
}

static const char *
linker_basename(const char *path)
{
	const char *filename;

	filename = strrchr(path, '/');
	if (filename == NULL)
		return path;
	if (filename[1])
		filename++;
	return (filename);
}

linker_file_t
linker_make_file(const char *pathname, linker_class_t lc)
{
	linker_file_t lf;
	const char *filename;

	filename = linker_basename(pathname);
	lf = (linker_file_t)kobj_create((kobj_class_t)lc);
	lf->ctors_addr = 0;
	lf->ctors_size = 0;
	lf->ctors_invoked = LF_NONE;
	lf->dtors_addr = 0;
	lf->dtors_size = 0;
	lf->refs = 1;
	lf->userrefs = 0;
	lf->flags = 0;
	lf->filename = strdup(filename);
	lf->pathname = strdup(pathname);
	lf->id = next_file_id++;
	lf->ndeps = 0;
	lf->deps = NULL;
	lf->loadcnt = ++loadcnt;
	lf->common.stqh_first = NULL;
	lf->common.stqh_last = &lf->common.stqh_first;
	TAILQ_INIT(&lf->modules);
	TAILQ_INSERT_TAIL(&linker_files, lf, link);
	return (lf);
}

/*
 * linker_preload(): the first class that accepts a preloaded file links
 * it.
 */
linker_file_t
linker_preload_file(const char *path, const char *type)
{
	linker_class_t lc;
	linker_file_t lf;
	int error;

	TAILQ_FOREACH(lc, &classes, link) {
		error = LINKER_LINK_PRELOAD(lc, path, type, &lf);
		if (error == 0) {
			lf->flags |= LINKER_FILE_LINKED;
			return (lf);
		}
	}
	panic("linker_preload: no class can link %s (%s)", path, type);
}

caddr_t
linker_file_lookup_symbol(linker_file_t file, const char *name)
{
	c_linker_sym_t sym;

	if (LINKER_LOOKUP_SYMBOL(file, name, &sym) != 0)
		return (NULL);
	return ((caddr_t)sym);
}

/* Map the file; its image's base address and size. */
void *
linker_dlopen(const char *path, caddr_t *base, size_t *size)
{
	struct link_map *lm;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	void *handle;
	size_t end;
	u_int i;

	if ((handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		panic("%s", dlerror());
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0)
		panic("%s", dlerror());
	/* A shared object's first segment maps its ELF and program headers. */
	eh = (const Elf64_Ehdr *)lm->l_addr;
	ph = (const Elf64_Phdr *)(lm->l_addr + eh->e_phoff);
	end = 0;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD &&
		    ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	*base = (caddr_t)lm->l_addr;
	*size = round_page(end);
	return (handle);
}

caddr_t
linker_dlsym(const char *path, const char *name)
{
	void *handle, *sym;

	if ((handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD)) == NULL)
		panic("%s is not loaded", path);
	sym = dlsym(handle, name);
	dlclose(handle);
	return (sym);
}

/* Every linker file, in linker_files order. */
void
truth_linker_files(FILE *f)
{
	linker_file_t lf;

	json_begin(f, "linker_files", '[');
	TAILQ_FOREACH(lf, &linker_files, link) {
		json_begin(f, NULL, '{');
		json_u64(f, "addr", (uintptr_t)lf);
		json_str(f, "filename", lf->filename);
		json_str(f, "pathname", lf->pathname);
		json_i64(f, "id", lf->id);
		json_str(f, "class", lf->ops->cls->name);
		json_u64(f, "address", (uintptr_t)lf->address);
		json_u64(f, "size", lf->size);
		json_end(f, '}');
	}
	json_end(f, ']');
}
