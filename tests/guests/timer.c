/*
 * Guest "timer": WFI is woken by the virtual timer.
 *
 * The virtual timer is PPI 11, INTID 27, on QEMU virt and under Keel. The
 * guest enables it in the GIC (lib/gic.c), arms CNTV for 10 ms, and sleeps
 * in WFI with IRQs masked so a wakeup can't be lost between the check
 * and the WFI; after each WFI it unmasks briefly to take the interrupt.
 * The handler acks, disables the timer (the level drops), and EOIs.
 * Three rounds, so the timer must also re-arm after an EOI.
 */
#include "lib/gic.h"
#include "lib/guest.h"

const char guest_name[] = "timer";

#define VTIMER_INTID 27
#define VTIMER_PRIO 0xa0
#define ROUNDS 3
#define CNTV_CTL_ENABLE 1UL

static volatile bool fired;
static volatile uint64_t fired_at;
static volatile unsigned stray_irqs;

static void cntv_arm(uint64_t cval)
{
	__asm__ volatile("msr cntv_cval_el0, %0\n\t"
			 "msr cntv_ctl_el0, %1\n\tisb"
			 : : "r"(cval), "r"(CNTV_CTL_ENABLE) : "memory");
}

static void cntv_disable(void)
{
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
}

static void timer_irq(struct exc_frame *f)
{
	uint32_t intid = gic_ack();

	(void)f;
	if (intid >= GIC_SPURIOUS)
		return;
	if (intid == VTIMER_INTID) {
		cntv_disable();
		fired_at = cntvct();
		fired = true;
	} else {
		stray_irqs++;
	}
	gic_eoi(intid);
}

/* Sleeps until the timer fires; returns the WFI count. */
static unsigned sleep_until_fired(void)
{
	unsigned wfis = 0;

	while (!fired) {
		__asm__ volatile("wfi" ::: "memory");
		wfis++;
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2"
				 ::: "memory");
	}
	return wfis;
}

static bool one_round(unsigned n, uint64_t delta)
{
	fired = false;
	uint64_t t0 = cntvct();
	cntv_arm(t0 + delta);
	unsigned wfis = sleep_until_fired();
	uint64_t elapsed = fired_at - t0;

	con_printf("[timer] round %u: woke after %lu ticks (asked %lu), "
		   "%u WFI\n", n, elapsed, delta, wfis);
	if (elapsed < delta)
		return test_report(false, "timer", "fired %lu ticks early",
				   delta - elapsed);
	return true;
}

void guest_main(const void *dtb)
{
	const char *err = gic_init();
	uint64_t delta = cntfrq() / 100;

	(void)dtb;
	if (!err)
		err = gic_enable_ppi(VTIMER_INTID, VTIMER_PRIO);
	if (err) {
		test_report(false, "timer", "%s", err);
		return;
	}
	exc_set_irq_handler(timer_irq);
	con_printf("[timer] waiting in WFI for the virtual timer (INTID %u)\n",
		   VTIMER_INTID);
	for (unsigned i = 1; i <= ROUNDS; i++)
		if (!one_round(i, delta))
			return;
	test_report(stray_irqs == 0, "timer", "%u rounds of 10 ms, %u stray "
		    "interrupts", ROUNDS, stray_irqs);
}
