/*
 * The switch server: one per network (boot/net.c), joining the NICs on
 * it. Each NIC's server (device-servers/virtio-net/) is a port; frames
 * pass through each port's shared area (keel/net.h). The switch never
 * maps guest memory and holds nothing of any other network: a frame can
 * only reach the ports root connected to this switch.
 *
 * For each frame a port's server published: copy it out of the shared
 * area (the other side may rewrite it), decide where it goes (fwd.c:
 * learning, flooding, the source MAC check), copy it into each
 * destination's rx ring (a full ring loses it, counted), take it from
 * the tx ring, and signal whoever has news.
 *
 * Crash safety: the learned MACs and the counters live in the state page
 * (root keeps it); the ring indices live in the shared areas. The frame
 * being forwarded is recorded there too (which port, which index, to
 * which ports it was delivered), so a restarted switch finishes it
 * without delivering it twice.
 *
 *   argv: its name
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/net.h>
#include <keel/print.h>
#include <keel/server.h>

#include "fwd.h"

#define SW_MAGIC 0x4b45454c53575354ull /* "KEELSWST" */
#define SW_REPORT_EVERY 100u           /* spoofed frames between two log lines */

struct sw_state {
	uint64_t magic;
	uint32_t busy;      /* 1: the frame below is being forwarded */
	uint32_t port, idx; /* its port and tx index */
	uint32_t done;      /* the ports it was delivered to */
	uint32_t dest;      /* the ports it goes to */
	uint32_t live_seen; /* the live ports at the last pass (sw_live_changed) */
	struct sw_table t;
};
_Static_assert(sizeof(struct sw_state) <= 4096, "one state page");
_Static_assert(offsetof(struct sw_state, t) + offsetof(struct sw_table, n) ==
		       KEEL_SWITCH_COUNTERS_OFF &&
	       sizeof(struct sw_counters) == sizeof(struct keel_switch_counters),
	       "root reads the counters where keel/net.h says");

static const struct keel_switch_info *info;
static struct sw_state *st;
static const char *self;
static uint8_t frame[KEEL_NET_FRAME_MAX];
static uint32_t wake; /* ports to signal when the pass is over */

static struct keel_net_port *sw_port(unsigned p)
{
	return (struct keel_net_port *)(uintptr_t)KEEL_SWITCH_PORT_VADDR(p);
}

static uint8_t *sw_slot(unsigned p, uint64_t ring_off, uint32_t idx)
{
	return (uint8_t *)(uintptr_t)(KEEL_SWITCH_PORT_VADDR(p) + ring_off +
				      (uint64_t)(idx % KEEL_NET_SLOTS) * KEEL_NET_SLOT_BYTES);
}

static uint32_t sw_live(void)
{
	uint32_t live = 0;
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		if (__atomic_load_n(&info->port[p].live, __ATOMIC_ACQUIRE))
			live |= 1u << p;
	return live;
}

/* The frame into port q's rx ring, if there is room. The switch is the
 * ring's only producer, so prod is its own; cons comes from the NIC. */
static void sw_deliver(unsigned q, const uint8_t *f, uint32_t len)
{
	struct keel_net_ring *r = &sw_port(q)->rx;
	uint32_t prod = r->prod, cons = __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE);
	if (prod - cons >= KEEL_NET_SLOTS) {
		st->t.n.full++;
		wake |= 1u << q; /* it may have missed a signal */
		return;
	}
	memcpy(sw_slot(q, KEEL_NET_RX_OFF, prod), f, len);
	r->len[prod % KEEL_NET_SLOTS] = len;
	__atomic_store_n(&r->prod, prod + 1, __ATOMIC_RELEASE);
	wake |= 1u << q;
}

/* The first drop this instance sees, then every SW_REPORT_EVERY-th: a
 * crash between counting a drop (state page) and saying so must not
 * leave it unsaid, and a guest must not flood the console. */
static void sw_note_spoof(unsigned p, const uint8_t *f, uint64_t before)
{
	static bool said;
	if (st->t.n.spoofed == before || (said && (before % SW_REPORT_EVERY) != 0))
		return;
	said = true;
	kprintf("[%s] port %u: frame from %02x:%02x:%02x:%02x:%02x:%02x is not from the port's "
		"MAC: dropped (%lu spoofed frames so far)\n", self, p, f[6], f[7], f[8], f[9],
		f[10], f[11], (unsigned long)st->t.n.spoofed);
}

/* Deliver the recorded frame to the ports it has not reached yet. */
static void sw_finish(const uint8_t *f, uint32_t len)
{
	for (unsigned q = 0; q < KEEL_NET_PORTS; q++) {
		if (!(st->dest & ~st->done & (1u << q)))
			continue;
		sw_deliver(q, f, len);
		st->done |= 1u << q;
	}
}

/* Frame idx of port p: copied out, routed, delivered, taken. */
static void sw_forward(unsigned p, uint32_t idx, uint32_t live)
{
	struct keel_net_ring *r = &sw_port(p)->tx;
	uint32_t len = r->len[idx % KEEL_NET_SLOTS];
	uint8_t macs[KEEL_NET_PORTS][6];
	uint64_t spoofed = st->t.n.spoofed;
	bool resumed = st->busy && st->port == p && st->idx == idx;
	if (len > KEEL_NET_FRAME_MAX)
		len = KEEL_NET_FRAME_MAX + 1; /* bad: sw_route counts it */
	else
		memcpy(frame, sw_slot(p, KEEL_NET_TX_OFF, idx), len);
	if (!resumed) {
		st->t.any_src = 0;
		for (unsigned q = 0; q < KEEL_NET_PORTS; q++) {
			memcpy(macs[q], info->port[q].mac, 6);
			st->t.any_src |= (uint32_t)(info->port[q].uplink & 1) << q;
		}
		st->busy = 0;
		st->port = p, st->idx = idx, st->done = 0;
		st->dest = sw_route(&st->t, p, (const uint8_t(*)[6])macs, live, frame, len);
		__atomic_store_n(&st->busy, 1, __ATOMIC_RELEASE);
		sw_note_spoof(p, frame, spoofed);
	}
	sw_finish(frame, len);
	__atomic_store_n(&r->cons, idx + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->busy, 0, __ATOMIC_RELEASE);
	wake |= 1u << p; /* room in its tx ring */
}

/* Every frame every live port has published (root signals the switch
 * when a port leaves, too: what was learned there is forgotten). */
static void sw_pass(void)
{
	uint32_t live = sw_live();
	bool more = true;
	sw_live_changed(&st->t, &st->live_seen, live);
	while (more) {
		more = false;
		for (unsigned p = 0; p < KEEL_NET_PORTS; p++) {
			struct keel_net_ring *r = &sw_port(p)->tx;
			uint32_t prod, cons;
			if (!(live & (1u << p)))
				continue;
			prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);
			cons = r->cons;
			if (prod - cons > KEEL_NET_SLOTS) { /* nonsense from the NIC: skip it all */
				__atomic_store_n(&r->cons, prod, __ATOMIC_RELEASE);
				continue;
			}
			if (prod != cons) {
				sw_forward(p, cons, live);
				more = true;
			}
		}
		/* after each round, not only at the end: a steady sender must
		 * not keep the receivers from draining their rings */
		for (unsigned q = 0; q < KEEL_NET_PORTS; q++)
			if (wake & live & (1u << q))
				keel_signal(KEEL_SWITCH_SLOT_PORT(q));
		wake = 0;
	}
}

static void sw_notified(void *ctx, uint64_t bits)
{
	(void)ctx, (void)bits;
	sw_pass();
}

static void sw_init(void *ctx)
{
	(void)ctx;
	if (st->magic != SW_MAGIC) {
		memset(st, 0, sizeof(*st));
		st->magic = SW_MAGIC;
	} else {
		kprintf("[%s] resuming: %lu frames in, %lu spoofed, %lu lost to full rings\n",
			self, (unsigned long)st->t.n.in, (unsigned long)st->t.n.spoofed,
			(unsigned long)st->t.n.full);
	}
	sw_pass();
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .init = sw_init, .notified = sw_notified };
	long err;
	self = argc > 0 ? argv[0] : "switch";
	info = (const struct keel_switch_info *)(uintptr_t)KEEL_SWITCH_INFO_VADDR;
	st = (struct sw_state *)(uintptr_t)KEEL_SWITCH_STATE_VADDR;
	if (info->magic != KEEL_SWITCH_INFO_MAGIC) {
		kprintf("[%s] no switch description from root\n", self);
		return 1;
	}
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
