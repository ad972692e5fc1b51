/* Root's side of the uplink driver (boot/uplink.c, keel/uplink.h). */
#ifndef BOOT_UPLINK_H
#define BOOT_UPLINK_H

#include <stdint.h>

#include "root.h"

/* The switch port the driver serves (root's cptrs): its shared area, its
 * notification (bound to the driver), the switch's notification and the
 * port's bit (its badge). */
struct uplink_port {
	uint64_t area, ntfn, switch_ntfn, bit;
};

/* Build and start the driver of the machine's first virtio-net device as
 * port of network net's switch; NULL if the machine has none, or on
 * failure (logged either way: the network runs without its uplink). */
struct server *uplink_create(const char *net, const struct uplink_port *port, unsigned cpu,
			     unsigned prio);

#endif /* BOOT_UPLINK_H */
