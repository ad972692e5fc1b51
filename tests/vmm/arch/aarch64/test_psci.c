/* psci.c through exit.c with two vCPUs: CPU_ON / CPU_OFF / AFFINITY_INFO,
 * CPU_SUSPEND as a wait, and the 32-bit calling convention. */
#include "aarch64_vmm.h"
#include "vmm_test.h"

static struct vmm vm;

#define CPU_ON64 0xc4000003u
#define CPU_ON32 0x84000003u
#define CPU_OFF 0x84000002u
#define AFFINITY_INFO64 0xc4000004u
#define CPU_SUSPEND64 0xc4000001u
#define RAM 0x40000000ull

static void setup(void)
{
	fake_vm_init(&vm, 2);
}

static uint64_t hvc(unsigned cpu, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct keel_msg r = fake_exit(&vm, cpu, KEEL_EXIT_HVC, fn, a1, a2, a3);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_WRITE_REG);
	ck_assert_uint_eq(r.mr[1], 0);
	return r.mr[2];
}

START_TEST(cpu_on_starts_the_vcpu_once)
{
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 1, 0, 0), 1);          /* OFF */
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM + 0x1000, 0x5eed), 0);
	ck_assert_uint_eq(fake.on_n, 1);
	ck_assert_uint_eq(fake.on_cpu, 1);
	ck_assert_uint_eq(fake.on_entry, RAM + 0x1000);
	ck_assert_uint_eq(fake.on_ctx, 0x5eed);
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 1, 0, 0), 0);          /* ON */
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM, 0), (uint64_t)-4);    /* ALREADY_ON */
	ck_assert_uint_eq(hvc(1, CPU_ON64, 0, RAM, 0), (uint64_t)-4);
	ck_assert_uint_eq(fake.on_n, 1);
	/* the MPIDR's RES1 bit 31 and U bit do not matter; Aff1 does */
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 0x80000001, 0, 0), 0);
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 0x101, 0, 0), (uint64_t)-2);
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 1, 1, 0), (uint64_t)-2); /* level 1 */
}
END_TEST

START_TEST(cpu_on_bad_arguments)
{
	ck_assert_uint_eq(hvc(0, CPU_ON64, 2, RAM, 0), (uint64_t)-2);    /* no vCPU 2 */
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, 0x1000, 0), (uint64_t)-9); /* not RAM */
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM + 0x4000000, 0), (uint64_t)-9);
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM + 2, 0), (uint64_t)-9);
	ck_assert_uint_eq(fake.on_n, 0);
	/* SMC32: the arguments' top halves are not looked at */
	ck_assert_uint_eq(hvc(0, CPU_ON32, 0xffffffff00000001ull, 0xffffffff00000000ull | RAM,
			      0xffffffff00000007ull), 0);
	ck_assert_uint_eq(fake.on_entry, RAM);
	ck_assert_uint_eq(fake.on_ctx, 7);
}
END_TEST

START_TEST(cpu_off_stops_and_allows_on_again)
{
	struct keel_msg r;
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM, 1), 0);
	r = fake_exit(&vm, 1, KEEL_EXIT_HVC, CPU_OFF, 0, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_STOP);
	ck_assert_uint_eq(vm.stopped, 0); /* only that vCPU */
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 1, 0, 0), 1);
	ck_assert_uint_eq(hvc(0, CPU_ON64, 1, RAM + 8, 2), 0);
	ck_assert_uint_eq(fake.on_n, 2);
	ck_assert_uint_eq(fake.on_ctx, 2);
	ck_assert_uint_eq(hvc(0, AFFINITY_INFO64, 1, 0, 0), 0);
}
END_TEST

/* CPU_SUSPEND: x0 = SUCCESS, then WAIT. After an HVC the pc is past it
 * already, so the VMM moves it back for WAIT's step; an SMC's is not. */
START_TEST(cpu_suspend_waits)
{
	struct keel_msg r;
	fake.regs[0][KEEL_VREG_PC] = RAM + 0x104;
	fake.regs[0][0] = CPU_SUSPEND64;
	r = fake_exit(&vm, 0, KEEL_EXIT_HVC, CPU_SUSPEND64, 0, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_WAIT);
	ck_assert_uint_eq(fake.regs[0][KEEL_VREG_PC], RAM + 0x100);
	ck_assert_uint_eq(fake.regs[0][0], 0);
	r = fake_exit(&vm, 0, KEEL_EXIT_SMC, CPU_SUSPEND64, 0, 0, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_WAIT);
	ck_assert_uint_eq(fake.regs[0][KEEL_VREG_PC], RAM + 0x100);
}
END_TEST

START_TEST(features_of_the_new_calls)
{
	ck_assert_uint_eq(hvc(0, 0x8400000a, CPU_OFF, 0, 0), 0);
	ck_assert_uint_eq(hvc(0, 0x8400000a, CPU_SUSPEND64, 0, 0), 0);
	ck_assert_uint_eq(hvc(0, 0x8400000a, 0x84000009, 0, 0), 0);
	ck_assert_uint_eq(hvc(0, 0x8400000a, 0x84000005, 0, 0), (uint64_t)-1); /* MIGRATE */
}
END_TEST

Suite *suite_psci(void)
{
	Suite *s = suite_create("psci");
	TCase *tc = tcase_create("psci");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, cpu_on_starts_the_vcpu_once);
	tcase_add_test(tc, cpu_on_bad_arguments);
	tcase_add_test(tc, cpu_off_stops_and_allows_on_again);
	tcase_add_test(tc, cpu_suspend_waits);
	tcase_add_test(tc, features_of_the_new_calls);
	suite_add_tcase(s, tc);
	return s;
}
