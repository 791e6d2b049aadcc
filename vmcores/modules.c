/*-
 * Fixture kernel: the modules loader(8) preloaded, from the kernel's own
 * directory (its module path): mod_dso.ko, linked by link_elf.c,
 * mod_obj.ko, linked by link_elf_obj.c, and mod_unlisted.ko, mapped but
 * not linked.  Then what their code wrote in each CPU's copy of their
 * DPCPU variables (and, with VIMAGE, each vnet's copy of their VNET
 * variables), and the ground truth of it all.
 *
 * Values: CPU n's mod_dso_int is 2000 + 31n, mod_dso_stats
 * { 3000 + n, 0x200000000 + 512n }, mod_obj_u64 0x0b1ec70000000000 +
 * 0x10101n, mod_obj_int 4000 + 13n; the k-th vnet on vnet_head (from 1)
 * has mod_dso_vnet_int 7000 + 100k and mod_obj_vnet_u64
 * 0x5afe000000000000 + k.
 */

#include <libgen.h>
#include <stdbool.h>
#include <string.h>

#include "fixture.h"
#include "linker.h"
#include "module_vars.h"

struct fixture_module {
	const char	*fm_name;
	const char	*fm_type;	/* MODTYPE[_OBJ]; NULL: not linked */
	char		 fm_path[MAXPATHLEN];
	linker_file_t	 fm_lf;
};

static struct fixture_module fixture_modules[] = {
	{ "mod_dso", MODTYPE, "", NULL },
	{ "mod_obj", MODTYPE_OBJ, "", NULL },
	{ "mod_unlisted", NULL, "", NULL },
};
#define	MOD_DSO		(&fixture_modules[0])
#define	MOD_OBJ		(&fixture_modules[1])
#define	MOD_UNLISTED	(&fixture_modules[2])
#define	NMODULES	(sizeof(fixture_modules) / sizeof(fixture_modules[0]))

/* After linker_startup(): SYSINIT(preload, SI_SUB_KLD, ...). */
void
modules_preload(void)
{
	struct fixture_module *fm;
	char kernel[MAXPATHLEN];
	const char *dir;
	caddr_t base;
	size_t size;
	u_int i;

	snprintf(kernel, sizeof(kernel), "%s", plan.kernel_path);
	dir = dirname(kernel);
	for (i = 0; i < NMODULES; i++) {
		fm = &fixture_modules[i];
		if ((size_t)snprintf(fm->fm_path, sizeof(fm->fm_path),
		    "%s/%s.ko", dir, fm->fm_name) >= sizeof(fm->fm_path))
			panic("%s/%s.ko: path too long", dir, fm->fm_name);
		if (fm->fm_type != NULL)
			fm->fm_lf = linker_preload_file(fm->fm_path,
			    fm->fm_type);
		else
			linker_dlopen(fm->fm_path, &base, &size);
	}
}

/* The address of sym in the module's image: GDB's &sym. */
static uintptr_t
mod_image_addr(struct fixture_module *fm, const char *sym)
{
	caddr_t a;

	if ((a = linker_dlsym(fm->fm_path, sym)) == NULL)
		panic("%s: no symbol %s", fm->fm_name, sym);
	return ((uintptr_t)a);
}

/*
 * Where the module's code sees sym, a variable in one of its sets: in
 * the kernel's modspace.  link_elf.c relocates the module's references
 * (elf_relocaddr()); link_elf_obj.c moved the section, and the symbol's
 * value with it.
 */
static uintptr_t
mod_reloc_addr(struct fixture_module *fm, const char *sym)
{
	caddr_t a;

	if ((a = linker_file_lookup_symbol(fm->fm_lf, sym)) == NULL)
		panic("%s: no symbol %s", fm->fm_name, sym);
	if (strcmp(fm->fm_type, MODTYPE) == 0)
		return (elf_relocaddr(fm->fm_lf, (Elf_Addr)a));
	return ((uintptr_t)a);
}

#define	MOD_DPCPU_ID_PTR(t, reloc, cpu)					\
	((t *)((reloc) + dpcpu_off[(cpu)]))
#ifdef VIMAGE
#define	MOD_VNET_PTR(t, reloc, vnet)					\
	((t *)((reloc) + (vnet)->vnet_data_base))
#endif

/* After the vnets exist: what the modules' code wrote. */
void
modules_fill(void)
{
	struct mod_dso_stats *ds;
	uintptr_t dso_int, dso_stats, obj_u64, obj_int;
	u_int cpu;
#ifdef VIMAGE
	uintptr_t dso_vnet_int, obj_vnet_u64;
	struct vnet *vnet;
	u_int k;
#endif

	dso_int = mod_reloc_addr(MOD_DSO, DPCPU_SYMPREFIX "mod_dso_int");
	dso_stats = mod_reloc_addr(MOD_DSO, DPCPU_SYMPREFIX "mod_dso_stats");
	obj_u64 = mod_reloc_addr(MOD_OBJ, DPCPU_SYMPREFIX "mod_obj_u64");
	obj_int = mod_reloc_addr(MOD_OBJ, DPCPU_SYMPREFIX "mod_obj_int");
	CPU_FOREACH(cpu) {
		*MOD_DPCPU_ID_PTR(int, dso_int, cpu) = 2000 + 31 * cpu;
		ds = MOD_DPCPU_ID_PTR(struct mod_dso_stats, dso_stats, cpu);
		ds->mds_calls = 3000 + cpu;
		ds->mds_bytes = 0x200000000L + 512L * cpu;
		*MOD_DPCPU_ID_PTR(uint64_t, obj_u64, cpu) =
		    0x0b1ec70000000000ULL + 0x10101ULL * cpu;
		*MOD_DPCPU_ID_PTR(int, obj_int, cpu) = 4000 + 13 * cpu;
	}
#ifdef VIMAGE
	dso_vnet_int = mod_reloc_addr(MOD_DSO,
	    VNET_SYMPREFIX "mod_dso_vnet_int");
	obj_vnet_u64 = mod_reloc_addr(MOD_OBJ,
	    VNET_SYMPREFIX "mod_obj_vnet_u64");
	k = 0;
	LIST_FOREACH(vnet, &vnet_head, vnet_le) {
		k++;
		*MOD_VNET_PTR(int, dso_vnet_int, vnet) = 7000 + 100 * k;
		*MOD_VNET_PTR(uint64_t, obj_vnet_u64, vnet) =
		    0x5afe000000000000ULL + k;
	}
#endif
}

static uintptr_t
truth_mod_var_begin(FILE *f, struct fixture_module *fm, const char *prefix,
    const char *name, const char *type, size_t size)
{
	char sym[64];
	uintptr_t tmpl;

	snprintf(sym, sizeof(sym), "%s%s", prefix, name);
	tmpl = mod_image_addr(fm, sym);
	json_begin(f, name, '{');
	json_str(f, "symbol", sym);
	json_str(f, "type", type);
	json_u64(f, "template_addr", tmpl);
	json_u64(f, "size", size);
	return (tmpl);
}

static void
truth_mod_dso_stats(FILE *f, const char *key, struct mod_dso_stats *ds)
{

	json_begin(f, key, '{');
	json_i64(f, "mds_calls", ds->mds_calls);
	json_i64(f, "mds_bytes", ds->mds_bytes);
	json_end(f, '}');
}

/* The int or uint64_t at addr, as truth records it. */
static void
truth_scalar(FILE *f, const char *key, uintptr_t addr, bool is_int)
{

	if (is_int)
		json_i64(f, key, *(int *)addr);
	else
		json_u64(f, key, *(uint64_t *)addr);
}

/*
 * A scalar DPCPU variable of a module (an int or a uint64_t): symbol, type,
 * template (address and value in the image), relocated address and each
 * present CPU's value.
 */
static void
truth_mod_dpcpu_scalar(FILE *f, struct fixture_module *fm, const char *name,
    bool is_int)
{
	uintptr_t tmpl, reloc;
	char sym[64];
	u_int cpu;

	snprintf(sym, sizeof(sym), "%s%s", DPCPU_SYMPREFIX, name);
	tmpl = truth_mod_var_begin(f, fm, DPCPU_SYMPREFIX, name,
	    is_int ? "int" : "uint64_t", is_int ? sizeof(int) :
	    sizeof(uint64_t));
	reloc = mod_reloc_addr(fm, sym);
	truth_scalar(f, "template", tmpl, is_int);
	json_u64(f, "reloc_addr", reloc);
	json_begin(f, "values", '{');
	CPU_FOREACH(cpu)
		truth_scalar(f, cpukey(cpu),
		    (uintptr_t)MOD_DPCPU_ID_PTR(char, reloc, cpu), is_int);
	json_end(f, '}');
	json_end(f, '}');
}

/* Each DPCPU variable of a module, as truth_mod_dpcpu_scalar() says. */
static void
truth_mod_dpcpu(FILE *f, struct fixture_module *fm)
{
	uintptr_t tmpl, reloc;
	u_int cpu;

	json_begin(f, "vars", '{');
	if (fm == MOD_DSO) {
		truth_mod_dpcpu_scalar(f, fm, "mod_dso_int", true);

		tmpl = truth_mod_var_begin(f, fm, DPCPU_SYMPREFIX,
		    "mod_dso_stats", "struct mod_dso_stats",
		    sizeof(struct mod_dso_stats));
		reloc = mod_reloc_addr(fm, DPCPU_SYMPREFIX "mod_dso_stats");
		truth_mod_dso_stats(f, "template",
		    (struct mod_dso_stats *)tmpl);
		json_u64(f, "reloc_addr", reloc);
		json_begin(f, "values", '{');
		CPU_FOREACH(cpu)
			truth_mod_dso_stats(f, cpukey(cpu), MOD_DPCPU_ID_PTR(
			    struct mod_dso_stats, reloc, cpu));
		json_end(f, '}');
		json_end(f, '}');
	} else {
		truth_mod_dpcpu_scalar(f, fm, "mod_obj_u64", false);
		truth_mod_dpcpu_scalar(f, fm, "mod_obj_int", true);
	}
	json_end(f, '}');
}

#ifdef VIMAGE
/* Each VNET variable of a module, its value in each vnet by name. */
static void
truth_mod_vnet(FILE *f, struct fixture_module *fm)
{
	struct vnet *vnet;
	uintptr_t tmpl, reloc;

	json_begin(f, "vnet_vars", '{');
	if (fm == MOD_DSO) {
		tmpl = truth_mod_var_begin(f, fm, VNET_SYMPREFIX,
		    "mod_dso_vnet_int", "int", sizeof(int));
		reloc = mod_reloc_addr(fm, VNET_SYMPREFIX "mod_dso_vnet_int");
		json_i64(f, "template", *(int *)tmpl);
		json_u64(f, "reloc_addr", reloc);
		json_begin(f, "values", '{');
		LIST_FOREACH(vnet, &vnet_head, vnet_le)
			json_i64(f, prison_vnet_name(vnet),
			    *MOD_VNET_PTR(int, reloc, vnet));
		json_end(f, '}');
		json_end(f, '}');
	} else {
		tmpl = truth_mod_var_begin(f, fm, VNET_SYMPREFIX,
		    "mod_obj_vnet_u64", "uint64_t", sizeof(uint64_t));
		reloc = mod_reloc_addr(fm, VNET_SYMPREFIX "mod_obj_vnet_u64");
		json_u64(f, "template", *(uint64_t *)tmpl);
		json_u64(f, "reloc_addr", reloc);
		json_begin(f, "values", '{');
		LIST_FOREACH(vnet, &vnet_head, vnet_le)
			json_u64(f, prison_vnet_name(vnet),
			    *MOD_VNET_PTR(uint64_t, reloc, vnet));
		json_end(f, '}');
		json_end(f, '}');
	}
	json_end(f, '}');
}
#else
/* Without VIMAGE a module's VNET variables are plain globals. */
static void
truth_mod_plain_vnet(FILE *f, struct fixture_module *fm)
{

	json_begin(f, "plain_vnet_vars", '{');
	if (fm == MOD_DSO)
		json_i64(f, "mod_dso_vnet_int",
		    *(int *)mod_image_addr(fm, "mod_dso_vnet_int"));
	else
		json_u64(f, "mod_obj_vnet_u64",
		    *(uint64_t *)mod_image_addr(fm, "mod_obj_vnet_u64"));
	json_end(f, '}');
}
#endif

void
truth_modules(FILE *f)
{
	struct fixture_module *fm;
	linker_file_t lf;
	uintptr_t tmpl;
	u_int i;

	json_begin(f, "modules", '{');
	for (i = 0; i < NMODULES; i++) {
		fm = &fixture_modules[i];
		if (fm->fm_type == NULL)
			continue;
		lf = fm->fm_lf;
		json_begin(f, fm->fm_name, '{');
		json_str(f, "kind", strcmp(fm->fm_type, MODTYPE) == 0 ?
		    "dso" : "obj");
		json_str(f, "class", lf->ops->cls->name);
		json_str(f, "filename", lf->filename);
		json_str(f, "path", lf->pathname);
		json_i64(f, "id", lf->id);
		json_u64(f, "linker_file", (uintptr_t)lf);
		json_u64(f, "address", (uintptr_t)lf->address);
		json_u64(f, "size", lf->size);
		if (strcmp(fm->fm_type, MODTYPE) == 0)
			truth_link_elf(f, lf);
		else
			truth_link_elf_obj(f, lf);
		truth_mod_dpcpu(f, fm);
#ifdef VIMAGE
		truth_mod_vnet(f, fm);
#else
		truth_mod_plain_vnet(f, fm);
#endif
		json_end(f, '}');
	}
	json_end(f, '}');

	fm = MOD_UNLISTED;
	json_begin(f, "unlisted_module", '{');
	json_str(f, "filename", strrchr(fm->fm_path, '/') + 1);
	json_str(f, "path", fm->fm_path);
	json_u64(f, "image_start", mod_image_addr(fm, "__start_set_pcpu"));
	json_u64(f, "image_stop", mod_image_addr(fm, "__stop_set_pcpu"));
	json_begin(f, "vars", '{');
	tmpl = truth_mod_var_begin(f, fm, DPCPU_SYMPREFIX, "mod_unlisted_int",
	    "int", sizeof(int));
	json_i64(f, "template", *(int *)tmpl);
	json_end(f, '}');
	json_end(f, '}');
	json_end(f, '}');
}
