/*-
 * Fixture module mod_unlisted.ko: mapped (so GDB has its symbols, as
 * after a kgdb "add-symbol-file") but never linked, so no linker file
 * on linker_files describes it, and its set_pcpu has no copy anywhere.
 */

#include "pcpu.h"

__GLOBL(__start_set_pcpu);
__GLOBL(__stop_set_pcpu);

DPCPU_DEFINE(int, mod_unlisted_int) = -9;
