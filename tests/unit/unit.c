/*
 * The runner and the in-memory target of the core's unit tests (unit.h).
 */
#include <stdarg.h>
#include <stdlib.h>

#include "unit.h"

bool ut_test_failed;
static const char *ut_current;

void
ut_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", ut_current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ut_test_failed = true;
}

bool
ut_check_err(struct kp_error *err, enum kp_error_code code, const char *msg,
    const char *what, const char *file, int line)
{
	bool ok;

	if (err == NULL) {
		ut_failed(file, line, "%s: succeeded, expected error %d", what,
		    (int)code);
		return (false);
	}
	ok = err->code == code && (msg == NULL ||
	    strcmp(err->message, msg) == 0);
	if (!ok)
		ut_failed(file, line, "%s: error %d \"%s\", expected %d \"%s\"",
		    what, (int)err->code, err->message, (int)code,
		    msg != NULL ? msg : "*");
	kp_error_destroy(err);
	return (ok);
}

int
ut_run(const struct ut_test *tests, size_t n)
{
	size_t i;
	int failures = 0;

	for (i = 0; i < n; i++) {
		ut_current = tests[i].name;
		ut_test_failed = false;
		tests[i].fn();
		if (ut_test_failed)
			failures++;
		else
			printf("ok %s\n", tests[i].name);
	}
	printf("%zu tests, %d failed\n", n, failures);
	return (failures != 0);
}

/* -- the target --------------------------------------------------------- */

static bool
ut_hook_enter(struct ut_target *t, int *status)
{
	t->calls++;
	if ((t->fail_at != 0 && t->calls > t->fail_at) ||
	    (t->interrupt_at != 0 && t->checks >= t->interrupt_at))
		t->calls_after_fail++;
	if (t->fail_at != 0 && t->calls >= t->fail_at) {
		*status = t->fail_status;
		return (false);
	}
	return (true);
}

static int
ut_lookup(void *arg, const char *name, uint64_t *addrp)
{
	struct ut_target *t = arg;
	int i, status;

	if (!ut_hook_enter(t, &status))
		return (status);
	for (i = 0; i < t->nsyms; i++) {
		if (strcmp(t->syms[i].name, name) == 0) {
			*addrp = t->syms[i].addr;
			return (KP_TARGET_OK);
		}
	}
	return (KP_TARGET_MISSING);
}

static struct ut_seg *
ut_segment(struct ut_target *t, uint64_t addr, size_t size)
{
	int i;

	for (i = 0; i < t->nsegs; i++) {
		if (addr >= t->segs[i].addr &&
		    addr - t->segs[i].addr <= t->segs[i].size &&
		    size <= t->segs[i].size - (addr - t->segs[i].addr))
			return (&t->segs[i]);
	}
	return (NULL);
}

static int
ut_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	struct ut_target *t = arg;
	struct ut_seg *s;
	int status;

	if (!ut_hook_enter(t, &status))
		return (status);
	t->reads++;
	if (t->unreadable != 0 && addr <= t->unreadable &&
	    t->unreadable - addr < size)
		return (KP_TARGET_FAULT);
	if ((s = ut_segment(t, addr, size)) == NULL)
		return (KP_TARGET_FAULT);
	memcpy(buf, s->bytes + (addr - s->addr), size);
	return (KP_TARGET_OK);
}

static int
ut_interrupted(void *arg)
{
	struct ut_target *t = arg;

	t->checks++;
	return (t->interrupt_at != 0 && t->checks >= t->interrupt_at);
}

void
ut_init(struct ut_target *t, unsigned int psize, bool big_endian)
{
	memset(t, 0, sizeof(*t));
	t->next = psize == 8 ? 0xfffffe0000000000ull : 0xc0000000ull;
	t->layout.pointer_size = psize;
	t->layout.big_endian = big_endian;
	t->layout.page_size = UT_PAGE;
	t->layout.pcpu_size = UT_PAGE;
	t->layout.pc_zpcpu_offset = -1;
	t->fail_status = KP_TARGET_ERROR;
}

void
ut_free(struct ut_target *t)
{
	int i;

	for (i = 0; i < t->nsegs; i++)
		free(t->segs[i].bytes);
	t->nsegs = 0;
}

uint64_t
ut_alloc(struct ut_target *t, size_t size, uint64_t align)
{
	uint64_t addr;

	if (t->nsegs == UT_MAXSEGS)
		abort();
	addr = (t->next + align - 1) & ~(align - 1);
	t->segs[t->nsegs].addr = addr;
	t->segs[t->nsegs].size = size;
	t->segs[t->nsegs].bytes = calloc(1, size ? size : 1);
	if (t->segs[t->nsegs].bytes == NULL)
		abort();
	t->nsegs++;
	/* An unmapped page after each allocation: reads across it fault. */
	t->next = addr + size + UT_PAGE;
	return (addr);
}

void
ut_sym(struct ut_target *t, const char *name, uint64_t addr)
{
	if (t->nsyms == UT_MAXSYMS)
		abort();
	snprintf(t->syms[t->nsyms].name, sizeof(t->syms[0].name), "%s",
	    name);
	t->syms[t->nsyms].addr = addr;
	t->nsyms++;
}

uint64_t
ut_define(struct ut_target *t, const char *name, size_t size)
{
	uint64_t addr;

	addr = ut_alloc(t, size, 8);
	ut_sym(t, name, addr);
	return (addr);
}

void
ut_unsym(struct ut_target *t, const char *name)
{
	int i;

	for (i = 0; i < t->nsyms; i++) {
		if (strcmp(t->syms[i].name, name) == 0) {
			t->syms[i] = t->syms[--t->nsyms];
			return;
		}
	}
}

void
ut_put_bytes(struct ut_target *t, uint64_t addr, const void *p, size_t size)
{
	struct ut_seg *s;

	if ((s = ut_segment(t, addr, size)) == NULL)
		abort();
	memcpy(s->bytes + (addr - s->addr), p, size);
}

void
ut_put(struct ut_target *t, uint64_t addr, uint64_t value, size_t size)
{
	unsigned char b[8];
	size_t i;

	for (i = 0; i < size; i++) {
		if (t->layout.big_endian)
			b[size - 1 - i] = (unsigned char)(value >> (8 * i));
		else
			b[i] = (unsigned char)(value >> (8 * i));
	}
	ut_put_bytes(t, addr, b, size);
}

kvm_t *
ut_open(struct ut_target *t)
{
	struct kp_target target;
	struct kp_error *err;
	kvm_t *kd;

	memset(&target, 0, sizeof(target));
	target.lookup = ut_lookup;
	target.read = ut_read;
	target.interrupted = ut_interrupted;
	target.arg = t;
	target.layout = t->layout;
	err = kp_open(&target, &kd);
	if (err != NULL) {
		printf("kp_open: %s\n", err->message);
		abort();
	}
	return (kd);
}

/* -- a kernel ------------------------------------------------------------ */

void
ut_kernel(struct ut_kernel *k, enum ut_shape shape, int maxid, int maxcpus,
    uint64_t absent)
{
	struct ut_target *t = &k->t;
	unsigned int ps = 8;
	uint64_t c2p, offs, words, region = 0, chunk, stride, area, zoff;
	char name[16];
	int cpu, i;

	memset(k, 0, sizeof(*k));
	ut_init(t, ps, false);
	k->shape = shape;
	k->maxid = maxid;
	k->maxcpus = maxcpus;
	t->layout.pcpu_size = shape == UT_ARM64_13 ? 512 :
	    shape == UT_AMD64_11 ? 1152 : UT_PAGE;
	t->layout.pc_zpcpu_offset = shape == UT_AMD64_13 ||
	    shape == UT_ARM64_13 ? UT_PC_ZPCPU : -1;
	for (cpu = 0; cpu <= maxid; cpu++) {
		k->present[cpu] = !((absent >> cpu) & 1);
		k->ncpus += k->present[cpu];
	}
	ut_put(t, ut_define(t, "mp_maxcpus", 4), (uint64_t)maxcpus, 4);
	ut_put(t, ut_define(t, "mp_ncpus", 4), (uint64_t)k->ncpus, 4);
	ut_put(t, ut_define(t, "mp_maxid", 4), (uint64_t)maxid, 4);
	ut_put(t, ut_define(t, "osreldate", 4), shape == UT_AMD64_11 ?
	    1104000 : shape == UT_AMD64_12 ? 1203000 : 1400097, 4);
	c2p = ut_define(t, "cpuid_to_pcpu", ps * (size_t)maxcpus);
	offs = ut_define(t, "dpcpu_off", ps * (size_t)maxcpus);
	words = ut_define(t, "all_cpus", ps * (((size_t)maxcpus + 63) / 64));
	/* all_cpus: one bit per present CPU in 64-bit words. */
	for (i = 0; i < (maxcpus + 63) / 64; i++) {
		uint64_t w = 0;

		for (cpu = 64 * i; cpu < 64 * i + 64 && cpu <= maxid; cpu++)
			w |= (uint64_t)k->present[cpu] << (cpu % 64);
		ut_put(t, words + 8 * (uint64_t)i, w, 8);
	}
	/* set_pcpu: an int at its start, room for modules after it. */
	k->set_start = ut_define(t, "__start_set_pcpu", 2048);
	k->set_stop = k->set_start + 2048;
	ut_sym(t, "__stop_set_pcpu", k->set_stop);
	k->dpcpu_int = k->set_start;
	ut_put(t, k->dpcpu_int, 0xffffffff, 4);
	k->vnet_start = ut_define(t, "__start_set_vnet", 256);
	ut_sym(t, "__stop_set_vnet", k->vnet_start + 256);

	if (shape != UT_ARM64_13) {
		region = ut_alloc(t, t->layout.pcpu_size * (size_t)(maxid + 1),
		    UT_PAGE);
		ut_sym(t, "__pcpu", region);
	}
	for (cpu = 0; cpu <= maxid; cpu++) {
		uint64_t pc = shape == UT_ARM64_13 ?
		    ut_alloc(t, UT_PAGE, UT_PAGE) :
		    region + t->layout.pcpu_size * (uint64_t)cpu;

		ut_put(t, pc + UT_PC_CPUID, (uint64_t)cpu, 4);
		snprintf(name, sizeof(name), "cpu%d", cpu);
		ut_put_bytes(t, pc + UT_PC_NAME, name, strlen(name));
		zoff = shape == UT_AMD64_13 ? region + UT_PAGE * (uint64_t)cpu :
		    UT_PAGE * (uint64_t)cpu;
		if (t->layout.pc_zpcpu_offset >= 0)
			ut_put(t, pc + UT_PC_ZPCPU, zoff, 8);
		if (!k->present[cpu])
			continue;
		k->pcpu[cpu] = pc;
		ut_put(t, c2p + ps * (uint64_t)cpu, pc, ps);
		area = ut_alloc(t, UT_PAGE, UT_PAGE);
		k->dpcpu_off[cpu] = area - k->set_start;
		ut_put(t, offs + ps * (uint64_t)cpu, k->dpcpu_off[cpu], ps);
		ut_put(t, pc + UT_PC_DYNAMIC, k->dpcpu_off[cpu], 8);
		ut_put(t, area, 1000 + 17 * (uint64_t)cpu, 4);
	}
	/* cpuhead: the present CPUs' struct pcpu, linked in order. */
	ut_put(t, ut_define(t, "cpuhead", ps), k->pcpu[0], ps);
	for (cpu = maxid, zoff = 0; cpu >= 0; cpu--) {
		if (!k->present[cpu])
			continue;
		ut_put(t, k->pcpu[cpu] + UT_PC_NEXT, zoff, ps);
		zoff = k->pcpu[cpu];
	}
	/* counter(9): one chunk, one slot page (or pcpu size) per CPU id. */
	stride = shape == UT_AMD64_11 ? t->layout.pcpu_size : UT_PAGE;
	chunk = ut_alloc(t, stride * (size_t)(maxid + 1), UT_PAGE);
	for (i = 0; i < UT_NCOUNTERS; i++) {
		uint64_t slot0 = chunk + 8 * (uint64_t)i;

		k->counters[i] = shape == UT_AMD64_13 ? slot0 - region : slot0;
		for (cpu = 0; cpu <= maxid; cpu++) {
			uint64_t v = k->present[cpu] ?
			    (uint64_t)(i + 1) * 1000 + 7 * (uint64_t)cpu :
			    0xdead0000 + (uint64_t)cpu;

			ut_put(t, slot0 + stride * (uint64_t)cpu, v, 8);
			if (k->present[cpu]) {
				k->slot[i][cpu] = v;
				k->sums[i] += v;
			}
		}
	}
}
