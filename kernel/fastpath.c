/* Out-of-line parts of the IPC fastpath (the fast part is fastpath.h). */
#include "fastpath.h"

/* The heavy part of a switch: a vCPU's resume (only a reply makes a
 * thread with fault_pending run: fastpath_reply_recv's, from `from`),
 * FPU hand-over, vCPU state. */
void fast_switch_state(struct tcb *from, struct tcb *to)
{
	if (to->fault_pending)
		fast_vcpu_resume(to, arch_msg_regs(&from->regs) + 2);
	fast_switch_cpu_state(from, to);
}
