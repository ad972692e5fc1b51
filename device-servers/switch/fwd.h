/*
 * The switch's forwarding decision (device-servers/switch/): pure, so the
 * host tests (tests/net/) and the fuzz target link it as the server does.
 *
 * One frame in from port `in` (already copied out of the shared area):
 *   - shorter than an Ethernet header or longer than KEEL_NET_FRAME_MAX:
 *     dropped, counted as bad;
 *   - its source MAC is not the port's own (root's, keel/net.h): dropped,
 *     counted as spoofed; a multicast source is never anyone's own; a
 *     port in t->any_src (the uplink, whose frames come from the host's
 *     side with its MACs) may send from any unicast source but the
 *     other ports' own MACs;
 *   - else its source is learned (MAC -> in), and it goes to the port that
 *     learned its destination, or, for a broadcast, multicast or unknown
 *     destination, to every other live port (flooded). Never back to in.
 */
#ifndef SWITCH_FWD_H
#define SWITCH_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/net.h>

#define SW_TABLE 64u /* learned MACs; the oldest goes when it is full */

struct sw_entry {
	uint8_t mac[6];
	uint8_t port;
	uint8_t used;
	uint32_t stamp;  /* when it was last learned (sw_table.clock) */
};

struct sw_counters {
	uint64_t in;       /* frames taken from ports */
	uint64_t forwarded; /* to one learned port */
	uint64_t flooded;
	uint64_t bad;      /* wrong length */
	uint64_t spoofed;  /* source is not the port's own MAC */
	uint64_t full;     /* deliveries lost to a full rx ring */
};

struct sw_table {
	uint32_t clock;
	uint32_t any_src;  /* ports allowed any source (the caller sets it
			    * from root's info before each frame) */
	struct sw_entry e[SW_TABLE];
	struct sw_counters n;
};

/* The ports (bit p) frame goes to; 0: dropped or nowhere to go. live is
 * the mask of connected ports, macs[p] each port's own MAC. */
uint32_t sw_route(struct sw_table *t, unsigned in, const uint8_t macs[][6], uint32_t live,
		  const uint8_t *frame, uint32_t len);
/* The port that learned mac, or -1. */
int sw_lookup(const struct sw_table *t, const uint8_t mac[6]);
/* Forget what was learned on port p (its NIC went away). */
void sw_forget_port(struct sw_table *t, unsigned p);
/* The live ports are now live (root's info page); *seen the mask this
 * was last called with: what was learned on every port that left since
 * is forgotten, so that a VM built later with its MAC is not passed over
 * and nothing is learned to lead to a port nobody serves. */
void sw_live_changed(struct sw_table *t, uint32_t *seen, uint32_t live);

#endif /* SWITCH_FWD_H */
