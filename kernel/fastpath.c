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
