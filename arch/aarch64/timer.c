/* The EL2 physical timer (CNTHP) drives preemption: one tick per slice. */
#include "aarch64.h"

uint64_t arch_timer_hz(void) { return sysreg_read(cntfrq_el0); }

void arch_timer_arm_slice(void)
{
	uint64_t ticks = arch_timer_hz() / 1000 * KERNEL_TIMESLICE_MS;
	sysreg_write(cnthp_tval_el2, ticks);
	sysreg_write(cnthp_ctl_el2, 1); /* enable, unmasked */
	isb();
}
