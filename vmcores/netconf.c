/*-
 * Fixture kernel: how each network stack was configured at boot,
 * sysctl.conf(5) for the host's and exec.start in jail.conf(5) for each
 * jail's (net.inet.ip.forwarding, net.inet.tcp.mssdflt), and what it has
 * attached and open.  The values differ from stack to stack and from the
 * templates in set_vnet (0 and TCP_MSS), so that reading another stack's
 * copy, or the template, shows.
 */

#include <string.h>

#include "fixture.h"

static const struct netconf {
	const char	*nc_stack;	/* vnet0, or the jail's name */
	int		nc_forwarding;
	int		nc_mssdflt;
	u_int		nc_ifcnt;	/* lo0, em0, em1; lo0, epairNb */
	u_int		nc_sockcnt;
} netconfs[] = {
	{ "vnet0",	1,	1460,	3,	42 },
	{ "web",	2,	1440,	2,	7 },
	{ "db",		3,	8960,	2,	3 },
};

/*
 * Configure the stack of vnet (NULL: the only one, without VIMAGE) as
 * the one called stack.
 */
void
netconf(struct vnet *vnet __unused, const char *stack)
{
	const struct netconf *nc;
	u_int i;

	for (i = 0; i < sizeof(netconfs) / sizeof(netconfs[0]); i++) {
		nc = &netconfs[i];
		if (strcmp(nc->nc_stack, stack) != 0)
			continue;
		VNET_VNET(vnet, ipforwarding) = nc->nc_forwarding;
		VNET_VNET(vnet, tcp_mssdflt) = nc->nc_mssdflt;
#ifdef VIMAGE
		vnet->vnet_ifcnt = nc->nc_ifcnt;
		vnet->vnet_sockcnt = nc->nc_sockcnt;
#endif
		return;
	}
	panic("netconf: no configuration for stack %s", stack);
}

/* The values of the plain VNET variables in one stack (NULL: the only). */
void
truth_netconf(FILE *f, struct vnet *vnet __unused)
{

	json_i64(f, "ipforwarding", VNET_VNET(vnet, ipforwarding));
	json_i64(f, "tcp_mssdflt", VNET_VNET(vnet, tcp_mssdflt));
}
