/* plic.c and irq.c through exit.c: a two-vCPU VM's PLIC programmed as
 * Linux's driver does, device lines, claim and complete, and each vCPU's
 * external line as the fake kernel sees it (raised by INJECT_IRQ of 9,
 * lowered by WRITE_REG of KEEL_VREG_EXT_IRQ). */
#include <string.h>

#include "riscv64_vmm.h"
#include "vmm_test.h"

static struct vmm vm;
static unsigned seen; /* injections line() has applied */

#define PRIO(s) (PLIC_BASE + 4u * (s))
#define PENDING(w) (PLIC_BASE + 0x1000u + 4u * (w))
#define ENABLE(c, w) (PLIC_BASE + 0x2000u + 0x80u * (c) + 4u * (w))
#define THRESHOLD(c) (PLIC_BASE + PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c))
#define CLAIM(c) (THRESHOLD(c) + 4u)
#define UART 10u

static void setup(void)
{
	fake_vm_init(&vm, 2);
	fake.lr_max = ~0u; /* a level line never runs out of room */
	seen = 0;
	vm.power[1] = VMM_CPU_ON;
}

/* vCPU c's external line as the kernel holds it: a raise is an
 * injection of 9 (applied here, when the test looks: call this after
 * each event that may change a line), a lowering a write of 0 to
 * KEEL_VREG_EXT_IRQ. It must agree with the VMM's own record. */
static bool line(unsigned c)
{
	bool up;
	for (; seen < fake.n; seen++)
		if (fake.inj[seen].intid == RV_IRQ_EXT)
			fake.regs[fake.inj[seen].cpu][KEEL_VREG_EXT_IRQ] = 1;
	up = fake.regs[c][KEEL_VREG_EXT_IRQ] != 0;
	ck_assert_uint_eq(up, (vm.arch.eip >> c) & 1);
	return up;
}

/* What plic_init of Linux's driver and its unmask do for source s on
 * context c: priority 1, enabled, threshold 0. */
static void guest_enable(unsigned c, unsigned s)
{
	fake_mmio_write32(&vm, c, PRIO(s), 1);
	fake_mmio_write32(&vm, c, ENABLE(c, s / 32), fake_mmio_read32(&vm, c, ENABLE(c, s / 32)) |
							1u << (s % 32));
	fake_mmio_write32(&vm, c, THRESHOLD(c), 0);
}

START_TEST(line_claim_complete)
{
	guest_enable(0, UART);
	ck_assert(!line(0));
	vmm_arch_irq_line(&vm, UART, true);
	ck_assert(line(0) && !line(1));
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].intid, RV_IRQ_EXT);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PENDING(0)), 1u << UART);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), UART);
	ck_assert(!line(0)); /* claimed: nothing else to take */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PENDING(0)), 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 0); /* none left */
	/* the line is still high at the completion: pending again */
	fake_mmio_write32(&vm, 0, CLAIM(0), UART);
	ck_assert(line(0));
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), UART);
	vmm_arch_irq_line(&vm, UART, false); /* the handler cleared the device */
	fake_mmio_write32(&vm, 0, CLAIM(0), UART);
	ck_assert(!line(0));
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake.regs[0][KEEL_VREG_EXT_IRQ], 0);
}
END_TEST

/* A virtio device's notification (vmm_arch_irq_edge): pending until
 * claimed, with no level behind it; one that comes while the source is
 * claimed is pending again after the completion. */
START_TEST(edge_claim_complete)
{
	guest_enable(0, UART);
	vmm_arch_irq_edge(&vm, UART);
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PENDING(0)), 1u << UART);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), UART);
	ck_assert(!line(0));
	fake_mmio_write32(&vm, 0, CLAIM(0), UART);
	ck_assert(!line(0)); /* taken by the claim: not pending again */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 0);
	vmm_arch_irq_edge(&vm, UART);
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), UART);
	ck_assert(!line(0));
	vmm_arch_irq_edge(&vm, UART); /* while claimed */
	ck_assert(!line(0));
	fake_mmio_write32(&vm, 0, CLAIM(0), UART);
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), UART);
}
END_TEST

START_TEST(line_drop_before_claim)
{
	guest_enable(0, UART);
	vmm_arch_irq_line(&vm, UART, true);
	ck_assert(line(0));
	vmm_arch_irq_line(&vm, UART, false);
	ck_assert(!line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 0); /* spurious: 0 */
}
END_TEST

START_TEST(priority_threshold_and_order)
{
	guest_enable(0, 3);
	guest_enable(0, 40);
	guest_enable(0, 70);
	fake_mmio_write32(&vm, 0, PRIO(40), 5);
	fake_mmio_write32(&vm, 0, THRESHOLD(0), 5); /* 5 does not beat 5 */
	vmm_arch_irq_line(&vm, 3, true);
	vmm_arch_irq_line(&vm, 40, true);
	vmm_arch_irq_line(&vm, 70, true);
	ck_assert(!line(0));
	fake_mmio_write32(&vm, 0, THRESHOLD(0), 4);
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 40);
	ck_assert(!line(0));
	fake_mmio_write32(&vm, 0, THRESHOLD(0), 0);
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 3); /* equal: lower number */
	ck_assert(line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 70);
	ck_assert(!line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 0);
	fake_mmio_write32(&vm, 0, PRIO(70), 0); /* priority 0 never interrupts */
	fake_mmio_write32(&vm, 0, CLAIM(0), 70);
	ck_assert(!line(0));
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PENDING(2)), 1u << (70 - 64));
}
END_TEST

START_TEST(contexts_are_harts)
{
	guest_enable(1, UART);
	vmm_arch_irq_line(&vm, UART, true);
	ck_assert(!line(0) && line(1));
	ck_assert_uint_eq(fake.inj[fake.n - 1].cpu, 1);
	/* context 0 has it disabled: its claim gets nothing, its completion
	 * of the source is ignored */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, CLAIM(0)), 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, CLAIM(1)), UART);
	fake_mmio_write32(&vm, 0, CLAIM(0), UART);
	ck_assert(!line(1));
	fake_mmio_write32(&vm, 1, CLAIM(1), UART);
	ck_assert(line(1));
	/* disabling lowers the line */
	fake_mmio_write32(&vm, 1, ENABLE(1, 0), 0);
	ck_assert(!line(1));
}
END_TEST

START_TEST(reset_raises_again)
{
	guest_enable(1, UART);
	vmm_arch_irq_line(&vm, UART, true);
	ck_assert(line(1));
	vm.power[1] = VMM_CPU_OFF;
	vmm_arch_cpu_reset(&vm, 1); /* the kernel's reset lowered it */
	ck_assert(line(1));
	ck_assert_uint_eq(fake.n, 2);
}
END_TEST

/* Registers a guest cannot have: read as zero, writes ignored; other
 * widths and misaligned accesses are data aborts. */
START_TEST(bad_accesses)
{
	struct keel_msg r;
	uint64_t sizes[] = { 0, 1, 3 }; /* 1, 2 and 8 bytes */
	fake_mmio_write32(&vm, 0, PRIO(0), 7);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PRIO(0)), 0);
	fake_mmio_write32(&vm, 0, PRIO(PLIC_SOURCES), 7);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PRIO(PLIC_SOURCES)), 0);
	fake_mmio_write32(&vm, 0, PRIO(5), 0xffffffff); /* WARL: the low 3 bits */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PRIO(5)), PLIC_PRIO_MAX);
	fake_mmio_write32(&vm, 0, ENABLE(0, 0), ~0u); /* source 0 cannot be enabled */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, ENABLE(0, 0)), ~1u);
	fake_mmio_write32(&vm, 0, ENABLE(0, PLIC_WORDS), ~0u);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, ENABLE(0, PLIC_WORDS)), 0);
	fake_mmio_write32(&vm, 0, ENABLE(2, 0), ~0u); /* no context 2 */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, ENABLE(2, 0)), 0);
	fake_mmio_write32(&vm, 0, PENDING(0), ~0u); /* read-only */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, PENDING(0)), 0);
	fake_mmio_write32(&vm, 0, THRESHOLD(0), 0xff);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, THRESHOLD(0)), PLIC_PRIO_MAX);
	fake_mmio_write32(&vm, 0, CLAIM(0), 0);       /* completions of nothing */
	fake_mmio_write32(&vm, 0, CLAIM(0), 0xffffffff);
	fake_mmio_write32(&vm, 0, THRESHOLD(0) + 8, 1);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, THRESHOLD(0) + 8), 0);
	for (unsigned i = 0; i < 3; i++) {
		r = fake_exit(&vm, 0, KEEL_EXIT_MMIO, PRIO(4), sizes[i], 1, 0);
		ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	}
	r = fake_exit(&vm, 0, KEEL_EXIT_MMIO, PRIO(4) + 2, 2 | KEEL_MMIO_WRITE, 1, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	/* past the second context's page: outside the window */
	r = fake_exit(&vm, 0, KEEL_EXIT_MMIO, PLIC_BASE + PLIC_SIZE(2), 2, 1, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_INJECT_DABT);
	ck_assert_uint_eq(fake.n, 0);
	/* lines that are no source */
	ck_assert(!vmm_arch_irq_valid(0) && !vmm_arch_irq_valid(PLIC_SOURCES));
	vmm_arch_irq_line(&vm, 0, true);
	vmm_arch_irq_line(&vm, PLIC_SOURCES, true);
	vmm_arch_irq_line(&vm, ~0u, true);
	ck_assert_uint_eq(fake.n, 0);
}
END_TEST

Suite *suite_plic(void)
{
	Suite *s = suite_create("plic");
	TCase *tc = tcase_create("plic");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, line_claim_complete);
	tcase_add_test(tc, edge_claim_complete);
	tcase_add_test(tc, line_drop_before_claim);
	tcase_add_test(tc, priority_threshold_and_order);
	tcase_add_test(tc, contexts_are_harts);
	tcase_add_test(tc, reset_raises_again);
	tcase_add_test(tc, bad_accesses);
	suite_add_tcase(s, tc);
	return s;
}
