/* irq.c and the SGI path of exit.c: the vGIC's state turned into list
 * register injections, through a whole two-vCPU VM (fake_vm.c). */
#include <string.h>

#include "aarch64_vmm.h"
#include "vmm_test.h"

static struct vmm vm;

#define GICD VGIC_GICD_BASE
#define GICR(c) (VGIC_GICR_BASE + (c) * VGIC_GICR_STRIDE)
#define SGI_FRAME 0x10000u
/* The id of ICC_SGI1R_EL1 in a SYSREG exit: its ISS without Rt and the
 * direction (op0 3, op1 0, CRn 12, CRm 11, op2 5) */
#define ISS_SGI1R (3u << 20 | 5u << 17 | 12u << 10 | 11u << 1)
#define ISS_SGI0R (3u << 20 | 7u << 17 | 12u << 10 | 11u << 1)
#define ISS_ASGI1R (3u << 20 | 6u << 17 | 12u << 10 | 11u << 1)
#define SGI_VALUE(intid, targets) ((uint64_t)(intid) << 24 | (targets))
#define SGI_IRM (1ull << 40)

/* What Linux's GICv3 driver does: distributor on (groups, ARE), every
 * interrupt group 1, SGIs enabled on each redistributor. */
static void guest_gic_on(void)
{
	fake_mmio_write32(&vm, 0, GICD + 0x0, 0x13);
	for (unsigned w = 1; w < VGIC_WORDS; w++)
		fake_mmio_write32(&vm, 0, GICD + 0x80 + 4 * w, ~0u);
	for (unsigned c = 0; c < vm.ncpus; c++) {
		fake_mmio_write32(&vm, c, GICR(c) + SGI_FRAME + 0x80, ~0u);
		fake_mmio_write32(&vm, c, GICR(c) + SGI_FRAME + 0x100, 0xffff);
	}
	ck_assert_uint_eq(fake.n, 0);
}

static void setup(void)
{
	fake_vm_init(&vm, 2);
	vm.power[1] = VMM_CPU_ON;
	guest_gic_on();
}

static void sgi_write(unsigned cpu, uint32_t iss, uint64_t v)
{
	struct keel_msg r = fake_exit(&vm, cpu, KEEL_EXIT_SYSREG, iss, 0, 2, v); /* x2 */
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	ck_assert_uint_eq(r.mr[0], KEEL_RESUME_SKIP);
}

START_TEST(sgi_decode_targets)
{
	unsigned intid;
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, SGI_VALUE(3, 0x2), &intid), 0x2);
	ck_assert_uint_eq(intid, 3);
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, SGI_VALUE(15, 0xffff), &intid), 0x3);
	ck_assert_uint_eq(intid, 15);
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 1, SGI_IRM | 0x1, &intid), 0x1); /* not self */
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, SGI_IRM, &intid), 0x2);
	/* another Aff1, Aff2, Aff3 or range: nobody here */
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, 1ull << 16 | 0x3, &intid), 0);
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, 1ull << 32 | 0x3, &intid), 0);
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, 1ull << 44 | 0x3, &intid), 0);
	ck_assert_uint_eq(vgic_sgi_decode(&vm.arch.gic, 0, 1ull << 48 | 0x3, &intid), 0);
}
END_TEST

START_TEST(sgi_reaches_the_other_vcpu)
{
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x400, 0x8000); /* SGI 1 at 0x80 */
	sgi_write(0, ISS_SGI1R, SGI_VALUE(1, 0x2));
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 1);
	ck_assert_uint_eq(fake.inj[0].intid, 1);
	ck_assert_uint_eq(fake.inj[0].prio, 0x80);
	ck_assert_uint_eq(vm.ipis, 1);
	/* no EOI asked for: the list register keeps it, the vGIC does not */
	ck_assert(!fake.inj[0].notify);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x300), 0);
	sgi_write(1, ISS_SGI1R, SGI_VALUE(2, 0x1)); /* and back */
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake.inj[1].cpu, 0);
	ck_assert_uint_eq(fake.inj[1].intid, 2);
}
END_TEST

/* An SGI sent again while the guest may still handle the first goes to
 * the kernel again at once (its list register makes it pending and
 * active, or absorbs it if still pending): nothing waits for an EOI. */
START_TEST(sgi_sent_again_goes_in_at_once)
{
	sgi_write(0, ISS_SGI1R, SGI_VALUE(4, 0x2));
	sgi_write(0, ISS_SGI1R, SGI_VALUE(4, 0x2));
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake.inj[1].intid, 4);
	ck_assert(!fake.inj[0].notify && !fake.inj[1].notify);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x200), 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x300), 0);
}
END_TEST

START_TEST(sgi_irm_and_groups)
{
	sgi_write(1, ISS_SGI1R, SGI_IRM | SGI_VALUE(5, 0));
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 0);
	/* SGI0R / ASGI1R make group-0 SGIs: these are group 1, so nothing */
	sgi_write(0, ISS_SGI0R, SGI_VALUE(6, 0x2));
	sgi_write(0, ISS_ASGI1R, SGI_VALUE(6, 0x2));
	ck_assert_uint_eq(fake.n, 1);
	/* a disabled SGI stays pending until enabled */
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x180, 1u << 7);
	sgi_write(0, ISS_SGI1R, SGI_VALUE(7, 0x2));
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x200), 1u << 7);
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x100, 1u << 7);
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake.inj[1].cpu, 1);
	ck_assert_uint_eq(fake.inj[1].intid, 7);
}
END_TEST

START_TEST(sgi_to_an_off_vcpu_waits)
{
	vm.power[1] = VMM_CPU_OFF;
	sgi_write(0, ISS_SGI1R, SGI_VALUE(3, 0x2));
	ck_assert_uint_eq(fake.n, 0);
	vm.power[1] = VMM_CPU_ON;
	vmm_arch_irq_kick(&vm, 1);
	ck_assert_uint_eq(fake.n, 1);
}
END_TEST

/* The PL011's line: level-sensitive, routed by IROUTER, re-injected at
 * the EOI while the device keeps it high. */
START_TEST(level_line_reinjected_while_high)
{
	fake_mmio_write32(&vm, 0, GICD + 0x6000 + 8 * 33, 1); /* IROUTER33: vCPU 1 */
	vmm_arch_irq_line(&vm, 33, true);
	ck_assert_uint_eq(fake.n, 0); /* not enabled yet */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x204), 1u << 1); /* pending */
	fake_mmio_write32(&vm, 0, GICD + 0x104, 1u << 1);
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 1);
	ck_assert(fake.inj[0].notify);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x304), 1u << 1); /* active */
	fake_eoi(&vm, 1, 33);          /* EOI with the line still high: again */
	ck_assert_uint_eq(fake.n, 2);
	vmm_arch_irq_line(&vm, 33, false);  /* the guest cleared the device */
	fake_eoi(&vm, 1, 33);
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x204), 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x304), 0);
	vmm_arch_irq_line(&vm, 33, true);
	ck_assert_uint_eq(fake.n, 3);
}
END_TEST

START_TEST(edge_line_latches_the_rising_edge)
{
	fake_mmio_write32(&vm, 0, GICD + 0xc08, 1u << 3); /* ICFGR2: 33 edge */
	fake_mmio_write32(&vm, 0, GICD + 0x180 + 4, 1u << 1); /* ICENABLER1 */
	vmm_arch_irq_line(&vm, 33, true);
	vmm_arch_irq_line(&vm, 33, false); /* the pulse is over, the edge stays */
	fake_mmio_write32(&vm, 0, GICD + 0x104, 1u << 1);
	ck_assert_uint_eq(fake.n, 1);
	fake_eoi(&vm, 0, 33);
	ck_assert_uint_eq(fake.n, 1); /* no level to re-inject */
}
END_TEST

/* A virtio device's notification (vmm_arch_irq_edge): latched pending
 * whatever ICFGR says (the device tree gives virtio lines as levels),
 * injected without an EOI request and never active in the vGIC, so the
 * guest's EOI costs no exit; one that comes while the guest handles the
 * last goes in at once (the kernel makes its list register pending and
 * active), and one that comes before the line is enabled waits. */
START_TEST(notification_edge_without_eoi)
{
	fake_mmio_write32(&vm, 0, GICD + 0x180 + 4, 1u << 2); /* ICENABLER1: 34 off */
	vmm_arch_irq_edge(&vm, 34);
	ck_assert_uint_eq(fake.n, 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x204), 1u << 2); /* pending */
	fake_mmio_write32(&vm, 0, GICD + 0x104, 1u << 2);
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].intid, 34);
	ck_assert(!fake.inj[0].notify);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x204), 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x304), 0); /* not active here */
	vmm_arch_irq_edge(&vm, 34); /* the guest is still in its handler */
	ck_assert_uint_eq(fake.n, 2);
	ck_assert(!fake.inj[1].notify);
	fake.lr_max = 0; /* no room: pending here, retried at the next exit */
	vmm_arch_irq_edge(&vm, 34);
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICD + 0x204), 1u << 2);
	ck_assert_uint_eq(vm.irq_retry, 1u);
	fake.lr_max = 4;
	fake.lr_used[0] = 0;
	vmm_arch_irq_kick(&vm, 0);
	ck_assert_uint_eq(fake.n, 3);
	ck_assert_uint_eq(fake.inj[2].intid, 34);
	ck_assert(!fake.inj[2].notify);
	vmm_arch_irq_edge(&vm, 31); /* a PPI, or beyond the SPIs: nothing */
	vmm_arch_irq_edge(&vm, VGIC_NR_IRQS);
	ck_assert_uint_eq(fake.n, 3);
}
END_TEST

START_TEST(unroutable_spi_not_injected)
{
	fake_mmio_write32(&vm, 0, GICD + 0x6000 + 8 * 40, 7); /* vCPU 7: none */
	fake_mmio_write32(&vm, 0, GICD + 0x104, 1u << 8);
	vmm_arch_irq_line(&vm, 40, true);
	ck_assert_uint_eq(fake.n, 0);
	fake_mmio_write32(&vm, 0, GICD + 0x6000 + 8 * 40, 1u << 31); /* IRM: any */
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 0);
}
END_TEST

/* All list registers in use: the rest stay pending and go in at the next
 * exit of that vCPU, in INTID order. */
START_TEST(busy_list_registers_retry_later)
{
	fake.lr_max = 2;
	for (unsigned i = 0; i < 4; i++)
		fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x200, 1u << i); /* ISPENDR0 */
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x200), 0xc);
	fake_eoi(&vm, 1, 0);
	ck_assert_uint_eq(fake.n, 3);
	ck_assert_uint_eq(fake.inj[2].intid, 2);
	fake.lr_used[1]--; /* room again without a MAINT exit... */
	ck_assert_uint_eq(fake_exit(&vm, 1, KEEL_EXIT_WFI, 0, 0, 0, 0).label, KEEL_VCPU_WAIT);
	ck_assert_uint_eq(fake.n, 4); /* ...so the next exit (a WFI) puts the last one in */
	ck_assert_uint_eq(fake.inj[3].intid, 3);
}
END_TEST

START_TEST(vtimer_never_injected_by_the_vmm)
{
	fake_mmio_write32(&vm, 0, GICR(0) + SGI_FRAME + 0x100, 1u << VGIC_VTIMER);
	fake_mmio_write32(&vm, 0, GICR(0) + SGI_FRAME + 0x200, 1u << VGIC_VTIMER);
	ck_assert_uint_eq(fake.n, 0);
	ck_assert_uint_eq(fake_mmio_read32(&vm, 0, GICR(0) + SGI_FRAME + 0x200), 0);
}
END_TEST

START_TEST(distributor_off_holds_everything)
{
	fake_mmio_write32(&vm, 0, GICD + 0x0, 0x10); /* groups off */
	sgi_write(0, ISS_SGI1R, SGI_VALUE(1, 0x2));
	ck_assert_uint_eq(fake.n, 0);
	fake_mmio_write32(&vm, 0, GICD + 0x0, 0x12);
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 1);
}
END_TEST

START_TEST(icpendr_and_icactiver_clear)
{
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x180, 1u << 9); /* disable 9 */
	sgi_write(0, ISS_SGI1R, SGI_VALUE(9, 0x2));
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x280, 1u << 9); /* ICPENDR0 */
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x100, 1u << 9);
	ck_assert_uint_eq(fake.n, 0);
	sgi_write(0, ISS_SGI1R, SGI_VALUE(9, 0x2));
	ck_assert_uint_eq(fake.n, 1);
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x380, 1u << 9); /* ICACTIVER0 */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x300), 0);
	fake_mmio_write32(&vm, 1, GICR(1) + SGI_FRAME + 0x300, 1u << 9); /* ISACTIVER: WI */
	ck_assert_uint_eq(fake_mmio_read32(&vm, 1, GICR(1) + SGI_FRAME + 0x300), 0);
}
END_TEST

/* An SPI in flight on a vCPU that goes off and on again (CPU_OFF, then
 * CPU_ON: the kernel empties its list registers, so its EOI never comes)
 * is forgotten with the vCPU's own interrupts: the next edge goes in. */
START_TEST(spi_in_flight_forgotten_at_cpu_reset)
{
	fake_mmio_write32(&vm, 0, GICD + 0x104, 1u << 1);   /* ISENABLER1: 33 */
	fake_mmio_write32(&vm, 0, GICD + 0x6000 + 8 * 33, 1); /* IROUTER: vCPU 1 */
	vmm_arch_irq_line(&vm, 33, true);
	ck_assert_uint_eq(fake.n, 1);
	ck_assert_uint_eq(fake.inj[0].cpu, 1);
	vmm_arch_irq_line(&vm, 33, false);
	vm.power[1] = VMM_CPU_OFF;       /* CPU_OFF with 33 in a list register */
	fake.lr_used[1] = 0;             /* CPU_ON: VCPU_RESET empties them */
	vmm_arch_cpu_reset(&vm, 1);
	vm.power[1] = VMM_CPU_ON;
	vmm_arch_irq_line(&vm, 33, true); /* a new edge */
	ck_assert_uint_eq(fake.n, 2);
	ck_assert_uint_eq(fake.inj[1].intid, 33);
}
END_TEST

Suite *suite_irq(void)
{
	Suite *s = suite_create("irq");
	TCase *tc = tcase_create("irq");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, sgi_decode_targets);
	tcase_add_test(tc, sgi_reaches_the_other_vcpu);
	tcase_add_test(tc, sgi_sent_again_goes_in_at_once);
	tcase_add_test(tc, sgi_irm_and_groups);
	tcase_add_test(tc, sgi_to_an_off_vcpu_waits);
	tcase_add_test(tc, level_line_reinjected_while_high);
	tcase_add_test(tc, edge_line_latches_the_rising_edge);
	tcase_add_test(tc, notification_edge_without_eoi);
	tcase_add_test(tc, unroutable_spi_not_injected);
	tcase_add_test(tc, busy_list_registers_retry_later);
	tcase_add_test(tc, vtimer_never_injected_by_the_vmm);
	tcase_add_test(tc, distributor_off_holds_everything);
	tcase_add_test(tc, icpendr_and_icactiver_clear);
	tcase_add_test(tc, spi_in_flight_forgotten_at_cpu_reset);
	suite_add_tcase(s, tc);
	return s;
}
