/*-
 * Fixture kernel: the "elf64" linker class of sys/kern/link_elf.c, which
 * links the kernel itself and DSO-style modules (a kld linked as one
 * shared object, as on every architecture but amd64).
 *
 * A DSO module's set_pcpu is found through its linker-made bounds
 * __start_set_pcpu/__stop_set_pcpu (pcpu_start, pcpu_stop, image
 * addresses), given room in the kernel's modspace (pcpu_base) and
 * copied there and to every CPU (parse_dpcpu()); the linker relocates
 * the module's references to it (elf_relocaddr()).  set_vnet likewise
 * with VIMAGE (parse_vnet()).
 */

#include <errno.h>
#include <string.h>

#include "fixture.h"
#include "linker.h"

typedef struct elf_file {
	struct linker_file lf;		/* Common fields */
	int		preloaded;	/* Was file pre-loaded */
	caddr_t		address;	/* Relocation address */
	Elf_Dyn		*dynamic;	/* Symbol table etc. */
	Elf_Hashelt	nbuckets;	/* DT_HASH info */
	Elf_Hashelt	nchains;
	const Elf_Hashelt *buckets;
	const Elf_Hashelt *chains;
	caddr_t		hash;
	caddr_t		strtab;		/* DT_STRTAB */
	int		strsz;		/* DT_STRSZ */
	const Elf_Sym	*symtab;		/* DT_SYMTAB */
	Elf_Addr	*got;		/* DT_PLTGOT */
	const Elf_Rel	*pltrel;	/* DT_JMPREL */
	int		pltrelsize;	/* DT_PLTRELSZ */
	const Elf_Rela	*pltrela;	/* DT_JMPREL */
	int		pltrelasize;	/* DT_PLTRELSZ */
	const Elf_Rel	*rel;		/* DT_REL */
	int		relsize;	/* DT_RELSZ */
	const Elf_Rela	*rela;		/* DT_RELA */
	int		relasize;	/* DT_RELASZ */
	caddr_t		modptr;
	const Elf_Sym	*ddbsymtab;	/* The symbol table we are using */
	long		ddbsymcnt;	/* Number of symbols */
	caddr_t		ddbstrtab;	/* String table */
	long		ddbstrcnt;	/* number of bytes in string table */
	caddr_t		symbase;	/* malloc'ed symbold base */
	caddr_t		strbase;	/* malloc'ed string base */
	caddr_t		ctftab;		/* CTF table */
	long		ctfcnt;		/* number of bytes in CTF table */
	caddr_t		ctfoff;		/* CTF offset table */
	caddr_t		typoff;		/* Type offset table */
	long		typlen;		/* Number of type entries. */
	Elf_Addr	pcpu_start;	/* Pre-relocation pcpu set start. */
	Elf_Addr	pcpu_stop;	/* Pre-relocation pcpu set stop. */
	Elf_Addr	pcpu_base;	/* Relocated pcpu set address. */
#ifdef VIMAGE
	Elf_Addr	vnet_start;	/* Pre-relocation vnet set start. */
	Elf_Addr	vnet_stop;	/* Pre-relocation vnet set stop. */
	Elf_Addr	vnet_base;	/* Relocated vnet set address. */
#endif
} *elf_file_t;

static int	link_elf_lookup_symbol(linker_file_t, const char *,
		    c_linker_sym_t *);
static int	link_elf_link_preload(linker_class_t cls, const char *,
		    const char *, linker_file_t *);

static kobj_method_t link_elf_methods[] = {
	KOBJMETHOD(linker_lookup_symbol,	link_elf_lookup_symbol),
	KOBJMETHOD(linker_link_preload,		link_elf_link_preload),
	KOBJMETHOD_END
};

static struct linker_class link_elf_class = {
	.name = "elf64",
	.methods = link_elf_methods,
	.size = sizeof(struct elf_file)
};

/*
 * SYSINIT(link_elf, SI_SUB_KLD, SI_ORDER_THIRD): the class, and the
 * kernel's own linker file, whose sets are where they are linked.
 */
void
link_elf_init(void)
{
	elf_file_t ef;

	linker_add_class(&link_elf_class);

	linker_kernel_file = linker_make_file(plan.kernel_path,
	    &link_elf_class);
	ef = (elf_file_t)linker_kernel_file;
	ef->preloaded = 1;
	ef->address = 0;
	linker_kernel_file->address =
	    (caddr_t)__SET_ADDR("__executable_start");
	linker_kernel_file->size = __SET_ADDR("_end") -
	    (uintptr_t)linker_kernel_file->address;
	linker_kernel_file->flags |= LINKER_FILE_LINKED;
	ef->pcpu_start = DPCPU_START;
	ef->pcpu_stop = DPCPU_STOP;
	ef->pcpu_base = DPCPU_START;
#ifdef VIMAGE
	ef->vnet_start = VNET_START;
	ef->vnet_stop = VNET_STOP;
	ef->vnet_base = VNET_START;
#endif
}

static int
link_elf_lookup_symbol(linker_file_t lf, const char *name,
    c_linker_sym_t *sym)
{
	caddr_t value;

	value = linker_dlsym(lf->pathname, name);
	if (value < lf->address || value >= lf->address + lf->size)
		return (ENOENT);
	*sym = value;
	return (0);
}

static int
link_elf_lookup_set(linker_file_t lf, const char *name,
    Elf_Addr *startp, Elf_Addr *stopp)
{
	c_linker_sym_t start, stop;
	char setsym[64];
	int error;

	/* get address of first entry */
	snprintf(setsym, sizeof(setsym), "%s%s", "__start_set_", name);
	error = link_elf_lookup_symbol(lf, setsym, &start);
	if (error != 0)
		return (error);

	/* get address of last entry */
	snprintf(setsym, sizeof(setsym), "%s%s", "__stop_set_", name);
	error = link_elf_lookup_symbol(lf, setsym, &stop);
	if (error != 0)
		return (error);

	*startp = (Elf_Addr)start;
	*stopp = (Elf_Addr)stop;
	return (0);
}

static int
parse_dpcpu(elf_file_t ef)
{
	int error, size;

	ef->pcpu_start = 0;
	ef->pcpu_stop = 0;
	error = link_elf_lookup_set(&ef->lf, "pcpu", &ef->pcpu_start,
	    &ef->pcpu_stop);
	/* Error just means there is no pcpu set to relocate. */
	if (error != 0)
		return (0);
	size = (uintptr_t)ef->pcpu_stop - (uintptr_t)ef->pcpu_start;
	/* Empty set? */
	if (size < 1)
		return (0);
	/*
	 * Allocate space in the primary pcpu area.  Copy in our
	 * initialization from the data section and then initialize
	 * all per-cpu storage from that.
	 */
	ef->pcpu_base = (Elf_Addr)(uintptr_t)dpcpu_alloc(size);
	if (ef->pcpu_base == 0) {
		printf("%s: pcpu module space is out of space; "
		    "cannot allocate %d for %s\n",
		    __func__, size, ef->lf.pathname);
		return (ENOSPC);
	}
	memcpy((void *)ef->pcpu_base, (void *)ef->pcpu_start, size);
	dpcpu_copy((void *)ef->pcpu_base, size);
	return (0);
}

#ifdef VIMAGE
static int
parse_vnet(elf_file_t ef)
{
	int error, size;

	ef->vnet_start = 0;
	ef->vnet_stop = 0;
	ef->vnet_base = 0;
	error = link_elf_lookup_set(&ef->lf, "vnet", &ef->vnet_start,
	    &ef->vnet_stop);
	/* Error just means there is no vnet data set to relocate. */
	if (error != 0)
		return (0);
	size = (uintptr_t)ef->vnet_stop - (uintptr_t)ef->vnet_start;
	/* Empty set? */
	if (size < 1)
		return (0);
	/*
	 * Allocate space in the primary vnet area.  Copy in our
	 * initialization from the data section and then initialize
	 * all per-vnet storage from that.
	 */
	ef->vnet_base = (Elf_Addr)(uintptr_t)vnet_data_alloc(size);
	if (ef->vnet_base == 0) {
		printf("%s: vnet module space is out of space; "
		    "cannot allocate %d for %s\n",
		    __func__, size, ef->lf.pathname);
		return (ENOSPC);
	}
	memcpy((void *)ef->vnet_base, (void *)ef->vnet_start, size);
	vnet_data_copy((void *)ef->vnet_base, size);
	return (0);
}
#endif

static int
link_elf_link_preload(linker_class_t cls, const char *filename,
    const char *type, linker_file_t *result)
{
	elf_file_t ef;
	linker_file_t lf;
	caddr_t base;
	size_t size;
	int error;

	if (strcmp(type, MODTYPE) != 0)
		return (EFTYPE);
	linker_dlopen(filename, &base, &size);
	lf = linker_make_file(filename, cls);
	ef = (elf_file_t)lf;
	ef->preloaded = 1;
	ef->address = base;
	lf->address = base;
	lf->size = size;
	if ((error = parse_dpcpu(ef)) != 0)
		return (error);
#ifdef VIMAGE
	if ((error = parse_vnet(ef)) != 0)
		return (error);
#endif
	*result = lf;
	return (0);
}

Elf_Addr
elf_relocaddr(linker_file_t lf, Elf_Addr x)
{
	elf_file_t ef;

	if (lf->ops->cls != (kobj_class_t)&link_elf_class)
		panic("elf_relocaddr: unexpected linker file %p", (void *)lf);
	ef = (elf_file_t)lf;
	if (x >= ef->pcpu_start && x < ef->pcpu_stop)
		return ((x - ef->pcpu_start) + ef->pcpu_base);
#ifdef VIMAGE
	if (x >= ef->vnet_start && x < ef->vnet_stop)
		return ((x - ef->vnet_start) + ef->vnet_base);
#endif
	return (x);
}

/* Where this file's sets are, as the image has them and relocated. */
void
truth_link_elf(FILE *f, linker_file_t lf)
{
	elf_file_t ef;

	ef = (elf_file_t)lf;
	json_u64(f, "image_start", ef->pcpu_start);
	json_u64(f, "image_stop", ef->pcpu_stop);
	json_u64(f, "base", ef->pcpu_base);
#ifdef VIMAGE
	json_u64(f, "vnet_image_start", ef->vnet_start);
	json_u64(f, "vnet_image_stop", ef->vnet_stop);
	json_u64(f, "vnet_base", ef->vnet_base);
#endif
}
