/*-
 * Fixture kernel: counter(9) (sys/sys/counter.h, sys/kern/subr_counter.c)
 * and the structures of counters this fixture defines: struct vmmeter
 * (sys/sys/vmmeter.h) and struct tcpstat (sys/netinet/tcp_var.h).
 */

#ifndef _FIXTURE_COUNTER_H_
#define	_FIXTURE_COUNTER_H_

#include "sys.h"

/* sys/sys/_types.h */
typedef uint64_t *counter_u64_t;

/* sys/vm/uma.h, sys/vm/uma_core.c: the pcpu zone counters come from. */
counter_u64_t	uma_zalloc_pcpu(void);
uint64_t	*zpcpu_get_cpu(counter_u64_t c, u_int cpu);
int		zpcpu_readable(uintptr_t addr, size_t len);

/* sys/kern/subr_counter.c */
counter_u64_t	counter_u64_alloc(void);
uint64_t	counter_u64_fetch(counter_u64_t c);

/* lib/libkvm/kvm_pcpu.c: kvm_counter_u64_fetch(), for comparison. */
uint64_t	libkvm_counter_u64_fetch(counter_u64_t c);

#define	COUNTER_ARRAY_ALLOC(a, n) do {					\
	u_int _i;							\
									\
	for (_i = 0; _i < (n); _i++)					\
		(a)[_i] = counter_u64_alloc();				\
} while (0)

#define	COUNTER_ARRAY_COPY(a, dstp, n) do {				\
	u_int _i;							\
									\
	for (_i = 0; _i < (n); _i++)					\
		((uint64_t *)(dstp))[_i] = counter_u64_fetch((a)[_i]);	\
} while (0)

/*
 * sys/sys/vmmeter.h (12+): the system-wide statistics are counters; the
 * fields after them are plain integers.
 */
#define	VMMETER_ALIGNED	__aligned(CACHE_LINE_SIZE)

struct vmmeter {
	/*
	 * General system activity.
	 */
	counter_u64_t v_swtch;		/* (p) context switches */
	counter_u64_t v_trap;		/* (p) calls to trap */
	counter_u64_t v_syscall;	/* (p) calls to syscall() */
	counter_u64_t v_intr;		/* (p) device interrupts */
	counter_u64_t v_soft;		/* (p) software interrupts */
	/*
	 * Virtual memory activity.
	 */
	counter_u64_t v_vm_faults;	/* (p) address memory faults */
	counter_u64_t v_io_faults;	/* (p) page faults requiring I/O */
	counter_u64_t v_cow_faults;	/* (p) copy-on-writes faults */
	counter_u64_t v_cow_optim;	/* (p) optimized COW faults */
	counter_u64_t v_zfod;		/* (p) pages zero filled on demand */
	counter_u64_t v_ozfod;		/* (p) optimized zero fill pages */
	counter_u64_t v_swapin;		/* (p) swap pager pageins */
	counter_u64_t v_swapout;	/* (p) swap pager pageouts */
	counter_u64_t v_swappgsin;	/* (p) swap pager pages paged in */
	counter_u64_t v_swappgsout;	/* (p) swap pager pages paged out */
	counter_u64_t v_vnodein;	/* (p) vnode pager pageins */
	counter_u64_t v_vnodeout;	/* (p) vnode pager pageouts */
#define	VM_METER_NCOUNTERS	\
	(offsetof(struct vmmeter, v_page_size) / sizeof(counter_u64_t))
	/*
	 * Distribution of page usages.
	 */
	u_int v_page_size;		/* (c) page size in bytes */
	u_int v_page_count;		/* (c) total number of pages in system */
	u_int v_free_reserved;		/* (c) pages reserved for deadlock */
	u_int v_free_target;		/* (c) pages desired free */
	u_int v_free_min;		/* (c) pages desired free */
	u_int v_inactive_target;	/* (c) pages desired inactive */
	u_int v_pageout_free_min;	/* (c) min pages reserved for kernel */
	u_int v_interrupt_free_min;	/* (c) reserved pages for int code */
	u_int v_free_severe;		/* (c) severe page depletion point */
};

extern struct vmmeter vm_cnt;

/*
 * sys/netinet/tcp_var.h: the first fields of struct tcpstat.  Field f
 * is counter tcpstat[offsetof(struct tcpstat, f) / sizeof(uint64_t)].
 */
struct tcpstat {
	uint64_t tcps_connattempt;	/* connections initiated */
	uint64_t tcps_accepts;		/* connections accepted */
	uint64_t tcps_connects;		/* connections established */
	uint64_t tcps_drops;		/* connections dropped */
	uint64_t tcps_conndrops;	/* embryonic connections dropped */
	uint64_t tcps_minmssdrops;	/* average minmss too low drops */
	uint64_t tcps_closed;		/* conn. closed (includes drops) */
	uint64_t tcps_segstimed;	/* segs where we tried to get rtt */
	uint64_t tcps_rttupdated;	/* times we succeeded */
	uint64_t tcps_delack;		/* delayed acks sent */
	uint64_t tcps_timeoutdrop;	/* conn. dropped in rxmt timeout */
	uint64_t tcps_rexmttimeo;	/* retransmit timeouts */
	uint64_t tcps_persisttimeo;	/* persist timeouts */
	uint64_t tcps_keeptimeo;	/* keepalive timeouts */
	uint64_t tcps_keepprobe;	/* keepalive probes sent */
	uint64_t tcps_keepdrops;	/* connections dropped in keepalive */

	uint64_t tcps_sndtotal;		/* total packets sent */
	uint64_t tcps_sndpack;		/* data packets sent */
	uint64_t tcps_sndbyte;		/* data bytes sent */
	uint64_t tcps_sndrexmitpack;	/* data packets retransmitted */
	uint64_t tcps_sndrexmitbyte;	/* data bytes retransmitted */
	uint64_t tcps_sndrexmitbad;	/* unnecessary packet retransmissions */
	uint64_t tcps_sndacks;		/* ack-only packets sent */
	uint64_t tcps_sndprobe;		/* window probes sent */
	uint64_t tcps_sndurg;		/* packets sent with URG only */
	uint64_t tcps_sndwinup;		/* window update-only packets sent */
	uint64_t tcps_sndctrl;		/* control (SYN|FIN|RST) packets sent */

	uint64_t tcps_rcvtotal;		/* total packets received */
	uint64_t tcps_rcvpack;		/* packets received in sequence */
	uint64_t tcps_rcvbyte;		/* bytes received in sequence */
	uint64_t tcps_rcvbadsum;	/* packets received with ccksum errs */
	uint64_t tcps_rcvbadoff;	/* packets received with bad offset */
	uint64_t tcps_rcvreassfull;	/* packets dropped for no reass space */
	uint64_t tcps_rcvshort;		/* packets received too short */
	uint64_t tcps_rcvduppack;	/* duplicate-only packets received */
	uint64_t tcps_rcvdupbyte;	/* duplicate-only bytes received */
};

/*
 * sys/net/vnet.h: VNET_PCPUSTAT_DEFINE on a kernel without VIMAGE is a
 * plain global array of counters.
 */
#define	VNET_PCPUSTAT_DEFINE(type, name)				\
    counter_u64_t name[sizeof(type) / sizeof(uint64_t)]

extern counter_u64_t tcpstat[sizeof(struct tcpstat) / sizeof(uint64_t)];
void	tcpstat_copy(void *stats);

#endif /* !_FIXTURE_COUNTER_H_ */
