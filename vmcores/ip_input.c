/*-
 * Fixture kernel: the IP forwarding switch of sys/netinet/ip_input.c, a
 * plain VNET int (net.inet.ip.forwarding).
 */

#include "fixture.h"

VNET_DEFINE(int, ipforwarding);		/* act as router */
