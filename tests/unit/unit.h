/*
 * Known-answer unit tests of the native core: a tiny test runner and an
 * in-memory target that counts, fails and interrupts its hooks on demand.
 * tests/test_core_unit.py compiles each tests/unit/test_*.c with unit.c and
 * the core, under AddressSanitizer, UBSan and LeakSanitizer, and runs it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kp_private.h"

/* -- the runner -------------------------------------------------------- */

struct ut_test {
	const char *name;
	void (*fn)(void);
};

/* Each test file defines its table and ends with UT_MAIN(table). */
int ut_run(const struct ut_test *tests, size_t n);
#define	UT_MAIN(table)							\
	int main(void) { return (ut_run(table,				\
	    sizeof(table) / sizeof(table[0]))); }

/* Record a failure of the running test; the CHECK macros return after it. */
void ut_failed(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern bool ut_test_failed;

#define	CHECK(cond) do {						\
	if (!(cond)) {							\
		ut_failed(__FILE__, __LINE__, "%s", #cond);		\
		return;							\
	}								\
} while (0)

#define	CHECK_EQ(a, b) do {						\
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);		\
	if (a_ != b_) {							\
		ut_failed(__FILE__, __LINE__, "%s == %s: 0x%jx != 0x%jx",\
		    #a, #b, (uintmax_t)a_, (uintmax_t)b_);		\
		return;							\
	}								\
} while (0)

/* A core call that must succeed. */
#define	CHECK_OK(call) do {						\
	struct kp_error *e_ = (call);					\
	if (e_ != NULL) {						\
		ut_failed(__FILE__, __LINE__, "%s: error %d \"%s\"",	\
		    #call, (int)e_->code, e_->message);			\
		kp_error_destroy(e_);					\
		return;							\
	}								\
} while (0)

/* A core call that must fail with code and exactly message (NULL: any). */
#define	CHECK_ERR(call, want_code, want_msg) do {			\
	if (!ut_check_err((call), (want_code), (want_msg), #call,	\
	    __FILE__, __LINE__))					\
		return;							\
} while (0)
bool ut_check_err(struct kp_error *err, enum kp_error_code code,
    const char *msg, const char *what, const char *file, int line);

/* -- the in-memory target ---------------------------------------------- */

#define	UT_PAGE		4096
#define	UT_MAXSEGS	256
#define	UT_MAXSYMS	64

struct ut_seg {
	uint64_t addr;
	size_t size;
	unsigned char *bytes;
};

struct ut_target {
	struct ut_seg segs[UT_MAXSEGS];
	int nsegs;
	struct {
		char name[48];
		uint64_t addr;
	} syms[UT_MAXSYMS];
	int nsyms;
	uint64_t next;			/* where ut_alloc() maps next */
	struct kp_layout layout;	/* what ut_open() gives the core */

	/* Accounting of the hooks. */
	int calls;			/* lookups and reads so far */
	int reads;
	int fail_at;			/* this call (1-based) and later fail */
	int fail_status;		/* ... with this status (KP_TARGET_ERROR) */
	int calls_after_fail;		/* hooks called after the first failure
					   or interruption */
	int checks;			/* interrupted() calls */
	int interrupt_at;		/* this check (1-based) and later say yes */
	uint64_t unreadable;		/* reads covering this address fault */
};

/* An empty target of pointer size psize and byte order. */
void ut_init(struct ut_target *t, unsigned int psize, bool big_endian);
void ut_free(struct ut_target *t);
/* Map size zeroed bytes at a fresh address aligned to align. */
uint64_t ut_alloc(struct ut_target *t, size_t size, uint64_t align);
/* A symbol at addr; ut_define maps size bytes for it first. */
void ut_sym(struct ut_target *t, const char *name, uint64_t addr);
uint64_t ut_define(struct ut_target *t, const char *name, size_t size);
void ut_unsym(struct ut_target *t, const char *name);
/* Write an integer of size bytes in the target's byte order. */
void ut_put(struct ut_target *t, uint64_t addr, uint64_t value, size_t size);
void ut_put_bytes(struct ut_target *t, uint64_t addr, const void *p,
    size_t size);
/* Open a core handle on t (its layout); the test closes it. */
kvm_t *ut_open(struct ut_target *t);

/* -- a FreeBSD-shaped kernel in a target -------------------------------- */

enum ut_shape {
	UT_AMD64_13,	/* pc_zpcpu_offset = __pcpu + PAGE * n, offsets stored */
	UT_ARM64_13,	/* pc_zpcpu_offset = PAGE * n, separate struct pcpu */
	UT_AMD64_12,	/* no pc_zpcpu_offset, osreldate 12: PAGE stride */
	UT_AMD64_11,	/* no pc_zpcpu_offset, osreldate 11: pcpu size stride */
};

#define	UT_MAXCPU	64
#define	UT_NCOUNTERS	4
#define	UT_PC_CPUID	0x34
#define	UT_PC_NAME	0x40	/* char[16] */
#define	UT_PC_DYNAMIC	0x90
#define	UT_PC_NEXT	0x98	/* the next present CPU's, as pc_allcpu */
#define	UT_PC_ZPCPU	0xa0

struct ut_kernel {
	struct ut_target t;
	enum ut_shape shape;
	int maxcpus, ncpus, maxid;
	bool present[UT_MAXCPU];
	uint64_t pcpu[UT_MAXCPU];	/* cpuid_to_pcpu[] */
	uint64_t dpcpu_off[UT_MAXCPU];
	uint64_t set_start, set_stop;	/* set_pcpu */
	uint64_t dpcpu_int;		/* a DPCPU int at the start of set_pcpu */
	uint64_t vnet_start;		/* set_vnet, 256 bytes */
	uint64_t counters[UT_NCOUNTERS];	/* stored counter values */
	uint64_t slot[UT_NCOUNTERS][UT_MAXCPU];
	uint64_t sums[UT_NCOUNTERS];
};

/*
 * Lay out a kernel: CPUs 0 .. maxid, those in absent (bit n: CPU n) never
 * started, mp_maxcpus maxcpus.  Every per-CPU value says whose it is:
 * struct pcpu n has pc_cpuid n and pc_name "cpuN", and links to the next
 * present CPU's at UT_PC_NEXT (cpuhead, a list); CPU n's copy of
 * dpcpu_int is 1000 + 17n; counter i's slot of CPU n is (i+1)*1000 + 7n
 * (absent CPUs' slots hold 0xdead0000 + n, never summed).
 */
void ut_kernel(struct ut_kernel *k, enum ut_shape shape, int maxid,
    int maxcpus, uint64_t absent);

#endif /* !UNIT_H */
