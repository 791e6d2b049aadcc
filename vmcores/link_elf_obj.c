/*-
 * Fixture kernel: the "elf64_obj" linker class of
 * sys/kern/link_elf_obj.c, which links object-style modules (amd64's
 * .ko files).  Its struct elf_file is not link_elf.c's: the same tag,
 * another type, as in FreeBSD.
 *
 * Each loaded section is a progtab entry.  The set_pcpu section is given
 * room in the kernel's modspace and copied there and to every CPU:
 * progtab[].addr becomes that address and the module's symbols in the
 * section move with it.  set_vnet likewise with VIMAGE.  Only 15.0's
 * Elf_progent keeps the image address, in origaddr (docs/FREEBSD.md,
 * "link_elf_obj.c: object modules and origaddr"); on 13.x and 14.x a
 * debugger has the section address of the module's objfile instead, which
 * is where the image has it.
 */

#include <errno.h>
#include <string.h>

#include "fixture.h"
#include "linker.h"

typedef struct {
	void		*addr;
#if __FreeBSD_version >= 1500000
	void		*origaddr; /* Used by debuggers. */
#endif
	Elf_Off		size;
	int		flags;	/* Section flags. */
	int		sec;	/* Original section number. */
	char		*name;
} Elf_progent;

typedef struct {
	Elf_Rel		*rel;
	int		nrel;
	int		sec;
} Elf_relent;

typedef struct {
	Elf_Rela	*rela;
	int		nrela;
	int		sec;
} Elf_relaent;

typedef struct elf_file {
	struct linker_file lf;		/* Common fields */

	int		preloaded;
	caddr_t		address;	/* Relocation address */
	void		*object;	/* VM object to hold file pages */
	Elf_Shdr	*e_shdr;

	Elf_progent	*progtab;
	u_int		nprogtab;

	Elf_relaent	*relatab;
	u_int		nrelatab;

	Elf_relent	*reltab;
	int		nreltab;

	Elf_Sym		*ddbsymtab;	/* The symbol table we are using */
	long		ddbsymcnt;	/* Number of symbols */
	caddr_t		ddbstrtab;	/* String table */
	long		ddbstrcnt;	/* number of bytes in string table */

	caddr_t		shstrtab;	/* Section name string table */
	long		shstrcnt;	/* number of bytes in string table */

	caddr_t		ctftab;		/* CTF table */
	long		ctfcnt;		/* number of bytes in CTF table */
	caddr_t		ctfoff;		/* CTF offset table */
	caddr_t		typoff;		/* Type offset table */
	long		typlen;		/* Number of type entries. */
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
	.name = "elf64_obj",
	.methods = link_elf_methods,
	.size = sizeof(struct elf_file)
};

/* SYSINIT(link_elf_obj, SI_SUB_KLD, SI_ORDER_SECOND) */
void
link_elf_obj_init(void)
{

	linker_add_class(&link_elf_class);
}

/*
 * Where the section of progtab entry pe is in the module's image: the
 * mapped file's address plus the section's address in the file (the
 * fixture's modules are shared objects, see link_elf_obj_preload()).
 */
static caddr_t
link_elf_image_addr(elf_file_t ef, const Elf_progent *pe)
{

	return (ef->address + ef->e_shdr[pe->sec].sh_addr);
}

/* Whether loader(8) loaded the section: which ones are progtab entries. */
static int
link_elf_progbits(const Elf_Shdr *shdr)
{

	switch (shdr->sh_type) {
	case SHT_PROGBITS:
	case SHT_NOBITS:
	case SHT_X86_64_UNWIND:
	case SHT_INIT_ARRAY:
	case SHT_FINI_ARRAY:
		return (shdr->sh_addr != 0);
	default:
		return (0);
	}
}

/*
 * The section headers and section names of the file, in kernel memory
 * (the loader passes them as MODINFOMD_SHDR).
 */
static int
link_elf_read_shdrs(elf_file_t ef, const char *filename, u_int *shnum)
{
	Elf_Ehdr hdr;
	Elf_Shdr *shdr;
	FILE *fp;
	int error;

	if ((fp = fopen(filename, "r")) == NULL)
		return (errno);
	error = ENOEXEC;
	if (fread(&hdr, sizeof(hdr), 1, fp) != 1 ||
	    hdr.e_shentsize != sizeof(Elf_Shdr) || hdr.e_shstrndx == 0 ||
	    hdr.e_shstrndx >= hdr.e_shnum)
		goto out;
	shdr = kmem_zalloc(hdr.e_shnum * sizeof(Elf_Shdr));
	if (fseek(fp, hdr.e_shoff, SEEK_SET) != 0 ||
	    fread(shdr, sizeof(Elf_Shdr), hdr.e_shnum, fp) != hdr.e_shnum)
		goto out;
	ef->e_shdr = shdr;
	ef->shstrcnt = shdr[hdr.e_shstrndx].sh_size;
	ef->shstrtab = kmem_zalloc(ef->shstrcnt);
	if (fseek(fp, shdr[hdr.e_shstrndx].sh_offset, SEEK_SET) != 0 ||
	    fread(ef->shstrtab, 1, ef->shstrcnt, fp) != (size_t)ef->shstrcnt)
		goto out;
	*shnum = hdr.e_shnum;
	error = 0;
out:
	fclose(fp);
	return (error);
}

static int
link_elf_link_preload(linker_class_t cls, const char *filename,
    const char *type, linker_file_t *result)
{
	Elf_Shdr *shdr;
	Elf_progent *pe;
	elf_file_t ef;
	linker_file_t lf;
	caddr_t base;
	size_t size;
	void *dpcpu;
	u_int i, pb, shnum;
	int error;

	if (strcmp(type, MODTYPE_OBJ) != 0)
		return (EFTYPE);
	linker_dlopen(filename, &base, &size);
	lf = linker_make_file(filename, cls);
	ef = (elf_file_t)lf;
	ef->preloaded = 1;
	ef->address = base;
	lf->address = base;
	lf->size = size;
	if ((error = link_elf_read_shdrs(ef, filename, &shnum)) != 0)
		return (error);
	shdr = ef->e_shdr;

	/* Scan the section header for information and table sizing. */
	for (i = 0; i < shnum; i++)
		if (link_elf_progbits(&shdr[i]))
			ef->nprogtab++;
	ef->progtab = kmem_zalloc(ef->nprogtab * sizeof(*ef->progtab));

	/* Now fill out progtab. */
	pb = 0;
	for (i = 0; i < shnum; i++) {
		if (!link_elf_progbits(&shdr[i]))
			continue;
		pe = &ef->progtab[pb++];
		pe->addr = base + shdr[i].sh_addr;
#if __FreeBSD_version >= 1500000
		pe->origaddr = pe->addr;
#endif
		pe->size = shdr[i].sh_size;
		pe->flags = shdr[i].sh_flags;
		pe->sec = i;
		pe->name = ef->shstrtab + shdr[i].sh_name;
		if (strcmp(pe->name, DPCPU_SETNAME) == 0) {
			dpcpu = dpcpu_alloc(shdr[i].sh_size);
			if (dpcpu == NULL) {
				printf("%s: pcpu module space is out "
				    "of space; cannot allocate %#jx "
				    "for %s\n", __func__,
				    (uintmax_t)shdr[i].sh_size,
				    filename);
				return (ENOSPC);
			}
			memcpy(dpcpu, pe->addr, pe->size);
			dpcpu_copy(dpcpu, shdr[i].sh_size);
			pe->addr = dpcpu;
#ifdef VIMAGE
		} else if (strcmp(pe->name, VNET_SETNAME) == 0) {
			void *vnet_data;

			vnet_data = vnet_data_alloc(shdr[i].sh_size);
			if (vnet_data == NULL) {
				printf("%s: vnet module space is out "
				    "of space; cannot allocate %#jx "
				    "for %s\n", __func__,
				    (uintmax_t)shdr[i].sh_size,
				    filename);
				return (ENOSPC);
			}
			memcpy(vnet_data, pe->addr, pe->size);
			vnet_data_copy(vnet_data, shdr[i].sh_size);
			pe->addr = vnet_data;
#endif
		}
	}
	*result = lf;
	return (0);
}

/*
 * A symbol's value: in a section that was moved (set_pcpu, set_vnet),
 * its new address, as the symbol table of a relocated object module has
 * it.
 */
static int
link_elf_lookup_symbol(linker_file_t lf, const char *name,
    c_linker_sym_t *sym)
{
	elf_file_t ef;
	Elf_progent *pe;
	caddr_t image, value;
	u_int i;

	ef = (elf_file_t)lf;
	value = linker_dlsym(lf->pathname, name);
	if (value < lf->address || value >= lf->address + lf->size)
		return (ENOENT);
	for (i = 0; i < ef->nprogtab; i++) {
		pe = &ef->progtab[i];
		image = link_elf_image_addr(ef, pe);
		if (value >= image && value < image + pe->size) {
			*sym = (caddr_t)pe->addr + (value - image);
			return (0);
		}
	}
	*sym = value;
	return (0);
}

static void
truth_progtab(FILE *f, elf_file_t ef, const char *setname, const char *pfx)
{
	Elf_progent *pe;
	char key[32];
	u_int i;

	for (i = 0; i < ef->nprogtab; i++) {
		pe = &ef->progtab[i];
		if (strcmp(pe->name, setname) != 0)
			continue;
		snprintf(key, sizeof(key), "%sprogtab_index", pfx);
		json_u64(f, key, i);
		snprintf(key, sizeof(key), "%simage_start", pfx);
		json_u64(f, key, (uintptr_t)link_elf_image_addr(ef, pe));
		snprintf(key, sizeof(key), "%simage_stop", pfx);
		json_u64(f, key, (uintptr_t)link_elf_image_addr(ef, pe) +
		    pe->size);
		snprintf(key, sizeof(key), "%sbase", pfx);
		json_u64(f, key, (uintptr_t)pe->addr);
		return;
	}
	panic("%s has no %s section", ef->lf.filename, setname);
}

/* Where this file's sets are, as the image has them and relocated. */
void
truth_link_elf_obj(FILE *f, linker_file_t lf)
{
	elf_file_t ef;

	ef = (elf_file_t)lf;
	json_u64(f, "nprogtab", ef->nprogtab);
	json_bool(f, "origaddr", __FreeBSD_version >= 1500000);
	truth_progtab(f, ef, DPCPU_SETNAME, "");
#ifdef VIMAGE
	truth_progtab(f, ef, VNET_SETNAME, "vnet_");
#endif
}
