/*
 * System-call entry: decode the call number through a full table (unused
 * numbers return KEEL_E_INVALID_CALL), look up and check the capability,
 * then invoke. Every path leaves the caller with a status in its status
 * register unless it blocked, in which case whoever wakes it writes one.
 */
#include "kernel.h"

#define LINUX_ENOSYS 38

typedef long (*invoke_fn)(struct tcb *, struct cap *, uint64_t, uint64_t *);

/* Each object's invocation decodes (checks every argument and capability;
 * may fail, changes nothing) and then invokes (cannot fail). */
static const invoke_fn invoke_table[KEEL_OBJ_COUNT] = {
	[KEEL_OBJ_UNTYPED] = untyped_invocation,
	[KEEL_OBJ_TCB] = tcb_invocation,
	[KEEL_OBJ_CNODE] = cnode_invocation,
	[KEEL_OBJ_FRAME] = frame_invocation,
	[KEEL_OBJ_PAGE_TABLE] = pt_invocation,
	[KEEL_OBJ_IRQ_CONTROL] = irqctl_invocation,
	[KEEL_OBJ_IRQ_HANDLER] = irq_handler_invocation,
	[KEEL_OBJ_VCPU] = vcpu_invocation,
	[KEEL_OBJ_NOTIFICATION] = ntfn_invocation,
	[KEEL_OBJ_VMID_POOL] = vmid_pool_invocation,
	[KEEL_OBJ_TRACE] = trace_invocation,
	[KEEL_OBJ_KLOG] = klog_invocation,
};

static long check_send_length(struct tcb *t, uint64_t info)
{
	uint64_t len = keel_msg_len(info);
	if (len > KEEL_MSG_MAX_MRS)
		return KEEL_E_BAD_LENGTH;
	if (len > KEEL_MSG_REG_MRS && !tcb_ipcbuf(t))
		return KEEL_E_BAD_LENGTH;
	return KEEL_OK;
}

static long sys_invoke(struct tcb *t, struct cap *c, uint64_t *r)
{
	uint64_t mr[KEEL_MSG_REG_MRS];
	invoke_fn fn = invoke_table[c->type];
	long err;
	if (!fn)
		return KEEL_E_INVALID_CALL;
	for (unsigned i = 0; i < KEEL_MSG_REG_MRS; i++)
		mr[i] = r[2 + i];
	err = fn(t, c, keel_msg_label(r[1]), mr);
	if (err == KEEL_OK)
		for (unsigned i = 0; i < KEEL_MSG_REG_MRS; i++)
			r[2 + i] = mr[i];
	r[1] = 0;
	return err;
}

static long sys_call(struct tcb *t, uint64_t *r)
{
	struct cap *c = cap_lookup(t, r[0]);
	long err;
	if (!c)
		return KEEL_E_INVALID_CAP;
	if (c->type != KEEL_OBJ_ENDPOINT)
		return sys_invoke(t, c, r);
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if ((err = check_send_length(t, r[1])))
		return err;
	return ipc_send(t, c, true, true);
}

static long sys_send_common(struct tcb *t, uint64_t *r, bool block)
{
	struct cap *c = cap_lookup(t, r[0]);
	long err;
	if (!c)
		return KEEL_E_INVALID_CAP;
	if (c->type != KEEL_OBJ_ENDPOINT && c->type != KEEL_OBJ_NOTIFICATION)
		return KEEL_E_WRONG_TYPE;
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if (c->type == KEEL_OBJ_NOTIFICATION) {
		ntfn_signal((struct notification *)c->obj, c->badge);
		return KEEL_OK;
	}
	if ((err = check_send_length(t, r[1])))
		return err;
	return ipc_send(t, c, false, block);
}

static long sys_send(struct tcb *t, uint64_t *r) { return sys_send_common(t, r, true); }
static long sys_nbsend(struct tcb *t, uint64_t *r) { return sys_send_common(t, r, false); }

static long decode_recv(struct tcb *t, uint64_t cptr, struct cap **c)
{
	*c = cap_lookup(t, cptr);
	if (!*c)
		return KEEL_E_INVALID_CAP;
	if ((*c)->type != KEEL_OBJ_ENDPOINT && (*c)->type != KEEL_OBJ_NOTIFICATION)
		return KEEL_E_WRONG_TYPE;
	if (!((*c)->rights & KEEL_R_READ))
		return KEEL_E_NO_RIGHTS;
	return KEEL_OK;
}

static long sys_recv(struct tcb *t, uint64_t *r)
{
	struct cap *c;
	long err = decode_recv(t, r[0], &c);
	return err ? err : ipc_recv(t, c, true);
}

static long sys_poll(struct tcb *t, uint64_t *r)
{
	struct cap *c;
	long err = decode_recv(t, r[0], &c);
	return err ? err : ipc_recv(t, c, false);
}

static long sys_reply_recv(struct tcb *t, uint64_t *r)
{
	struct cap *c;
	long err = decode_recv(t, r[0], &c);
	if (err)
		return err;
	if (t->reply_to && (err = check_send_length(t, r[1])))
		return err;
	ipc_reply(t);
	return ipc_recv(t, c, true);
}

static long sys_reply(struct tcb *t, uint64_t *r)
{
	long err = check_send_length(t, r[1]);
	return err ? err : ipc_reply(t);
}

static long sys_yield(struct tcb *t, uint64_t *r)
{
	(void)t;
	(void)r;
	sched_yield();
	return KEEL_OK;
}

static long sys_debug_putc(struct tcb *t, uint64_t *r)
{
	char c = (char)r[0];
	(void)t;
	klog_write(&c, 1, NULL, 0);
	return KEEL_OK;
}

/* r[0] bytes from the message registers' memory, the part past MR5 in the
 * IPC buffer: a line in one trap, which the kernel lock keeps whole
 * against other threads' (keel/print.h). */
static long sys_debug_write(struct tcb *t, uint64_t *r)
{
	uint64_t n = r[0], regs = n < KEEL_DEBUG_WRITE_REGS ? n : KEEL_DEBUG_WRITE_REGS;
	const uint64_t *buf = tcb_ipcbuf(t);
	if (n > KEEL_DEBUG_WRITE_MAX)
		return KEEL_E_INVALID_ARG;
	if (n > regs && !buf)
		return KEEL_E_BAD_LENGTH;
	klog_write((const char *)&r[2], regs, n > regs ? (const char *)&buf[KEEL_MSG_REG_MRS] : NULL,
		   n - regs);
	return KEEL_OK;
}

/* A Linux system call (trap immediate 0) goes to the fault handler, which
 * emulates it (docs/libc.md); with no handler it fails with ENOSYS. */
static long sys_linux(struct tcb *t, uint64_t *r)
{
	uint64_t msg[8] = { arch_linux_nr(&t->regs), r[0], r[1], r[2], r[3],
			    r[4], r[5], arch_regs_pc(&t->regs) };
	if (t->slot[TCB_FAULT_EP].type != KEEL_OBJ_ENDPOINT) {
		r[0] = (uint64_t)-LINUX_ENOSYS;
		return -1;
	}
	fault_raise(t, KEEL_FAULT_SYSCALL, msg, 8);
	return -1;
}

typedef long (*sys_fn)(struct tcb *, uint64_t *);

static const sys_fn sys_table[KEEL_SYS_COUNT] = {
	[KEEL_SYS_LINUX] = sys_linux,
	[KEEL_SYS_CALL] = sys_call,
	[KEEL_SYS_REPLY_RECV] = sys_reply_recv,
	[KEEL_SYS_SEND] = sys_send,
	[KEEL_SYS_RECV] = sys_recv,
	[KEEL_SYS_REPLY] = sys_reply,
	[KEEL_SYS_YIELD] = sys_yield,
	[KEEL_SYS_POLL] = sys_poll,
	[KEEL_SYS_NBSEND] = sys_nbsend,
	[KEEL_SYS_DEBUG_PUTC] = sys_debug_putc,
	[KEEL_SYS_DEBUG_WRITE] = sys_debug_write,
};

void kernel_syscall(unsigned num)
{
	struct tcb *t = this_cpu()->current;
	uint64_t *r = arch_msg_regs(&t->regs);
	long status = num < KEEL_SYS_COUNT ? sys_table[num](t, r) : KEEL_E_INVALID_CALL;
	vspace_tlb_commit();
	/* A blocked caller gets its status from whoever wakes it; status -1
	 * means the handler set the registers itself. */
	if (status >= 0 && t->state == TS_READY && this_cpu()->current == t)
		r[0] = (uint64_t)status;
	else if (status > 0)
		r[0] = (uint64_t)status;
}

void kernel_fault(uint64_t label, const uint64_t *msg, unsigned len)
{
	fault_raise(this_cpu()->current, label, msg, len);
}

void kernel_fault_traced(uint64_t label, const uint64_t *msg, unsigned len)
{
	trace_record(KEEL_TRACE_FAULT, this_cpu()->current, label, msg[0]);
	kernel_fault(label, msg, len);
}

/* A call is recorded before it is made, as sys_call would take it (whom
 * it reaches: trace_call); an interrupt injected into a vCPU once the
 * invocation succeeded. */
void kernel_syscall_traced(unsigned num)
{
	struct tcb *t = this_cpu()->current;
	uint64_t *r = arch_msg_regs(&t->regs);
	struct cap *c = num == KEEL_SYS_CALL ? cap_lookup(t, r[0]) : NULL;
	const struct tcb *vcpu = NULL;
	bool inject = false;
	uint64_t irq = r[2];
	if (c && c->type == KEEL_OBJ_ENDPOINT && (c->rights & KEEL_R_WRITE) &&
	    check_send_length(t, r[1]) == KEEL_OK)
		trace_call(t, c);
	if (c && c->type == KEEL_OBJ_VCPU && keel_msg_label(r[1]) == KEEL_VCPU_INJECT_IRQ) {
		vcpu = ((const struct vcpu *)c->obj)->tcb;
		inject = true;
	}
	kernel_syscall(num);
	if (inject && r[0] == KEEL_OK) /* an invocation never blocks: its status */
		trace_record(KEEL_TRACE_INJECT, vcpu, irq, 0);
}

void kernel_irq(unsigned irq)
{
	irq_deliver(irq);
}

void kernel_resched_ipi(void)
{
	this_cpu()->resched = true;
}

/* The EL2 timer fired: a time slice ended, a parked vCPU's virtual timer
 * or a notification's timer is due. Re-arm for whichever comes next. */
void kernel_timer_tick(void)
{
	struct percpu *c = this_cpu();
	uint64_t now = arch_timer_now();
	uint64_t slice = now + arch_timer_hz() / 1000 * KERNEL_TIMESLICE_MS;
	uint64_t next = vcpu_wake_expired(c, now), ntfn = ntfn_timers_expire(now);
	if (ntfn < next)
		next = ntfn;
	sched_yield();
	c->timer_next = next < slice ? next : slice;
	arch_timer_arm_at(c->timer_next);
}

_Noreturn void kernel_exit(void)
{
	struct percpu *c = this_cpu();
	struct tcb *t = c->current;
	for (;;) {
		if (c->resched || (t->state != TS_READY && t->state != TS_IDLE))
			sched_pick();
		t = c->current;
		if (t->state == TS_IDLE || t->vs_root)
			break;
		tcb_suspend(t); /* excluded by the binding rules; never run a
				 * thread without its address space */
	}
	if (t->state != TS_IDLE) {
		arch_vspace_activate(t->vs_root, (unsigned)t->vs_vmid);
		arch_vcpu_activate(t->vcpu ? &t->vcpu->arch : NULL);
	} else {
		arch_vcpu_idle();
	}
	arch_lock_release();
	arch_return_to(t);
}
