/*
 * The fastpath as the arch's entry code takes it (arch/aarch64/trap.c and
 * vcpu.c inline kernel/fastpath.h there), out of line for the tests.
 */
#include "fastpath.h"
#include "fixture.h"

struct tcb *kernel_fastpath(unsigned num, struct tcb *t)
{
	return kernel_fastpath_inline(num, t);
}

struct tcb *kernel_fastpath_exit(struct tcb *t, uint64_t label, const uint64_t *msg,
				 unsigned len)
{
	uint64_t m[KEEL_MSG_REG_MRS] = { 0 };
	struct cap *ep;
	kmemcpy(m, msg, len * sizeof *m);
	ep = vcpu_exit_ep(t, label, m, &len);
	if (!ep)
		return NULL; /* answered from a post page */
	return fastpath_vcpu_exit(this_cpu(), t, ep, label, m, len);
}
