/*
 * IPC fastpath (included by the arch system-call entry): call and reply_recv in their common case, where the message
 * fits in registers and the partner is waiting on this CPU with a priority
 * that lets us switch to it directly. Every check that fails falls back to
 * the general path (return NULL) before anything is changed, so the
 * fastpath never has different semantics, only fewer instructions.
 *
 * Why switching directly is correct: the current thread blocks, and the
 * partner is on this CPU with no ready thread above it, so the scheduler
 * would pick it too (threads of its own priority wait their turn, as in
 * seL4's fastpath).
 *
 * vCPU exits take the same road: an exit whose VMM waits on the fault
 * endpoint is delivered like a call (fastpath_vcpu_exit), and the VMM's
 * reply_recv with a plain RESUME goes straight back to the vCPU thread
 * (fast_vcpu_resume), applying the action as vcpu_reply would.
 */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include "kernel.h"

static inline struct cap *fast_lookup(struct tcb *t, uint64_t cptr, unsigned rights)
{
	const struct cap *cn = &t->slot[TCB_CSPACE];
	struct cap *c;
	if (cptr >> cn->size_bits)
		return NULL;
	c = (struct cap *)cn->obj + cptr;
	if (c->type != KEEL_OBJ_ENDPOINT || (c->rights & rights) != rights)
		return NULL;
	return c;
}

/* Can `to` take over this CPU from `from` right now? */
static inline bool fast_switch_ok(struct percpu *c, struct tcb *from, struct tcb *to)
{
	return to->cpu == from->cpu && !c->resched &&
	       (to->prio >= from->prio || !sched_ready_above(c, to->prio));
}

_Static_assert(KEEL_MSG_REG_MRS == 6, "arch_copy_mrs copies six words");

static inline void fast_copy(struct tcb *from, struct tcb *to, uint64_t badge_info)
{
	const uint64_t *s = arch_msg_regs(&from->regs);
	uint64_t *d = arch_msg_regs(&to->regs);
	d[0] = KEEL_OK;
	d[1] = badge_info;
	arch_copy_mrs(d + 2, s + 2);
}

/*
 * The fastpath functions below decide and change the threads' states;
 * the switch itself is fast_switch, in two parts. The heavy part (FPU
 * hand-over, vCPU state, the resume action of a vCPU whose exit `from`
 * answered) is out of line in fastpath.c; when it is not needed the
 * light part needs no call, so an arch entry can take an IPC with no
 * stack frame (arch/aarch64/trap.c).
 */
static inline bool fast_switch_heavy(const struct tcb *from, const struct tcb *to)
{
	return (from->switch_heavy | to->vcpu_bound) != 0; /* FPU or vCPU */
}

void fast_switch_state(struct tcb *from, struct tcb *to);

/* What the CPU's registers hold for a thread beyond its general ones: the
 * FPU, the vCPU state. */
static inline void fast_switch_cpu_state(struct tcb *from, struct tcb *to)
{
	if (from->fpu_live)
		arch_fpu_switch(from, to);
	if (to->vcpu || from->vcpu)
		arch_vcpu_activate(to->vcpu ? &to->vcpu->arch : NULL);
}

__attribute__((always_inline)) static inline void fast_switch_light(struct percpu *c, struct tcb *to)
{
	c->current = to;
	arch_vspace_activate(to->vs_root, (unsigned)to->vs_vmid);
}

__attribute__((always_inline)) static inline void fast_switch(struct percpu *c, struct tcb *from, struct tcb *to)
{
	if (fast_switch_heavy(from, to))
		fast_switch_state(from, to);
	fast_switch_light(c, to);
}

/* dst, first in ep's receive queue, leaves it. */
static inline void fast_take_receiver(struct endpoint *ep, struct tcb *dst)
{
	ep->queue.head = dst->next;
	if (dst->next)
		dst->next->prev = NULL;
	else
		ep->queue.tail = NULL, ep->state = EP_IDLE;
	dst->next = NULL;
	dst->blocked_on = NULL;
}

__attribute__((always_inline)) static inline struct tcb *fastpath_call(struct percpu *c, struct tcb *t)
{
	uint64_t *r = arch_msg_regs(&t->regs);
	struct cap *cap = fast_lookup(t, r[0], KEEL_R_WRITE);
	struct endpoint *ep;
	struct tcb *dst;
	if (!cap || keel_msg_len(r[1]) > KEEL_MSG_REG_MRS)
		return NULL;
	ep = (struct endpoint *)cap->obj;
	if (ep->state != EP_RECV)
		return NULL;
	dst = ep->queue.head;
	if (dst->reply_to || !fast_switch_ok(c, t, dst))
		return NULL;
	fast_take_receiver(ep, dst);
	fast_copy(t, dst, (uint64_t)cap->badge << 32 | (r[1] & 0xffffffffu));
	dst->reply_to = t;
	t->reply_from = dst;
	t->state = TS_BLOCKED_REPLY;
	dst->state = TS_READY;
	return dst; /* fast_switch(c, t, dst) is the caller's */
}

/* A reply to a vCPU's exit that the fastpath can apply: RESUME, writing
 * at most a general register (those live in the TCB, not in the vCPU
 * state that a CPU may hold: vcpu_reply). r: the replier's message regs.
 * KEEL_EXIT_REG_NONE (nothing to write) takes the general path. */
static inline bool fast_vcpu_resume_ok(const struct tcb *caller, const uint64_t *r)
{
	return caller->vcpu && keel_msg_label(r[1]) == KEEL_VCPU_RESUME &&
	       (!(r[2] & KEEL_RESUME_WRITE_REG) || r[3] <= KEEL_VREG_PSTATE);
}

/* vcpu_reply's RESUME, for what fast_vcpu_resume_ok let through: the
 * heavy part of the switch to the vCPU's thread (fast_switch_state).
 * fault_pending stays set until then, which is how that part knows. */
static inline void fast_vcpu_resume(struct tcb *caller, const uint64_t *mr)
{
	caller->fault_pending = 0;
	if (mr[0] & KEEL_RESUME_WRITE_REG)
		arch_vcpu_reg_write(&caller->vcpu->arch, &caller->regs, (unsigned)mr[1], mr[2]);
	if (mr[0] & KEEL_RESUME_SKIP)
		arch_vcpu_skip(&caller->regs);
}

__attribute__((always_inline)) static inline struct tcb *fastpath_reply_recv(struct percpu *c, struct tcb *t)
{
	uint64_t *r = arch_msg_regs(&t->regs);
	struct tcb *caller = t->reply_to;
	struct cap *cap = fast_lookup(t, r[0], KEEL_R_READ);
	struct endpoint *ep;
	if (!cap || !caller || keel_msg_len(r[1]) > KEEL_MSG_REG_MRS ||
	    (caller->fault_pending && !fast_vcpu_resume_ok(caller, r)))
		return NULL;
	ep = (struct endpoint *)cap->obj;
	if (ep->state == EP_SEND || (t->bound_ntfn && t->bound_ntfn->bits) ||
	    !fast_switch_ok(c, t, caller))
		return NULL;
	t->reply_to = NULL;
	caller->reply_from = NULL;
	if (!caller->fault_pending) /* else fast_switch_state resumes it */
		fast_copy(t, caller, r[1] & 0xffffffffu);
	caller->state = TS_READY;
	tq_append(&ep->queue, t);
	ep->state = EP_RECV;
	t->blocked_on = ep;
	t->state = TS_BLOCKED_RECV;
	return caller; /* fast_switch(c, t, caller) is the caller's */
}

/* A vCPU exit (label, msg[0..5], len) to a server waiting on cap (t's
 * fault endpoint, its VMM, or an MMIO route's device server:
 * vcpu_exit_ep): delivered as ipc_send would deliver the fault, as a call. */
__attribute__((always_inline)) static inline struct tcb *
fastpath_vcpu_exit(struct percpu *c, struct tcb *t, struct cap *cap, uint64_t label,
		   const uint64_t *msg, unsigned len)
{
	struct endpoint *ep;
	struct tcb *dst;
	uint64_t *d, info;
	if (cap->type != KEEL_OBJ_ENDPOINT || len > KEEL_MSG_REG_MRS)
		return NULL;
	ep = (struct endpoint *)cap->obj;
	if (ep->state != EP_RECV)
		return NULL;
	dst = ep->queue.head;
	if (dst->reply_to || !fast_switch_ok(c, t, dst))
		return NULL;
	fast_take_receiver(ep, dst);
	info = keel_msginfo(label, len);
	t->fault_info = info;
	t->fault_pending = 1;
	d = arch_msg_regs(&dst->regs);
	d[0] = KEEL_OK;
	d[1] = (uint64_t)cap->badge << 32 | info;
	arch_copy_mrs(d + 2, msg);
	/* kept, as fault_raise keeps it, where it may be read again: a
	 * routed exit whose server dies is sent again from here
	 * (vcpu_route_resend); a delivered exit to the VMM never is (only
	 * MMIO exits are routed: vcpu_exit_ep) */
	if (label == KEEL_EXIT_MMIO && t->vcpu->routed)
		arch_copy_mrs(t->fault_msg, msg);
	dst->reply_to = t;
	t->reply_from = dst;
	t->state = TS_BLOCKED_REPLY;
	dst->state = TS_READY;
	/* fast_switch without its tests: t has a vCPU (the heavy part is
	 * always due) and dst, a receiver, has no vCPU resume pending */
	fast_switch_cpu_state(t, dst);
	fast_switch_light(c, dst);
	return dst;
}

/* The thread to switch to if the fastpath takes system call num, else
 * NULL; the switch is the caller's (fast_switch). */
__attribute__((always_inline)) static inline struct tcb *
kernel_fastpath_decide(struct percpu *c, unsigned num, struct tcb *t)
{
	if (num == KEEL_SYS_CALL)
		return fastpath_call(c, t);
	if (num == KEEL_SYS_REPLY_RECV)
		return fastpath_reply_recv(c, t);
	return NULL;
}

/* The same, switched to: what the tests call (kernel_fastpath). */
__attribute__((always_inline)) static inline struct tcb *
kernel_fastpath_inline(unsigned num, struct tcb *t)
{
	struct percpu *c = this_cpu();
	struct tcb *next = kernel_fastpath_decide(c, num, t);
	if (next)
		fast_switch(c, t, next);
	return next;
}

#endif /* KERNEL_FASTPATH_H */
