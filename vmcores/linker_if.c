/*-
 * Fixture kernel: the method descriptors of the kernel linker interface
 * (linker_if.c, which FreeBSD generates from sys/kern/linker_if.m).
 */

#include "fixture.h"
#include "linker.h"

struct kobjop_desc linker_lookup_symbol_desc = {
	0, { &linker_lookup_symbol_desc, (kobjop_t)kobj_error_method }
};

struct kobjop_desc linker_link_preload_desc = {
	1, { &linker_link_preload_desc, (kobjop_t)kobj_error_method }
};
