/*-
 * Fixture kernel: the kernel linker, as sys/sys/linker.h declares it,
 * and its method interface (linker_if.h, which FreeBSD generates from
 * sys/kern/linker_if.m).  Every loaded file, the kernel first, is a
 * struct linker_file on the TAILQ linker_files (kern_linker.c), and a
 * kobj whose class is the linker class that loaded it: link_elf.c's
 * "elf64" (the kernel and DSO modules) or link_elf_obj.c's "elf64_obj"
 * (object modules, amd64's .ko files).
 */

#ifndef _FIXTURE_LINKER_H_
#define	_FIXTURE_LINKER_H_

#include <elf.h>
#include <stdio.h>

#include "sys.h"
#include "kobj.h"

/* sys/sys/elf_generic.h: the ELF types of the kernel's word size. */
typedef Elf64_Addr	Elf_Addr;
typedef Elf64_Off	Elf_Off;
typedef Elf64_Word	Elf_Hashelt;
typedef Elf64_Dyn	Elf_Dyn;
typedef Elf64_Ehdr	Elf_Ehdr;
typedef Elf64_Shdr	Elf_Shdr;
typedef Elf64_Sym	Elf_Sym;
typedef Elf64_Rel	Elf_Rel;
typedef Elf64_Rela	Elf_Rela;

/*
 * Object representing a file which has been loaded by the linker.
 */
typedef struct linker_file* linker_file_t;
typedef TAILQ_HEAD(, linker_file) linker_file_list_t;

typedef c_caddr_t c_linker_sym_t;	/* const opaque symbol */

struct common_symbol {
    STAILQ_ENTRY(common_symbol) link;
    char*		name;
    caddr_t		address;
};

struct linker_file {
    KOBJ_FIELDS;
    int			refs;		/* reference count */
    int			userrefs;	/* kldload(2) count */
    int			flags;
#define LINKER_FILE_LINKED	0x1	/* file has been fully linked */
    TAILQ_ENTRY(linker_file) link;	/* list of all loaded files */
    char*		filename;	/* file which was loaded */
    char*		pathname;	/* file name with full path */
    int			id;		/* unique id */
    caddr_t		address;	/* load address */
    size_t		size;		/* size of file */
    caddr_t		ctors_addr;	/* address of .ctors/.init_array */
    size_t		ctors_size;	/* size of .ctors/.init_array */
    enum {
	    LF_NONE = 0,
	    LF_CTORS,
	    LF_DTORS,
    } ctors_invoked;			/* have we run ctors yet? */
    caddr_t		dtors_addr;	/* address of .dtors/.fini_array */
    size_t		dtors_size;	/* size of .dtors/.fini_array */
    int			ndeps;		/* number of dependencies */
    linker_file_t*	deps;		/* list of dependencies */
    STAILQ_HEAD(, common_symbol) common; /* list of common symbols */
    TAILQ_HEAD(, module) modules;	/* modules in this file */
    TAILQ_ENTRY(linker_file) loaded;	/* preload dependency support */
    int			loadcnt;	/* load counter value */

    /*
     * Function Boundary Tracing (FBT) or Statically Defined Tracing (SDT)
     * fields.
     */
    int			nenabled;	/* number of enabled probes. */
    int			fbt_nentries;	/* number of fbt entries created. */
#if __FreeBSD_version >= 1500000
    caddr_t		kcfi_traps_addr; /* KCFI trap table start */
    size_t		kcfi_traps_size;  /* KCFI trap table size */
#endif
};

/*
 * Object implementing a class of file (a.out, elf, etc.)
 */
typedef struct linker_class *linker_class_t;
typedef TAILQ_HEAD(, linker_class) linker_class_list_t;

struct linker_class {
    KOBJ_CLASS_FIELDS;
    TAILQ_ENTRY(linker_class) link;	/* list of all file classes */
};

/*
 * The "file" for the kernel.
 */
extern linker_file_t	linker_kernel_file;

#define	EFTYPE		79	/* sys/sys/errno.h: Inappropriate file type */

/*
 * ELF file types (what loader(8) records of each file it preloaded).
 */
#define MODTYPE_OBJ	"elf obj module"
#define MODTYPE		"elf module"

/*
 * linker_if.h: the methods of a linker class the fixture uses.  The
 * first, linker_lookup_symbol, is each class's methods[0].  The fixture's
 * c_linker_sym_t is the symbol's address, and its link_preload is given
 * the file's type, which FreeBSD's reads from the preload metadata.
 */
typedef int linker_lookup_symbol_t(linker_file_t file, const char *name,
    c_linker_sym_t *symp);
typedef int linker_link_preload_t(linker_class_t cls, const char *filename,
    const char *type, linker_file_t *result);

extern struct kobjop_desc linker_lookup_symbol_desc;
extern struct kobjop_desc linker_link_preload_desc;

static __inline int
LINKER_LOOKUP_SYMBOL(linker_file_t file, const char *name,
    c_linker_sym_t *symp)
{
	kobjop_t _m;

	KOBJOPLOOKUP(((kobj_t)file)->ops, linker_lookup_symbol);
	return (((linker_lookup_symbol_t *)(void (*)(void))_m)(file, name,
	    symp));
}

static __inline int
LINKER_LINK_PRELOAD(linker_class_t cls, const char *filename,
    const char *type, linker_file_t *result)
{
	kobjop_t _m;

	KOBJOPLOOKUP(((kobj_class_t)cls)->ops, linker_link_preload);
	return (((linker_link_preload_t *)(void (*)(void))_m)(cls, filename,
	    type, result));
}

/* kern_linker.c */
int	linker_add_class(linker_class_t _cls);
linker_file_t linker_make_file(const char *_filename, linker_class_t _cls);
caddr_t	linker_file_lookup_symbol(linker_file_t _file, const char *_name);
linker_file_t linker_preload_file(const char *_path, const char *_type);
void	linker_startup(void);
void	truth_linker_files(FILE *);

/*
 * The fixture's loader(8): a module file is mapped with dlopen(3), so
 * that GDB sees its symbols at the module's own addresses, as kgdb does
 * a kld's; linker_dlsym() is a symbol's address in that image.
 */
void	*linker_dlopen(const char *_path, caddr_t *_base, size_t *_size);
caddr_t	linker_dlsym(const char *_path, const char *_name);

/* link_elf.c, link_elf_obj.c */
void	link_elf_init(void);
void	link_elf_obj_init(void);
Elf_Addr elf_relocaddr(linker_file_t _lf, Elf_Addr addr);
void	truth_link_elf(FILE *, linker_file_t _lf);
void	truth_link_elf_obj(FILE *, linker_file_t _lf);

#endif /* !_FIXTURE_LINKER_H_ */
