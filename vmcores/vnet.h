/*-
 * Fixture kernel: virtual network stacks, as sys/net/vnet.h declares
 * them.  With "options VIMAGE" (-DVIMAGE) each VNET_DEFINE()d variable
 * lives in the linker set set_vnet, a template that every struct vnet
 * has its own copy of; without it, VNET_DEFINE() makes a plain global
 * with the plain name.
 */

#ifndef _FIXTURE_VNET_H_
#define	_FIXTURE_VNET_H_

#include <stdbool.h>

#include "sys.h"

/*
 * struct vnet describes a virtualized network stack, and is primarily a
 * pointer to storage for virtualized global variables.  Expose to
 * userspace as required for libkvm.  13.0 added vnet_shutdown and changed
 * the magic number (docs/FREEBSD.md, "VNET and jails").
 */
#if __FreeBSD_version >= 1300000
struct vnet {
	LIST_ENTRY(vnet)	 vnet_le;	/* all vnets list */
	u_int			 vnet_magic_n;
	u_int			 vnet_ifcnt;
	u_int			 vnet_sockcnt;
	u_int			 vnet_state;	/* SI_SUB_* */
	void			*vnet_data_mem;
	uintptr_t		 vnet_data_base;
	bool			 vnet_shutdown;	/* Shutdown in progress. */
} __aligned(CACHE_LINE_SIZE);
#define	VNET_MAGIC_N	0x5e4a6f28
#else
struct vnet {
	LIST_ENTRY(vnet)	 vnet_le;	/* all vnets list */
	u_int			 vnet_magic_n;
	u_int			 vnet_ifcnt;
	u_int			 vnet_sockcnt;
	u_int			 vnet_state;	/* SI_SUB_* */
	void			*vnet_data_mem;
	uintptr_t		 vnet_data_base;
};
#define	VNET_MAGIC_N	0x3e0d8f29
#endif

#define	VNET_SETNAME		"set_vnet"
#define	VNET_SYMPREFIX		"vnet_entry_"

#define	VNET_PCPUSTAT_DECLARE(type, name)				\
    VNET_DECLARE(counter_u64_t, name[sizeof(type) / sizeof(uint64_t)])
#define	VNET_PCPUSTAT_DEFINE(type, name)				\
    VNET_DEFINE(counter_u64_t, name[sizeof(type) / sizeof(uint64_t)])

#ifdef VIMAGE
/*
 * The bounds of the kernel's set_vnet, linker-made and without debug
 * info, taken in assembly as pcpu.h does for set_pcpu.
 */
#define	VNET_START		__SET_ADDR("__start_set_vnet")
#define	VNET_STOP		__SET_ADDR("__stop_set_vnet")

extern struct vnet *vnet0;
LIST_HEAD(vnet_list_head, vnet);
extern struct vnet_list_head vnet_head;

#define	VNET_NAME(n)		vnet_entry_##n
#define	VNET_DECLARE(t, n)	extern t VNET_NAME(n)
/* struct _hack is to stop this from being used with static data */
#define	VNET_DEFINE(t, n)						\
    struct _hack; t VNET_NAME(n) __section(VNET_SETNAME) __used
#define	VNET_DEFINE_STATIC(t, n)					\
    static t VNET_NAME(n) __section(VNET_SETNAME) __used

#define	_VNET_PTR(b, n)		(__typeof(VNET_NAME(n))*)		\
				    ((b) + (uintptr_t)&VNET_NAME(n))

/*
 * Virtualized global variable accessor macros.  FreeBSD's VNET(n) is
 * VNET_VNET(curvnet, n); the fixture has no curthread, so it always
 * names the vnet.
 */
#define	VNET_VNET_PTR(vnet, n)		_VNET_PTR((vnet)->vnet_data_base, n)
#define	VNET_VNET(vnet, n)		(*VNET_VNET_PTR((vnet), n))

/* Virtual network stack allocator interfaces from the kernel linker. */
void	*vnet_data_alloc(int size);
void	 vnet_data_copy(void *start, int size);

struct vnet *vnet_alloc(void);
#else /* !VIMAGE */
/*
 * Versions of the VNET macros that compile to normal global variables.
 */
#define	VNET_NAME(n)		n
#define	VNET_DECLARE(t, n)	extern t n
#define	VNET_DEFINE(t, n)	struct _hack; t n

#define	VNET_VNET_PTR(vnet, n)		(&(n))
#define	VNET_VNET(vnet, n)		(n)
#endif /* VIMAGE */

#endif /* !_FIXTURE_VNET_H_ */
