/* Out-of-line parts of the IPC fastpath (the fast part is fastpath.h). */
#include "fastpath.h"

/* The rare parts of a switch: FPU hand-over, vCPU state. */
void fast_switch_state(struct tcb *from, struct tcb *to)
{
	if (from->fpu_live)
		arch_fpu_switch(from, to);
	if (to->vcpu || from->vcpu)
		arch_vcpu_activate(to->vcpu ? &to->vcpu->arch : NULL);
}

struct tcb *kernel_fastpath(unsigned num, struct tcb *t)
{
	return kernel_fastpath_inline(num, t);
}

struct tcb *kernel_fastpath_exit(struct tcb *t, uint64_t label, const uint64_t *msg,
				 unsigned len)
{
	return fastpath_vcpu_exit(this_cpu(), t, label, msg, len);
}
