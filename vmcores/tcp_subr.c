/*-
 * Fixture kernel: the TCP statistics of sys/netinet/tcp_input.c and
 * tcp_subr.c (tcp_init() allocates them), a VNET_PCPUSTAT array of
 * counters: what "netstat -s -p tcp" reads from a dump.
 */

#include "fixture.h"

VNET_PCPUSTAT_DEFINE(struct tcpstat, tcpstat);	/* tcp statistics */

#define	TCPSTAT_NCOUNTERS	(sizeof(struct tcpstat) / sizeof(uint64_t))
#define	TCPSTAT_INDEX(f)	(offsetof(struct tcpstat, f) / sizeof(uint64_t))

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
_Static_assert(sizeof(tcpstat_fields) / sizeof(tcpstat_fields[0]) ==
    TCPSTAT_NCOUNTERS, "a name for each struct tcpstat field");

/* Statistics that never moved on this machine. */
static const u_int tcpstat_zero[] = {
	TCPSTAT_INDEX(tcps_keepdrops),
	TCPSTAT_INDEX(tcps_rcvbadoff),
	TCPSTAT_INDEX(tcps_minmssdrops),
};

/*
 * What the net.inet.tcp.stats handler (VNET_PCPUSTAT_SYSCTL in
 * sys/net/vnet.h) returns: the sums as one struct tcpstat.
 */
void
tcpstat_copy(void *stats)
{
	struct tcpstat *s = stats;

	COUNTER_ARRAY_COPY(tcpstat, s, TCPSTAT_NCOUNTERS);
}

void
tcp_init(void)
{

	COUNTER_ARRAY_ALLOC(tcpstat, TCPSTAT_NCOUNTERS);
	counter_array_register("tcpstat", "struct tcpstat", tcpstat_fields,
	    TCPSTAT_NCOUNTERS, tcpstat, tcpstat_copy, tcpstat_zero,
	    sizeof(tcpstat_zero) / sizeof(tcpstat_zero[0]));
}
