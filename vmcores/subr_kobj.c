/*-
 * Fixture kernel: kernel objects (sys/kern/subr_kobj.c): compiling a
 * class, creating an object of it, looking a method up.
 */

#include <errno.h>

#include "fixture.h"
#include "kobj.h"

/* The default of every method: not implemented by the class. */
int
kobj_error_method(void)
{

	return (ENXIO);
}

void
kobj_class_compile(kobj_class_t cls)
{
	kobj_ops_t ops;

	ops = kmem_zalloc(sizeof(struct kobj_ops));
	ops->cls = cls;
	cls->ops = ops;
}

/* Zeroed memory of the class's size, its ops set (kobj_init()). */
kobj_t
kobj_create(kobj_class_t cls)
{
	kobj_t obj;

	if (cls->ops == NULL)
		kobj_class_compile(cls);
	obj = kmem_zalloc(cls->size);
	obj->ops = cls->ops;
	cls->refs++;
	return (obj);
}

kobjop_t
kobj_lookup_method(kobj_class_t cls, kobjop_desc_t desc)
{
	kobj_method_t *ce;

	for (ce = cls->methods; ce->desc != NULL; ce++)
		if (ce->desc == desc)
			return (ce->func);
	return (desc->deflt.func);
}
