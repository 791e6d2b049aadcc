/*
 * The handle and what the core's files share (as lib/libkvm/kvm_private.h).
 */
#ifndef KP_PRIVATE_H
#define KP_PRIVATE_H

#include <limits.h>

#include "kvm_pcpu.h"

#ifndef _POSIX2_LINE_MAX
#define	_POSIX2_LINE_MAX	2048
#endif

/*
 * The largest mp_maxcpus believed: FreeBSD's MAXCPU is at most 1024 today;
 * anything far above it is a corrupt dump, not a reason to allocate.
 */
#define	KP_MAXCPU_LIMIT		65536

/* A linker set of templates: set_pcpu or set_vnet (kp_set.c). */
struct kp_set {
	const char *name;		/* "set_pcpu" */
	bool loaded;
	uint64_t start;			/* __start_<name> */
	uint64_t stop;			/* __stop_<name> */
	struct kp_reloc *mods;		/* loaded modules' own sets; not a cache */
	size_t nmods;
};

struct __kvm {
	struct kp_target target;
	struct __kvm *all_next;		/* every open handle, for kvm_getmaxcpu(NULL) */
	struct __kvm **all_prevp;
	char errbuf[_POSIX2_LINE_MAX];	/* kvm_geterr(), libkvm API only */

	/* CPU state: loaded together, valid until kp_clear_cache(). */
	bool cpus_loaded;
	int maxcpus;			/* mp_maxcpus */
	int ncpus;			/* mp_ncpus */
	unsigned int maxid;		/* mp_maxid */
	uint64_t *pcpu_addrs;		/* cpuid_to_pcpu[0 .. maxcpus-1] */
	bool *present;			/* CPU_ABSENT() inverted, 0 .. maxcpus-1 */
	int *cpu_list;			/* present CPUs, CPU_FOREACH order */
	int cpu_count;

	/* DPCPU state (prefix as libkvm's dpcpu_*). */
	bool dpcpu_loaded;
	struct kp_set dpcpu_set;	/* set_pcpu */
	uint64_t *dpcpu_off;		/* dpcpu_off[0 .. maxcpus-1] */
	int dpcpu_curcpu;		/* not a cache: survives clearing */

	/* VNET state. */
	struct kp_set vnet_set;		/* set_vnet */

	/* zpcpu state. */
	bool zpcpu_loaded;
	enum kp_zpcpu_rule zpcpu_rule;
	uint64_t zpcpu_stride;
	uint64_t *zpcpu_off;		/* per CPU, for KP_ZPCPU_FIELD */

	unsigned char *gather_buf;	/* layout.read_window bytes, kp_gather.c */
};

/* One value of a gathered read (kp_gather.c). */
struct kp_slot {
	uint64_t addr;
	uint64_t value;			/* kp_gather() */
	size_t row;			/* kp_gather_bytes(): where in out */
	int cpu;			/* whose it is, for messages */
	bool ok;			/* read (what == NULL: may be false) */
};

/* kp_read.c: reads through the target. */
struct kp_error *kp_read(kvm_t *kd, uint64_t addr, void *buf, size_t size,
    const char *what);
/* The error of a failed read hook: for hot loops that name what they read
 * only when it fails. */
struct kp_error *kp_read_error(int status, uint64_t addr, size_t size,
    const char *what);
uint64_t kp_decode_uint(kvm_t *kd, const unsigned char *p, size_t size);
struct kp_error *kp_read_uint(kvm_t *kd, uint64_t addr, size_t size,
    uint64_t *ret, const char *what);
struct kp_error *kp_lookup(kvm_t *kd, const char *name, uint64_t *ret);
struct kp_error *kp_check_interrupt(kvm_t *kd);
/* Read count target pointers at addr into ptrs. */
struct kp_error *kp_read_pointers(kvm_t *kd, uint64_t addr, size_t count,
    uint64_t *ptrs, const char *what);

/*
 * kp_gather.c: read the size-byte (at most 8) unsigned values of slots,
 * merging reads within the target's read window; slots may be reordered.
 * what names a value in errors: "counter slot" gives "counter slot of CPU 3";
 * NULL: an unreadable value is no error, only marked (ok false).
 */
struct kp_error *kp_gather(kvm_t *kd, struct kp_slot *slots, size_t n,
    size_t size, const char *what);
/* The same for records of any size, copied to out + slot->row * size. */
struct kp_error *kp_gather_bytes(kvm_t *kd, struct kp_slot *slots, size_t n,
    size_t size, unsigned char *out, const char *what);

/* kp_cpus.c */
struct kp_error *kp_cpus_load(kvm_t *kd);
struct kp_error *kp_cpu_check(kvm_t *kd, int cpu);
void kp_cpus_clear(kvm_t *kd);

/* kp_set.c */
struct kp_error *kp_set_load(kvm_t *kd, struct kp_set *set);
void kp_set_clear(struct kp_set *set);
void kp_set_free(struct kp_set *set);
struct kp_error *kp_set_modules(struct kp_set *set,
    const struct kp_reloc *mods, size_t count);
struct kp_error *kp_set_template(struct kp_set *set, const char *kind,
    uint64_t addr, uint64_t *ret);

/* kp_dpcpu.c */
void kp_dpcpu_clear(kvm_t *kd);

/* kp_zpcpu.c */
void kp_zpcpu_clear(kvm_t *kd);
struct kp_error *kp_zpcpu_load(kvm_t *kd);
/* KP_ERR_NULL for a counter or zpcpu pointer that is 0. */
struct kp_error *kp_zpcpu_check_null(uint64_t base);
/* The slot of a CPU known to be present, once kp_zpcpu_load() succeeded. */
uint64_t kp_zpcpu_slot(kvm_t *kd, uint64_t base, int cpu);

#endif /* !KP_PRIVATE_H */
