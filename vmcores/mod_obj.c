/*-
 * Fixture module mod_obj.ko, loaded as an object-style kld
 * (link_elf_obj.c, as amd64's are): its set_pcpu (and set_vnet with
 * VIMAGE) are found as sections, and it has no __start_set_pcpu of its
 * own.  The templates hold values no CPU's (or vnet's) copy has.
 */

#include "pcpu.h"
#include "vnet.h"

DPCPU_DEFINE(uint64_t, mod_obj_u64) = 0xbadc0ffee0ddf00dULL;
DPCPU_DEFINE(int, mod_obj_int) = -5;
VNET_DEFINE(uint64_t, mod_obj_vnet_u64) = 0xdeadbeefcafef00dULL;
