/*
 * riscv64 exit decoding on the host: real instruction encodings (as GNU
 * as assembles them) and trap values into keel/abi.h exit messages.
 * Built apart from the main unit binary because it uses the riscv64
 * struct arch_regs, not the fake one.
 */
#include <check.h>
#include <stdlib.h>

#include "exit.h"

#define GPF_LOAD 21u
#define GPF_STORE 23u
#define GPF_FETCH 20u
#define ECALL_VS 10u
#define PC 0x40200abcull

static struct arch_regs regs;

/* x<n> holds 0x1000 + n (slots: a7 and t0 swapped, machine.h). */
static void setup(void)
{
	for (unsigned n = 1; n < 32; n++)
		regs.x[rv_reg_slot(n)] = 0x1000 + n;
	regs.x[RV_REG_PC] = PC;
}

static struct rv_access decode(uint32_t insn, bool ok)
{
	struct rv_access a = { 0 };
	ck_assert_int_eq(rv_decode_access(insn, &a), ok);
	return a;
}

static void expect(struct rv_access a, unsigned w, unsigned reg, unsigned len, bool write,
		   bool sign)
{
	ck_assert_uint_eq(a.width_log2, w);
	ck_assert_uint_eq(a.reg, reg);
	ck_assert_uint_eq(a.len, len);
	ck_assert_int_eq(a.write, write);
	ck_assert_int_eq(a.sign, sign);
}

START_TEST(full_size)
{
	expect(decode(0x01872783, true), 2, 15, 4, false, true);  /* lw a5,24(a4) */
	expect(decode(0x00d72023, true), 2, 13, 4, true, false);  /* sw a3,0(a4) */
	expect(decode(0x00050483, true), 0, 9, 4, false, true);   /* lb s1 */
	expect(decode(0x00054483, true), 0, 9, 4, false, false);  /* lbu s1 */
	expect(decode(0x0025d603, true), 1, 12, 4, false, false); /* lhu a2 */
	expect(decode(0x00259603, true), 1, 12, 4, false, true);  /* lh a2 */
	expect(decode(0x00853283, true), 3, 5, 4, false, false);  /* ld t0 */
	expect(decode(0x00553423, true), 3, 5, 4, true, false);   /* sd t0 */
	expect(decode(0x00050023, true), 0, 0, 4, true, false);   /* sb zero */
	expect(decode(0x0005e503, true), 2, 10, 4, false, false); /* lwu a0 */
}
END_TEST

START_TEST(compressed)
{
	expect(decode(0x4f1c, true), 2, 15, 2, false, true); /* c.lw a5,24(a4) */
	expect(decode(0xc314, true), 2, 13, 2, true, false); /* c.sw a3,0(a4) */
	expect(decode(0x6500, true), 3, 8, 2, false, false); /* c.ld s0,8(a0) */
	expect(decode(0xe904, true), 3, 9, 2, true, false);  /* c.sd s1,16(a0) */
	expect(decode(0x4532, true), 2, 10, 2, false, true); /* c.lwsp a0,12(sp) */
	expect(decode(0xc216, true), 2, 5, 2, true, false);  /* c.swsp t0,4(sp) */
	expect(decode(0x68a2, true), 3, 17, 2, false, false); /* c.ldsp a7,8(sp) */
	expect(decode(0xe47e, true), 3, 31, 2, true, false); /* c.sdsp t6,8(sp) */
}
END_TEST

/* FP loads, atomics, other compressed forms, reserved encodings. */
START_TEST(not_accesses)
{
	decode(0x00052507, false); /* flw */
	decode(0x00b6252f, false); /* amoadd.w */
	decode(0x00000033, false); /* add zero, zero, zero */
	decode(0x0000f003, false); /* LOAD with funct3 7 */
	decode(0x00004023, false); /* STORE with funct3 4 */
	decode(0x2508, false);     /* c.fld */
	decode(0x0808, false);     /* c.addi4spn */
	decode(0x4002, false);     /* c.lwsp x0: reserved */
	decode(0x0001, false);     /* c.nop (quadrant 1) */
}
END_TEST

static struct exit_msg exit_of(uint64_t cause, uint64_t gpa, uint64_t htinst, uint32_t insn)
{
	struct rv_trap tr = { .cause = cause, .stval = 0x80001000 | (gpa & 0xfff),
			      .htval = gpa >> 2, .htinst = htinst, .insn = insn };
	struct exit_msg m;
	rv_exit_decode(&tr, &regs, &m);
	return m;
}

/* sd t0, 8(a0) to a device: t0's value from its swapped slot, x5 is
 * register 4 in keel/abi.h's riscv64 numbering. */
START_TEST(mmio_store_from_insn)
{
	struct exit_msg m = exit_of(GPF_STORE, 0x10000008, 0, 0x00553423);
	ck_assert_uint_eq(m.label, KEEL_EXIT_MMIO);
	ck_assert_uint_eq(m.mr[0], 0x10000008);
	ck_assert_uint_eq(m.mr[1], 3 | KEEL_MMIO_WRITE | KEEL_MMIO_REG64);
	ck_assert_uint_eq(m.mr[2], 4);
	ck_assert_uint_eq(m.mr[3], 0x1005);
	ck_assert_uint_eq(m.mr[4], PC);
	ck_assert_uint_eq(m.ilen, 4);
}
END_TEST

/* c.lw a5 as the hart transforms it into htinst: lw a5, 0(x0) with bit
 * 1 clear (the original was compressed). */
START_TEST(mmio_load_from_htinst)
{
	struct exit_msg m = exit_of(GPF_LOAD, 0x10000018, 0x00002781, 0);
	ck_assert_uint_eq(m.label, KEEL_EXIT_MMIO);
	ck_assert_uint_eq(m.mr[0], 0x10000018);
	ck_assert_uint_eq(m.mr[1], 2 | KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64);
	ck_assert_uint_eq(m.mr[2], 14);
	ck_assert_uint_eq(m.ilen, 2);
	m = exit_of(GPF_LOAD, 0x10000018, 0x00002783, 0);
	ck_assert_uint_eq(m.ilen, 4);
}
END_TEST

START_TEST(mmio_zero_register)
{
	struct exit_msg m = exit_of(GPF_STORE, 0x10000000, 0, 0x00050023); /* sb zero */
	ck_assert_uint_eq(m.mr[2], KEEL_EXIT_REG_NONE);
	ck_assert_uint_eq(m.mr[3], 0);
	m = exit_of(GPF_LOAD, 0x10000000, 0, 0x4f1c); /* c.lw a5 */
	ck_assert_uint_eq(m.ilen, 2);
	ck_assert_uint_eq(m.mr[2], 14);
}
END_TEST

/* No usable instruction (none read, FP, a store that traps as a load,
 * the page-table walk's pseudo-instruction, a fetch): an abort at the
 * GPA, which the VMM answers with an access fault. */
START_TEST(unknown_aborts)
{
	static const struct { uint64_t cause, htinst; uint32_t insn; bool write; } c[] = {
		{ GPF_LOAD, 0, 0, false },          { GPF_LOAD, 0, 0x00052507, false },
		{ GPF_LOAD, 0, 0x00d72023, false }, { GPF_STORE, 0x3020, 0, true },
		{ GPF_FETCH, 0, 0, false },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct exit_msg m = exit_of(c[i].cause, 0x20000004, c[i].htinst, c[i].insn);
		ck_assert_uint_eq(m.label, KEEL_EXIT_UNKNOWN);
		ck_assert_uint_eq(m.mr[0], c[i].cause);
		ck_assert_uint_eq(m.mr[1], PC);
		ck_assert_uint_eq(m.mr[2], 0x20000004);
		ck_assert_uint_eq(m.mr[3], KEEL_ABORT_ADDR | (c[i].write ? KEEL_ABORT_WRITE : 0));
	}
}
END_TEST

START_TEST(ecall_is_sbi)
{
	struct exit_msg m = exit_of(ECALL_VS, 0, 0, 0);
	ck_assert_uint_eq(m.label, KEEL_EXIT_HVC);
	ck_assert_uint_eq(m.len, 6);
	ck_assert_uint_eq(m.mr[0], 0x1000 + 17); /* a7: extension */
	ck_assert_uint_eq(m.mr[1], 0x1000 + 16); /* a6: function */
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(m.mr[2 + i], 0x1000 + 10 + i);
}
END_TEST

START_TEST(other_causes)
{
	struct exit_msg m = exit_of(2, 0, 0, 0x00000033); /* illegal instruction */
	ck_assert_uint_eq(m.label, KEEL_EXIT_UNKNOWN);
	ck_assert_uint_eq(m.mr[0], 2);
	ck_assert_uint_eq(m.mr[3], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("riscv64-exit");
	TCase *tc = tcase_create("decode");
	SRunner *sr;
	int failed;
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, full_size);
	tcase_add_test(tc, compressed);
	tcase_add_test(tc, not_accesses);
	tcase_add_test(tc, mmio_store_from_insn);
	tcase_add_test(tc, mmio_load_from_htinst);
	tcase_add_test(tc, mmio_zero_register);
	tcase_add_test(tc, unknown_aborts);
	tcase_add_test(tc, ecall_is_sbi);
	tcase_add_test(tc, other_causes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
