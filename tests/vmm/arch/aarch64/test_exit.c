/* exit.c and psci.c: every exit label's reply, through a whole VM. */
#include <string.h>

#include "aarch64_vmm.h"
#include "vmm_test.h"

static struct vmm vm;

static void setup(void)
{
	fake_vm_init(&vm, 1);
}

static struct keel_msg call(uint64_t label, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return fake_exit(&vm, 0, label, a0, a1, a2, 0);
}

static struct keel_msg call4(uint64_t label, uint64_t a0, uint64_t a1, uint64_t a2,
			      uint64_t a3)
{
	return fake_exit(&vm, 0, label, a0, a1, a2, a3);
}

static void assert_x0(struct keel_msg r, uint64_t skip, uint64_t x0)
{
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_WRITE_REG | skip);
	ck_assert_uint_eq(r.mr[1], 0);
	ck_assert_uint_eq(r.mr[2], x0);
}

START_TEST(hvc_psci_version_no_skip)
{
	assert_x0(call(KEEL_EXIT_HVC, 0x84000000, 0, 0), 0, 0x10001);
}
END_TEST

START_TEST(smc_skips_the_instruction)
{
	assert_x0(call(KEEL_EXIT_SMC, 0x84000000, 0, 0), KEEL_RESUME_SKIP, 0x10001);
}
END_TEST

START_TEST(unknown_calls_not_supported)
{
	assert_x0(call(KEEL_EXIT_HVC, 0xc6001234, 0, 0), 0, (uint64_t)-1);
	assert_x0(call(KEEL_EXIT_HVC, 0x1234, 0, 0), 0, (uint64_t)-1);
	assert_x0(call(KEEL_EXIT_HVC, 0x80000001, 0, 0), 0, (uint64_t)-1); /* ARCH_FEATURES */
	assert_x0(call(KEEL_EXIT_HVC, 0xffffffff84000000ull, 0, 0), 0, 0x10001); /* w0 only */
}
END_TEST

START_TEST(psci_features_and_cpus)
{
	assert_x0(call(KEEL_EXIT_HVC, 0x8400000a, 0x84000000, 0), 0, 0);
	assert_x0(call(KEEL_EXIT_HVC, 0x8400000a, 0xc4000003, 0), 0, 0);      /* CPU_ON64 */
	assert_x0(call(KEEL_EXIT_HVC, 0x8400000a, 0xc6001234, 0), 0, (uint64_t)-1);
	assert_x0(call(KEEL_EXIT_HVC, 0xc4000003, 0, 0x40000000), 0, (uint64_t)-4); /* on */
	assert_x0(call(KEEL_EXIT_HVC, 0xc4000003, 1, 0x40000000), 0, (uint64_t)-2);
	ck_assert_uint_eq(fake.on_n, 0);
	assert_x0(call(KEEL_EXIT_HVC, 0xc4000004, 0, 0), 0, 0);
	assert_x0(call(KEEL_EXIT_HVC, 0x84000006, 0, 0), 0, 2);
	assert_x0(call(KEEL_EXIT_HVC, 0x80000000, 0, 0), 0, 0x10001);
	ck_assert_uint_eq(vm.stopped, 0);
}
END_TEST

START_TEST(system_off_and_reset_stop)
{
	struct keel_msg r = call(KEEL_EXIT_HVC, 0x84000008, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.stopped, KEEL_VM_STOP_OFF);
	vm.stopped = 0;
	r = call(KEEL_EXIT_SMC, 0x84000009, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.stopped, KEEL_VM_STOP_RESET);
}
END_TEST

/* A stage-2 abort the kernel could not decode (an STP to an unbacked
 * address: no syndrome) is answered with an abort at that address, a
 * write's if the exit says so; an unknown exit without an abort is UNDEF,
 * whatever its arch cause. */
START_TEST(unknown_abort_with_address_injects_abort)
{
	struct keel_msg r = call4(KEEL_EXIT_UNKNOWN, 0x92000044, 0x40200000, 0x7f000008,
				   KEEL_ABORT_ADDR | KEEL_ABORT_WRITE);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(r.mr[0], 0x7f000008);
	ck_assert_uint_eq(r.mr[1], 1);
	r = call4(KEEL_EXIT_UNKNOWN, 0x92000044, 0x40200000, 0x7f000010, KEEL_ABORT_ADDR);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(r.mr[1], 0);
	r = call4(KEEL_EXIT_UNKNOWN, 0x92000004, 0x40200000, 0, KEEL_ABORT_ADDR); /* at 0 */
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(r.mr[0], 0);
	r = call4(KEEL_EXIT_UNKNOWN, 0x92000044, 0x40200000, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_UNDEF);
	ck_assert_uint_eq(vm.aborts, 3);
	ck_assert_uint_eq(fake.unknown_n, 4); /* each one logged (main.c: the first few) */
}
END_TEST

/* WFI parks the vCPU in the kernel until an interrupt is pending; WFE
 * waits for an event, not an interrupt, so it is stepped over. */
START_TEST(wfi_waits_wfe_skips)
{
	struct keel_msg r = call(KEEL_EXIT_WFI, 0, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_WAIT);
	r = call(KEEL_EXIT_WFI, 1, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP);
}
END_TEST

/* A register the VMM does not know (here CNTP_CTL_EL0's id) reads as
 * zero into the exit's register and ignores writes; both step past. */
START_TEST(sysreg_reads_zero_writes_ignored)
{
	const uint64_t id = 3u << 20 | 1u << 17 | 3u << 14 | 14u << 10 | 2u << 1;
	struct keel_msg r = call4(KEEL_EXIT_SYSREG, id, KEEL_SYSREG_READ, 5, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG);
	ck_assert_uint_eq(r.mr[1], 5);
	ck_assert_uint_eq(r.mr[2], 0);
	r = call4(KEEL_EXIT_SYSREG, id, KEEL_SYSREG_READ, KEEL_EXIT_REG_NONE, 0);
	ck_assert_uint_eq(r.mr[1], KEEL_EXIT_REG_NONE); /* mrs xzr: the kernel writes nothing */
	r = call4(KEEL_EXIT_SYSREG, id, 0, 5, 0x1234);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP);
	ck_assert_uint_eq(vm.ipis, 0);
}
END_TEST

START_TEST(unknown_and_stray_labels_undef)
{
	ck_assert_uint_eq(call4(KEEL_EXIT_UNKNOWN, 0x2000000, 0x40200000, 0, 0).label,
			  KEEL_VCPU_INJECT_UNDEF);
	ck_assert_uint_eq(call(KEEL_EXIT_MAINT + 1, 0, 0, 0).label, KEEL_VCPU_INJECT_UNDEF);
	ck_assert_uint_eq(call(KEEL_EXIT_MMIO - 1, 0, 0, 0).label, KEEL_VCPU_INJECT_UNDEF);
	ck_assert_uint_eq(call(0, 0, 0, 0).label, KEEL_VCPU_INJECT_UNDEF);
	ck_assert_uint_eq(call(~0ull, 0, 0, 0).label, KEEL_VCPU_INJECT_UNDEF);
}
END_TEST

START_TEST(maint_resumes_in_place)
{
	struct keel_msg r = call(KEEL_EXIT_MAINT, 1, 40, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], 0);
}
END_TEST

START_TEST(mmio_exit_reaches_the_vgic)
{
	/* ldr w3, [GICD_TYPER] */
	struct keel_msg r = call(KEEL_EXIT_MMIO, VGIC_GICD_BASE + 4, 2, 3);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[1], 3);
	ck_assert_uint_eq(r.mr[2] & 0x1f, VGIC_NR_IRQS / 32 - 1);
	/* the GICv2 CPU interface window is not emulated */
	r = call(KEEL_EXIT_MMIO, 0x08010000, 2, 3);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(vm.aborts, 1);
	r = call(KEEL_EXIT_MMIO, 0x1000, 0x40, 3); /* bad flags: abort too */
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
}
END_TEST

START_TEST(spi_line_injected_when_enabled)
{
	vmm_arch_irq_line(&vm, 33, true);          /* high, but the guest has not enabled it */
	ck_assert_uint_eq(fake.n, 0);
	fake_mmio_write32(&vm, 0, VGIC_GICD_BASE + 0x0, 0x13);     /* CTLR: groups, ARE */
	fake_mmio_write32(&vm, 0, VGIC_GICD_BASE + 0x84, 1u << 1); /* IGROUPR1: 33 in group 1 */
	fake_mmio_write32(&vm, 0, VGIC_GICD_BASE + 0x420, 0xa000); /* IPRIORITYR8: 33 at 0xa0 */
	ck_assert_uint_eq(fake.n, 0);
	fake_mmio_write32(&vm, 0, VGIC_GICD_BASE + 0x104, 1u << 1); /* ISENABLER1: enable 33 */
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].intid, 33);
	ck_assert_uint_eq(fake.inj[0].prio, 0xa0);
	ck_assert(fake.inj[0].notify);
	vmm_arch_irq_line(&vm, 33, true);          /* still high, still in flight: not again */
	ck_assert_uint_eq(fake.n, 1);
	vmm_arch_irq_line(&vm, 5, true);           /* not an SPI: ignored */
	vmm_arch_irq_line(&vm, VGIC_NR_IRQS, true);
	ck_assert_uint_eq(fake.n, 1);
}
END_TEST

Suite *suite_exit(void)
{
	Suite *s = suite_create("exit");
	TCase *tc = tcase_create("exit");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, hvc_psci_version_no_skip);
	tcase_add_test(tc, smc_skips_the_instruction);
	tcase_add_test(tc, unknown_calls_not_supported);
	tcase_add_test(tc, psci_features_and_cpus);
	tcase_add_test(tc, system_off_and_reset_stop);
	tcase_add_test(tc, wfi_waits_wfe_skips);
	tcase_add_test(tc, unknown_abort_with_address_injects_abort);
	tcase_add_test(tc, sysreg_reads_zero_writes_ignored);
	tcase_add_test(tc, unknown_and_stray_labels_undef);
	tcase_add_test(tc, maint_resumes_in_place);
	tcase_add_test(tc, mmio_exit_reaches_the_vgic);
	tcase_add_test(tc, spi_line_injected_when_enabled);
	suite_add_tcase(s, tc);
	return s;
}
