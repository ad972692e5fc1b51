/* Fake timer and vCPU-timer hooks: tests set fake_timer_now and a vCPU's
 * timer_deadline, and read what the kernel programmed. */
#include <arch/arch.h>

uint64_t fake_timer_now;
uint64_t fake_timer_armed_at;
extern uint64_t fake_timer_now, fake_timer_armed_at;

uint64_t arch_timer_now(void) { return fake_timer_now; }
void arch_timer_arm_slice(void);
void arch_timer_arm_at(uint64_t when)
{
	fake_timer_armed_at = when;
	arch_timer_arm_slice(); /* counted as before: fake_arch.timer_arms */
}

uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v)
{
	return v->timer_deadline ? v->timer_deadline : UINT64_MAX;
}

bool arch_vcpu_irq_pending(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < sizeof(v->lr) / sizeof(v->lr[0]); i++)
		if (v->lr[i])
			return true;
	return false;
}
