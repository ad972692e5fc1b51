/*
 * aarch64 exit decoding on the host: real ESR_EL2 encodings (as the
 * architecture defines them and QEMU produces them) into keel/abi.h exit
 * messages. Built apart from the main unit binary because it uses the
 * aarch64 struct arch_regs, not the fake one.
 */
#include <check.h>
#include <stdlib.h>

#include "exit.h"

#define ESR(ec, iss) ((uint64_t)(ec) << 26 | 1ull << 25 | (iss))

static struct arch_regs regs;

static void setup(void)
{
	for (unsigned i = 0; i < 31; i++)
		regs.x[i] = 0x1000 + i;
	regs.pc = 0x40200abc;
}

/* str w3, [x1] to 0x0900_0000: ISV, SAS=2 (32-bit), SRT=3, WnR */
START_TEST(mmio_write_word)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x24, 1u << 24 | 2u << 22 | 3u << 16 | 1u << 6),
			    0x09000000, 0x9000ull << 4, &regs, &m); /* FIPA = IPA >> 12 */
	ck_assert_uint_eq(m.label, KEEL_EXIT_MMIO);
	ck_assert_uint_eq(m.mr[0], 0x09000000);
	ck_assert_uint_eq(m.mr[1], 2 | KEEL_MMIO_WRITE);
	ck_assert_uint_eq(m.mr[2], 3);
	ck_assert_uint_eq(m.mr[3], 0x1003);
	ck_assert_uint_eq(m.mr[4], 0x40200abc);
}
END_TEST

/* ldrsb x5, [x0, #0x18]: byte, sign-extended into a 64-bit register */
START_TEST(mmio_read_signed_byte_64)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x24, 1u << 24 | 0u << 22 | 1u << 21 | 5u << 16 | 1u << 15),
			    0x09000018, 0x0090000ull, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_MMIO);
	ck_assert_uint_eq(m.mr[0], 0x09000018);
	ck_assert_uint_eq(m.mr[1], KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64);
	ck_assert_uint_eq(m.mr[2], 5);
	ck_assert_uint_eq(m.mr[3], 0); /* reads carry no value */
}
END_TEST

/* The address comes from HPFAR (page) and FAR (offset): FAR alone is the
 * guest's virtual address once its MMU is on. */
START_TEST(mmio_address_from_hpfar)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x24, 1u << 24 | 2u << 22), 0xffff800011223344ull,
			    0x0a000ull << 4, &regs, &m);
	ck_assert_uint_eq(m.mr[0], 0x0a000344);
}
END_TEST

/* str xzr: register 31 is the zero register, not x31/sp: no register */
START_TEST(mmio_write_of_zero_register)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x24, 1u << 24 | 3u << 22 | 31u << 16 | 1u << 6 | 1u << 15),
			    0x09000000, 0x0090000ull, &regs, &m);
	ck_assert_uint_eq(m.mr[2], KEEL_EXIT_REG_NONE);
	ck_assert_uint_eq(m.mr[3], 0);
	ck_assert_uint_eq(m.mr[1] & KEEL_MMIO_WIDTH_MASK, 3);
}
END_TEST

/* ldp without a valid syndrome (ISV=0): the VMM cannot emulate it */
START_TEST(dabt_without_syndrome_is_unknown)
{
	struct exit_msg m;
	uint64_t esr = ESR(0x24, 0x10);
	aarch64_exit_decode(esr, 0x09000008, 0x0090000ull, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_UNKNOWN);
	ck_assert_uint_eq(m.mr[0], esr);
	ck_assert_uint_eq(m.mr[1], regs.pc);
	ck_assert_uint_eq(m.mr[2], 0x09000008); /* so the VMM can abort there */
	ck_assert_uint_eq(m.mr[3], KEEL_ABORT_ADDR);
	/* stp (WnR = 1): the abort is a write's */
	aarch64_exit_decode(esr | 1u << 6, 0x09000008, 0x0090000ull, &regs, &m);
	ck_assert_uint_eq(m.mr[3], KEEL_ABORT_ADDR | KEEL_ABORT_WRITE);
}
END_TEST

START_TEST(hvc_and_smc_carry_x0_to_x5)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x16, 0), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_HVC);
	ck_assert_uint_eq(m.len, 6);
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(m.mr[i], 0x1000 + i);
	aarch64_exit_decode(ESR(0x17, 0), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_SMC);
}
END_TEST

START_TEST(wfi_and_wfe)
{
	struct exit_msg m;
	aarch64_exit_decode(ESR(0x01, 0), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_WFI);
	ck_assert_uint_eq(m.mr[0], 0);
	aarch64_exit_decode(ESR(0x01, 1), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.mr[0], 1);
}
END_TEST

/* msr ICC_SGI1R_EL1, x7 (op0=3 op1=0 CRn=12 CRm=11 op2=5, write) and
 * mrs x2, CNTP_CTL_EL0 (op0=3 op1=3 CRn=14 CRm=2 op2=1, read): the id is
 * the ISS without Rt and the direction, which become fields of their own */
START_TEST(sysreg_write_and_read)
{
	struct exit_msg m;
	uint64_t sgi1r = 3u << 20 | 5u << 17 | 0u << 14 | 12u << 10 | 11u << 1;
	uint64_t cntp = 3u << 20 | 1u << 17 | 3u << 14 | 14u << 10 | 2u << 1;
	aarch64_exit_decode(ESR(0x18, sgi1r | 7u << 5), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.label, KEEL_EXIT_SYSREG);
	ck_assert_uint_eq(m.mr[0], sgi1r);
	ck_assert_uint_eq(m.mr[1], 0);
	ck_assert_uint_eq(m.mr[2], 7);
	ck_assert_uint_eq(m.mr[3], 0x1007);
	aarch64_exit_decode(ESR(0x18, cntp | 2u << 5 | 1), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.mr[0], cntp);
	ck_assert_uint_eq(m.mr[1], KEEL_SYSREG_READ);
	ck_assert_uint_eq(m.mr[2], 2);
	ck_assert_uint_eq(m.mr[3], 0);
	/* mrs xzr / msr ..., xzr: no register, and a write of 0 */
	aarch64_exit_decode(ESR(0x18, sgi1r | 31u << 5), 0, 0, &regs, &m);
	ck_assert_uint_eq(m.mr[2], KEEL_EXIT_REG_NONE);
	ck_assert_uint_eq(m.mr[3], 0);
}
END_TEST

START_TEST(other_classes_are_unknown)
{
	static const unsigned ecs[] = { 0x00, 0x07, 0x0e, 0x15, 0x20, 0x22, 0x26, 0x2f, 0x3c };
	for (unsigned i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		struct exit_msg m;
		aarch64_exit_decode(ESR(ecs[i], 0x42), 0x123, 0x4560, &regs, &m);
		ck_assert_uint_eq(m.label, KEEL_EXIT_UNKNOWN);
		ck_assert_uint_eq(m.mr[0] >> 26, ecs[i]);
		/* only a stage-2 abort carries an address */
		ck_assert_uint_eq(m.mr[2], ecs[i] == 0x20 ? 0x456123 : 0);
		ck_assert_uint_eq(m.mr[3], ecs[i] == 0x20 ? KEEL_ABORT_ADDR : 0);
	}
}
END_TEST

/* Free: never used, or done with (invalid, no EOI request left). Taken:
 * pending, active, or EOI'd with a maintenance report still due; a
 * hardware-linked one (the timer) has no EOI report. */
START_TEST(list_register_taken)
{
	const uint64_t pending = 1ull << 62, active = 2ull << 62, hw = 1ull << 61,
		       eoi = 1ull << 41, grp1 = 1ull << 60, intid = 33;
	ck_assert(!aarch64_lr_taken(0));
	ck_assert(!aarch64_lr_taken(grp1 | intid));
	ck_assert(aarch64_lr_taken(pending | grp1 | intid));
	ck_assert(aarch64_lr_taken(active | grp1 | intid));
	ck_assert(aarch64_lr_taken(eoi | grp1 | intid));
	ck_assert(!aarch64_lr_taken(hw | (27ull << 32) | grp1 | 27));
	ck_assert(aarch64_lr_taken(pending | hw | (27ull << 32) | grp1 | 27));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aarch64-exit");
	TCase *tc = tcase_create("decode");
	SRunner *sr;
	int failed;
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, mmio_write_word);
	tcase_add_test(tc, mmio_read_signed_byte_64);
	tcase_add_test(tc, mmio_address_from_hpfar);
	tcase_add_test(tc, mmio_write_of_zero_register);
	tcase_add_test(tc, dabt_without_syndrome_is_unknown);
	tcase_add_test(tc, hvc_and_smc_carry_x0_to_x5);
	tcase_add_test(tc, wfi_and_wfe);
	tcase_add_test(tc, sysreg_write_and_read);
	tcase_add_test(tc, other_classes_are_unknown);
	tcase_add_test(tc, list_register_taken);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
