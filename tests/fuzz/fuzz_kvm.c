/*
 * libFuzzer harness of the native core: the target's memory, symbol table and
 * layout all come from the fuzz input, so that every value the core reads
 * from a "dump" is hostile.  Built and run by `make fuzz`.
 *
 * Input: a header, then the memory image mapped at IMAGE_BASE.
 *   byte 0      flags: bit n set = symbol n is missing
 *   byte 1      pointer size selector (odd: 4, even: 8)
 *   byte 2      pc_zpcpu_offset selector (0xff: none)
 *   byte 3      zpcpu stride override selector
 *   bytes 4-5   sizeof(struct pcpu) (0 means 4096)
 *   bytes 6-7   a CPU id to query (signed)
 *   then 2 bytes per symbol: its offset in the image
 * The image also serves as records, lists and DPCPU/VNET objects.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_pcpu.h"

#define	IMAGE_BASE	0x1000

static const char *const symbols[] = {
	"mp_maxcpus", "mp_ncpus", "mp_maxid", "cpuid_to_pcpu", "all_cpus",
	"dpcpu_off", "__start_set_pcpu", "__stop_set_pcpu", "osreldate",
	"__start_set_vnet", "__stop_set_vnet",
};
#define	NSYMS	(sizeof(symbols) / sizeof(symbols[0]))
#define	HEADER	(8 + 2 * NSYMS)

struct image {
	const uint8_t *hdr;
	const uint8_t *mem;
	size_t size;
};

static int
fuzz_lookup(void *arg, const char *name, uint64_t *addrp)
{
	struct image *img = arg;
	size_t i;

	for (i = 0; i < NSYMS; i++) {
		if (strcmp(name, symbols[i]) != 0)
			continue;
		if (i < 8 && (img->hdr[0] >> i) & 1)
			return (KP_TARGET_MISSING);
		*addrp = IMAGE_BASE + (img->hdr[8 + 2 * i] |
		    (img->hdr[9 + 2 * i] << 8));
		return (KP_TARGET_OK);
	}
	return (KP_TARGET_MISSING);
}

static int
fuzz_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	struct image *img = arg;

	if (addr < IMAGE_BASE || addr - IMAGE_BASE > img->size ||
	    size > img->size - (addr - IMAGE_BASE))
		return (KP_TARGET_FAULT);
	memcpy(buf, img->mem + (addr - IMAGE_BASE), size);
	return (KP_TARGET_OK);
}

/* Values out of memory: records, pointer arrays, lists. */
static void
exercise_values(kvm_t *kd, uint64_t addr)
{
	static const struct kp_field fields[] = {
		{ 0, 4, KP_FIELD_UINT },
		{ 8, 8, KP_FIELD_INT },
		{ 16, 16, KP_FIELD_STRING },
	};
	uint64_t addrs[3] = { addr, addr + 24, 0 }, ptrs[4], *elems;
	struct kp_rows *rows;
	struct kp_error *err;
	size_t n;

	err = kp_read_fields(kd, addrs, 3, fields, 3, &rows);
	if (err == NULL)
		kp_rows_free(rows);
	kp_error_destroy(err);
	kp_error_destroy(kp_read_pointer_array(kd, addr, 4, ptrs));
	err = kp_walk_list(kd, addr, 8, 1000, &elems, &n);
	if (err == NULL)
		free(elems);
	kp_error_destroy(err);
}

/* DPCPU and VNET objects on the present CPUs and on the CPU of the input. */
static void
exercise_sets(kvm_t *kd, int cpu, uint64_t addr, const int *cpus, int n)
{
	static const struct kp_field fields[] = { { 0, 8, KP_FIELD_UINT } };
	struct kp_reloc mod = { addr, addr + 64, IMAGE_BASE };
	int some[2] = { cpu, 0 };
	unsigned char out[2 * 16];
	struct kp_rows *rows;
	struct kp_error *err;
	uint64_t v;
	bool ok[2];

	kp_error_destroy(kp_dpcpu_set_modules(kd, &mod, 1));
	kp_error_destroy(kp_dpcpu_addr(kd, addr, cpu, &v));
	kp_error_destroy(kp_dpcpu_template(kd, addr, &v));
	kp_error_destroy(kp_dpcpu_read(kd, addr, 16, some, 2, out, ok));
	err = kp_dpcpu_fields(kd, addr, cpus, (size_t)n, fields, 1, &rows);
	if (err == NULL)
		kp_rows_free(rows);
	kp_error_destroy(err);
	kp_error_destroy(kp_vnet_set_modules(kd, &mod, 1));
	kp_error_destroy(kp_vnet_template(kd, addr, &v));
	kp_error_destroy(kp_vnet_addr(kd, addr, addr, &v));
}

/* zpcpu slots and counter(9), NULL counters included. */
static void
exercise_counters(kvm_t *kd, int cpu, uint64_t addr, int n)
{
	uint64_t bases[3] = { addr, addr + 8, addr + 4096 };
	uint64_t sums[3], v, stride, *slots;
	int some[2] = { 0, cpu }, *missing;
	enum kp_zpcpu_rule rule;
	size_t nmissing;

	kp_error_destroy(kp_zpcpu_rule(kd, &rule, &stride));
	kp_error_destroy(kp_counter_fetch_array(kd, bases, 3, sums));
	kp_error_destroy(kp_counter_fetch(kd, 0, &v));
	kp_error_destroy(kp_counter_slots(kd, addr, some, 2, sums));
	/* One value per present CPU, as kp_counter_slots() wants then. */
	slots = calloc(n > 0 ? (size_t)n : 1, sizeof(*slots));
	missing = calloc(n > 0 ? (size_t)n : 1, sizeof(*missing));
	if (slots != NULL && missing != NULL) {
		kp_error_destroy(kp_counter_slots(kd, addr, NULL, 0, slots));
		kp_error_destroy(kp_counter_fetch_partial(kd, bases, 3, sums,
		    missing, &nmissing));
	}
	free(slots);
	free(missing);
}

static void
exercise(kvm_t *kd, int cpu, uint64_t addr)
{
	unsigned char buf[16];
	const int *cpus = NULL;
	unsigned int id;
	int n;
	void *p;

	(void)kvm_getmaxcpu(kd);
	(void)kvm_getncpus(kd);
	p = kvm_getpcpu(kd, cpu);
	if (p != NULL && p != (void *)-1)
		free(p);
	(void)kvm_dpcpu_setcpu(kd, (unsigned int)cpu);
	(void)kvm_read_zpcpu(kd, addr, buf, sizeof(buf), cpu);
	(void)kvm_counter_u64_fetch(kd, addr);
	kp_error_destroy(kp_maxid(kd, &id));
	n = 0;
	kp_error_destroy(kp_cpus(kd, &cpus, &n));
	exercise_values(kd, addr);
	exercise_sets(kd, cpu, addr, cpus, n);
	exercise_counters(kd, cpu, addr, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kp_target target;
	struct image img;
	kvm_t *kd;
	uint64_t counter;
	int cpu;

	if (size < HEADER)
		return (0);
	img.hdr = data;
	img.mem = data + HEADER;
	img.size = size - HEADER;
	memset(&target, 0, sizeof(target));
	target.lookup = fuzz_lookup;
	target.read = fuzz_read;
	target.arg = &img;
	target.layout.pointer_size = (data[1] & 1) ? 4 : 8;
	target.layout.pc_zpcpu_offset = data[2] == 0xff ? -1 : data[2];
	target.layout.zpcpu_stride = (data[3] & 0x80) ? 64u * (data[3] & 0x7f) : 0;
	target.layout.pcpu_size = data[4] | (data[5] << 8);
	if (target.layout.pcpu_size == 0)
		target.layout.pcpu_size = 4096;
	target.layout.page_size = 4096;
	cpu = (int16_t)(data[6] | (data[7] << 8));
	kd = kvm_open_target(&target, NULL);
	if (kd == NULL)
		return (0);
	counter = img.size >= 8 ? IMAGE_BASE + (img.size / 2 & ~7ul) : 0;
	exercise(kd, cpu, counter);
	kp_clear_cache(NULL);
	exercise(kd, cpu, counter);
	kvm_close(kd);
	return (0);
}
