/*
 * Host tests (Check) of the switch's learning and forwarding
 * (device-servers/switch/fwd.c) and of the virtio-net header checks
 * (device-servers/virtio-net/nethdr.c). make net-unit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "nethdr.h"

#define ALL4 0xfu /* ports 0..3 live */

static struct sw_table t;
static uint8_t macs[KEEL_NET_PORTS][6];
static uint8_t frame[KEEL_NET_FRAME_MAX + 1];

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		memcpy(macs[p], (uint8_t[6]){ 0x02, 0, 0, 0, 0, (uint8_t)(p + 1) }, 6);
	memset(frame, 0xab, sizeof(frame));
}

/* A frame of len bytes from src to dst; routed from port in. */
static uint32_t send_from(unsigned in, const uint8_t *src, const uint8_t *dst, uint32_t len,
			  uint32_t live)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	return sw_route(&t, in, (const uint8_t(*)[6])macs, live, frame, len);
}

START_TEST(unknown_unicast_floods_to_other_live_ports)
{
	ck_assert_uint_eq(send_from(0, macs[0], macs[2], 60, ALL4), 0xeu);
	ck_assert_uint_eq(t.n.flooded, 1);
	/* ports that are not live get nothing */
	ck_assert_uint_eq(send_from(1, macs[1], macs[2], 60, 0x3u), 0x1u);
}
END_TEST

START_TEST(learned_destination_gets_the_frame_alone)
{
	send_from(2, macs[2], bcast, 60, ALL4);            /* port 2 speaks: learned */
	ck_assert_int_eq(sw_lookup(&t, macs[2]), 2);
	ck_assert_uint_eq(send_from(0, macs[0], macs[2], 60, ALL4), 1u << 2);
	ck_assert_uint_eq(t.n.forwarded, 1);
	/* and the answer goes straight back to port 0, learned from that frame */
	ck_assert_uint_eq(send_from(2, macs[2], macs[0], 60, ALL4), 1u << 0);
}
END_TEST

START_TEST(broadcast_and_multicast_flood)
{
	const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	send_from(1, macs[1], bcast, 60, ALL4);
	ck_assert_uint_eq(send_from(0, macs[0], bcast, 60, ALL4), 0xeu);
	ck_assert_uint_eq(send_from(0, macs[0], mcast, 60, ALL4), 0xeu);
}
END_TEST

START_TEST(never_back_to_the_sender)
{
	for (unsigned in = 0; in < 4; in++) {
		ck_assert_uint_eq(send_from(in, macs[in], bcast, 60, ALL4) & (1u << in), 0);
		/* a frame for its own address goes nowhere */
		ck_assert_uint_eq(send_from(in, macs[in], macs[in], 60, ALL4), 0);
	}
}
END_TEST

START_TEST(spoofed_source_is_dropped_and_counted)
{
	const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	ck_assert_uint_eq(send_from(0, other, bcast, 60, ALL4), 0);
	ck_assert_uint_eq(send_from(0, macs[1], bcast, 60, ALL4), 0); /* another port's */
	ck_assert_uint_eq(t.n.spoofed, 2);
	/* nothing was learned from them: port 1's MAC still floods */
	ck_assert_int_eq(sw_lookup(&t, other), -1);
	ck_assert_int_eq(sw_lookup(&t, macs[1]), -1);
	ck_assert_uint_eq(send_from(2, macs[2], macs[1], 60, ALL4), 0xbu);
}
END_TEST

START_TEST(multicast_source_is_never_a_port_s)
{
	macs[0][0] = 0x01; /* even if root were told so */
	ck_assert_uint_eq(send_from(0, macs[0], bcast, 60, ALL4), 0);
	ck_assert_uint_eq(t.n.spoofed, 1);
}
END_TEST

START_TEST(bad_lengths_are_dropped_and_counted)
{
	ck_assert_uint_eq(send_from(0, macs[0], bcast, KEEL_NET_ETH_HDR - 1, ALL4), 0);
	ck_assert_uint_eq(send_from(0, macs[0], bcast, KEEL_NET_FRAME_MAX + 1, ALL4), 0);
	ck_assert_uint_eq(sw_route(&t, KEEL_NET_PORTS, (const uint8_t(*)[6])macs, ALL4, frame, 60), 0);
	ck_assert_uint_eq(t.n.bad, 3);
	ck_assert_uint_eq(send_from(0, macs[0], bcast, KEEL_NET_ETH_HDR, ALL4), 0xeu);
	ck_assert_uint_eq(send_from(0, macs[0], bcast, KEEL_NET_FRAME_MAX, ALL4), 0xeu);
}
END_TEST

START_TEST(a_full_table_forgets_the_oldest)
{
	uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0 };
	/* port 0 has many MACs over time (root's MAC for it changes) */
	for (unsigned i = 0; i < SW_TABLE + 1; i++) {
		src[4] = (uint8_t)(i >> 8), src[5] = (uint8_t)i;
		memcpy(macs[0], src, 6);
		send_from(0, src, bcast, 60, ALL4);
	}
	src[4] = 0, src[5] = 0;
	ck_assert_int_eq(sw_lookup(&t, src), -1);           /* the first is gone */
	src[5] = 1;
	ck_assert_int_eq(sw_lookup(&t, src), 0);            /* the second is kept */
	src[4] = (uint8_t)(SW_TABLE >> 8), src[5] = (uint8_t)SW_TABLE;
	ck_assert_int_eq(sw_lookup(&t, src), 0);            /* the last is there */
}
END_TEST

START_TEST(a_learned_port_that_left_floods_again)
{
	send_from(2, macs[2], bcast, 60, ALL4);
	/* port 2 is not live any more: its MAC's frames flood the live ones */
	ck_assert_uint_eq(send_from(0, macs[0], macs[2], 60, 0x3u), 0x2u);
	sw_forget_port(&t, 2);
	ck_assert_int_eq(sw_lookup(&t, macs[2]), -1);
}
END_TEST

/* Root takes a destroyed VM's port out of the info page's live mask: the
 * switch forgets what it learned there, keeps the rest, and forgets
 * nothing twice (a port that comes back learns afresh). */
START_TEST(a_port_that_leaves_is_forgotten_once)
{
	uint32_t seen = ALL4;
	send_from(1, macs[1], bcast, 60, ALL4);
	send_from(2, macs[2], bcast, 60, ALL4);
	sw_live_changed(&t, &seen, ALL4);
	ck_assert_int_eq(sw_lookup(&t, macs[2]), 2); /* nothing left: nothing forgotten */
	sw_live_changed(&t, &seen, ALL4 & ~(1u << 2));
	ck_assert_uint_eq(seen, ALL4 & ~(1u << 2));
	ck_assert_int_eq(sw_lookup(&t, macs[2]), -1);
	ck_assert_int_eq(sw_lookup(&t, macs[1]), 1);
	/* to it now: flooded to the live ports, not to port 2 */
	ck_assert_uint_eq(send_from(0, macs[0], macs[2], 60, seen), 0x2u | 0x8u);
	sw_live_changed(&t, &seen, ALL4); /* built again: it learns anew */
	send_from(2, macs[2], bcast, 60, ALL4);
	sw_live_changed(&t, &seen, ALL4);
	ck_assert_int_eq(sw_lookup(&t, macs[2]), 2);
}
END_TEST

START_TEST(the_uplink_sends_from_any_source_but_a_port_s)
{
	const uint8_t gw[6] = { 0x52, 0x55, 0x0a, 0, 0, 0xfe }, mcast[6] = { 0x01, 0, 0, 0, 0, 1 };
	t.any_src = 1u << 3;
	ck_assert_uint_eq(send_from(3, gw, bcast, 60, ALL4), 0x7u);  /* the host's side */
	ck_assert_int_eq(sw_lookup(&t, gw), 3);
	ck_assert_uint_eq(send_from(0, macs[0], gw, 60, ALL4), 1u << 3); /* answered */
	ck_assert_uint_eq(send_from(3, macs[1], bcast, 60, ALL4), 0); /* a NIC's own */
	ck_assert_uint_eq(send_from(3, mcast, bcast, 60, ALL4), 0);
	ck_assert_uint_eq(t.n.spoofed, 2);
	ck_assert_int_eq(sw_lookup(&t, macs[1]), -1);
	/* the other ports still only send from their own */
	ck_assert_uint_eq(send_from(0, gw, bcast, 60, ALL4), 0);
	ck_assert_uint_eq(t.n.spoofed, 3);
}
END_TEST

/* ---- virtio-net header ---- */
START_TEST(tx_header_plain_frames_pass)
{
	struct vnet_hdr h = { 0 };
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + 60), 60);
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + KEEL_NET_ETH_HDR), KEEL_NET_ETH_HDR);
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + KEEL_NET_FRAME_MAX), KEEL_NET_FRAME_MAX);
}
END_TEST

START_TEST(tx_header_refuses_what_was_not_offered)
{
	struct vnet_hdr h = { .flags = VNET_HDR_F_NEEDS_CSUM };
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + 60), -1);
	h = (struct vnet_hdr){ .gso_type = 1 }; /* TCPv4 */
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + 60), -1);
}
END_TEST

START_TEST(tx_header_refuses_bad_lengths)
{
	struct vnet_hdr h = { 0 };
	ck_assert_int_eq(vnet_tx_check(&h, 0), -1);
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES - 1), -1);
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + KEEL_NET_ETH_HDR - 1), -1);
	ck_assert_int_eq(vnet_tx_check(&h, VNET_HDR_BYTES + KEEL_NET_FRAME_MAX + 1), -1);
	ck_assert_int_eq(vnet_tx_check(&h, UINT32_MAX), -1);
}
END_TEST

START_TEST(rx_header_is_one_plain_buffer)
{
	struct vnet_hdr h = vnet_rx_hdr();
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_uint_eq(h.gso_type, VNET_GSO_NONE);
	ck_assert_uint_eq(h.num_buffers, 1);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *sw = tcase_create("switch"), *hdr = tcase_create("header");
	tcase_add_checked_fixture(sw, setup, NULL);
	tcase_add_test(sw, unknown_unicast_floods_to_other_live_ports);
	tcase_add_test(sw, learned_destination_gets_the_frame_alone);
	tcase_add_test(sw, broadcast_and_multicast_flood);
	tcase_add_test(sw, never_back_to_the_sender);
	tcase_add_test(sw, spoofed_source_is_dropped_and_counted);
	tcase_add_test(sw, multicast_source_is_never_a_port_s);
	tcase_add_test(sw, bad_lengths_are_dropped_and_counted);
	tcase_add_test(sw, a_full_table_forgets_the_oldest);
	tcase_add_test(sw, a_learned_port_that_left_floods_again);
	tcase_add_test(sw, a_port_that_leaves_is_forgotten_once);
	tcase_add_test(sw, the_uplink_sends_from_any_source_but_a_port_s);
	tcase_add_test(hdr, tx_header_plain_frames_pass);
	tcase_add_test(hdr, tx_header_refuses_what_was_not_offered);
	tcase_add_test(hdr, tx_header_refuses_bad_lengths);
	tcase_add_test(hdr, rx_header_is_one_plain_buffer);
	suite_add_tcase(s, sw);
	suite_add_tcase(s, hdr);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(net_suite());
	int failed;
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
