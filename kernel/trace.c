/*
 * The trace (keel/abi.h, "trace"): while root's TRACE object has it on,
 * every CPU appends what it does to its own ring, which boot.c made and
 * mapped read-only in root. While off, no path has a hook to test: a
 * trace swaps every CPU's trap entry for a traced one (arch_trace_entry),
 * which takes the general paths and records on them (the arch's exits
 * and faults, kernel_syscall_traced), so the counts of `make bench` are
 * those of a kernel without a trace. Every record is made under the
 * kernel lock and only while trace_on (a CPU may still be on a traced
 * path when it goes off), so KEEL_TRACE_SET 0 returning means no event is
 * written after it.
 */
#include "kernel.h"

static bool trace_on;
static struct keel_trace_ring *trace_ring[MAX_CPUS];

void trace_set_ring(unsigned cpu, uint64_t addr) { trace_ring[cpu] = (void *)addr; }

void trace_record(unsigned kind, const struct tcb *t, uint64_t a0, uint64_t a1)
{
	struct percpu *c = this_cpu();
	struct keel_trace_ring *r = trace_ring[c->id];
	if (!trace_on)
		return;
	r->ev[r->head++ % KEEL_TRACE_EVENTS] = (struct keel_trace_event){
		.time = arch_timer_now(), .kind = (uint8_t)kind, .cpu = c->id,
		.vmid = t ? (uint8_t)t->vs_vmid : 0, .badge = t ? t->slot[TCB_FAULT_EP].badge : 0,
		.arg = { a0, a1 } };
}

/* A call on ep: the receiver, if one waits, takes it now. */
void trace_call(const struct tcb *t, const struct cap *ep)
{
	const struct endpoint *e = (const struct endpoint *)ep->obj;
	const struct tcb *r = e->state == EP_RECV ? e->queue.head : NULL;
	trace_record(KEEL_TRACE_IPC, t,
		     r ? (r->vs_vmid & 0xff) | (uint64_t)r->slot[TCB_FAULT_EP].badge << 8 : 0,
		     ep->badge);
}

long trace_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	(void)t;
	if (label != KEEL_TRACE_SET)
		return KEEL_E_INVALID_CALL;
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if (mr[0] > 1)
		return KEEL_E_INVALID_ARG;
	for (unsigned i = 0; mr[0] && !trace_on && i < kernel_ncpus; i++)
		trace_ring[i]->head = 0;
	trace_on = mr[0];
	arch_trace_entry(trace_on);
	return KEEL_OK;
}
