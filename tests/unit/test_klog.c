/*
 * The kernel log (kernel/klog.c) and KEEL_SYS_DEBUG_WRITE's long lines.
 * Without a notification the bytes go to the UART (the fake console) at
 * once; with one, they wait in the ring, the notification is signalled,
 * and KEEL_KLOG_READ gives them back in order, from the position asked
 * (what is before it is forgotten), MR2's memory first and then the IPC
 * buffer's. A write that finds the ring full, an unbind and the
 * notification's death write the ring out first: in order, nothing lost
 * (what a reader was given and may have half printed goes again, on a
 * new line).
 * Rights: READ reads, WRITE sets the notification.
 */
#include <string.h>

#include "fixture.h"

#define NT 16
#define NT4 17
#define RO 18
#define WO 19
#define T_SLOT 20

static void cast(void)
{
	struct cap kl = { .type = KEEL_OBJ_KLOG, .rights = KEEL_R_READ | KEEL_R_WRITE };
	cap_init_root(fx_slot(KEEL_ROOT_KLOG), &kl);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, NT, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_MINT, NT4, KEEL_ROOT_CNODE, NT,
				   KEEL_R_WRITE, 4), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, RO, KEEL_ROOT_CNODE,
				   KEEL_ROOT_KLOG, KEEL_R_READ), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, WO, KEEL_ROOT_CNODE,
				   KEEL_ROOT_KLOG, KEEL_R_WRITE), KEEL_OK);
}

/* Root writes n bytes of s with one DEBUG_WRITE (the tail through its IPC
 * buffer, as kputs puts it). */
static long klog_put(const char *s, unsigned n)
{
	uint64_t mr[6] = { 0 };
	memcpy(mr, s, n < KEEL_DEBUG_WRITE_REGS ? n : KEEL_DEBUG_WRITE_REGS);
	if (n > KEEL_DEBUG_WRITE_REGS)
		memcpy(&fx.root_ipcbuf[KEEL_MSG_REG_MRS], s + KEEL_DEBUG_WRITE_REGS,
		       n - KEEL_DEBUG_WRITE_REGS);
	return (long)fx_trap(fx.root, KEEL_SYS_DEBUG_WRITE, n, 0, mr);
}

/* READ from pos into out (NUL-terminated); returns the count, *first the
 * position of the first byte. */
static unsigned klog_get(uint64_t slot, uint64_t pos, char *out, uint64_t *first)
{
	uint64_t mr[6] = { pos };
	unsigned n;
	ck_assert_int_eq(fx_invoke(slot, KEEL_KLOG_READ, mr), KEEL_OK);
	n = (unsigned)mr[1];
	memcpy(out, &mr[2], n < KEEL_KLOG_READ_REGS ? n : KEEL_KLOG_READ_REGS);
	if (n > KEEL_KLOG_READ_REGS)
		memcpy(out + KEEL_KLOG_READ_REGS, &fx.root_ipcbuf[KEEL_MSG_REG_MRS],
		       n - KEEL_KLOG_READ_REGS);
	out[n] = 0;
	*first = mr[0];
	return n;
}

static void fill(char *b, unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (char)('a' + (i + seed) % 26);
	b[n] = 0;
}

START_TEST(a_long_line_is_one_write)
{
	char line[KEEL_DEBUG_WRITE_MAX + 1];
	fill(line, KEEL_DEBUG_WRITE_MAX, 0);
	ck_assert_int_eq(klog_put(line, 100), KEEL_OK);
	ck_assert_uint_eq(strlen(fake_console()), 100);
	ck_assert_int_eq(memcmp(fake_console(), line, 100), 0);
	ck_assert_int_eq(klog_put(line, KEEL_DEBUG_WRITE_MAX), KEEL_OK);
	ck_assert_str_eq(fake_console() + 100, line);
	ck_assert_int_eq(klog_put(line, KEEL_DEBUG_WRITE_MAX + 1), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(strlen(fake_console()), 100 + KEEL_DEBUG_WRITE_MAX);
}
END_TEST

/* A thread without an IPC buffer has the registers' 48 bytes only. */
START_TEST(without_an_ipc_buffer_48_bytes)
{
	uint64_t mr[6] = { 0 };
	struct tcb *t = fx_thread(T_SLOT, 10, 0, true);
	memcpy(mr, "no buffer", 9);
	ck_assert_int_eq((long)fx_trap(t, KEEL_SYS_DEBUG_WRITE, KEEL_DEBUG_WRITE_REGS + 1, 0, mr),
			 KEEL_E_BAD_LENGTH);
	ck_assert_str_eq(fake_console(), "");
	ck_assert_int_eq((long)fx_trap(t, KEEL_SYS_DEBUG_WRITE, 9, 0, mr), KEEL_OK);
	ck_assert_str_eq(fake_console(), "no buffer");
}
END_TEST

START_TEST(bound_the_bytes_wait_for_the_reader)
{
	char out[KEEL_DEBUG_WRITE_MAX + 1], line[KEEL_DEBUG_WRITE_MAX + 1];
	uint64_t first;
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	ck_assert_int_eq(klog_put("hello\n", 6), KEEL_OK);
	ck_assert_str_eq(fake_console(), "");
	ck_assert_uint_eq(fx_ntfn(NT)->bits, 4);
	ck_assert_uint_eq(klog_get(RO, 0, out, &first), 6);
	ck_assert_str_eq(out, "hello\n");
	ck_assert_uint_eq(first, 0);
	/* a reader that printed them asks from 6: nothing more yet */
	ck_assert_uint_eq(klog_get(RO, 6, out, &first), 0);
	ck_assert_uint_eq(first, 6);
	ck_assert_int_eq(FX_INVOKE(RO, KEEL_KLOG_READ, 7), KEEL_E_INVALID_ARG);
	/* a long line comes back whole: MR2.. then the IPC buffer */
	fill(line, 300, 3);
	ck_assert_int_eq(klog_put(line, 300), KEEL_OK);
	ck_assert_uint_eq(klog_get(RO, 6, out, &first), 300);
	ck_assert_str_eq(out, line);
	ck_assert_uint_eq(first, 6);
	/* what is before the position asked is forgotten */
	ck_assert_uint_eq(klog_get(RO, 106, out, &first), 200);
	ck_assert_uint_eq(klog_get(RO, 6, out, &first), 200);
	ck_assert_uint_eq(first, 106);
	ck_assert_str_eq(out, line + 100);
	ck_assert_str_eq(fake_console(), "");
}
END_TEST

/* Ring full (the reader is down): out with the ring, then the write. */
START_TEST(a_full_ring_writes_out_in_order)
{
	char line[KEEL_DEBUG_WRITE_REGS + 1], out[KEEL_DEBUG_WRITE_MAX + 1];
	unsigned n = 0;
	uint64_t first;
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	for (; n + KEEL_DEBUG_WRITE_REGS <= KEEL_KLOG_BYTES; n += KEEL_DEBUG_WRITE_REGS) {
		fill(line, KEEL_DEBUG_WRITE_REGS, n);
		ck_assert_int_eq(klog_put(line, KEEL_DEBUG_WRITE_REGS), KEEL_OK);
	}
	ck_assert_str_eq(fake_console(), "");
	fill(line, KEEL_DEBUG_WRITE_REGS, n);
	ck_assert_int_eq(klog_put(line, KEEL_DEBUG_WRITE_REGS), KEEL_OK);
	n += KEEL_DEBUG_WRITE_REGS;
	ck_assert_uint_eq(strlen(fake_console()), n);
	for (unsigned i = 0; i < n; i += KEEL_DEBUG_WRITE_REGS) {
		fill(line, KEEL_DEBUG_WRITE_REGS, i);
		ck_assert_int_eq(memcmp(fake_console() + i, line, KEEL_DEBUG_WRITE_REGS), 0);
	}
	/* the reader comes back: nothing is left, and it learns where it is */
	ck_assert_uint_eq(klog_get(RO, 0, out, &first), 0);
	ck_assert_uint_eq(first, n - KEEL_DEBUG_WRITE_REGS);
}
END_TEST

/* SET 0, or the notification's death: the ring goes out, and later
 * writes go straight to the UART. */
START_TEST(unbound_the_ring_goes_out)
{
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	ck_assert_int_eq(klog_put("one\n", 4), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, 0), KEEL_OK);
	ck_assert_str_eq(fake_console(), "one\n");
	ck_assert_int_eq(klog_put("two\n", 4), KEEL_OK);
	ck_assert_str_eq(fake_console(), "one\ntwo\n");
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	ck_assert_int_eq(klog_put("three\n", 6), KEEL_OK);
	ck_assert_str_eq(fake_console(), "one\ntwo\n");
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_REVOKE, NT), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, NT), KEEL_OK);
	ck_assert_str_eq(fake_console(), "one\ntwo\nthree\n");
	ck_assert_int_eq(klog_put("four\n", 5), KEEL_OK);
	ck_assert_str_eq(fake_console(), "one\ntwo\nthree\nfour\n");
}
END_TEST

/* A reader stopped while it printed what it read: that goes out again on
 * a new line; a reader that asked past what it printed leaves nothing. */
START_TEST(unbound_mid_line_starts_a_new_line)
{
	char out[KEEL_DEBUG_WRITE_MAX + 1];
	uint64_t first;
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	ck_assert_int_eq(klog_put("half\n", 5), KEEL_OK);
	ck_assert_uint_eq(klog_get(RO, 0, out, &first), 5);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, 0), KEEL_OK);
	ck_assert_str_eq(fake_console(), "\nhalf\n");
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_OK);
	ck_assert_int_eq(klog_put("whole\n", 6), KEEL_OK);
	ck_assert_uint_eq(klog_get(RO, 5, out, &first), 6);
	ck_assert_uint_eq(klog_get(RO, 11, out, &first), 0);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, 0), KEEL_OK);
	ck_assert_str_eq(fake_console(), "\nhalf\n");
}
END_TEST

START_TEST(rights_and_bad_arguments)
{
	cast();
	ck_assert_int_eq(FX_INVOKE(RO, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(WO, KEEL_KLOG_READ, 0), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, RO),
			 KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, 1000),
			 KEEL_E_INVALID_CAP);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_TRACE_SET, 1), KEEL_E_INVALID_CALL);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_KLOG, KEEL_KLOG_READ, 1), KEEL_E_INVALID_ARG);
	/* a read-only capability may still be copied (root gives the console one) */
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, T_SLOT, KEEL_ROOT_CNODE, RO,
				   KEEL_R_ALL), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(T_SLOT, KEEL_KLOG_SET_NOTIFICATION, NT4), KEEL_E_NO_RIGHTS);
	/* nothing was bound: writes go out */
	ck_assert_int_eq(klog_put("out\n", 4), KEEL_OK);
	ck_assert_str_eq(fake_console(), "out\n");
}
END_TEST

Suite *suite_klog(void)
{
	TCase *tc;
	Suite *s = fx_suite("klog", &tc);
	tcase_add_test(tc, a_long_line_is_one_write);
	tcase_add_test(tc, without_an_ipc_buffer_48_bytes);
	tcase_add_test(tc, bound_the_bytes_wait_for_the_reader);
	tcase_add_test(tc, a_full_ring_writes_out_in_order);
	tcase_add_test(tc, unbound_the_ring_goes_out);
	tcase_add_test(tc, unbound_mid_line_starts_a_new_line);
	tcase_add_test(tc, rights_and_bad_arguments);
	return s;
}
