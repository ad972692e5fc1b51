/* aarch64 generic timer: CNTVCT_EL0 and CNTFRQ_EL0 (EL0 access enabled by
 * the kernel through CNTHCTL_EL2/CNTKCTL). */
#include "../../counter.h"

uint64_t counter_now(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

uint64_t counter_hz(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}
