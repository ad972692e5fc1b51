/*
 * keel/net.h — a virtio-net device server (device-servers/virtio-net/,
 * one per NIC) and the switch server of its network
 * (device-servers/switch/, one per network). docs/net.md has the picture.
 *
 * Each NIC is one port of its network's switch. Per port, root makes a
 * shared area (one 2 MiB frame; root keeps the original) mapped into the
 * NIC's server and into the switch, and two notifications: the switch's
 * (bound to the switch; the NIC may signal it, badged with its port's
 * bit) and the port's (bound to the NIC's server; the switch may signal
 * it). The switch never sees guest memory: frames are copied between the
 * guest's buffers and the shared area by the NIC's server only.
 *
 * ---- the shared area of a port --------------------------------------------
 *   offset 0                 struct keel_net_port (the two rings' indices)
 *   KEEL_NET_TX_OFF + i * KEEL_NET_SLOT_BYTES   tx slot i: NIC -> switch
 *   KEEL_NET_RX_OFF + i * KEEL_NET_SLOT_BYTES   rx slot i: switch -> NIC
 *
 * Each ring has one producer and one consumer. The producer writes slot
 * prod % KEEL_NET_SLOTS (its frame and len), then advances prod (release)
 * and signals the other side; the consumer reads frames from cons to prod
 * and advances cons. A slot is the producer's again once cons has passed
 * it. A full ring: the NIC stops taking the guest's tx buffers until the
 * switch signals that it took frames; the switch drops a frame for a NIC
 * whose rx ring is full (and counts it). Every index and length in the
 * area is written by the other side and checked before use: the switch
 * trusts nothing a NIC's server writes, and copies a frame out before it
 * looks at it.
 *
 * Crash safety: the indices live in the area, which root keeps, so a
 * restarted NIC server or switch finds them; a frame being moved when a
 * server crashed is sent again or lost, never cut short (a slot is
 * published only whole). docs/net.md says which.
 *
 * ---- switch server slots and addresses -------------------------------------
 *   KEEL_SRV_REPORT            root's endpoint, badged
 *   KEEL_SRV_EP                its endpoint, READ (nothing calls it)
 *   (bound)                    its notification: bit p, port p has frames
 *   KEEL_SWITCH_SLOT_PORT(p)   port p's notification, WRITE
 *   KEEL_SWITCH_INFO_VADDR     struct keel_switch_info, read-only (root's)
 *   KEEL_SWITCH_STATE_VADDR    its state page (learned MACs, counters)
 *   KEEL_SWITCH_PORT_VADDR(p)  port p's shared area
 *
 * ---- NIC server (besides keel/vmm.h's virtio device server) ----------------
 *   KEEL_NET_SLOT_SWITCH       the switch's notification, WRITE, badged
 *                              with its port's bit
 *   (bound)                    the port's notification (the switch's
 *                              signal: frames to receive, or tx room)
 *   KEEL_NET_PORT_VADDR        its port's shared area
 */
#ifndef KEEL_NET_H
#define KEEL_NET_H

#include <stdint.h>

#define KEEL_NET_PORTS 8u           /* NICs on one network */
#define KEEL_NET_SLOTS 128u         /* frames per ring (power of two) */
#define KEEL_NET_SLOT_BYTES 2048u
#define KEEL_NET_ETH_HDR 14u        /* destination, source, type */
#define KEEL_NET_FRAME_MAX 1514u    /* MTU 1500 + Ethernet header, no FCS */
#define KEEL_NET_MTU 1500u
#define KEEL_NET_TX_OFF 0x1000ull
#define KEEL_NET_RX_OFF (KEEL_NET_TX_OFF + KEEL_NET_SLOTS * KEEL_NET_SLOT_BYTES)
#define KEEL_NET_PORT_BYTES 0x200000ull /* one 2 MiB frame */

#define KEEL_NET_PORT_VADDR 0x10200000ull
#define KEEL_NET_SLOT_SWITCH 9u     /* KEEL_SRV_FREE */

#define KEEL_SWITCH_INFO_VADDR 0x10000000ull
#define KEEL_SWITCH_STATE_VADDR 0x10001000ull
#define KEEL_SWITCH_PORT_VADDR(p) (0x20000000ull + (uint64_t)(p) * KEEL_NET_PORT_BYTES)
#define KEEL_SWITCH_SLOT_PORT(p) (9u + (p))

_Static_assert(KEEL_NET_RX_OFF + KEEL_NET_SLOTS * KEEL_NET_SLOT_BYTES <= KEEL_NET_PORT_BYTES,
	       "both rings fit the port's area");
_Static_assert(KEEL_NET_FRAME_MAX <= KEEL_NET_SLOT_BYTES, "a frame fits its slot");

struct keel_net_ring {
	uint32_t prod;   /* producer: frames published */
	uint32_t pad0[15];
	uint32_t cons;   /* consumer: frames taken (own cache line) */
	uint32_t pad1[15];
	uint32_t len[KEEL_NET_SLOTS]; /* bytes of each slot's frame */
};

struct keel_net_port {
	struct keel_net_ring tx; /* the NIC's server produces, the switch consumes */
	struct keel_net_ring rx; /* the switch produces, the NIC's server consumes */
};
_Static_assert(sizeof(struct keel_net_port) <= KEEL_NET_TX_OFF, "the rings fit the first page");

/* The switch's counters, in its state page at KEEL_SWITCH_COUNTERS_OFF
 * (other copy: struct sw_counters, device-servers/switch/fwd.h, whose
 * place in the page main.c pins): root reads them for keelctl list. */
#define KEEL_SWITCH_COUNTERS_OFF 808u
struct keel_switch_counters {
	uint64_t in;        /* frames taken from ports */
	uint64_t forwarded; /* to one learned port */
	uint64_t flooded;
	uint64_t bad;       /* wrong length */
	uint64_t spoofed;   /* source is not the port's own MAC */
	uint64_t full;      /* deliveries lost to a full rx ring */
};

#define KEEL_SWITCH_INFO_MAGIC 0x4b45454c53573031ull /* "KEELSW01" */

/* What root tells the switch, read-only to it: which ports are connected
 * and each one's MAC (a frame from port p with another source is
 * dropped: the NIC's server cannot change what root wrote here). */
struct keel_switch_port {
	uint8_t mac[6];
	uint8_t live;    /* 1: a NIC is connected (its area is mapped) */
	uint8_t uplink;  /* 1: the uplink driver's port (keel/uplink.h): its
			  * frames may come from any unicast source but another
			  * port's MAC (the host's side has MACs of its own) */
};
struct keel_switch_info {
	uint64_t magic;
	char name[32];   /* the network's name */
	struct keel_switch_port port[KEEL_NET_PORTS];
};

#endif /* KEEL_NET_H */
