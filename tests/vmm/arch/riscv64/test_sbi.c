/* sbi.c through exit.c with two vCPUs (HVC exits as the riscv64 kernel
 * sends them: MR0 a7, MR1 a6, MR2..MR5 a0..a3), and boot.c's Image
 * header and boot registers. */
#include <string.h>

#include "riscv64_vmm.h"
#include "vmm_test.h"

#define EXT_BASE 0x10u
#define EXT_TIME 0x54494d45u
#define EXT_IPI 0x735049u
#define EXT_RFENCE 0x52464e43u
#define EXT_HSM 0x48534du
#define EXT_SRST 0x53525354u
#define EXT_DBCN 0x4442434eu
#define NOT_SUPPORTED ((uint64_t)-2)
#define INVALID_PARAM ((uint64_t)-3)
#define RAM 0x40000000ull

static struct vmm vm;
static uint8_t ram[0x2000];

static void setup(void)
{
	fake_vm_init(&vm, 2);
	vm.ram = ram;
	vm.ram_size = sizeof(ram);
	memset(ram, 0, sizeof(ram));
}

/* One SBI call from cpu; the reply's a0 (error), and a1 in *value. */
static struct keel_msg call(unsigned cpu, uint64_t eid, uint64_t fid, uint64_t a0,
			    uint64_t a1, uint64_t a2)
{
	struct keel_msg m = { .badge = KEEL_VMM_BADGE_VCPU(cpu), .label = KEEL_EXIT_HVC,
			      .len = 6, .mr = { eid, fid, a0, a1, a2, 0 } };
	fake.regs[cpu][RV_VREG_A1] = 0xdead;
	exit_handle(&vm, cpu, &m);
	return m;
}

static uint64_t sbi_error(unsigned cpu, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
			  uint64_t a2)
{
	struct keel_msg r = call(cpu, eid, fid, a0, a1, a2);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_WRITE_REG);
	ck_assert_uint_eq(r.mr[1], RV_VREG_A0);
	return r.mr[2];
}

static uint64_t value(unsigned cpu) { return fake.regs[cpu][RV_VREG_A1]; }

START_TEST(base)
{
	ck_assert_uint_eq(sbi_error(0, EXT_BASE, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(value(0), 2u << 24);
	ck_assert_uint_eq(sbi_error(0, EXT_BASE, 3, EXT_HSM, 0, 0), 0);
	ck_assert_uint_eq(value(0), 1);
	ck_assert_uint_eq(sbi_error(0, EXT_BASE, 3, 0x01, 0, 0), 0); /* legacy putchar */
	ck_assert_uint_eq(value(0), 0);
	ck_assert_uint_eq(sbi_error(0, EXT_BASE, 7, 0, 0, 0), NOT_SUPPORTED);
	ck_assert_uint_eq(sbi_error(0, 0x01, 0, 'x', 0, 0), NOT_SUPPORTED);
	ck_assert_uint_eq(sbi_error(0, 0x0a0b0c0d, 0, 0, 0, 0), NOT_SUPPORTED);
	ck_assert_uint_eq(value(0), 0xdead); /* no value written */
}
END_TEST

START_TEST(time_writes_the_timer)
{
	ck_assert_uint_eq(sbi_error(1, EXT_TIME, 0, 0x123456789, 0, 0), 0);
	ck_assert_uint_eq(fake.regs[1][KEEL_VREG_TIMER], 0x123456789);
	ck_assert_uint_eq(sbi_error(1, EXT_TIME, 1, 0, 0, 0), NOT_SUPPORTED);
}
END_TEST

START_TEST(hsm_start_status_stop)
{
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 2, 1, 0, 0), 0);
	ck_assert_uint_eq(value(0), 1); /* STOPPED */
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 1, RAM + 0x1000, 0x5eed), 0);
	ck_assert_uint_eq(fake.on_n, 1);
	ck_assert_uint_eq(fake.on_cpu, 1);
	ck_assert_uint_eq(fake.on_entry, RAM + 0x1000);
	ck_assert_uint_eq(fake.on_ctx, 0x5eed);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 2, 1, 0, 0), 0);
	ck_assert_uint_eq(value(0), 0); /* STARTED */
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 1, RAM, 0), (uint64_t)-6); /* ALREADY_AVAILABLE */
	ck_assert_uint_eq(call(1, EXT_HSM, 1, 0, 0, 0).label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.power[1], VMM_CPU_OFF);
	ck_assert_uint_eq(vm.stopped, 0);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 2, 2, 0, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 3, 0, 0, 0), NOT_SUPPORTED); /* suspend */
}
END_TEST

START_TEST(hsm_start_bad_arguments)
{
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 2, RAM, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 1, 0x1000, 0), (uint64_t)-5);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 1, RAM + sizeof(ram), 0), (uint64_t)-5);
	ck_assert_uint_eq(sbi_error(0, EXT_HSM, 0, 1, RAM + 1, 0), (uint64_t)-5);
	ck_assert_uint_eq(fake.on_n, 0);
}
END_TEST

START_TEST(ipi_to_running_harts)
{
	vm.power[1] = VMM_CPU_ON;
	ck_assert_uint_eq(sbi_error(0, EXT_IPI, 0, 2, 0, 0), 0);
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 1);
	ck_assert_uint_eq(fake.inj[0].intid, RV_IRQ_SOFT);
	ck_assert_uint_eq(sbi_error(0, EXT_IPI, 0, 0, (uint64_t)-1, 0), 0); /* all harts */
	ck_assert_uint_eq(fake.n, 3);
	ck_assert_uint_eq(sbi_error(0, EXT_IPI, 0, 4, 0, 0), INVALID_PARAM); /* hart 2 */
	ck_assert_uint_eq(sbi_error(0, EXT_IPI, 0, 1, 2, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_IPI, 0, 1, 1, 0), 0);             /* hart 1 */
	ck_assert_uint_eq(fake.n, 4);
	ck_assert_uint_eq(sbi_error(0, EXT_RFENCE, 1, 3, 0, 0), 0);
	ck_assert_uint_eq(sbi_error(0, EXT_RFENCE, 1, 8, 0, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_RFENCE, 3, 3, 0, 0), NOT_SUPPORTED); /* hfence */
}
END_TEST

START_TEST(srst_stops_the_vm)
{
	ck_assert_uint_eq(sbi_error(0, EXT_SRST, 0, 3, 0, 0), INVALID_PARAM);
	ck_assert_uint_eq(call(0, EXT_SRST, 0, 1, 0, 0).label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.stopped, KEEL_VM_STOP_RESET);
	setup();
	ck_assert_uint_eq(call(0, EXT_SRST, 0, 0, 0, 0).label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.stopped, KEEL_VM_STOP_OFF);
}
END_TEST

/* Bytes from guest RAM, bounded by RAM and by 256 a call. */
START_TEST(dbcn_writes_from_ram)
{
	memcpy(ram + 0x100, "hello", 5);
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 0, 5, RAM + 0x100, 0), 0);
	ck_assert_uint_eq(value(0), 5);
	ck_assert_uint_eq(fake.out_n, 5);
	ck_assert(!memcmp(fake.out, "hello", 5));
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 0, 1000, RAM, 0), 0);
	ck_assert_uint_eq(value(0), 256);
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 0, 2, RAM + sizeof(ram) - 1, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 0, 1, RAM - 1, 0), INVALID_PARAM);
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 0, 1, RAM, 1), INVALID_PARAM); /* high half */
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 2, '!', 0, 0), 0);
	ck_assert_uint_eq(fake.out[fake.out_n - 1], '!');
	ck_assert_uint_eq(sbi_error(0, EXT_DBCN, 1, 16, RAM, 0), 0);
	ck_assert_uint_eq(value(0), 0); /* nothing to read */
}
END_TEST

static void image_header(uint8_t *img, uint64_t text_offset, uint64_t size)
{
	memset(img, 0, 64);
	for (unsigned i = 0; i < 8; i++) {
		img[0x08 + i] = (uint8_t)(text_offset >> (8 * i));
		img[0x10 + i] = (uint8_t)(size >> (8 * i));
	}
	memcpy(img + 0x38, "RSC\x05", 4);
}

START_TEST(image_and_boot_registers)
{
	uint8_t img[64];
	struct guest_image g;
	struct vmm_reg_value regs[VMM_BOOT_REGS];
	image_header(img, 0x200000, 0x100000);
	ck_assert_ptr_null(vmm_arch_image_check(img, sizeof(img), RAM, 0x4000000, &g));
	ck_assert_uint_eq(g.entry, RAM + 0x200000);
	ck_assert_uint_eq(g.mem_size, 0x100000);
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM + 0x1000, 0x4000000, &g));
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM, 0x200000, &g));
	img[0x38] = 'X';
	ck_assert_ptr_nonnull(vmm_arch_image_check(img, sizeof(img), RAM, 0x4000000, &g));
	ck_assert_uint_eq(vmm_arch_boot_regs(1, RAM + 0x200000, 0x43e00000, regs), 4);
	ck_assert_uint_eq(regs[0].reg, KEEL_VREG_PC);
	ck_assert_uint_eq(regs[1].reg, KEEL_VREG_PSTATE);
	ck_assert_uint_eq(regs[1].val, 1); /* VS-mode */
	ck_assert_uint_eq(regs[2].reg, RV_VREG_A0);
	ck_assert_uint_eq(regs[2].val, 1); /* hart id */
	ck_assert_uint_eq(regs[3].reg, RV_VREG_A1);
	ck_assert_uint_eq(regs[3].val, 0x43e00000);
}
END_TEST

Suite *suite_sbi(void)
{
	Suite *s = suite_create("sbi");
	TCase *tc = tcase_create("calls");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, base);
	tcase_add_test(tc, time_writes_the_timer);
	tcase_add_test(tc, hsm_start_status_stop);
	tcase_add_test(tc, hsm_start_bad_arguments);
	tcase_add_test(tc, ipi_to_running_harts);
	tcase_add_test(tc, srst_stops_the_vm);
	tcase_add_test(tc, dbcn_writes_from_ram);
	tcase_add_test(tc, image_and_boot_registers);
	suite_add_tcase(s, tc);
	return s;
}
