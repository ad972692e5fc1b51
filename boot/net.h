/* Root's side of the networks: a switch server per network, a port per
 * NIC (boot/net.c, keel/net.h, docs/net.md). */
#ifndef BOOT_NET_H
#define BOOT_NET_H

#include <stdbool.h>

#include "vm.h"

/* The switches and ports of spec's NICs, made (and the switches started)
 * from root's own pool if they do not exist yet; a VM rebuilt from the
 * same spec gets its old ports back. False on failure (logged). */
bool net_ensure(const struct vm_spec *spec);
/* Connect device d's server s (a virtio-net server, being built) to its
 * port: the shared area, the switch's notification, its own. */
bool net_attach(const struct vm_spec *spec, unsigned d, struct server *s);
/* The VM is gone: its ports are no longer live (the switch delivers
 * nothing to them and forgets the MACs it learned there); a VM built
 * again from spec gets them back (net_ensure). */
void net_detach(const struct vm_spec *spec);
/* The switch server of the network named name, or NULL: for the test
 * root's crash scenarios. */
struct server *net_switch_server(const char *name);
/* The uplink driver of the network named name, or NULL (none). */
struct server *net_uplink_server(const char *name);

/* Network i (0.., in the order made) for keelctl list: its name, switch
 * server, connected ports and the switch's counters (root's view of its
 * state page); false past the last. */
struct keel_switch_counters;
struct net_view {
	const char *name;
	struct server *srv;
	unsigned ports;
	const struct keel_switch_counters *counters;
};
bool net_at(unsigned i, struct net_view *out);

#endif /* BOOT_NET_H */
