/*-
 * Fixture kernel: the UMA_ZONE_PCPU allocator counter(9) draws from
 * (sys/vm/uma_core.c, pcpu_page_alloc() and uma_zalloc_pcpu_arg()).
 *
 * A slab ("chunk") is one contiguous region with a slot area for every
 * CPU id 0..mp_maxid, absent ones included, UMA_PCPU_ALLOC_SIZE apart:
 * PAGE_SIZE since 12, sizeof(struct pcpu) in 11.  Items are 8 bytes,
 * handed out at increasing offsets, so many counters share each CPU's
 * slot area, and a new chunk starts when one is full.  CPU n's copy of
 * the item at offset o is at chunk + UMA_PCPU_ALLOC_SIZE * n + o.
 *
 * What the allocator returns is the CPU 0 slot's address, except on
 * amd64 13+, where it is that address minus __pcpu
 * (zpcpu_base_to_offset()), because the kernel adds it to %gs.
 */

#include "fixture.h"

#define	ZPCPU_ITEM_SIZE	sizeof(uint64_t)
#define	ZPCPU_MAXCHUNKS	16

struct zpcpu_chunk {
	uintptr_t	zc_base;
	size_t		zc_size;
	u_int		zc_used;
};

static struct zpcpu_chunk zpcpu_chunks[ZPCPU_MAXCHUNKS];
static u_int zpcpu_nchunks;

counter_u64_t
uma_zalloc_pcpu(void)
{
	struct zpcpu_chunk *zc;
	uintptr_t item;

	zc = zpcpu_nchunks > 0 ? &zpcpu_chunks[zpcpu_nchunks - 1] : NULL;
	if (zc == NULL ||
	    zc->zc_used == UMA_PCPU_ALLOC_SIZE / ZPCPU_ITEM_SIZE) {
		if (zpcpu_nchunks == ZPCPU_MAXCHUNKS)
			panic("uma_zalloc_pcpu: out of chunks");
		zc = &zpcpu_chunks[zpcpu_nchunks++];
		zc->zc_size = round_page((mp_maxid + 1) * UMA_PCPU_ALLOC_SIZE);
		zc->zc_base = (uintptr_t)kmem_alloc_pages(zc->zc_size);
		zc->zc_used = 0;
	}
	item = zc->zc_base + ZPCPU_ITEM_SIZE * zc->zc_used++;
#ifdef PCPU_POINTER
	return ((counter_u64_t)(item - (uintptr_t)__pcpu));
#else
	return ((counter_u64_t)item);
#endif
}

/* sys/sys/pcpu.h: zpcpu_get_cpu() */
uint64_t *
zpcpu_get_cpu(counter_u64_t c, u_int cpu)
{

	return ((uint64_t *)((uintptr_t)c + zpcpu_offset_cpu(cpu)));
}

/* Whether [addr, addr + len) lies inside one chunk. */
int
zpcpu_readable(uintptr_t addr, size_t len)
{
	struct zpcpu_chunk *zc;
	u_int i;

	for (i = 0; i < zpcpu_nchunks; i++) {
		zc = &zpcpu_chunks[i];
		if (addr >= zc->zc_base && addr - zc->zc_base <= zc->zc_size &&
		    len <= zc->zc_size - (addr - zc->zc_base))
			return (1);
	}
	return (0);
}
