/*
 * The fake arch's timers: a counter the test sets (fake_arch.timer_now),
 * the deadline the kernel last programmed (fake_arch.timer_armed_at), and
 * a vCPU's virtual timer as a plain field (arch_vcpu.timer_deadline).
 */
#include <arch/arch.h>
#include <arch/fake.h>

#include "kernel.h"

uint64_t arch_timer_hz(void) { return FAKE_TIMER_HZ; }
uint64_t arch_cpu_features(void) { return 0; }
uint64_t arch_timer_now(void) { return fake_arch.timer_now; }

void arch_timer_arm_at(uint64_t when)
{
	fake_arch.timer_arms++;
	fake_arch.timer_armed_at = when;
}

uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v)
{
	int holder = arch_vcpu_holder(v);
	if (holder >= 0 && holder != (int)fake_arch.cpu)
		kpanic("fake: timer deadline of a vCPU read while another CPU holds it");
	return v->timer_deadline ? v->timer_deadline : UINT64_MAX;
}
