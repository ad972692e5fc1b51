/*
 * Untyped memory: retype accounting (each object aligned to its size from
 * a watermark that only revoke resets), argument checks, zeroing, device
 * memory (kernel/object.c).
 */
#include "fixture.h"

#define D FX_FREE

static uint64_t ram(uint64_t off) { return (uint64_t)(uintptr_t)fx.ram + off; }
static uint64_t watermark(void) { return fx_slot(FX_UT)->data; }

static bool all_bytes(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

START_TEST(retype_aligns_objects_to_their_size)
{
	static const struct { unsigned type, bits; uint64_t at, mark; } seq[] = {
		{ KEEL_OBJ_ENDPOINT, 0, 0, 32 },
		{ KEEL_OBJ_TCB, 0, 2048, 4096 },
		{ KEEL_OBJ_NOTIFICATION, 0, 4096, 4160 },
		{ KEEL_OBJ_FRAME, 0, 8192, 12288 },
		{ KEEL_OBJ_CNODE, 4, 12288, 13312 },
		{ KEEL_OBJ_UNTYPED, 16, 65536, 131072 },
		{ KEEL_OBJ_PAGE_TABLE, 0, 131072, 135168 },
	};
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct cap *c = fx_slot(D + i);
		ck_assert_int_eq(fx_retype(seq[i].type, seq[i].bits, D + i, 1), KEEL_OK);
		ck_assert_uint_eq(c->type, seq[i].type);
		ck_assert_uint_eq(c->obj, ram(seq[i].at));
		ck_assert_uint_eq(c->obj % object_size(seq[i].type, seq[i].bits), 0);
		ck_assert_uint_eq(watermark(), seq[i].mark);
		ck_assert_uint_eq(c->flags, CAP_ORIGINAL);
		ck_assert_uint_eq(c->rights, KEEL_R_ALL);
		ck_assert_ptr_eq(c->parent, fx_slot(FX_UT));
	}
}
END_TEST

START_TEST(retype_count_fills_consecutive_slots)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D, 4), KEEL_OK);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(fx_slot(D + i)->obj, ram(32u * i));
	ck_assert_uint_eq(fx_slot(D + 4)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 128);
}
END_TEST

START_TEST(retype_when_full_is_no_memory)
{
	/* three halves do not fit: nothing is made */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_UNTYPED, FX_UT_BITS - 1, D, 3), KEEL_E_NO_MEMORY);
	ck_assert_uint_eq(fx_slot(D)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 0);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_UNTYPED, FX_UT_BITS - 1, D, 2), KEEL_OK);
	ck_assert_uint_eq(watermark(), 1ull << FX_UT_BITS);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D + 2, 1), KEEL_E_NO_MEMORY);
	ck_assert_uint_eq(fx_slot(D + 2)->type, KEEL_OBJ_NULL);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_UNTYPED, FX_UT_BITS + 1, D + 2, 1),
			 KEEL_E_NO_MEMORY);
	/* the children carry on: the second half starts half way */
	ck_assert_int_eq(FX_INVOKE(D + 1, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT, 0,
				   KEEL_ROOT_CNODE, D + 2, 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D + 2)->obj, ram(1ull << (FX_UT_BITS - 1)));
	ck_assert_ptr_eq(fx_slot(D + 2)->parent, fx_slot(D + 1));
}
END_TEST

START_TEST(retype_into_used_slot_is_slot_in_use)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, KEEL_ROOT_TCB, 1), KEEL_E_SLOT_IN_USE);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D + 2, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D, 3), KEEL_E_SLOT_IN_USE);
	ck_assert_uint_eq(fx_slot(D)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(fx_slot(D + 1)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 32);
}
END_TEST

START_TEST(retype_beyond_cnode_is_bad_address)
{
	uint64_t end = 1u << FX_CNODE_BITS;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, end, 1), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, end - 1, 2), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, 1ull << 63, 1), KEEL_E_BAD_ADDRESS);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, end - 1, 1), KEEL_OK);
	ck_assert_uint_eq(watermark(), 32);
}
END_TEST

START_TEST(retype_bad_type_size_or_count_is_invalid_arg)
{
	static const uint64_t bad[][3] = { /* type, bits, count */
		{ KEEL_OBJ_NULL, 0, 1 }, { KEEL_OBJ_COUNT, 0, 1 }, { 99, 0, 1 },
		{ KEEL_OBJ_IRQ_CONTROL, 0, 1 }, { KEEL_OBJ_IRQ_HANDLER, 0, 1 },
		{ KEEL_OBJ_CNODE, KEEL_CNODE_MIN_BITS - 1, 1 },
		{ KEEL_OBJ_CNODE, KEEL_CNODE_MAX_BITS + 1, 1 },
		{ KEEL_OBJ_UNTYPED, KEEL_UNTYPED_MIN_BITS - 1, 1 },
		{ KEEL_OBJ_UNTYPED, KEEL_UNTYPED_MAX_BITS + 1, 1 },
		{ KEEL_OBJ_UNTYPED, 64 + 12, 1 }, { KEEL_OBJ_UNTYPED, ~0ull, 1 },
		{ KEEL_OBJ_ENDPOINT, 0, 0 }, { KEEL_OBJ_ENDPOINT, 0, 4097 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long err = FX_INVOKE(FX_UT, KEEL_UNTYPED_RETYPE, bad[i][0], bad[i][1],
				     KEEL_ROOT_CNODE, D, bad[i][2]);
		ck_assert_msg(err == KEEL_E_INVALID_ARG, "case %u: got %ld", i, err);
	}
	ck_assert_uint_eq(fx_slot(D)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 0);
}
END_TEST

START_TEST(retype_destination_checked)
{
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, D, KEEL_ROOT_CNODE,
				   KEEL_ROOT_CNODE, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(FX_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT, 0, D,
				   D + 1, 1), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(FX_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT, 0, 40,
				   D + 1, 1), KEEL_E_INVALID_CAP);
	ck_assert_uint_eq(watermark(), 0);
}
END_TEST

START_TEST(revoke_returns_memory)
{
	uint64_t first;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_TCB, 0, D + 1, 1), KEEL_OK);
	first = fx_slot(D)->obj;
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, FX_UT), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(fx_slot(D + 1)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 0);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, D + 2, 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D + 2)->obj, first);
}
END_TEST

START_TEST(delete_alone_does_not_return_memory)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, D), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D)->type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(watermark(), 32);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D, 1), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D)->obj, ram(32));
}
END_TEST

START_TEST(new_objects_are_zeroed)
{
	static const unsigned types[] = { KEEL_OBJ_FRAME, KEEL_OBJ_PAGE_TABLE,
					  KEEL_OBJ_VSPACE, KEEL_OBJ_ENDPOINT,
					  KEEL_OBJ_NOTIFICATION };
	struct tcb *t;
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ck_assert_int_eq(fx_retype(types[i], 0, D + i, 1), KEEL_OK);
		ck_assert(all_bytes((void *)(uintptr_t)fx_slot(D + i)->obj,
				    object_size(types[i], 0), 0));
	}
	ck_assert_int_eq(fx_retype(KEEL_OBJ_CNODE, 3, D + 10, 1), KEEL_OK);
	ck_assert(all_bytes((void *)(uintptr_t)fx_slot(D + 10)->obj, 8 << KEEL_SLOT_BITS, 0));
	ck_assert_int_eq(fx_retype(KEEL_OBJ_TCB, 0, D + 11, 1), KEEL_OK);
	t = fx_tcb(D + 11);
	ck_assert_uint_eq(t->state, TS_INACTIVE);
	ck_assert_uint_eq(t->prio, 0);
	ck_assert_ptr_null(t->bound_ntfn);
	for (unsigned i = 0; i < TCB_SLOTS; i++) {
		ck_assert_uint_eq(t->slot[i].type, KEEL_OBJ_NULL);
		ck_assert_uint_eq(t->slot[i].flags, CAP_IN_TCB);
	}
	ck_assert(all_bytes(&t->regs, sizeof(t->regs), 0));
}
END_TEST

START_TEST(memory_is_zeroed_again_after_revoke)
{
	uint8_t *p;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, D, 1), KEEL_OK);
	p = (uint8_t *)(uintptr_t)fx_slot(D)->obj;
	p[0] = 0x77;
	p[PAGE_SIZE - 1] = 0x77;
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, FX_UT), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, D, 1), KEEL_OK);
	ck_assert_ptr_eq((void *)(uintptr_t)fx_slot(D)->obj, p);
	ck_assert(all_bytes(p, PAGE_SIZE, 0));
}
END_TEST

/* Memory known to be zero (data2: bytes at the untyped's end, from a boot
 * with "ram-zeroed") is not zeroed again: the fixture's garbage stands in
 * for it here, so that skipping shows. What a retype handed out is no
 * longer clean, also after a revoke; an untyped made from it inherits
 * the clean part it covers; an object that starts in the dirty part is
 * zeroed whole. */
START_TEST(clean_memory_is_not_zeroed_twice)
{
	uint64_t size = 1ull << FX_UT_BITS, quarter = size >> 2;
	uint8_t *p;
	memset(fx.ram, 0x5a, size);
	fx_slot(FX_UT)->data2 = size;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, D, 1), KEEL_OK);
	p = (uint8_t *)(uintptr_t)fx_slot(D)->obj;
	ck_assert(all_bytes(p, PAGE_SIZE, 0x5a)); /* taken as zero, as it would be */
	ck_assert_uint_eq(fx_slot(FX_UT)->data2, size - PAGE_SIZE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, FX_UT), KEEL_OK);
	ck_assert_uint_eq(fx_slot(FX_UT)->data2, size - PAGE_SIZE);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, D, 1), KEEL_OK);
	ck_assert(all_bytes(p, PAGE_SIZE, 0)); /* used before: zeroed */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, FX_UT), KEEL_OK);

	memset(fx.ram, 0x5a, size);
	fx_slot(FX_UT)->data2 = 2 * quarter + 100; /* clean from 100 bytes before the half */
	ck_assert_int_eq(fx_retype(KEEL_OBJ_UNTYPED, FX_UT_BITS - 2, D, 4), KEEL_OK);
	ck_assert_uint_eq(fx_slot(D)->data2, 0);
	ck_assert_uint_eq(fx_slot(D + 1)->data2, 100);
	ck_assert_uint_eq(fx_slot(D + 2)->data2, quarter);
	ck_assert_uint_eq(fx_slot(D + 3)->data2, quarter);
	ck_assert_uint_eq(fx_slot(FX_UT)->data2, 0);
	ck_assert_int_eq(FX_INVOKE(D + 2, KEEL_UNTYPED_RETYPE, KEEL_OBJ_FRAME, 0, KEEL_ROOT_CNODE,
				   D + 4, 1), KEEL_OK);
	ck_assert(all_bytes((void *)(uintptr_t)fx_slot(D + 4)->obj, PAGE_SIZE, 0x5a));
	ck_assert_int_eq(FX_INVOKE(D + 1, KEEL_UNTYPED_RETYPE, KEEL_OBJ_FRAME, 0, KEEL_ROOT_CNODE,
				   D + 5, 1), KEEL_OK);
	ck_assert(all_bytes((void *)(uintptr_t)fx_slot(D + 5)->obj, PAGE_SIZE, 0));
}
END_TEST

START_TEST(device_untyped_makes_only_frames_and_untyped)
{
	struct cap *f = fx_slot(D + 1), *u = fx_slot(D + 2);
	ck_assert_int_eq(FX_INVOKE(FX_DEV_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_TCB, 0,
				   KEEL_ROOT_CNODE, D, 1), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(FX_DEV_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_FRAME, 0,
				   KEEL_ROOT_CNODE, D + 1, 1), KEEL_OK);
	ck_assert_uint_eq(f->flags, CAP_ORIGINAL | CAP_DEVICE);
	/* device memory is never written by the kernel */
	ck_assert(all_bytes((void *)(uintptr_t)f->obj, PAGE_SIZE, 0xa5));
	ck_assert_int_eq(FX_INVOKE(FX_DEV_UT, KEEL_UNTYPED_RETYPE, KEEL_OBJ_UNTYPED, 12,
				   KEEL_ROOT_CNODE, D + 2, 1), KEEL_OK);
	ck_assert_uint_ne(u->flags & CAP_DEVICE, 0);
	ck_assert_int_eq(FX_INVOKE(D + 2, KEEL_UNTYPED_RETYPE, KEEL_OBJ_ENDPOINT, 0,
				   KEEL_ROOT_CNODE, D + 3, 1), KEEL_E_INVALID_ARG);
}
END_TEST

/* Revoke deletes live objects: a ready thread leaves the run queue, a thread
 * blocked on a dying endpoint is woken. Nothing of them stays reachable. */
START_TEST(revoke_destroys_live_threads)
{
	struct tcb *a = fx_thread(D, 10, 0, true);
	struct tcb *b = fx_thread(D + 1, 20, 0, true);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, D + 2, 1), KEEL_OK);
	fx_trap(b, KEEL_SYS_SEND, D + 2, 0, NULL);
	ck_assert_uint_eq(b->state, TS_BLOCKED_SEND);
	ck_assert_uint_ne(fx_cpu(0)->ready_map[0], 0);
	ck_assert_uint_eq(a->state, TS_READY);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, FX_UT), KEEL_OK);
	ck_assert_uint_eq(fx_cpu(0)->ready_map[0], 0);
	ck_assert_ptr_eq(fx_cpu(0)->current, fx.root);
	ck_assert_uint_eq(watermark(), 0);
}
END_TEST

Suite *suite_untyped(void)
{
	TCase *tc;
	Suite *s = fx_suite("untyped", &tc);
	tcase_add_test(tc, retype_aligns_objects_to_their_size);
	tcase_add_test(tc, retype_count_fills_consecutive_slots);
	tcase_add_test(tc, retype_when_full_is_no_memory);
	tcase_add_test(tc, retype_into_used_slot_is_slot_in_use);
	tcase_add_test(tc, retype_beyond_cnode_is_bad_address);
	tcase_add_test(tc, retype_bad_type_size_or_count_is_invalid_arg);
	tcase_add_test(tc, retype_destination_checked);
	tcase_add_test(tc, revoke_returns_memory);
	tcase_add_test(tc, delete_alone_does_not_return_memory);
	tcase_add_test(tc, new_objects_are_zeroed);
	tcase_add_test(tc, memory_is_zeroed_again_after_revoke);
	tcase_add_test(tc, clean_memory_is_not_zeroed_twice);
	tcase_add_test(tc, device_untyped_makes_only_frames_and_untyped);
	tcase_add_test(tc, revoke_destroys_live_threads);
	return s;
}
