/*-
 * Fixture kernel: two of the file-static counters of
 * sys/kern/vfs_bio.c, allocated in bufinit() (12.x and later,
 * docs/FREEBSD.md, "counter(9) and zpcpu").
 */

#include "fixture.h"

static counter_u64_t buffreekvacnt;
static counter_u64_t bufdefragcnt;

void
vfs_bio_init(void)
{

	buffreekvacnt = counter_u64_alloc();
	bufdefragcnt = counter_u64_alloc();
	counter_register("buffreekvacnt", &buffreekvacnt, CK_NORMAL);
	counter_register("bufdefragcnt", &bufdefragcnt, CK_NORMAL);
}
