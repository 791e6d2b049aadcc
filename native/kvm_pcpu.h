/*
 * kgdb-pcpu: FreeBSD per-CPU data over an abstract kernel target.
 *
 * Two layers:
 *  - the core (kp_*): errors as values, all state in the handle;
 *  - libkvm's per-CPU API (kvm_*), same names, signatures and return
 *    conventions as lib/libkvm/kvm_pcpu.c, built on the core.
 *
 * The CPython binding is native/py_*.c; nothing in the core uses it.
 */
#ifndef KVM_PCPU_H
#define KVM_PCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kp_error.h"

/* Return values of the target's hooks. */
#define	KP_TARGET_OK		0
#define	KP_TARGET_MISSING	1	/* lookup: no such symbol */
#define	KP_TARGET_FAULT		2	/* read: memory not readable */
#define	KP_TARGET_ERROR		3	/* the target's own error is pending */

/*
 * What the target knows of the kernel's layout, from its debug info.  Sizes
 * are the target's, never the host's.
 */
struct kp_layout {
	uint64_t pcpu_size;		/* sizeof(struct pcpu) */
	int64_t pc_zpcpu_offset;	/* offsetof(struct pcpu, pc_zpcpu_offset), -1 if none */
	uint64_t page_size;		/* PAGE_SIZE */
	unsigned int pointer_size;	/* 4 or 8 */
	bool big_endian;
	uint64_t zpcpu_stride;		/* user override of the zpcpu stride, 0 = detect */
	int maxcpus;			/* user override of mp_maxcpus, 0 = read it */
	uint64_t read_window;		/* merge reads of values this close (kp_gather.c); 0: never */
};

/*
 * A kernel target: look up a symbol's address, read memory.  The handle
 * copies this struct; arg stays the caller's.
 */
struct kp_target {
	/* Set *addrp to the address of name.  KP_TARGET_OK or _MISSING/_ERROR. */
	int (*lookup)(void *arg, const char *name, uint64_t *addrp);
	/* Read exactly size bytes at addr into buf.  KP_TARGET_OK or _FAULT/_ERROR. */
	int (*read)(void *arg, uint64_t addr, void *buf, size_t size);
	/* Nonzero when the user asked to stop (Ctrl-C).  May be NULL. */
	int (*interrupted)(void *arg);
	void *arg;
	struct kp_layout layout;
};

typedef struct __kvm kvm_t;

/* Where the zpcpu slot of a CPU comes from (docs/FREEBSD.md, counter(9)). */
enum kp_zpcpu_rule {
	KP_ZPCPU_FIELD,		/* c + cpuid_to_pcpu[n]->pc_zpcpu_offset (13+) */
	KP_ZPCPU_PAGE,		/* c + PAGE_SIZE * n (12) */
	KP_ZPCPU_PCPU_SIZE,	/* c + sizeof(struct pcpu) * n (11 and older) */
	KP_ZPCPU_USER,		/* c + the user's stride * n */
};

/* One module's relocated set (docs/FREEBSD.md, "DPCPU and modules"). */
struct kp_reloc {
	uint64_t start;		/* the section in the module's image */
	uint64_t stop;
	uint64_t base;		/* where the kernel moved it */
};

/*
 * Core API.  Each returns NULL on success or an error the caller frees with
 * kp_error_destroy().  Results go through out-parameters.
 */

/* Open a handle on target (copied).  Nothing is read until first use. */
struct kp_error *kp_open(const struct kp_target *target, kvm_t **ret);
/* Close a handle; NULL is accepted. */
void kp_close(kvm_t *kd);
/* The target's layout, as kp_open() copied it. */
const struct kp_layout *kp_layout(kvm_t *kd);
/* The address of a symbol, through the target. */
struct kp_error *kp_lookup_symbol(kvm_t *kd, const char *name, uint64_t *ret);
/* Read size bytes of target memory at addr. */
struct kp_error *kp_read_memory(kvm_t *kd, uint64_t addr, void *buf,
    size_t size);
/*
 * The size-byte (1 to 8) unsigned values at addrs[0..n), in as few reads as
 * the target's read window allows; ok[i] false where the memory is unreadable.
 */
struct kp_error *kp_read_uints(kvm_t *kd, const uint64_t *addrs, size_t n,
    size_t size, uint64_t *values, bool *ok);
/* Drop every cached value of kd (NULL: of every open handle). */
void kp_clear_cache(kvm_t *kd);

/*
 * Records (kp_fields.c): size bytes at each of addrs[0..n) into out (n *
 * size bytes), in as few reads as the read window allows; ok[i] false
 * where addrs[i] is 0 or the memory is unreadable.
 */
struct kp_error *kp_read_records(kvm_t *kd, const uint64_t *addrs, size_t n,
    size_t size, unsigned char *out, bool *ok);

/* A field of a record and how to decode it. */
enum kp_field_kind {
	KP_FIELD_UINT,		/* unsigned integer, 1 to 8 bytes */
	KP_FIELD_INT,		/* signed integer, 1 to 8 bytes */
	KP_FIELD_STRING,	/* char[size]: the bytes up to the first NUL */
};

struct kp_field {
	uint64_t offset;
	uint64_t size;
	enum kp_field_kind kind;
};

/* A decoded field. */
struct kp_value {
	uint64_t u;		/* _UINT; _INT as (uint64_t)(int64_t) */
	const char *str;	/* _STRING: into kp_rows.data, not NUL-ended */
	size_t len;
};

/* The fields of n records: row r's field f is values[r * ncols + f]. */
struct kp_rows {
	size_t nrows;
	size_t ncols;
	bool *ok;		/* per row: address not 0 and readable */
	struct kp_value *values;
	unsigned char *data;	/* the records' bytes */
};

/*
 * Decode fields[0..nfields) of the record at each of addrs[0..n), read in
 * the target's byte order with one gathered read per record's span (from
 * its first field to the end of its last).  Free *ret with kp_rows_free().
 */
struct kp_error *kp_read_fields(kvm_t *kd, const uint64_t *addrs, size_t n,
    const struct kp_field *fields, size_t nfields, struct kp_rows **ret);
void kp_rows_free(struct kp_rows *rows);

/* count target pointers at addr, in one read, decoded; KP_ERR_FAULT. */
struct kp_error *kp_read_pointer_array(kvm_t *kd, uint64_t addr, size_t count,
    uint64_t *ptrs);

/*
 * The elements of a sys/queue.h list (kp_list.c): first, then the pointer
 * at next_offset in each element, until 0.  KP_ERR_CORRUPT (with the
 * address) on a loop or past limit elements, KP_ERR_FAULT for an unreadable
 * link.  *elems is malloc'd; free it.
 */
struct kp_error *kp_walk_list(kvm_t *kd, uint64_t first, uint64_t next_offset,
    size_t limit, uint64_t **elems, size_t *count);

struct kp_error *kp_maxcpus(kvm_t *kd, int *ret);	/* mp_maxcpus */
struct kp_error *kp_ncpus(kvm_t *kd, int *ret);		/* mp_ncpus */
struct kp_error *kp_maxid(kvm_t *kd, unsigned int *ret);	/* mp_maxid */
/*
 * The present CPUs in CPU_FOREACH order.  *cpus points into the handle and
 * stays valid until the cache is cleared.
 */
struct kp_error *kp_cpus(kvm_t *kd, const int **cpus, int *count);
/* Whether cpu is present; KP_ERR_RANGE when it is at or beyond mp_maxcpus. */
struct kp_error *kp_cpu_present(kvm_t *kd, int cpu, bool *ret);
/* cpuid_to_pcpu[cpu]; *ret = 0 for an absent CPU. */
struct kp_error *kp_pcpu_addr(kvm_t *kd, int cpu, uint64_t *ret);
/* Copy CPU cpu's struct pcpu (layout.pcpu_size bytes) into buf. */
struct kp_error *kp_pcpu_read(kvm_t *kd, int cpu, void *buf);

struct kp_error *kp_dpcpu_bounds(kvm_t *kd, uint64_t *start, uint64_t *stop);
struct kp_error *kp_dpcpu_off(kvm_t *kd, int cpu, uint64_t *ret);
struct kp_error *kp_dpcpu_setcpu(kvm_t *kd, int cpu);
int kp_dpcpu_curcpu(kvm_t *kd);
/*
 * Replace the table of module set_pcpu sections (copied).  A symbol inside
 * one of them is first moved to its base, then to the CPU's copy.
 */
struct kp_error *kp_dpcpu_set_modules(kvm_t *kd, const struct kp_reloc *mods,
    size_t count);
/* Address of CPU cpu's copy of the DPCPU object at addr. */
struct kp_error *kp_dpcpu_addr(kvm_t *kd, uint64_t addr, int cpu,
    uint64_t *ret);
/*
 * The template of the DPCPU object at addr: addr itself in the kernel's
 * set_pcpu, the kernel's copy for a module's; KP_ERR_NOT_PERCPU elsewhere.
 */
struct kp_error *kp_dpcpu_template(kvm_t *kd, uint64_t addr, uint64_t *ret);
/*
 * Each of cpus[0..n)'s copy of the DPCPU object at addr: its size bytes
 * into out (n * size, ok[i] false where unreadable), or its fields (free
 * *ret with kp_rows_free()).  Gathered reads.  A CPU without DPCPU fails
 * the whole call (KP_ERR_ABSENT, KP_ERR_RANGE).
 */
struct kp_error *kp_dpcpu_read(kvm_t *kd, uint64_t addr, size_t size,
    const int *cpus, size_t n, unsigned char *out, bool *ok);
struct kp_error *kp_dpcpu_fields(kvm_t *kd, uint64_t addr, const int *cpus,
    size_t n, const struct kp_field *fields, size_t nfields,
    struct kp_rows **ret);

/* VNET: [__start_set_vnet, __stop_set_vnet), modules, and vnet V's copy. */
struct kp_error *kp_vnet_bounds(kvm_t *kd, uint64_t *start, uint64_t *stop);
struct kp_error *kp_vnet_set_modules(kvm_t *kd, const struct kp_reloc *mods,
    size_t count);
/* Address of the copy, in the vnet whose vnet_data_base is data_base, of the VNET object at addr. */
struct kp_error *kp_vnet_addr(kvm_t *kd, uint64_t addr, uint64_t data_base,
    uint64_t *ret);
/* The template of the VNET object at addr, as kp_dpcpu_template(). */
struct kp_error *kp_vnet_template(kvm_t *kd, uint64_t addr, uint64_t *ret);

/* How CPU slots of UMA_ZONE_PCPU allocations are found, and the stride. */
struct kp_error *kp_zpcpu_rule(kvm_t *kd, enum kp_zpcpu_rule *rule,
    uint64_t *stride);
/* Address of CPU cpu's slot of the zpcpu allocation whose stored value is base. */
struct kp_error *kp_zpcpu_addr(kvm_t *kd, uint64_t base, int cpu,
    uint64_t *ret);
struct kp_error *kp_read_zpcpu(kvm_t *kd, uint64_t base, void *buf,
    size_t size, int cpu);
/*
 * counter(9): every function below fails with KP_ERR_NULL ("counter is NULL
 * (not allocated)") for a base of 0, as kp_zpcpu_addr() and kp_read_zpcpu().
 */
/* Sum of a counter(9) over the present CPUs, modulo 2^64 as the kernel sums. */
struct kp_error *kp_counter_fetch(kvm_t *kd, uint64_t base, uint64_t *ret);
/*
 * Sums of count counters at once (a stats array): slots on one CPU that share
 * a page are read together.  sums has count entries.
 */
struct kp_error *kp_counter_fetch_array(kvm_t *kd, const uint64_t *bases,
    size_t count, uint64_t *sums);
/*
 * Each of cpus[0..n)'s slot of one counter into values[0..n) (n may be the
 * present CPUs of kp_cpus()); KP_ERR_ABSENT/_RANGE for a CPU not present.
 */
struct kp_error *kp_counter_slots(kvm_t *kd, uint64_t base, const int *cpus,
    size_t n, uint64_t *values);
/*
 * As kp_counter_fetch_array(), summing only the slots that can be read:
 * the CPUs left out for any counter go to missing[0..*nmissing), in
 * CPU_FOREACH order (missing has room for every present CPU).
 */
struct kp_error *kp_counter_fetch_partial(kvm_t *kd, const uint64_t *bases,
    size_t count, uint64_t *sums, int *missing, size_t *nmissing);

/*
 * libkvm's per-CPU API (lib/libkvm/kvm_pcpu.c, kvm_getpcpu(3)), with the
 * differences listed in docs/libkvm-differences.md.
 */

/* Open a handle for the libkvm API; NULL with errbuf (_POSIX2_LINE_MAX) set on failure. */
kvm_t *kvm_open_target(const struct kp_target *target, char *errbuf);
int kvm_close(kvm_t *kd);
/* The last error message; only meaningful right after a failure. */
char *kvm_geterr(kvm_t *kd);

int kvm_getmaxcpu(kvm_t *kd);
int kvm_getncpus(kvm_t *kd);
/* A malloc'd copy of struct pcpu, NULL for an absent CPU, (void *)-1 on error. */
void *kvm_getpcpu(kvm_t *kd, int cpu);
int kvm_dpcpu_setcpu(kvm_t *kd, unsigned int cpu);
ssize_t kvm_read_zpcpu(kvm_t *kd, u_long base, void *buf, size_t size,
    int cpu);
uint64_t kvm_counter_u64_fetch(kvm_t *kd, u_long base);

#endif /* !KVM_PCPU_H */
