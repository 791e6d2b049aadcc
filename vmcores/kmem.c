/*-
 * Fixture kernel: "kernel memory".  Everything the fixture allocates
 * comes from one reserved arena of anonymous memory, so that it is all
 * in the core GDB writes and addresses are stable from run to run (GDB
 * starts the fixture with address randomization off).
 *
 * Guard pages (kmem_alloc_guarded) separate allocations that a FreeBSD
 * kernel does not place side by side, such as arm64's per-CPU pcpu
 * allocations; they, and the holes of kmem_alloc_hole, are unmapped
 * before the core is taken, so reading them fails as it would in a real
 * dump.
 */

#include <sys/mman.h>

#include <errno.h>
#include <string.h>

#include "fixture.h"

#define	KMEM_ARENA_SIZE	((size_t)512 << 20)
#define	KMEM_HEAP_RUN	((size_t)64 << 10)
#define	KMEM_MAXGUARDS	(MAXCPU + 64)

static char *kmem_base;
static char *kmem_next;
static char *kmem_heap;
static char *kmem_heap_end;
static struct kmem_guard {
	char	*kg_addr;
	size_t	 kg_len;
} kmem_guards[KMEM_MAXGUARDS];
static u_int kmem_nguards;

void
kmem_init(void)
{

	kmem_base = mmap(NULL, KMEM_ARENA_SIZE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kmem_base == MAP_FAILED)
		panic("kmem_init: mmap: %s", strerror(errno));
	kmem_next = kmem_base;
}

/* Zeroed, page-aligned, contiguous memory. */
void *
kmem_alloc_pages(size_t size)
{
	char *p;

	size = round_page(size);
	if (size == 0 || size > KMEM_ARENA_SIZE - (size_t)(kmem_next -
	    kmem_base) - PAGE_SIZE)
		panic("kmem_alloc_pages: out of arena for %zu bytes", size);
	p = kmem_next;
	if (mprotect(p, size, PROT_READ | PROT_WRITE) != 0)
		panic("kmem_alloc_pages: mprotect: %s", strerror(errno));
	kmem_next += size;
	return (p);
}

/* Address space for size bytes that will not be in the core. */
void *
kmem_alloc_hole(size_t size)
{
	char *p;

	size = round_page(size);
	if (kmem_nguards == KMEM_MAXGUARDS)
		panic("kmem_alloc_hole: too many holes");
	p = kmem_alloc_pages(size);
	kmem_guards[kmem_nguards].kg_addr = p;
	kmem_guards[kmem_nguards].kg_len = size;
	kmem_nguards++;
	return (p);
}

/* As kmem_alloc_pages(), followed by a page that will not be in the core. */
void *
kmem_alloc_guarded(size_t size)
{
	char *p;

	p = kmem_alloc_pages(size);
	kmem_alloc_hole(PAGE_SIZE);
	return (p);
}

/* Small zeroed objects (threads, pcbs, pmaps), 16-byte aligned. */
void *
kmem_zalloc(size_t size)
{
	char *p;

	size = roundup2(size, 16);
	if (size > KMEM_HEAP_RUN)
		panic("kmem_zalloc: %zu bytes is too big", size);
	if (kmem_heap == NULL || (size_t)(kmem_heap_end - kmem_heap) < size) {
		kmem_heap = kmem_alloc_pages(KMEM_HEAP_RUN);
		kmem_heap_end = kmem_heap + KMEM_HEAP_RUN;
	}
	p = kmem_heap;
	kmem_heap += size;
	return (p);
}

/* Drop the guard pages, the holes and the unused arena: not in the core. */
void
kmem_unmap_guards(void)
{
	u_int i;

	for (i = 0; i < kmem_nguards; i++)
		if (munmap(kmem_guards[i].kg_addr, kmem_guards[i].kg_len) != 0)
			panic("kmem_unmap_guards: munmap: %s", strerror(errno));
	if (munmap(kmem_next, KMEM_ARENA_SIZE - (size_t)(kmem_next -
	    kmem_base)) != 0)
		panic("kmem_unmap_guards: munmap: %s", strerror(errno));
}

/* Fill memory that exists but holds nothing valid with JUNK_WORD. */
void
junk_fill(void *p, size_t len)
{
	uint64_t *w;
	size_t i;

	w = p;
	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = JUNK_WORD;
}
