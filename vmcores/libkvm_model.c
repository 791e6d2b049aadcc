/*-
 * Fixture kernel: what lib/libkvm/kvm_pcpu.c computes for a counter, so
 * that the ground truth records where libkvm goes wrong.
 *
 * kvm_read_zpcpu() reads CPU n's slot at base + sizeof(struct pcpu) * n,
 * adding the value of __pcpu first on amd64 builds of 13+
 * (__OFFSET_BY_PCPU); kvm_counter_u64_fetch() sums n = 0..mp_ncpus-1,
 * and a failed read makes the whole sum 0.
 */

#include "fixture.h"

uint64_t
libkvm_counter_u64_fetch(counter_u64_t c)
{
	uintptr_t base, addr;
	uint64_t sum;
	int i;

	base = (uintptr_t)c;
#ifdef PCPU_POINTER
	base += (uintptr_t)__pcpu;
#endif
	sum = 0;
	for (i = 0; i < mp_ncpus; i++) {
		addr = base + sizeof(struct pcpu) * i;
		if (!zpcpu_readable(addr, sizeof(uint64_t)))
			return (0);
		sum += *(uint64_t *)addr;
	}
	return (sum);
}
