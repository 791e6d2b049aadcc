/*-
 * Fixture kernel: TCP's statistics and a tunable of
 * sys/netinet/tcp_subr.c.  The statistics are a VNET_PCPUSTAT array of
 * counters, what "netstat -s -p tcp" reads from a dump: one global array
 * without VIMAGE, one in each vnet with it.
 */

#include "fixture.h"

#define	TCP_MSS		536	/* sys/netinet/tcp.h: default max segment size */

VNET_PCPUSTAT_DEFINE(struct tcpstat, tcpstat);	/* tcp statistics */
VNET_DEFINE(int, tcp_mssdflt) = TCP_MSS;	/* net.inet.tcp.mssdflt */

#define	TCPSTAT_NCOUNTERS	(sizeof(struct tcpstat) / sizeof(uint64_t))
#define	TCPSTAT_INDEX(f)	(offsetof(struct tcpstat, f) / sizeof(uint64_t))

#if __FreeBSD_version < 1500000 && !defined(TCPSTAT_FULL)
static const char *const tcpstat_fields[] = {
	"tcps_connattempt", "tcps_accepts", "tcps_connects", "tcps_drops",
	"tcps_conndrops", "tcps_minmssdrops", "tcps_closed",
	"tcps_segstimed", "tcps_rttupdated", "tcps_delack",
	"tcps_timeoutdrop", "tcps_rexmttimeo", "tcps_persisttimeo",
	"tcps_keeptimeo", "tcps_keepprobe", "tcps_keepdrops",
	"tcps_sndtotal", "tcps_sndpack", "tcps_sndbyte",
	"tcps_sndrexmitpack", "tcps_sndrexmitbyte", "tcps_sndrexmitbad",
	"tcps_sndacks", "tcps_sndprobe", "tcps_sndurg", "tcps_sndwinup",
	"tcps_sndctrl",
	"tcps_rcvtotal", "tcps_rcvpack", "tcps_rcvbyte", "tcps_rcvbadsum",
	"tcps_rcvbadoff", "tcps_rcvreassfull", "tcps_rcvshort",
	"tcps_rcvduppack", "tcps_rcvdupbyte",
};
#else
#define	TCPS_EXT_NAMES_10(d)						\
	"tcps_ext" #d "0", "tcps_ext" #d "1", "tcps_ext" #d "2",	\
	"tcps_ext" #d "3", "tcps_ext" #d "4", "tcps_ext" #d "5",	\
	"tcps_ext" #d "6", "tcps_ext" #d "7", "tcps_ext" #d "8",	\
	"tcps_ext" #d "9"

static const char *const tcpstat_fields[] = {
	"tcps_connattempt", "tcps_accepts", "tcps_connects", "tcps_drops",
	"tcps_conndrops", "tcps_minmssdrops", "tcps_closed",
	"tcps_segstimed", "tcps_rttupdated", "tcps_delack",
	"tcps_timeoutdrop", "tcps_rexmttimeo", "tcps_persisttimeo",
	"tcps_keeptimeo", "tcps_keepprobe", "tcps_keepdrops",
	"tcps_progdrops",
	"tcps_sndtotal", "tcps_sndpack", "tcps_sndbyte",
	"tcps_sndrexmitpack", "tcps_sndrexmitbyte", "tcps_sndrexmitbad",
	"tcps_sndacks", "tcps_sndprobe", "tcps_sndurg", "tcps_sndwinup",
	"tcps_sndctrl",
	"tcps_rcvtotal", "tcps_rcvpack", "tcps_rcvbyte", "tcps_rcvbadsum",
	"tcps_rcvbadoff", "tcps_rcvreassfull", "tcps_rcvshort",
	"tcps_rcvduppack", "tcps_rcvdupbyte", "tcps_rcvpartduppack",
	"tcps_rcvpartdupbyte", "tcps_rcvoopack", "tcps_rcvoobyte",
	"tcps_rcvpackafterwin", "tcps_rcvbyteafterwin",
	"tcps_rcvafterclose", "tcps_rcvwinprobe", "tcps_rcvdupack",
	"tcps_rcvacktoomuch", "tcps_rcvackpack", "tcps_rcvackbyte",
	"tcps_rcvwinupd", "tcps_pawsdrop", "tcps_predack", "tcps_preddat",
	"tcps_pcbcachemiss", "tcps_cachedrtt", "tcps_cachedrttvar",
	"tcps_cachedssthresh", "tcps_usedrtt", "tcps_usedrttvar",
	"tcps_usedssthresh", "tcps_persistdrop", "tcps_badsyn",
	"tcps_mturesent", "tcps_listendrop", "tcps_badrst",
	"tcps_sc_added", "tcps_sc_retransmitted", "tcps_sc_dupsyn",
	"tcps_sc_dropped", "tcps_sc_completed", "tcps_sc_bucketoverflow",
	"tcps_sc_cacheoverflow", "tcps_sc_reset", "tcps_sc_stale",
	"tcps_sc_aborted", "tcps_sc_badack", "tcps_sc_unreach",
	"tcps_sc_zonefail", "tcps_sc_sendcookie", "tcps_sc_recvcookie",
	"tcps_sc_spurcookie", "tcps_sc_failcookie",
	"tcps_hc_added", "tcps_hc_bucketoverflow",
	"tcps_finwait2_drops",
	"tcps_sack_recovery_episode", "tcps_sack_rexmits",
	"tcps_sack_rexmits_tso",
	"tcps_sack_rexmit_bytes", "tcps_sack_rcv_blocks",
	"tcps_sack_send_blocks", "tcps_sack_lostrexmt",
	"tcps_sack_sboverflow",
	"tcps_ecn_rcvce", "tcps_ecn_rcvect0", "tcps_ecn_rcvect1",
	"tcps_ecn_shs", "tcps_ecn_rcwnd",
	"tcps_sig_rcvgoodsig", "tcps_sig_rcvbadsig", "tcps_sig_err_buildsig",
	"tcps_sig_err_sigopt", "tcps_sig_err_nosigopt",
	"tcps_pmtud_blackhole_activated",
	"tcps_pmtud_blackhole_activated_min_mss",
	"tcps_pmtud_blackhole_failed",
	"tcps_tunneled_pkts", "tcps_tunneled_errs",
	"tcps_dsack_count", "tcps_dsack_bytes", "tcps_dsack_tlp_bytes",
	"tcps_tw_recycles", "tcps_tw_resets", "tcps_tw_responds",
	"tcps_ace_nect", "tcps_ace_ect1", "tcps_ace_ect0", "tcps_ace_ce",
	"tcps_ecn_sndect0", "tcps_ecn_sndect1",
	"tcps_tlpresends", "tcps_tlpresend_bytes",
	"tcps_rcvghostack", "tcps_rcvacktooold",
#ifdef TCPSTAT_FULL
	TCPS_EXT_NAMES_10(00), TCPS_EXT_NAMES_10(01), TCPS_EXT_NAMES_10(02),
	TCPS_EXT_NAMES_10(03), TCPS_EXT_NAMES_10(04), TCPS_EXT_NAMES_10(05),
	TCPS_EXT_NAMES_10(06), TCPS_EXT_NAMES_10(07), TCPS_EXT_NAMES_10(08),
	TCPS_EXT_NAMES_10(09), TCPS_EXT_NAMES_10(10), TCPS_EXT_NAMES_10(11),
	TCPS_EXT_NAMES_10(12), TCPS_EXT_NAMES_10(13), TCPS_EXT_NAMES_10(14),
	TCPS_EXT_NAMES_10(15), TCPS_EXT_NAMES_10(16),
	"tcps_ext170", "tcps_ext171", "tcps_ext172", "tcps_ext173",
	"tcps_ext174", "tcps_ext175",
#endif
};
#endif
_Static_assert(sizeof(tcpstat_fields) / sizeof(tcpstat_fields[0]) ==
    TCPSTAT_NCOUNTERS, "a name for each struct tcpstat field");

/* Statistics that never moved on this machine. */
static const u_int tcpstat_zero[] = {
	TCPSTAT_INDEX(tcps_keepdrops),
	TCPSTAT_INDEX(tcps_rcvbadoff),
	TCPSTAT_INDEX(tcps_minmssdrops),
};

/*
 * The net.inet.tcp.stats sysctl handler (SYSCTL_VNET_PCPUSTAT in
 * sys/net/vnet.h): the sums of one stack's counters as one struct
 * tcpstat (vnet NULL: the only stack, without VIMAGE).
 */
static void
tcpstat_sysctl(struct vnet *vnet __unused, struct tcpstat *s)
{

	COUNTER_ARRAY_COPY(VNET_VNET(vnet, tcpstat), s, TCPSTAT_NCOUNTERS);
}

#ifndef VIMAGE
static void
tcpstat_copy(void *stats)
{

	tcpstat_sysctl(NULL, stats);
}
#endif

/*
 * VNET_PCPUSTAT_SYSINIT(tcpstat): a VNET_SYSINIT, which vnet_alloc()
 * runs in each new vnet on a VIMAGE kernel, and a plain SYSINIT (vnet
 * NULL) without VIMAGE.  Only the global array is registered by name;
 * each vnet's is in that vnet's ground truth (truth_tcpstat()).
 */
void
vnet_tcp_init(struct vnet *vnet __unused)
{
	counter_u64_t *stats;

	stats = VNET_VNET(vnet, tcpstat);
	COUNTER_ARRAY_ALLOC(stats, TCPSTAT_NCOUNTERS);
#ifdef VIMAGE
	counter_array_register(NULL, NULL, NULL, TCPSTAT_NCOUNTERS, stats,
	    NULL, tcpstat_zero, sizeof(tcpstat_zero) / sizeof(tcpstat_zero[0]));
#else
	counter_array_register("tcpstat", "struct tcpstat", tcpstat_fields,
	    TCPSTAT_NCOUNTERS, stats, tcpstat_copy, tcpstat_zero,
	    sizeof(tcpstat_zero) / sizeof(tcpstat_zero[0]));
#endif
}

#ifdef VIMAGE
/* One vnet's TCP statistics. */
void
truth_tcpstat(FILE *f, struct vnet *vnet)
{
	struct tcpstat s;

	tcpstat_sysctl(vnet, &s);
	truth_counter_array(f, "tcpstat", "struct tcpstat", tcpstat_fields,
	    TCPSTAT_NCOUNTERS, VNET_VNET(vnet, tcpstat), (uint64_t *)&s);
}
#endif

#ifdef TCPSTAT_FULL
/* The array a benchmark sums: the 300 counters of tcpstat. */
void
truth_bench_array(FILE *f)
{

	json_begin(f, "bench_array", '{');
	json_str(f, "symbol", "tcpstat");
	json_str(f, "struct", "struct tcpstat");
	json_u64(f, "count", TCPSTAT_NCOUNTERS);
	json_end(f, '}');
}
#endif
