/*-
 * Fixture kernel: kernel objects, as sys/sys/kobj.h declares them.  A
 * kobj's first field, ops, points at its class's compiled method table,
 * whose cls is the class: for a linker file, its linker class.
 */

#ifndef _FIXTURE_KOBJ_H_
#define	_FIXTURE_KOBJ_H_

#include "sys.h"

typedef struct kobj		*kobj_t;
typedef struct kobj_class	*kobj_class_t;
typedef const struct kobj_method kobj_method_t;
typedef int			(*kobjop_t)(void);
typedef struct kobj_ops		*kobj_ops_t;
typedef struct kobjop_desc	*kobjop_desc_t;

struct kobj_method {
	kobjop_desc_t	desc;
	kobjop_t	func;
};

#define	KOBJ_CLASS_FIELDS						\
	const char	*name;		/* class name */		\
	kobj_method_t	*methods;	/* method table */		\
	size_t		size;		/* object size */		\
	kobj_class_t	*baseclasses;	/* base classes */		\
	u_int		refs;		/* reference count */		\
	kobj_ops_t	ops		/* compiled method table */

struct kobj_class {
	KOBJ_CLASS_FIELDS;
};

#define	KOBJ_FIELDS							\
	kobj_ops_t	ops

struct kobj {
	KOBJ_FIELDS;
};

/*
 * The ops table is used as a cache of results from kobj_lookup_method();
 * the fixture looks methods up without it.
 */
#define	KOBJ_CACHE_SIZE	256

struct kobj_ops {
	kobj_method_t	*cache[KOBJ_CACHE_SIZE];
	kobj_class_t	cls;
};

struct kobjop_desc {
	unsigned int	id;		/* unique ID */
	kobj_method_t	deflt;		/* default implementation */
};

/*
 * The casts go through void (*)(void), which GCC's -Wcast-function-type
 * accepts (FreeBSD builds without that warning).
 */
#define	KOBJMETHOD(NAME, FUNC)						\
	{ &NAME##_desc,							\
	  (kobjop_t)(void (*)(void))(1 ? FUNC : (NAME##_t *)NULL) }
#define	KOBJMETHOD_END	{ NULL, NULL }

#define	KOBJOPLOOKUP(OPS, OP)						\
	(_m = kobj_lookup_method((OPS)->cls, &OP##_desc))

void		kobj_class_compile(kobj_class_t cls);
kobj_t		kobj_create(kobj_class_t cls);
kobjop_t	kobj_lookup_method(kobj_class_t cls, kobjop_desc_t desc);
int		kobj_error_method(void);

#endif /* !_FIXTURE_KOBJ_H_ */
