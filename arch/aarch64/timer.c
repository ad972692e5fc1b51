/*
 * The EL2 physical timer (CNTHP) is the kernel's only timer: it ends time
 * slices and wakes parked vCPUs whose virtual timer is due (the kernel
 * programs it for whichever comes first). The virtual offset is 0, so
 * guest virtual-timer deadlines compare directly with CNTPCT.
 */
#include "aarch64.h"

uint64_t arch_timer_hz(void) { return sysreg_read(cntfrq_el0); }

/* ID_AA64ISAR0_EL1.RNDR (bits 63:60) != 0: FEAT_RNG, EL0 may use RNDR. */
uint64_t arch_cpu_features(void) { return sysreg_read(id_aa64isar0_el1) >> 60 ? KEEL_CPU_F_RNG : 0; }

uint64_t arch_timer_now(void)
{
	isb();
	return sysreg_read(cntpct_el0);
}

void arch_timer_arm_at(uint64_t when)
{
	sysreg_write(cnthp_cval_el2, when);
	sysreg_write(cnthp_ctl_el2, 1); /* enable, unmasked */
	isb();
}

void aarch64_timer_start(void)
{
	struct percpu *c = this_cpu();
	c->timer_next = arch_timer_now() + arch_timer_hz() / 1000 * KERNEL_TIMESLICE_MS;
	arch_timer_arm_at(c->timer_next);
}
