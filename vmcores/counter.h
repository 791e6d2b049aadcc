/*-
 * Fixture kernel: counter(9) (sys/sys/counter.h, sys/kern/subr_counter.c)
 * and the structures of counters this fixture defines: struct vmmeter
 * (vmmeter.h) and struct tcpstat (sys/netinet/tcp_var.h).
 */

#ifndef _FIXTURE_COUNTER_H_
#define	_FIXTURE_COUNTER_H_

#include "sys.h"
#include "vmmeter.h"
#include "vnet.h"

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

#if __FreeBSD_version < 1500000 && !defined(TCPSTAT_FULL)
/*
 * sys/netinet/tcp_var.h: the first fields of struct tcpstat, as the
 * fixtures of releases before 15.0 keep it (its whole member list was not
 * read for those releases).  Field f is counter
 * tcpstat[offsetof(struct tcpstat, f) / sizeof(uint64_t)].
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
#else
/*
 * 15.0: main's whole struct tcpstat, member for member as
 * sys/netinet/in_kdtrace.h lists them (docs/FREEBSD.md, "struct
 * tcpstat"), its tail padding left out.  -DTCPSTAT_FULL (the bench
 * shape) then adds tcps_ext000 to tcps_ext175, extension counters that
 * stand for the hundreds a kernel with more TCP stacks (RACK, BBR) keeps,
 * so that the array has 300 counters.
 */
#define	TCPS_EXT_10(d)							\
	uint64_t tcps_ext##d##0, tcps_ext##d##1, tcps_ext##d##2,	\
	    tcps_ext##d##3, tcps_ext##d##4, tcps_ext##d##5,		\
	    tcps_ext##d##6, tcps_ext##d##7, tcps_ext##d##8,		\
	    tcps_ext##d##9

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
	uint64_t tcps_progdrops;	/* drops due to no progress */

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
	uint64_t tcps_rcvpartduppack;	/* packets with some duplicate data */
	uint64_t tcps_rcvpartdupbyte;	/* dup. bytes in part-dup. packets */
	uint64_t tcps_rcvoopack;	/* out-of-order packets received */
	uint64_t tcps_rcvoobyte;	/* out-of-order bytes received */
	uint64_t tcps_rcvpackafterwin;	/* packets with data after window */
	uint64_t tcps_rcvbyteafterwin;	/* bytes rcvd after window */
	uint64_t tcps_rcvafterclose;	/* packets rcvd after "close" */
	uint64_t tcps_rcvwinprobe;	/* rcvd window probe packets */
	uint64_t tcps_rcvdupack;	/* rcvd duplicate acks */
	uint64_t tcps_rcvacktoomuch;	/* rcvd acks for unsent data */
	uint64_t tcps_rcvackpack;	/* rcvd ack packets */
	uint64_t tcps_rcvackbyte;	/* bytes acked by rcvd acks */
	uint64_t tcps_rcvwinupd;	/* rcvd window update packets */
	uint64_t tcps_pawsdrop;		/* segments dropped due to PAWS */
	uint64_t tcps_predack;		/* times hdr predict ok for acks */
	uint64_t tcps_preddat;		/* times hdr predict ok for data pkts */
	uint64_t tcps_pcbcachemiss;
	uint64_t tcps_cachedrtt;	/* times cached RTT in route updated */
	uint64_t tcps_cachedrttvar;	/* times cached rttvar updated */
	uint64_t tcps_cachedssthresh;	/* times cached ssthresh updated */
	uint64_t tcps_usedrtt;		/* times RTT initialized from route */
	uint64_t tcps_usedrttvar;	/* times RTTVAR initialized from rt */
	uint64_t tcps_usedssthresh;	/* times ssthresh initialized from rt*/
	uint64_t tcps_persistdrop;	/* timeout in persist state */
	uint64_t tcps_badsyn;		/* bogus SYN, e.g. premature ACK */
	uint64_t tcps_mturesent;	/* resends due to MTU discovery */
	uint64_t tcps_listendrop;	/* listen queue overflows */
	uint64_t tcps_badrst;		/* ignored RSTs in the window */

	uint64_t tcps_sc_added;		/* entry added to syncache */
	uint64_t tcps_sc_retransmitted;	/* syncache entry was retransmitted */
	uint64_t tcps_sc_dupsyn;	/* duplicate SYN packet */
	uint64_t tcps_sc_dropped;	/* could not reply to packet */
	uint64_t tcps_sc_completed;	/* successful extraction of entry */
	uint64_t tcps_sc_bucketoverflow;/* syncache per-bucket limit hit */
	uint64_t tcps_sc_cacheoverflow;	/* syncache cache limit hit */
	uint64_t tcps_sc_reset;		/* RST removed entry from syncache */
	uint64_t tcps_sc_stale;		/* timed out or listen socket gone */
	uint64_t tcps_sc_aborted;	/* syncache entry aborted */
	uint64_t tcps_sc_badack;	/* removed due to bad ACK */
	uint64_t tcps_sc_unreach;	/* ICMP unreachable received */
	uint64_t tcps_sc_zonefail;	/* zalloc() failed */
	uint64_t tcps_sc_sendcookie;	/* SYN cookie sent */
	uint64_t tcps_sc_recvcookie;	/* SYN cookie received */
	uint64_t tcps_sc_spurcookie;	/* SYN cookie spurious, rejected */
	uint64_t tcps_sc_failcookie;	/* SYN cookie failed, rejected */

	uint64_t tcps_hc_added;		/* entry added to hostcache */
	uint64_t tcps_hc_bucketoverflow;/* hostcache per bucket limit hit */

	uint64_t tcps_finwait2_drops;    /* Drop FIN_WAIT_2 connection after time limit */

	/* SACK related stats */
	uint64_t tcps_sack_recovery_episode; /* SACK recovery episodes */
	uint64_t tcps_sack_rexmits;	    /* SACK rexmit segments   */
	uint64_t tcps_sack_rexmits_tso;	    /* SACK rexmit TSO chunks */
	uint64_t tcps_sack_rexmit_bytes;    /* SACK rexmit bytes      */
	uint64_t tcps_sack_rcv_blocks;	    /* SACK blocks (options) received */
	uint64_t tcps_sack_send_blocks;	    /* SACK blocks (options) sent     */
	uint64_t tcps_sack_lostrexmt;	    /* SACK lost retransmission recovered */
	uint64_t tcps_sack_sboverflow;	    /* times scoreboard overflowed */

	/* ECN related stats */
	uint64_t tcps_ecn_rcvce;		/* ECN Congestion Experienced */
	uint64_t tcps_ecn_rcvect0;		/* ECN Capable Transport */
	uint64_t tcps_ecn_rcvect1;		/* ECN Capable Transport */
	uint64_t tcps_ecn_shs;		/* ECN successful handshakes */
	uint64_t tcps_ecn_rcwnd;	/* # times ECN reduced the cwnd */

	/* TCP_SIGNATURE related stats */
	uint64_t tcps_sig_rcvgoodsig;	/* Total matching signature received */
	uint64_t tcps_sig_rcvbadsig;	/* Total bad signature received */
	uint64_t tcps_sig_err_buildsig;	/* Failed to make signature */
	uint64_t tcps_sig_err_sigopt;	/* No signature expected by socket */
	uint64_t tcps_sig_err_nosigopt;	/* No signature provided by segment */

	/* Path MTU Discovery Black Hole Detection related stats */
	uint64_t tcps_pmtud_blackhole_activated;	 /* Black Hole Count */
	uint64_t tcps_pmtud_blackhole_activated_min_mss; /* BH at min MSS Count */
	uint64_t tcps_pmtud_blackhole_failed;		 /* Black Hole Failure Count */

	uint64_t tcps_tunneled_pkts;	/* Packets encap's in UDP received */
	uint64_t tcps_tunneled_errs;	/* Packets that had errors that were UDP encaped */

	/* Dsack related stats */
	uint64_t tcps_dsack_count;	/* Number of ACKs arriving with DSACKs */
	uint64_t tcps_dsack_bytes;	/* Number of bytes DSACK'ed no TLP */
	uint64_t tcps_dsack_tlp_bytes;	/* Number of bytes DSACK'ed due to TLPs */

	/* TCPS_TIME_WAIT usage stats */
	uint64_t tcps_tw_recycles;	/* Times time-wait was recycled. */
	uint64_t tcps_tw_resets;	/* Times time-wait sent a reset. */
	uint64_t tcps_tw_responds;	/* Times time-wait sent a valid ack. */

	/* Accurate ECN Handshake stats */
	uint64_t tcps_ace_nect;		/* ACE SYN packet with Non-ECT */
	uint64_t tcps_ace_ect1;		/* ACE SYN packet with ECT1 */
	uint64_t tcps_ace_ect0;		/* ACE SYN packet with ECT0 */
	uint64_t tcps_ace_ce;		/* ACE SYN packet with CE */

	/* ECN related stats */
	uint64_t tcps_ecn_sndect0;		/* ECN Capable Transport */
	uint64_t tcps_ecn_sndect1;		/* ECN Capable Transport */

	uint64_t tcps_tlpresends;	/* number of tlp resends */
	uint64_t tcps_tlpresend_bytes;	/* number of bytes resent by tlp */

	/* SEG.ACK validation failures */
	uint64_t tcps_rcvghostack;	/* received ACK for data never sent */
	uint64_t tcps_rcvacktooold;	/* received ACK for data too long ago */

#ifdef TCPSTAT_FULL
	/* Extension counters. */
	TCPS_EXT_10(00); TCPS_EXT_10(01); TCPS_EXT_10(02); TCPS_EXT_10(03);
	TCPS_EXT_10(04); TCPS_EXT_10(05); TCPS_EXT_10(06); TCPS_EXT_10(07);
	TCPS_EXT_10(08); TCPS_EXT_10(09); TCPS_EXT_10(10); TCPS_EXT_10(11);
	TCPS_EXT_10(12); TCPS_EXT_10(13); TCPS_EXT_10(14); TCPS_EXT_10(15);
	TCPS_EXT_10(16);
	uint64_t tcps_ext170, tcps_ext171, tcps_ext172, tcps_ext173,
	    tcps_ext174, tcps_ext175;
#endif
};
#ifdef TCPSTAT_FULL
_Static_assert(sizeof(struct tcpstat) == 300 * sizeof(uint64_t),
    "300 counters in the full struct tcpstat");
#else
_Static_assert(sizeof(struct tcpstat) == 124 * sizeof(uint64_t),
    "main's struct tcpstat has 124 counters");
#endif
#endif

VNET_PCPUSTAT_DECLARE(struct tcpstat, tcpstat);	/* tcp statistics */

#endif /* !_FIXTURE_COUNTER_H_ */
