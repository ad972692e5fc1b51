/*
 * Capabilities: lookup and rights (kernel/cap.c), and the CNode
 * invocations copy, mint, move, delete and revoke with the derivation tree
 * they maintain (kernel/object.c).
 */
#include "fixture.h"
#include "small_stack.h"

#define EP FX_FREE

static long copy(uint64_t dst, uint64_t src, uint64_t rights)
{
	return FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, dst, KEEL_ROOT_CNODE, src, rights);
}

static long mint(uint64_t dst, uint64_t src, uint64_t rights, uint64_t badge)
{
	return FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, dst, KEEL_ROOT_CNODE, src,
			 rights, badge);
}

static long cnode_op(uint64_t label, uint64_t index)
{
	return FX_INVOKE(KEEL_ROOT_CNODE, label, index);
}

static void make_ep(uint64_t slot)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, slot, 1), KEEL_OK);
}

static uint64_t root_trap(unsigned num, uint64_t cptr)
{
	return fx_trap(fx.root, num, cptr, 0, NULL);
}

START_TEST(lookup_empty_or_out_of_range_is_invalid_cap)
{
	struct cap *c = NULL;
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, 40), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(root_trap(KEEL_SYS_CALL, KEEL_ROOT_NULL), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(root_trap(KEEL_SYS_RECV, 1u << FX_CNODE_BITS), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(root_trap(KEEL_SYS_CALL, ~0ull), KEEL_E_INVALID_CAP);
	ck_assert_int_eq(cap_lookup_typed(fx.root, 40, KEEL_OBJ_ENDPOINT, 0, &c),
			 KEEL_E_INVALID_CAP);
	ck_assert_ptr_null(c);
	ck_assert_ptr_null(cap_lookup(fx.root, 1u << FX_CNODE_BITS));
	ck_assert_ptr_eq(cap_lookup(fx.root, FX_UT), fx_slot(FX_UT));
}
END_TEST

START_TEST(lookup_wrong_type)
{
	struct cap *c = NULL;
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, FX_UT), KEEL_E_WRONG_TYPE);
	ck_assert_uint_eq(root_trap(KEEL_SYS_RECV, KEEL_ROOT_TCB), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(cap_lookup_typed(fx.root, KEEL_ROOT_TCB, KEEL_OBJ_ENDPOINT, 0, &c),
			 KEEL_E_WRONG_TYPE);
	ck_assert_ptr_null(c);
	/* the destination CNode of a retype must be a CNode */
	ck_assert_int_eq(FX_INVOKE(FX_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT, 0, FX_UT,
				   EP, 1), KEEL_E_WRONG_TYPE);
}
END_TEST

START_TEST(copy_with_rights_masked_lacks_rights)
{
	make_ep(EP);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(copy(EP + 2, EP, KEEL_R_WRITE), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 1)->rights, KEEL_R_READ);
	ck_assert_uint_eq(fx_slot(EP + 2)->rights, KEEL_R_WRITE);
	ck_assert_uint_eq(root_trap(KEEL_SYS_SEND, EP + 1), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(root_trap(KEEL_SYS_CALL, EP + 1), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(root_trap(KEEL_SYS_POLL, EP + 2), KEEL_E_NO_RIGHTS);
	/* the rights that are there work */
	ck_assert_uint_eq(root_trap(KEEL_SYS_NBSEND, EP + 2), KEEL_OK);
	ck_assert_uint_eq(root_trap(KEEL_SYS_POLL, EP + 1), KEEL_E_WOULD_BLOCK);
	/* a CNode without WRITE cannot be changed through */
	ck_assert_int_eq(copy(EP + 3, KEEL_ROOT_CNODE, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(EP + 3, KEEL_CNODE_COPY, EP + 4, KEEL_ROOT_CNODE, EP,
				   KEEL_R_ALL), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(EP + 3, KEEL_CNODE_DELETE, EP), KEEL_E_NO_RIGHTS);
	ck_assert_uint_eq(fx_slot(EP)->type, KEEL_OBJ_ENDPOINT);
}
END_TEST

START_TEST(copy_makes_a_child_of_the_source)
{
	struct cap *src = fx_slot(EP), *dst = fx_slot(EP + 1);
	make_ep(EP);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_OK);
	ck_assert_uint_eq(dst->type, KEEL_OBJ_ENDPOINT);
	ck_assert_uint_eq(dst->obj, src->obj);
	ck_assert_uint_eq(dst->rights, KEEL_R_ALL);
	ck_assert_uint_eq(dst->flags & CAP_ORIGINAL, 0);
	ck_assert_uint_ne(src->flags & CAP_ORIGINAL, 0);
	ck_assert_ptr_eq(dst->parent, src);
	ck_assert_ptr_eq(src->child, dst);
	ck_assert_ptr_eq(src->parent, fx_slot(FX_UT));
}
END_TEST

START_TEST(copy_argument_errors)
{
	make_ep(EP);
	ck_assert_int_eq(copy(KEEL_ROOT_TCB, EP, KEEL_R_ALL), KEEL_E_SLOT_IN_USE);
	ck_assert_int_eq(copy(1u << FX_CNODE_BITS, EP, KEEL_R_ALL), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(copy(EP + 1, 1u << FX_CNODE_BITS, KEEL_R_ALL), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(copy(EP + 1, EP + 2, KEEL_R_ALL), KEEL_E_INVALID_CAP);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, EP + 1, FX_UT, EP,
				   KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	ck_assert_uint_eq(fx_slot(EP + 1)->type, KEEL_OBJ_NULL);
}
END_TEST

START_TEST(copy_of_untyped_page_table_irq_control_refused)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_PAGE_TABLE, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(copy(EP + 1, FX_UT, KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(copy(EP + 1, KEEL_ROOT_IRQ_CONTROL, KEEL_R_ALL), KEEL_E_WRONG_TYPE);
	ck_assert_uint_eq(fx_slot(EP + 1)->type, KEEL_OBJ_NULL);
	ck_assert_ptr_null(fx_slot(FX_UT)->child->next); /* only the page table */
}
END_TEST

START_TEST(mint_sets_badge_seen_by_receiver)
{
	struct tcb *r = fx_thread(30, 100, 0, true);
	make_ep(EP);
	ck_assert_int_eq(mint(EP + 1, EP, KEEL_R_WRITE, 0x55), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 1)->badge, 0x55);
	ck_assert_uint_eq(fx_slot(EP)->badge, 0);
	fx_trap(r, KEEL_SYS_RECV, EP, 0, NULL);
	ck_assert_uint_eq(r->state, TS_BLOCKED_RECV);
	ck_assert_uint_eq(fx_trap(fx.root, KEEL_SYS_NBSEND, EP + 1, keel_msginfo(3, 0), NULL),
			  KEEL_OK);
	ck_assert_uint_eq(r->state, TS_READY);
	ck_assert_uint_eq(keel_msg_badge(fx_regs(r)[1]), 0x55);
	ck_assert_uint_eq(keel_msg_label(fx_regs(r)[1]), 3);
}
END_TEST

START_TEST(mint_errors)
{
	make_ep(EP);
	ck_assert_int_eq(mint(EP + 1, EP, KEEL_R_ALL, 0), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(mint(EP + 1, EP, KEEL_R_ALL, 1ull << 32), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(mint(EP + 1, EP, KEEL_R_ALL, 7), KEEL_OK);
	ck_assert_int_eq(mint(EP + 2, EP + 1, KEEL_R_ALL, 9), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(mint(EP + 2, KEEL_ROOT_TCB, KEEL_R_ALL, 9), KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(mint(EP + 2, KEEL_ROOT_CNODE, KEEL_R_ALL, 9), KEEL_E_WRONG_TYPE);
	ck_assert_uint_eq(fx_slot(EP + 2)->type, KEEL_OBJ_NULL);
	/* an unbadged copy of a badged capability keeps the badge */
	ck_assert_int_eq(copy(EP + 2, EP + 1, KEEL_R_ALL), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 2)->badge, 7);
}
END_TEST

START_TEST(move_keeps_tree_position)
{
	uint64_t obj;
	make_ep(EP);
	obj = fx_slot(EP)->obj;
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MOVE, EP + 5, KEEL_ROOT_CNODE,
				   EP), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(fx_slot(EP + 5)->obj, obj);
	ck_assert_uint_ne(fx_slot(EP + 5)->flags & CAP_ORIGINAL, 0);
	ck_assert_ptr_eq(fx_slot(EP + 1)->parent, fx_slot(EP + 5));
	ck_assert_ptr_eq(fx_slot(EP + 5)->parent, fx_slot(FX_UT));
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MOVE, EP + 1, KEEL_ROOT_CNODE,
				   EP + 5), KEEL_E_SLOT_IN_USE);
	/* deleting the moved original still takes its copy */
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, EP + 5), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 1)->type, KEEL_OBJ_NULL);
}
END_TEST

START_TEST(revoke_removes_all_derived)
{
	make_ep(EP);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(copy(EP + 2, EP + 1, KEEL_R_WRITE), KEEL_OK);
	ck_assert_int_eq(mint(EP + 3, EP, KEEL_R_ALL, 5), KEEL_OK);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_REVOKE, EP), KEEL_OK);
	for (unsigned i = 1; i <= 3; i++)
		ck_assert_uint_eq(fx_slot(EP + i)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(fx_slot(EP)->type, KEEL_OBJ_ENDPOINT);
	ck_assert_ptr_null(fx_slot(EP)->child);
	ck_assert_uint_eq(root_trap(KEEL_SYS_NBSEND, EP), KEEL_OK);
}
END_TEST

START_TEST(delete_copy_keeps_object_delete_original_destroys)
{
	struct tcb *s = fx_thread(30, 100, 0, true);
	make_ep(EP);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(copy(EP + 2, EP, KEEL_R_ALL), KEEL_OK);
	fx_trap(s, KEEL_SYS_SEND, EP + 1, keel_msginfo(1, 0), NULL);
	ck_assert_uint_eq(s->state, TS_BLOCKED_SEND);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, EP + 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 1)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(s->state, TS_BLOCKED_SEND);
	ck_assert_uint_eq(fx_ep(EP)->state, EP_SEND);
	/* the original goes: its copies first, then the object */
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, EP), KEEL_OK);
	ck_assert_uint_eq(fx_slot(EP + 2)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(s->state, TS_READY);
	ck_assert_uint_eq(fx_regs(s)[0], KEEL_E_CANCELLED);
}
END_TEST

START_TEST(delete_and_revoke_edge_slots)
{
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, 40), KEEL_OK);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_REVOKE, 40), KEEL_OK);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, 1u << FX_CNODE_BITS), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_REVOKE, 1u << FX_CNODE_BITS), KEEL_E_BAD_ADDRESS);
}
END_TEST

/* A chain of CNodes, each one's original in the previous one's slot 0, is
 * destroyed without recursion (cnode_doomed in kernel/cap.c); an endpoint
 * at the far end dies with it and its copy in the root CNode goes. */
START_TEST(deleting_a_chain_of_cnodes_destroys_all)
{
	enum { N = 40, FIRST = 100 };
	for (unsigned i = 0; i < N; i++)
		ck_assert_int_eq(fx_retype(KEEL_OBJ_CNODE, 2, FIRST + i, 1), KEEL_OK);
	make_ep(EP);
	ck_assert_int_eq(copy(EP + 1, EP, KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(FIRST + N - 1, KEEL_CNODE_MOVE, 1, KEEL_ROOT_CNODE, EP),
			 KEEL_OK);
	for (unsigned i = N - 1; i > 0; i--)
		ck_assert_int_eq(FX_INVOKE(FIRST + i - 1, KEEL_CNODE_MOVE, 0, KEEL_ROOT_CNODE,
					   FIRST + i), KEEL_OK);
	ck_assert_uint_eq(fx_slot(FIRST + 1)->type, KEEL_OBJ_NULL);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, FIRST), KEEL_OK);
	ck_assert_uint_eq(fx_slot(FIRST)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(fx_slot(EP + 1)->type, KEEL_OBJ_NULL);
	ck_assert_ptr_null(fx_slot(FX_UT)->child);
}
END_TEST

/*
 * The chain the issue-16 probe built: C1..Cn, where Ck holds in slot 0 the
 * untyped Uk and in slot 1 the original of C(k+1), retyped from Uk. One
 * delete of C1 then destroys C(k+1) from inside the revoke of Uk, nested
 * in the emptying of Ck. The delete runs on a thread with a small stack,
 * so a kernel that recurses once per link overflows it and the test dies.
 */
enum { CHAIN_N = 1000, CHAIN_TOP = 100, CHAIN_CUR = 101, CHAIN_NEXT = 102, CHAIN_UT = 103 };

static void chain_link(void)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_UNTYPED, KEEL_UNTYPED_MIN_BITS, CHAIN_UT, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(CHAIN_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_CNODE,
				   KEEL_CNODE_MIN_BITS, CHAIN_CUR, 1, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(CHAIN_CUR, KEEL_CNODE_MOVE, 0, KEEL_ROOT_CNODE, CHAIN_UT),
			 KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, CHAIN_NEXT, CHAIN_CUR, 1,
				   KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, CHAIN_CUR), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MOVE, CHAIN_CUR, KEEL_ROOT_CNODE,
				   CHAIN_NEXT), KEEL_OK);
}

static void chain_delete(void *rc)
{
	*(long *)rc = cnode_op(KEEL_CNODE_DELETE, CHAIN_TOP);
}

START_TEST(deleting_a_chain_through_untypeds_uses_bounded_stack)
{
	long rc = -1;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_CNODE, KEEL_CNODE_MIN_BITS, CHAIN_TOP, 1), KEEL_OK);
	ck_assert_int_eq(copy(CHAIN_CUR, CHAIN_TOP, KEEL_R_ALL), KEEL_OK);
	for (unsigned k = 0; k < CHAIN_N; k++)
		chain_link();
	ck_assert_int_eq(cnode_op(KEEL_CNODE_DELETE, CHAIN_CUR), KEEL_OK);
	ck_assert_int_eq(fx_on_small_stack(chain_delete, &rc, 256 * 1024), 0);
	ck_assert_int_eq(rc, KEEL_OK);
	ck_assert_uint_eq(fx_slot(CHAIN_TOP)->type, KEEL_OBJ_NULL);
	ck_assert_ptr_null(fx_slot(FX_UT)->child);
}
END_TEST

Suite *suite_cap(void)
{
	TCase *tc;
	Suite *s = fx_suite("cap", &tc);
	tcase_add_test(tc, lookup_empty_or_out_of_range_is_invalid_cap);
	tcase_add_test(tc, lookup_wrong_type);
	tcase_add_test(tc, copy_with_rights_masked_lacks_rights);
	tcase_add_test(tc, copy_makes_a_child_of_the_source);
	tcase_add_test(tc, copy_argument_errors);
	tcase_add_test(tc, copy_of_untyped_page_table_irq_control_refused);
	tcase_add_test(tc, mint_sets_badge_seen_by_receiver);
	tcase_add_test(tc, mint_errors);
	tcase_add_test(tc, move_keeps_tree_position);
	tcase_add_test(tc, revoke_removes_all_derived);
	tcase_add_test(tc, delete_copy_keeps_object_delete_original_destroys);
	tcase_add_test(tc, delete_and_revoke_edge_slots);
	tcase_add_test(tc, deleting_a_chain_of_cnodes_destroys_all);
	tcase_add_test(tc, deleting_a_chain_through_untypeds_uses_bounded_stack);
	return s;
}
