/*
 * Endpoint IPC: synchronous send/call/receive/reply with badges.
 *
 * A message is the info word plus `length` message registers: MR0..MR5 in
 * registers, the rest copied between the two threads' IPC buffer frames
 * (by physical address, so neither needs to be mapped where it is read).
 * A thread's pending fault message stands in for its registers.
 * Replies: a receiver that takes a call owes the caller a reply
 * (reply_to / reply_from link the two); it is paid by reply or
 * reply_recv, or cancelled with KEEL_E_CANCELLED if the server
 * receives again or dies first.
 */
#include "kernel.h"

static void ep_queue_remove(struct endpoint *ep, struct tcb *t)
{
	tq_remove(&ep->queue, t);
	if (!ep->queue.head)
		ep->state = EP_IDLE;
}

static void ep_queue_append(struct endpoint *ep, struct tcb *t, unsigned state)
{
	tq_append(&ep->queue, t);
	ep->state = state;
	t->blocked_on = ep;
}

static void msg_copy_buffer(struct tcb *from, struct tcb *to, uint64_t len)
{
	uint64_t *src = tcb_ipcbuf(from), *dst = tcb_ipcbuf(to);
	for (uint64_t i = KEEL_MSG_REG_MRS; i < len; i++)
		dst[i] = src[i];
}

/* Copy from's message (or pending fault) into to's registers and buffer. */
static void msg_transfer(struct tcb *from, struct tcb *to, uint64_t badge)
{
	uint64_t *dst = arch_msg_regs(&to->regs);
	const uint64_t *src = arch_msg_regs(&from->regs) + 2;
	uint64_t info = arch_msg_regs(&from->regs)[1], len;
	if (from->fault_pending) {
		info = from->fault_info;
		src = from->fault_msg;
	}
	len = keel_msg_len(info);
	/* either buffer may have been unbound since the length was checked */
	if (len > KEEL_MSG_REG_MRS &&
	    (!tcb_ipcbuf(to) || (!from->fault_pending && !tcb_ipcbuf(from))))
		len = KEEL_MSG_REG_MRS;
	dst[0] = KEEL_OK;
	dst[1] = (badge << 32) | (info & 0xffffff00u) | len;
	for (unsigned i = 0; i < KEEL_MSG_REG_MRS; i++)
		dst[2 + i] = src[i];
	if (len <= KEEL_MSG_REG_MRS)
		return;
	if (from->fault_pending) {
		uint64_t *buf = tcb_ipcbuf(to);
		for (uint64_t i = KEEL_MSG_REG_MRS; i < len; i++)
			buf[i] = from->fault_msg[i];
	} else {
		msg_copy_buffer(from, to, len);
	}
}

static void reply_link(struct tcb *server, struct tcb *caller)
{
	if (server->reply_to)
		ipc_reply_detach_caller(server);
	server->reply_to = caller;
	caller->reply_from = server;
	caller->state = TS_BLOCKED_REPLY;
	caller->blocked_on = NULL;
}

/* The caller of `server` loses its reply: wake it with an error. A thread
 * waiting on a fault reply stays stopped: resuming it would fault again. */
void ipc_reply_detach_caller(struct tcb *server)
{
	struct tcb *c = server->reply_to;
	server->reply_to = NULL;
	if (!c)
		return;
	c->reply_from = NULL;
	if (c->fault_pending) {
		c->fault_pending = 0;
		c->state = TS_INACTIVE;
		return;
	}
	arch_msg_regs(&c->regs)[0] = KEEL_E_CANCELLED;
	sched_make_ready(c);
}

/* t stops (suspended or destroyed): its caller loses the reply, but a
 * vCPU whose routed exit t was serving sends it again (vcpu.c). */
void ipc_reply_detach(struct tcb *t)
{
	struct tcb *c = t->reply_to;
	if (c && vcpu_route_resend(c))
		t->reply_to = NULL;
	ipc_reply_detach_caller(t);
	if (t->reply_from) {
		t->reply_from->reply_to = NULL;
		t->reply_from = NULL;
	}
}

long ipc_send(struct tcb *t, struct cap *c, bool call, bool block)
{
	struct endpoint *ep = (struct endpoint *)c->obj;
	if (ep->state == EP_RECV) {
		struct tcb *r = ep->queue.head;
		ep_queue_remove(ep, r);
		r->blocked_on = NULL;
		msg_transfer(t, r, c->badge);
		if (call || t->fault_pending) {
			sched_dequeue(t);
			reply_link(r, t);
			if (this_cpu()->current == t)
				this_cpu()->resched = true;
		}
		sched_make_ready(r);
		return KEEL_OK;
	}
	if (!block)
		return KEEL_OK;
	t->send_badge = c->badge;
	t->is_call = call;
	sched_block(t, TS_BLOCKED_SEND); /* leave the ready queue first */
	ep_queue_append(ep, t, EP_SEND);
	return KEEL_OK;
}

static long recv_from_ep(struct tcb *t, struct endpoint *ep, bool block)
{
	if (ep->state == EP_SEND) {
		struct tcb *s = ep->queue.head;
		ep_queue_remove(ep, s);
		s->blocked_on = NULL;
		msg_transfer(s, t, s->send_badge);
		if (s->is_call || s->fault_pending) {
			reply_link(t, s);
		} else {
			arch_msg_regs(&s->regs)[0] = KEEL_OK;
			sched_make_ready(s);
		}
		return KEEL_OK;
	}
	if (!block)
		return KEEL_E_WOULD_BLOCK;
	sched_block(t, TS_BLOCKED_RECV);
	ep_queue_append(ep, t, EP_RECV);
	return KEEL_OK;
}

long ipc_recv(struct tcb *t, struct cap *c, bool block)
{
	if (c->type == KEEL_OBJ_NOTIFICATION)
		return ntfn_wait(t, (struct notification *)c->obj, block);
	ipc_reply_detach_caller(t);
	if (t->bound_ntfn && t->bound_ntfn->bits) {
		ntfn_wait(t, t->bound_ntfn, false);
		arch_msg_regs(&t->regs)[1] = keel_msginfo(KEEL_LABEL_NOTIFICATION, 1);
		return KEEL_OK;
	}
	return recv_from_ep(t, (struct endpoint *)c->obj, block);
}

/* Pay the reply t owes. A fault reply resumes the faulted thread; for a
 * system-call fault, MR0 of the reply is the call's return value. */
long ipc_reply(struct tcb *t)
{
	struct tcb *c = t->reply_to;
	if (!c)
		return KEEL_E_INVALID_CALL;
	t->reply_to = NULL;
	c->reply_from = NULL;
	if (c->fault_pending && c->vcpu) {
		c->fault_pending = 0;
		vcpu_reply(c, keel_msg_label(arch_msg_regs(&t->regs)[1]),
			   arch_msg_regs(&t->regs) + 2);
		return KEEL_OK;
	}
	if (c->fault_pending) {
		c->fault_pending = 0;
		if (keel_msg_label(c->fault_info) == KEEL_FAULT_SYSCALL)
			arch_msg_regs(&c->regs)[0] = arch_msg_regs(&t->regs)[2];
	} else {
		msg_transfer(t, c, 0);
	}
	sched_make_ready(c);
	return KEEL_OK;
}

/* Take t out of whatever endpoint or notification queue it waits in. */
void ipc_cancel(struct tcb *t)
{
	if (t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_RECV)
		ep_queue_remove((struct endpoint *)t->blocked_on, t);
	else if (t->state == TS_BLOCKED_NTFN)
		ntfn_cancel(t);
	else if (t->state == TS_BLOCKED_WFI)
		vcpu_unpark(t);
	t->blocked_on = NULL;
	t->fault_pending = 0;
}

void ep_destroy(struct endpoint *ep)
{
	while (ep->queue.head) {
		struct tcb *t = ep->queue.head;
		bool fault = t->fault_pending;
		ep_queue_remove(ep, t);
		t->blocked_on = NULL;
		t->fault_pending = 0;
		if (fault) {
			t->state = TS_INACTIVE;
			continue;
		}
		arch_msg_regs(&t->regs)[0] = KEEL_E_CANCELLED;
		sched_make_ready(t);
	}
}

/* t's call lost its reply: it is made again on c, ahead of every sender
 * waiting there, so a restarted server takes it first. */
void ipc_resend_first(struct tcb *t, struct cap *c)
{
	struct endpoint *ep = (struct endpoint *)c->obj;
	t->reply_from = NULL;
	if (ep->state == EP_RECV) {
		ipc_send(t, c, true, true);
		return;
	}
	t->send_badge = c->badge;
	t->is_call = true;
	t->state = TS_BLOCKED_SEND;
	t->blocked_on = ep;
	t->prev = NULL;
	t->next = ep->queue.head;
	if (ep->queue.head)
		ep->queue.head->prev = t;
	else
		ep->queue.tail = t;
	ep->queue.head = t;
	ep->state = EP_SEND;
}

/* A thread faulted: send its fault message on its fault endpoint, as a call. */
void fault_raise(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len)
{
	fault_raise_to(t, &t->slot[TCB_FAULT_EP], label, msg, len);
}

/* ... or on ep (a vCPU's MMIO route). */
void fault_raise_to(struct tcb *t, struct cap *ep, uint64_t label, const uint64_t *msg,
		    unsigned len)
{
	if (ep->type != KEEL_OBJ_ENDPOINT) {
		kprintf("keel: thread %p fault %lx (%lx %lx), no handler: stopped\n",
			(void *)t, (unsigned long)label, (unsigned long)msg[0],
			(unsigned long)(len > 1 ? msg[1] : 0));
		tcb_suspend(t);
		return;
	}
	for (unsigned i = 0; i < len && i < 8; i++)
		t->fault_msg[i] = msg[i];
	t->fault_info = keel_msginfo(label, len);
	t->fault_pending = 1;
	ipc_send(t, ep, true, true);
}
