/*
 * Notifications: a word of bits that signals OR in (the signalling
 * capability's badge; an unbadged signal sets bit 0) and a waiter takes and
 * clears. A notification may be bound to one thread, which then also
 * receives it while it waits on an endpoint. Interrupts arrive this way,
 * and so do timeouts: a notification can carry one timer, which signals
 * it when the generic timer passes its deadline.
 */
#include "kernel.h"

/* Armed notifications, in no order: a system has a handful. Every CPU's
 * EL2 timer is programmed for the earliest (kernel_timer_tick), so the
 * first CPU to take its tick after the deadline signals it. */
static struct notification *ntfn_timers;

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

static void ntfn_timer_unlink(struct notification *n)
{
	struct notification **p = &ntfn_timers;
	while (*p && *p != n)
		p = &(*p)->timer_next;
	if (*p)
		*p = n->timer_next;
	n->timer_next = NULL;
	n->deadline = 0;
}

uint64_t ntfn_timers_expire(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct notification *n = ntfn_timers;
	while (n) {
		struct notification *after = n->timer_next;
		if (n->deadline <= now) {
			uint64_t bits = n->timer_bits;
			ntfn_timer_unlink(n);
			ntfn_signal(n, bits);
		} else if (n->deadline < next) {
			next = n->deadline;
		}
		n = after;
	}
	return next;
}

static void ntfn_set_timer(struct notification *n, uint64_t deadline, uint64_t bits)
{
	struct percpu *c = this_cpu();
	ntfn_timer_unlink(n);
	if (!deadline)
		return;
	n->deadline = deadline;
	n->timer_bits = bits ? bits : 1;
	n->timer_next = ntfn_timers;
	ntfn_timers = n;
	if (deadline < c->timer_next) { /* sooner than this CPU's next tick */
		c->timer_next = deadline;
		arch_timer_arm_at(deadline);
	}
}

/* Signal n with badge within `ticks`, unless its timer is armed already
 * (it then signals sooner or as soon, with its own bits). */
void ntfn_signal_soon(struct notification *n, uint64_t ticks, uint64_t badge)
{
	if (!n->deadline)
		ntfn_set_timer(n, arch_timer_now() + ticks, badge);
}

static long decode_ntfn(const struct cap *c, uint64_t label)
{
	if (label != KEEL_NTFN_SET_TIMER)
		return KEEL_E_INVALID_CALL;
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	return KEEL_OK; /* any deadline and bits will do (0: disarm) */
}

long ntfn_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	long err = decode_ntfn(c, label);
	(void)t;
	if (err)
		return err;
	ntfn_set_timer((struct notification *)c->obj, mr[0], mr[1]); /* invoke */
	return KEEL_OK;
}

void ntfn_destroy(struct notification *n)
{
	ntfn_timer_unlink(n);
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
	klog_ntfn_destroyed(n);
}
