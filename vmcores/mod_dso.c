/*-
 * Fixture module mod_dso.ko, loaded as a DSO-style kld (link_elf.c): a
 * shared object with its own set_pcpu (and set_vnet with VIMAGE).  As a
 * shared object it has its own linker-made set bounds, which
 * sys/sys/pcpu.h's and sys/net/vnet.h's __GLOBL() make the linker
 * define and link_elf.c looks up.  The templates hold values no CPU's
 * (or vnet's) copy has.
 */

#include "pcpu.h"
#include "vnet.h"
#include "module_vars.h"

__GLOBL(__start_set_pcpu);
__GLOBL(__stop_set_pcpu);
#ifdef VIMAGE
__GLOBL(__start_set_vnet);
__GLOBL(__stop_set_vnet);
#endif

DPCPU_DEFINE(int, mod_dso_int) = -7;
DPCPU_DEFINE(struct mod_dso_stats, mod_dso_stats) = { -1, -1 };
VNET_DEFINE(int, mod_dso_vnet_int) = -70;
