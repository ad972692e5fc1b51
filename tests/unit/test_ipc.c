/*
 * Endpoint IPC (kernel/ipc.c): queue state, payload and badge delivery,
 * call/reply pairing, long messages through IPC buffers, and what happens
 * to waiters when an endpoint or a partner dies.
 *
 * Threads: S, S2 servers (prio 100), C, C2 clients (prio 50); the ones
 * made by with_buffers() have IPC buffer frames, the others none.
 */
#include "fixture.h"

#define EP 16
#define BADGED 17
#define S_SLOT 20
#define C_SLOT 22
#define C2_SLOT 24
#define S2_SLOT 26

static struct tcb *S, *C;

static void ipc_setup(bool buffers)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, BADGED, KEEL_ROOT_CNODE,
				   EP, KEEL_R_ALL, 0xbad), KEEL_OK);
	S = fx_thread(S_SLOT, 100, buffers ? S_SLOT + 1 : 0, true);
	C = fx_thread(C_SLOT, 50, buffers ? C_SLOT + 1 : 0, true);
}

static uint64_t *ipcbuf(struct tcb *t) { return tcb_ipcbuf(t); }

static uint64_t recv(struct tcb *t) { return fx_trap(t, KEEL_SYS_RECV, EP, 0, NULL); }

static uint64_t send_words(struct tcb *t, unsigned num, uint64_t cptr, uint64_t label,
			   uint64_t len)
{
	uint64_t mr[6];
	for (unsigned i = 0; i < 6; i++)
		mr[i] = label * 100 + i;
	return fx_trap(t, num, cptr, keel_msginfo(label, len), mr);
}

static void check_words(struct tcb *t, uint64_t label, uint64_t len)
{
	uint64_t *r = fx_regs(t);
	ck_assert_uint_eq(r[0], KEEL_OK);
	ck_assert_uint_eq(keel_msg_label(r[1]), label);
	ck_assert_uint_eq(keel_msg_len(r[1]), len);
	for (unsigned i = 0; i < len && i < 6; i++)
		ck_assert_uint_eq(r[2 + i], label * 100 + i);
}

START_TEST(send_without_receiver_blocks_sender)
{
	ipc_setup(false);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	ck_assert_uint_eq(send_words(C, KEEL_SYS_SEND, BADGED, 1, 2), BADGED);
	ck_assert_uint_eq(C->state, TS_BLOCKED_SEND);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_SEND);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, C);
	ck_assert_ptr_eq(C->blocked_on, fx_ep(EP));
	ck_assert_uint_eq(fx_cpu(0)->resched, true);
}
END_TEST

START_TEST(recv_dequeues_sender_and_delivers_payload_and_badge)
{
	ipc_setup(false);
	send_words(C, KEEL_SYS_SEND, BADGED, 1, 3);
	ck_assert_uint_eq(recv(S), KEEL_OK);
	check_words(S, 1, 3);
	ck_assert_uint_eq(keel_msg_badge(fx_regs(S)[1]), 0xbad);
	ck_assert_uint_eq(S->state, TS_READY);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(fx_regs(C)[0], KEEL_OK);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	ck_assert_ptr_null(fx_ep(EP)->queue.head);
	ck_assert_ptr_null(C->blocked_on);
}
END_TEST

START_TEST(recv_without_sender_blocks_then_send_delivers)
{
	ipc_setup(false);
	recv(S);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_RECV);
	ck_assert_uint_eq(send_words(C, KEEL_SYS_SEND, EP, 2, 6), KEEL_OK);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(S->state, TS_READY);
	check_words(S, 2, 6);
	ck_assert_uint_eq(keel_msg_badge(fx_regs(S)[1]), 0);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	/* the server (100) outranks the client (50) */
	ck_assert_uint_eq(fx_cpu(0)->resched, true);
}
END_TEST

START_TEST(call_blocks_for_reply_and_reply_returns_it)
{
	ipc_setup(false);
	recv(S);
	send_words(C, KEEL_SYS_CALL, BADGED, 3, 1);
	ck_assert_uint_eq(C->state, TS_BLOCKED_REPLY);
	ck_assert_ptr_eq(C->reply_from, S);
	ck_assert_ptr_eq(S->reply_to, C);
	check_words(S, 3, 1);
	ck_assert_uint_eq(send_words(S, KEEL_SYS_REPLY, 0, 4, 2), KEEL_OK);
	ck_assert_uint_eq(C->state, TS_READY);
	check_words(C, 4, 2);
	ck_assert_uint_eq(keel_msg_badge(fx_regs(C)[1]), 0);
	ck_assert_ptr_null(S->reply_to);
	ck_assert_ptr_null(C->reply_from);
	ck_assert_uint_eq(send_words(S, KEEL_SYS_REPLY, 0, 4, 0), KEEL_E_INVALID_CALL);
}
END_TEST

START_TEST(call_queued_before_recv_still_waits_for_reply)
{
	ipc_setup(false);
	send_words(C, KEEL_SYS_CALL, EP, 5, 0);
	ck_assert_uint_eq(C->state, TS_BLOCKED_SEND);
	ck_assert_uint_eq(C->is_call, 1);
	ck_assert_uint_eq(recv(S), KEEL_OK);
	ck_assert_uint_eq(C->state, TS_BLOCKED_REPLY);
	ck_assert_ptr_eq(S->reply_to, C);
	ck_assert_uint_eq(keel_msg_label(fx_regs(S)[1]), 5);
}
END_TEST

START_TEST(reply_recv_replies_and_waits_again)
{
	ipc_setup(false);
	recv(S);
	send_words(C, KEEL_SYS_CALL, EP, 6, 1);
	send_words(S, KEEL_SYS_REPLY_RECV, EP, 7, 1);
	ck_assert_uint_eq(C->state, TS_READY);
	check_words(C, 7, 1);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_RECV);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, S);
	ck_assert_ptr_null(S->reply_to);
}
END_TEST

START_TEST(long_message_travels_through_ipc_buffers)
{
	ipc_setup(true);
	for (unsigned i = 6; i < 10; i++)
		ipcbuf(C)[i] = 0x1000 + i;
	recv(S);
	send_words(C, KEEL_SYS_CALL, EP, 8, 10);
	check_words(S, 8, 10);
	for (unsigned i = 6; i < 10; i++)
		ck_assert_uint_eq(ipcbuf(S)[i], 0x1000 + i);
	ck_assert_uint_eq(ipcbuf(S)[10], 0);
	/* and back */
	ipcbuf(S)[6] = 0x2006;
	ipcbuf(S)[7] = 0x2007;
	ck_assert_uint_eq(send_words(S, KEEL_SYS_REPLY, 0, 9, 8), KEEL_OK);
	check_words(C, 9, 8);
	ck_assert_uint_eq(ipcbuf(C)[6], 0x2006);
	ck_assert_uint_eq(ipcbuf(C)[7], 0x2007);
}
END_TEST

START_TEST(receiver_without_buffer_gets_truncated_length)
{
	struct tcb *r;
	ipc_setup(true);
	r = fx_thread(S2_SLOT, 100, 0, true);
	fx_trap(r, KEEL_SYS_RECV, EP, 0, NULL);
	send_words(C, KEEL_SYS_SEND, EP, 10, 12);
	check_words(r, 10, KEEL_MSG_REG_MRS);
}
END_TEST

START_TEST(long_send_needs_a_buffer_and_a_sane_length)
{
	ipc_setup(false);
	recv(S);
	ck_assert_uint_eq(send_words(C, KEEL_SYS_SEND, EP, 1, 7), KEEL_E_BAD_LENGTH);
	ck_assert_uint_eq(send_words(C, KEEL_SYS_CALL, EP, 1, 7), KEEL_E_BAD_LENGTH);
	ck_assert_uint_eq(send_words(fx.root, KEEL_SYS_SEND, EP, 1, KEEL_MSG_MAX_MRS + 1),
			  KEEL_E_BAD_LENGTH);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
	ck_assert_uint_eq(C->state, TS_READY);
}
END_TEST

START_TEST(nbsend_without_receiver_is_dropped)
{
	ipc_setup(false);
	ck_assert_uint_eq(send_words(C, KEEL_SYS_NBSEND, EP, 1, 1), KEEL_OK);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
	ck_assert_uint_eq(fx_trap(S, KEEL_SYS_POLL, EP, 0, NULL), KEEL_E_WOULD_BLOCK);
	ck_assert_uint_eq(S->state, TS_READY);
}
END_TEST

START_TEST(deleting_endpoint_cancels_waiters)
{
	ipc_setup(false);
	send_words(C, KEEL_SYS_CALL, BADGED, 1, 0);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, EP), KEEL_OK);
	ck_assert_uint_eq(fx_slot(BADGED)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(fx_regs(C)[0], KEEL_E_CANCELLED);
	ck_assert_ptr_null(C->blocked_on);
}
END_TEST

START_TEST(deleting_endpoint_cancels_receiver)
{
	ipc_setup(false);
	recv(S);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, EP), KEEL_OK);
	ck_assert_uint_eq(S->state, TS_READY);
	ck_assert_uint_eq(fx_regs(S)[0], KEEL_E_CANCELLED);
}
END_TEST

START_TEST(server_death_cancels_its_caller)
{
	ipc_setup(false);
	recv(S);
	send_words(C, KEEL_SYS_CALL, EP, 1, 0);
	ck_assert_uint_eq(C->state, TS_BLOCKED_REPLY);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, S_SLOT), KEEL_OK);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(fx_regs(C)[0], KEEL_E_CANCELLED);
	ck_assert_ptr_null(C->reply_from);
}
END_TEST

START_TEST(caller_death_voids_the_reply)
{
	ipc_setup(false);
	recv(S);
	send_words(C, KEEL_SYS_CALL, EP, 1, 0);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, C_SLOT), KEEL_OK);
	ck_assert_ptr_null(S->reply_to);
	ck_assert_uint_eq(send_words(S, KEEL_SYS_REPLY, 0, 1, 0), KEEL_E_INVALID_CALL);
}
END_TEST

/* kernel/ipc.c: a server that receives again without replying drops the
 * reply it owed; the caller is woken with KEEL_E_CANCELLED. */
START_TEST(receiving_again_cancels_unanswered_caller)
{
	ipc_setup(false);
	recv(S);
	send_words(C, KEEL_SYS_CALL, EP, 1, 0);
	recv(S);
	ck_assert_uint_eq(C->state, TS_READY);
	ck_assert_uint_eq(fx_regs(C)[0], KEEL_E_CANCELLED);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
}
END_TEST

/* Two senders queue in order and both are delivered. */
START_TEST(two_senders_are_received_in_order)
{
	struct tcb *c2;
	ipc_setup(false);
	c2 = fx_thread(C2_SLOT, 50, 0, true);
	send_words(C, KEEL_SYS_SEND, EP, 1, 1);
	send_words(c2, KEEL_SYS_SEND, EP, 2, 1);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, C);
	ck_assert_ptr_eq(fx_ep(EP)->queue.tail, c2);
	ck_assert_ptr_eq(C->next, c2);
	ck_assert_uint_eq(fx_cpu(0)->ready_map[0], 0); /* neither is runnable */
	ck_assert_uint_eq(recv(S), KEEL_OK);
	check_words(S, 1, 1);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_SEND);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, c2);
	ck_assert_uint_eq(recv(S), KEEL_OK);
	check_words(S, 2, 1);
	ck_assert_uint_eq(c2->state, TS_READY);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
}
END_TEST

START_TEST(two_receivers_are_served_in_order)
{
	struct tcb *s2;
	ipc_setup(false);
	s2 = fx_thread(S2_SLOT, 100, 0, true);
	recv(S);
	recv(s2);
	ck_assert_ptr_eq(fx_ep(EP)->queue.tail, s2);
	ck_assert_ptr_eq(S->next, s2);
	send_words(C, KEEL_SYS_SEND, EP, 1, 1);
	check_words(S, 1, 1);
	ck_assert_uint_eq(s2->state, TS_BLOCKED_RECV);
	send_words(C, KEEL_SYS_SEND, EP, 2, 1);
	check_words(s2, 2, 1);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_IDLE);
}
END_TEST

/* A blocked sender's IPC buffer frame is deleted: the kernel must not read
 * through the missing buffer when the message is finally received (it may
 * truncate the message or cancel the send, but not crash). */
START_TEST(sender_buffer_deleted_while_blocked)
{
	ipc_setup(true);
	send_words(C, KEEL_SYS_SEND, EP, 1, 10);
	ck_assert_uint_eq(C->state, TS_BLOCKED_SEND);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, C_SLOT + 1), KEEL_OK);
	ck_assert_ptr_null(tcb_ipcbuf(C));
	recv(S);
	if (S->state == TS_READY)
		ck_assert_uint_le(keel_msg_len(fx_regs(S)[1]), KEEL_MSG_REG_MRS);
	else
		ck_assert_uint_ne(C->state, TS_BLOCKED_SEND);
}
END_TEST

Suite *suite_ipc(void)
{
	TCase *tc;
	Suite *s = fx_suite("ipc", &tc);
	tcase_add_test(tc, send_without_receiver_blocks_sender);
	tcase_add_test(tc, recv_dequeues_sender_and_delivers_payload_and_badge);
	tcase_add_test(tc, recv_without_sender_blocks_then_send_delivers);
	tcase_add_test(tc, call_blocks_for_reply_and_reply_returns_it);
	tcase_add_test(tc, call_queued_before_recv_still_waits_for_reply);
	tcase_add_test(tc, reply_recv_replies_and_waits_again);
	tcase_add_test(tc, long_message_travels_through_ipc_buffers);
	tcase_add_test(tc, receiver_without_buffer_gets_truncated_length);
	tcase_add_test(tc, long_send_needs_a_buffer_and_a_sane_length);
	tcase_add_test(tc, nbsend_without_receiver_is_dropped);
	tcase_add_test(tc, deleting_endpoint_cancels_waiters);
	tcase_add_test(tc, deleting_endpoint_cancels_receiver);
	tcase_add_test(tc, server_death_cancels_its_caller);
	tcase_add_test(tc, caller_death_voids_the_reply);
	tcase_add_test(tc, receiving_again_cancels_unanswered_caller);
	tcase_add_test(tc, two_senders_are_received_in_order);
	tcase_add_test(tc, two_receivers_are_served_in_order);
	tcase_add_test(tc, sender_buffer_deleted_while_blocked);
	return s;
}
