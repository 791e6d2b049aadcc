/*-
 * Fixture kernel: the machine-independent basics a FreeBSD kernel's
 * structures are built from (sys/sys/types.h, sys/sys/param.h,
 * sys/sys/queue.h, sys/sys/_bitset.h, sys/sys/_cpuset.h).
 *
 * The fixture is compiled for the host (x86-64 Linux, LP64 like every
 * 64-bit FreeBSD platform).  Which FreeBSD it mimics is chosen with
 *
 *	-DFIXTURE_MACHINE_AMD64 or -DFIXTURE_MACHINE_ARM64
 *	-D__FreeBSD_version=NNNNNNN	(the release: 1104000 for 11.4,
 *					 1204000, 1305000, 1403000, 1500068)
 *	-DMAXCPU=N
 *
 * and every layout difference below is keyed on those, as FreeBSD's own
 * headers key them on the architecture and the version.  Which release
 * has which layout, and where that was read, is docs/FREEBSD.md.
 */

#ifndef _FIXTURE_SYS_H_
#define	_FIXTURE_SYS_H_

#include <stddef.h>
#include <stdint.h>

#if defined(FIXTURE_MACHINE_AMD64) == defined(FIXTURE_MACHINE_ARM64)
#error "define exactly one of FIXTURE_MACHINE_AMD64, FIXTURE_MACHINE_ARM64"
#endif
#ifndef __FreeBSD_version
#error "define __FreeBSD_version"
#endif
#ifndef MAXCPU
#error "define MAXCPU"
#endif
#if defined(FIXTURE_MACHINE_ARM64) && __FreeBSD_version < 1400000
#error "the arm64 fixtures are 14.x and 15.0"
#endif

/* sys/sys/cdefs.h */
#define	__aligned(x)	__attribute__((__aligned__(x)))
#define	__section(x)	__attribute__((__section__(x)))
#define	__used		__attribute__((__used__))
#define	__unused	__attribute__((__unused__))
#define	__packed	__attribute__((__packed__))
#define	__noinline	__attribute__((__noinline__))
#define	__STRING(x)	#x
#define	__XSTRING(x)	__STRING(x)
/* Makes the assembler, hence the linker, see a reference to sym. */
#define	__GLOBL(sym)	__asm__(".globl " __XSTRING(sym))

/*
 * The bounds of a linker set (__start_set_X, __stop_set_X), made by the
 * linker.  FreeBSD declares them "extern uintptr_t *__start_set_pcpu;",
 * for which clang, the kernel's compiler, emits no debug info; GCC would
 * emit some.  The fixture takes their addresses in assembly instead, so
 * that in its debug info, as in a kernel.debug, they are symbols without
 * a type.
 */
#define	__SET_ADDR(sym) __extension__ ({				\
	uintptr_t __a;							\
									\
	__asm__("leaq " sym "(%%rip), %0" : "=r" (__a));		\
	__a;								\
})

/* sys/sys/types.h, sys/<machine>/include/_types.h */
typedef	unsigned char	u_char;
typedef	unsigned int	u_int;
typedef	unsigned long	u_long;
typedef	int32_t		pid_t;
typedef	int32_t		lwpid_t;
typedef	int64_t		register_t;
typedef	uint64_t	vm_offset_t;
typedef	char		*caddr_t;	/* core address */
typedef	const char	*c_caddr_t;	/* core address, pointer to const */
typedef	uint64_t	*counter_u64_t;	/* sys/sys/_types.h: counter(9) */

/* sys/sys/param.h, sys/<machine>/include/param.h */
#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1 << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	round_page(x)	(((uintptr_t)(x) + PAGE_MASK) & ~(uintptr_t)PAGE_MASK)
#define	roundup2(x, y)	(((x) + ((y) - 1)) & ~((y) - 1))
#define	howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define	MAXCOMLEN	19
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024
#ifdef FIXTURE_MACHINE_AMD64
#define	MACHINE		"amd64"
#define	CACHE_LINE_SIZE	64
#else
#define	MACHINE		"arm64"
#define	CACHE_LINE_SIZE	128
#endif

/* sys/sys/resource.h */
#define	CP_USER		0
#define	CP_NICE		1
#define	CP_SYS		2
#define	CP_INTR		3
#define	CP_IDLE		4
#define	CPUSTATES	5

/* sys/sys/queue.h: the STAILQ, LIST and TAILQ shapes, field names included. */
#define	STAILQ_HEAD(name, type)						\
struct name {								\
	struct type *stqh_first;	/* first element */		\
	struct type **stqh_last;	/* addr of last next element */	\
}
#define	STAILQ_ENTRY(type)						\
struct {								\
	struct type *stqe_next;	/* next element */			\
}
#define	STAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.stqe_next = NULL;					\
	*(head)->stqh_last = (elm);					\
	(head)->stqh_last = &(elm)->field.stqe_next;			\
} while (0)

#define	LIST_HEAD(name, type)						\
struct name {								\
	struct type *lh_first;	/* first element */			\
}
#define	LIST_HEAD_INITIALIZER(head)	{ NULL }
#define	LIST_ENTRY(type)						\
struct {								\
	struct type *le_next;	/* next element */			\
	struct type **le_prev;	/* address of previous next element */	\
}
#define	LIST_FOREACH(var, head, field)					\
	for ((var) = (head)->lh_first; (var) != NULL;			\
	    (var) = (var)->field.le_next)
#define	LIST_INSERT_HEAD(head, elm, field) do {				\
	if (((elm)->field.le_next = (head)->lh_first) != NULL)		\
		(head)->lh_first->field.le_prev = &(elm)->field.le_next;\
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (0)

#define	TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;	/* first element */			\
	struct type **tqh_last;	/* addr of last next element */		\
}
#define	TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;	/* next element */			\
	struct type **tqe_prev;	/* address of previous next element */	\
}
#define	TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }
#define	TAILQ_FOREACH(var, head, field)					\
	for ((var) = (head)->tqh_first; (var) != NULL;			\
	    (var) = (var)->field.tqe_next)
#define	TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)
#define	TAILQ_INSERT_HEAD(head, elm, field) do {			\
	if (((elm)->field.tqe_next = (head)->tqh_first) != NULL)	\
		(head)->tqh_first->field.tqe_prev =			\
		    &(elm)->field.tqe_next;				\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(head)->tqh_first = (elm);					\
	(elm)->field.tqe_prev = &(head)->tqh_first;			\
} while (0)
#define	TAILQ_REMOVE(head, elm, field) do {				\
	if (((elm)->field.tqe_next) != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev =			\
		    (elm)->field.tqe_prev;				\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = (elm)->field.tqe_next;			\
} while (0)
#define	TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)

/*
 * sys/sys/_bitset.h, sys/sys/_cpuset.h: in the kernel CPU_SETSIZE is
 * MAXCPU and a cpuset_t is a struct of longs.
 */
#define	_BITSET_BITS		(sizeof(long) * 8)
#define	__bitset_words(_s)	(howmany(_s, _BITSET_BITS))
#define	__BITSET_DEFINE(t, _s)						\
struct t {								\
	long	__bits[__bitset_words((_s))];				\
}
#define	CPU_SETSIZE	MAXCPU
__BITSET_DEFINE(_cpuset, CPU_SETSIZE);
typedef struct _cpuset cpuset_t;

#define	CPU_SET(n, p)							\
	((p)->__bits[(n) / _BITSET_BITS] |= 1L << ((n) % _BITSET_BITS))
#define	CPU_ISSET(n, p)							\
	(((p)->__bits[(n) / _BITSET_BITS] & (1L << ((n) % _BITSET_BITS))) != 0)

/* sys/sys/smp.h */
#define	NOCPU		(-1)
#define	CPU_ABSENT(i)	(!CPU_ISSET(i, &all_cpus))
#define	CPU_FOREACH(i)							\
	for ((i) = 0; (i) <= mp_maxid; (i)++)				\
		if (!CPU_ABSENT((i)))

extern u_int mp_maxid;
extern int mp_maxcpus;
extern int mp_ncpus;
extern cpuset_t all_cpus;
extern cpuset_t stopped_cpus;
extern lwpid_t dumptid;

/* sys/kern/kern_mib.c, sys/conf/newvers.sh */
extern int osreldate;
extern char version[];

#endif /* !_FIXTURE_SYS_H_ */
