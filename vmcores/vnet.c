/*-
 * Fixture kernel (VIMAGE): the virtual network stack allocator of
 * sys/net/vnet.c.  Each vnet's data area is a copy of the kernel's
 * set_vnet, vnet_data_base = area - __start_set_vnet, so variable n of
 * vnet V is at &vnet_entry_n + V->vnet_data_base.  Modules' set_vnet
 * sections are given room in modspace (vnet_data_alloc()), inside the
 * kernel's own set_vnet.
 */

#include <string.h>

#include "fixture.h"

#define	SI_SUB_VNET_DONE	0xdc00000	/* sys/sys/kernel.h */

struct vnet_list_head vnet_head = LIST_HEAD_INITIALIZER(vnet_head);
struct vnet *vnet0;

/*
 * FEATURE(vimage, "VIMAGE kernel virtualization"): the read-only sysctl
 * kern.features.vimage, whose struct sysctl_oid is named
 * sysctl___kern_features_vimage (sys/sys/sysctl.h).  Debuggers, FreeBSD's
 * own sys/tools/gdb among them, take its presence as the sign of a
 * VIMAGE kernel (docs/FREEBSD.md, "VNET and jails").  The fixture keeps
 * the members that name and describe the sysctl.
 */
struct sysctl_oid {
	void		*oid_arg1;
	intmax_t	 oid_arg2;
	const char	*oid_name;
	const char	*oid_descr;
	const char	*oid_label;
};

struct sysctl_oid sysctl___kern_features_vimage = {
	.oid_arg1	= NULL,			/* SYSCTL_NULL_INT_PTR */
	.oid_arg2	= 1,
	.oid_name	= "vimage",
	.oid_descr	= "VIMAGE kernel virtualization",
	.oid_label	= "feature",
};

#define	VNET_BYTES	(VNET_STOP - VNET_START)

/*
 * VNET_MODMIN is the minimum number of bytes we will reserve for the sum of
 * global variables across all loaded modules.
 */
#define	VNET_MODMIN	(8 * PAGE_SIZE)
#define	VNET_SIZE	roundup2(VNET_BYTES, PAGE_SIZE)

/*
 * Ensure space allocated by vnet_data_alloc() is suitably aligned for any
 * object.
 */
#define	VNET_DATAALIGN	_Alignof(max_align_t)

/*
 * Space to store virtualized global variables from loadable kernel modules,
 * and the free list to manage it.
 */
VNET_DEFINE_STATIC(char, modspace[VNET_MODMIN] __aligned(VNET_DATAALIGN));

struct vnet_data_free {
	uintptr_t	vnd_start;
	int		vnd_len;
	TAILQ_ENTRY(vnet_data_free) vnd_link;
};

static TAILQ_HEAD(, vnet_data_free) vnet_data_free_head =
    TAILQ_HEAD_INITIALIZER(vnet_data_free_head);

/*
 * The VNET_SYSINIT()s of this kernel, in order: the constructors
 * vnet_alloc() runs in each new vnet.  FreeBSD's run with curvnet set;
 * these are given the vnet.
 */
static void (*const vnet_constructors[])(struct vnet *) = {
	vnet_tcp_init,
};

/*
 * Allocate a virtual network stack.
 */
struct vnet *
vnet_alloc(void)
{
	struct vnet *vnet;
	u_int i;

	vnet = kmem_zalloc(sizeof(struct vnet));
	vnet->vnet_magic_n = VNET_MAGIC_N;

	/*
	 * Allocate storage for virtualized global variables and copy in
	 * initial values from our 'master' copy.
	 */
	vnet->vnet_data_mem = kmem_alloc_pages(VNET_SIZE);
	memcpy(vnet->vnet_data_mem, (void *)VNET_START, VNET_BYTES);

	/*
	 * All use of vnet-specific data will immediately subtract VNET_START
	 * from the base memory pointer, so pre-calculate that now to avoid
	 * it on each use.
	 */
	vnet->vnet_data_base = (uintptr_t)vnet->vnet_data_mem - VNET_START;

	/* Initialize / attach vnet module instances. */
	for (i = 0; i < sizeof(vnet_constructors) /
	    sizeof(vnet_constructors[0]); i++)
		vnet_constructors[i](vnet);
	vnet->vnet_state = SI_SUB_VNET_DONE;

	LIST_INSERT_HEAD(&vnet_head, vnet, vnet_le);
	return (vnet);
}

/*
 * Boot time initialization and allocation of virtual network stacks:
 * vnet_data_startup() at SI_SUB_KLD (before modules are linked), then
 * vnet0_init() at SI_SUB_VNET.
 */
void
vnet_data_startup(void)
{
	struct vnet_data_free *df;

	df = kmem_zalloc(sizeof(*df));
	df->vnd_start = (uintptr_t)&VNET_NAME(modspace);
	df->vnd_len = VNET_MODMIN;
	TAILQ_INSERT_HEAD(&vnet_data_free_head, df, vnd_link);
}

void
vnet0_init(void)
{

	prison0.pr_vnet = vnet0 = vnet_alloc();
}

/*
 * When a module is loaded and requires storage for a virtualized global
 * variable, allocate space from the modspace free list.  This interface
 * should be used only by the kernel linker.
 */
void *
vnet_data_alloc(int size)
{
	struct vnet_data_free *df;
	void *s;

	s = NULL;
	size = roundup2(size, VNET_DATAALIGN);
	TAILQ_FOREACH(df, &vnet_data_free_head, vnd_link) {
		if (df->vnd_len < size)
			continue;
		if (df->vnd_len == size) {
			s = (void *)df->vnd_start;
			TAILQ_REMOVE(&vnet_data_free_head, df, vnd_link);
			break;
		}
		s = (void *)df->vnd_start;
		df->vnd_len -= size;
		df->vnd_start = df->vnd_start + size;
		break;
	}
	return (s);
}

/*
 * When a new virtualized global variable has been allocated, propagate its
 * initial value to each already-allocated virtual network stack instance.
 */
void
vnet_data_copy(void *start, int size)
{
	struct vnet *vnet;

	LIST_FOREACH(vnet, &vnet_head, vnet_le)
		memcpy((void *)((uintptr_t)vnet->vnet_data_base +
		    (uintptr_t)start), start, size);
}

static void
truth_vnet_var(FILE *f, const char *name, const char *type, void *tmpl,
    size_t size)
{
	char sym[64];

	snprintf(sym, sizeof(sym), "%s%s", VNET_SYMPREFIX, name);
	json_begin(f, name, '{');
	json_str(f, "symbol", sym);
	json_str(f, "type", type);
	json_u64(f, "template_addr", (uintptr_t)tmpl);
	json_u64(f, "size", size);
}

/*
 * The kernel's set_vnet and its variables, and each vnet (named as
 * prison_vnet_name() names it) with the jails that use it and its copy
 * of the variables, in vnet_head order.
 */
void
truth_vnets(FILE *f)
{
	struct vnet *vnet;
	char type[32];

	json_u64(f, "start_set_vnet", VNET_START);
	json_u64(f, "stop_set_vnet", VNET_STOP);
	json_u64(f, "vnet_size", VNET_SIZE);
	json_u64(f, "vnet_modmin", VNET_MODMIN);
	json_u64(f, "vnet0", (uintptr_t)vnet0);
	json_u64(f, "vnet_magic_n", VNET_MAGIC_N);
	json_u64(f, "features_vimage",
	    (uintptr_t)&sysctl___kern_features_vimage);

	json_begin(f, "vnet_vars", '{');
	truth_vnet_var(f, "ipforwarding", "int", &VNET_NAME(ipforwarding),
	    sizeof(VNET_NAME(ipforwarding)));
	json_i64(f, "template", VNET_NAME(ipforwarding));
	json_end(f, '}');
	truth_vnet_var(f, "tcp_mssdflt", "int", &VNET_NAME(tcp_mssdflt),
	    sizeof(VNET_NAME(tcp_mssdflt)));
	json_i64(f, "template", VNET_NAME(tcp_mssdflt));
	json_end(f, '}');
	snprintf(type, sizeof(type), "counter_u64_t [%zu]",
	    sizeof(VNET_NAME(tcpstat)) / sizeof(VNET_NAME(tcpstat)[0]));
	truth_vnet_var(f, "tcpstat", type, &VNET_NAME(tcpstat),
	    sizeof(VNET_NAME(tcpstat)));
	json_end(f, '}');
	json_end(f, '}');

	json_begin(f, "vnet_head", '[');
	LIST_FOREACH(vnet, &vnet_head, vnet_le)
		json_str(f, NULL, prison_vnet_name(vnet));
	json_end(f, ']');

	json_begin(f, "vnets", '{');
	LIST_FOREACH(vnet, &vnet_head, vnet_le) {
		json_begin(f, prison_vnet_name(vnet), '{');
		json_u64(f, "addr", (uintptr_t)vnet);
		json_u64(f, "data_mem", (uintptr_t)vnet->vnet_data_mem);
		json_u64(f, "data_base", vnet->vnet_data_base);
		json_u64(f, "magic", vnet->vnet_magic_n);
		json_u64(f, "ifcnt", vnet->vnet_ifcnt);
		json_u64(f, "sockcnt", vnet->vnet_sockcnt);
		json_u64(f, "state", vnet->vnet_state);
		truth_prison_names(f, "jails", vnet);
		json_begin(f, "vars", '{');
		truth_netconf(f, vnet);
		truth_tcpstat(f, vnet);
		json_end(f, '}');
		json_end(f, '}');
	}
	json_end(f, '}');
}
