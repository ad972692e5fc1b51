/*
 * Notifications: a word of bits that signals OR in (the signalling
 * capability's badge; an unbadged signal sets bit 0) and a waiter takes and
 * clears. A notification may be bound to one thread, which then also
 * receives it while it waits on an endpoint. Interrupts arrive this way.
 */
#include "kernel.h"

static void ntfn_deliver(struct tcb *t, uint64_t bits, uint64_t label)
{
	uint64_t *r = arch_msg_regs(&t->regs);
	r[0] = KEEL_OK;
	r[1] = keel_msginfo(label, 1);
	r[2] = bits;
	t->blocked_on = NULL;
	sched_make_ready(t);
}


void ntfn_signal(struct notification *n, uint64_t badge)
{
	struct tcb *w = n->waiters.head;
	uint64_t bits = badge ? badge : 1;
	if (w) {
		tq_remove(&n->waiters, w);
		ntfn_deliver(w, bits | n->bits, 0);
		n->bits = 0;
	} else if (n->bound && n->bound->state == TS_BLOCKED_RECV) {
		ipc_cancel(n->bound);
		ntfn_deliver(n->bound, bits | n->bits, KEEL_LABEL_NOTIFICATION);
		n->bits = 0;
	} else {
		n->bits |= bits;
	}
}

long ntfn_wait(struct tcb *t, struct notification *n, bool block)
{
	uint64_t *r = arch_msg_regs(&t->regs);
	if (n->bits) {
		r[0] = KEEL_OK;
		r[1] = keel_msginfo(0, 1);
		r[2] = n->bits;
		n->bits = 0;
		return KEEL_OK;
	}
	if (!block)
		return KEEL_E_WOULD_BLOCK;
	sched_block(t, TS_BLOCKED_NTFN);
	tq_append(&n->waiters, t);
	t->blocked_on = n;
	return KEEL_OK;
}

void ntfn_cancel(struct tcb *t)
{
	tq_remove(&((struct notification *)t->blocked_on)->waiters, t);
}

void ntfn_unbind(struct tcb *t)
{
	if (t->bound_ntfn)
		t->bound_ntfn->bound = NULL;
	t->bound_ntfn = NULL;
}

void ntfn_destroy(struct notification *n)
{
	while (n->waiters.head) {
		struct tcb *t = n->waiters.head;
		tq_remove(&n->waiters, t);
		t->blocked_on = NULL;
		arch_msg_regs(&t->regs)[0] = KEEL_E_CANCELLED;
		sched_make_ready(t);
	}
	if (n->bound)
		n->bound->bound_ntfn = NULL;
	irq_ntfn_destroyed(n);
}
