/*
 * vCPUs: a VCPU object holds a guest CPU's state beyond its general
 * registers (which live in the bound thread's TCB, like any thread's). A
 * thread bound to a vCPU runs the guest; each exit is sent on the thread's
 * fault endpoint to its VMM as one arch-neutral message (keel/abi.h), and
 * the VMM's reply label says how the guest continues.
 */
#include "kernel.h"

static struct vcpu *vcpu_of(struct cap *c) { return (struct vcpu *)c->obj; }
static void vcpu_wake(struct tcb *t);

/* No CPU holds v's state in its registers after this (lazy switching,
 * docs/architecture.md): its memory copy is current. */
void vcpu_unhold(struct vcpu *v)
{
	int cpu = arch_vcpu_holder(&v->arch);
	if (cpu < 0)
		return;
	if ((unsigned)cpu == arch_cpu_id())
		arch_vcpu_flush();
	else
		sched_remote_flush((unsigned)cpu);
}

/* Before the kernel reads or changes v's state: its thread off every
 * other CPU and its state in memory (sched_remote_stall does both). */
static void vcpu_sync(struct vcpu *v)
{
	if (v->tcb)
		sched_remote_stall(v->tcb);
	else
		vcpu_unhold(v);
}

/* TCB_BIND_VCPU: *vc is the VCPU to bind, or NULL to unbind (cptr 0). */
long decode_bind_vcpu(struct tcb *t, struct tcb *target, uint64_t cptr, struct cap **vc)
{
	long err;
	*vc = NULL;
	if (cptr == 0)
		return KEEL_OK;
	if ((err = cap_lookup_typed(t, cptr, KEEL_OBJ_VCPU, KEEL_R_WRITE, vc)))
		return err;
	if (vcpu_of(*vc)->tcb || target->vcpu)
		return KEEL_E_BUSY;
	return KEEL_OK;
}

void invoke_bind_vcpu(struct tcb *target, struct cap *vc)
{
	struct cap val;
	tcb_suspend(target);
	if (!vc) {
		cap_delete(&target->slot[TCB_VCPU]);
		return;
	}
	val = *vc;
	val.flags &= (uint8_t)~CAP_ORIGINAL;
	cap_insert_child(vc, &target->slot[TCB_VCPU], &val);
	target->vcpu = vcpu_of(vc);
	target->vcpu_bound = 1;
	target->vcpu->tcb = target;
	arch_regs_init_guest(&target->regs);
}

/* The vCPU's binding slot in its thread has emptied. */
void vcpu_unbind(struct tcb *t)
{
	if (!t->vcpu)
		return;
	vcpu_unhold(t->vcpu);
	arch_vcpu_forget(&t->vcpu->arch);
	t->vcpu->tcb = NULL;
	t->vcpu = NULL;
	t->vcpu_bound = 0;
	/* Its registers were the guest's, guest PSTATE included; resumed as
	 * they are, the thread would be entered in a guest mode without a
	 * vCPU. A thread without one starts over as a blank user thread. */
	arch_regs_init_user(&t->regs, 0, 0);
}

void vcpu_destroy(struct vcpu *v)
{
	for (unsigned i = 0; i < KEEL_VCPU_ROUTES; i++)
		cap_delete(&v->route[i]);
	for (unsigned i = 0; i < KEEL_VCPU_POSTS; i++) {
		cap_delete(&v->post_page[i]);
		cap_delete(&v->post_ntfn[i]);
	}
	if (v->tcb)
		vcpu_unbind(v->tcb);
	vcpu_unhold(v);
	arch_vcpu_forget(&v->arch);
}

static void vcpu_inject(struct vcpu *v, const uint64_t *mr)
{
	arch_vcpu_inject_irq(&v->arch, (unsigned)mr[0], (unsigned)mr[1],
			     mr[2] & KEEL_INJECT_NOTIFY_EOI);
	if (v->tcb && v->tcb->state == TS_BLOCKED_WFI)
		vcpu_wake(v->tcb);
}

/* Everything but the MPIDR back to the state arch_vcpu_init gives. */
static void vcpu_reset(struct vcpu *v)
{
	struct arch_regs none = { .pc = 0 };
	uint64_t mpidr = 0;
	vcpu_sync(v);
	arch_vcpu_reg_read(&v->arch, &none, KEEL_VREG_MPIDR, &mpidr);
	kmemset(&v->arch, 0, sizeof(v->arch));
	arch_vcpu_init(&v->arch);
	arch_vcpu_reg_write(&v->arch, &none, KEEL_VREG_MPIDR, mpidr);
}

/* Decoding an injection reads the list registers, so it makes the vCPU's
 * memory copy current first (vcpu_sync): that moves the state, it changes
 * nothing the VMM or the guest can see. */
static long decode_vcpu(struct cap *c, uint64_t label, const uint64_t *mr)
{
	struct vcpu *v = vcpu_of(c);
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	switch (label) {
	case KEEL_VCPU_READ_REG:
		return arch_vcpu_reg_valid((unsigned)mr[0], 0, false) ? KEEL_OK
								       : KEEL_E_INVALID_ARG;
	case KEEL_VCPU_WRITE_REG:
		if (!v->tcb || !arch_vcpu_reg_valid((unsigned)mr[0], mr[1], true))
			return KEEL_E_INVALID_ARG;
		return KEEL_OK;
	case KEEL_VCPU_INJECT_IRQ:
		if (mr[0] >= ARCH_VIRQ_LIMIT || mr[1] > 255 || mr[2] & ~(uint64_t)KEEL_INJECT_NOTIFY_EOI)
			return KEEL_E_INVALID_ARG;
		vcpu_sync(v); /* its list registers may be live on a CPU */
		return arch_vcpu_irq_room(&v->arch, (unsigned)mr[0]) ? KEEL_OK : KEEL_E_BUSY;
	case KEEL_VCPU_RESET:
	case KEEL_VCPU_WFI_EXIT: return KEEL_OK;
	default: return KEEL_E_INVALID_CALL;
	}
}

static void invoke_vcpu(struct cap *c, uint64_t label, uint64_t *mr)
{
	struct vcpu *v = vcpu_of(c);
	struct arch_regs none, *regs = &none; /* an unbound vCPU has no general
					      * registers: they read as 0 */
	if (v->tcb) /* the common case pays no clearing (riscv64: a memset) */
		regs = &v->tcb->regs;
	else
		kmemset(&none, 0, sizeof none);
	switch (label) {
	case KEEL_VCPU_READ_REG:
		vcpu_sync(v);
		arch_vcpu_reg_read(&v->arch, regs, (unsigned)mr[0], &mr[0]);
		break;
	case KEEL_VCPU_WRITE_REG:
		vcpu_sync(v);
		arch_vcpu_reg_write(&v->arch, regs, (unsigned)mr[0], mr[1]);
		break;
	case KEEL_VCPU_INJECT_IRQ: vcpu_inject(v, mr); break;
	case KEEL_VCPU_WFI_EXIT: v->wfi_exit = true; break;
	default: vcpu_reset(v); break; /* RESET */
	}
}

/* ---- MMIO routes: a device's window straight to its server ---- */

static struct cap *route_find(struct vcpu *v, uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < KEEL_VCPU_ROUTES; i++)
		if (v->route[i].type == KEEL_OBJ_ENDPOINT && gpa < v->route_base[i] + v->route_size[i] &&
		    v->route_base[i] < gpa + size)
			return &v->route[i];
	return NULL;
}

/* What SET_ROUTE names: the endpoint (NULL: clear) and, with it, the
 * post page and its notification (both NULL: none). */
struct route_args {
	struct cap *ep, *page, *ntfn;
};

/* The post slot route i has, or -1. */
static int vcpu_post_of(const struct vcpu *v, unsigned i)
{
	for (unsigned p = 0; p < KEEL_VCPU_POSTS; p++)
		if (v->post_route[p] == i + 1)
			return (int)p;
	return -1;
}

/* The post slot for route i: its own, else a free one, else -1. */
static int vcpu_post_slot(const struct vcpu *v, unsigned i)
{
	int p = vcpu_post_of(v, i);
	for (unsigned f = 0; p < 0 && f < KEEL_VCPU_POSTS; f++)
		if (!v->post_route[f])
			p = (int)f;
	return p;
}

/* MR4 and MR5: a post page (RAM, READ and WRITE) and a notification
 * (WRITE), both or neither; KEEL_VCPU_POSTS routes per vCPU have them. */
static long decode_post(struct tcb *t, struct vcpu *v, const uint64_t *mr, struct route_args *a)
{
	long err;
	if (mr[4] == 0 && mr[5] == 0)
		return KEEL_OK;
	if (mr[4] == 0 || mr[5] == 0)
		return KEEL_E_INVALID_ARG;
	if ((err = cap_lookup_typed(t, mr[4], KEEL_OBJ_FRAME, KEEL_R_READ | KEEL_R_WRITE, &a->page)) ||
	    (err = cap_lookup_typed(t, mr[5], KEEL_OBJ_NOTIFICATION, KEEL_R_WRITE, &a->ntfn)))
		return err;
	if (a->page->flags & CAP_DEVICE)
		return KEEL_E_INVALID_ARG;
	if (vcpu_post_slot(v, (unsigned)mr[0]) < 0)
		return KEEL_E_BUSY;
	return KEEL_OK;
}

static long decode_set_route(struct tcb *t, struct cap *c, const uint64_t *mr, struct route_args *a)
{
	struct vcpu *v = vcpu_of(c);
	struct cap *old;
	long err;
	*a = (struct route_args){ NULL, NULL, NULL };
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if (mr[0] >= KEEL_VCPU_ROUTES)
		return KEEL_E_INVALID_ARG;
	if (mr[3] == 0)
		return KEEL_OK;
	if ((err = cap_lookup_typed(t, mr[3], KEEL_OBJ_ENDPOINT, KEEL_R_WRITE, &a->ep)))
		return err;
	old = route_find(v, mr[1], mr[2]);
	if (mr[2] == 0 || mr[1] + mr[2] < mr[1] || (old && old != &v->route[mr[0]]))
		return KEEL_E_INVALID_ARG;
	return decode_post(t, v, mr, a);
}

static void route_copy(struct cap *from, struct cap *to)
{
	struct cap val = *from;
	val.flags &= (uint8_t)~CAP_ORIGINAL;
	cap_insert_child(from, to, &val);
}

static void invoke_set_route(struct vcpu *v, unsigned i, uint64_t base, uint64_t size,
			     const struct route_args *a)
{
	int p = vcpu_post_of(v, i);
	cap_delete(&v->route[i]);
	if (p >= 0) {
		cap_delete(&v->post_page[p]);
		cap_delete(&v->post_ntfn[p]);
		v->post_route[p] = 0;
	}
	if (!a->ep)
		return;
	route_copy(a->ep, &v->route[i]);
	v->route_base[i] = base;
	v->route_size[i] = size;
	if (!a->page || (p = vcpu_post_slot(v, i)) < 0) /* decode found one */
		return;
	route_copy(a->page, &v->post_page[p]);
	route_copy(a->ntfn, &v->post_ntfn[p]);
	v->post_route[p] = i + 1;
}

/* A post page's value as a load of bytes (<= 4) with the exit's flags puts
 * it in its register: sign-extended if asked (LDRSB/LDRSH/LDRSW on arm64,
 * riscv's LB/LH/LW, which Linux's readl is), to 64 bits or, for a 32-bit
 * register, to 32, as keel_mmio_load_value does for a server's answer. */
static uint64_t vcpu_post_load(uint32_t raw, uint64_t bytes, uint64_t flags)
{
	unsigned bits = 8 * (unsigned)bytes;
	uint64_t v = raw & ((1ull << bits) - 1);
	if ((flags & KEEL_MMIO_SIGN_EXTEND) && (v >> (bits - 1)) & 1)
		v |= ~0ull << bits;
	return flags & KEEL_MMIO_REG64 ? v : v & 0xffffffffull;
}

/* A routed access answered from the route's post page (keel/abi.h, struct
 * keel_post_page), if it is one of its two registers and the queue has
 * room: the value read goes to the exit's register, or the write is
 * queued; the server's notification is signalled soon after a write, and
 * after the second read without one (the guest polls); the pc steps past
 * the access. The page is the server's: every word is read once. */
static bool vcpu_post(struct vcpu *v, unsigned slot, struct tcb *t, const uint64_t *msg)
{
	struct cap *page = &v->post_page[slot], *ntfn = &v->post_ntfn[slot];
	struct keel_post_page *p = (struct keel_post_page *)page->obj;
	uint64_t bytes = 1ull << (msg[1] & KEEL_MMIO_WIDTH_MASK), mask;
	bool write = msg[1] & KEEL_MMIO_WRITE;
	uint32_t head, sizes;
	if (page->type != KEEL_OBJ_FRAME || ntfn->type != KEEL_OBJ_NOTIFICATION ||
	    msg[0] != __atomic_load_n(write ? &p->post_off : &p->read_off, __ATOMIC_RELAXED) ||
	    bytes > 4 ||
	    __atomic_load_n(&p->ready, __ATOMIC_ACQUIRE) != KEEL_POST_READY)
		return false;
	sizes = __atomic_load_n(&p->sizes, __ATOMIC_RELAXED);
	if (sizes && !(sizes & bytes)) /* bit n is 2^n bytes: the mask is the size */
		return false;
	mask = (1ull << (8 * bytes)) - 1;
	head = __atomic_load_n(&p->head, __ATOMIC_RELAXED);
	if (head - __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE) >= KEEL_POST_SLOTS)
		return false;
	if (write) {
		p->post[head % KEEL_POST_SLOTS] = (msg[3] & mask) | bytes << 32;
		__atomic_store_n(&p->head, head + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&p->reads, 0, __ATOMIC_RELAXED);
	} else {
		uint32_t reads = __atomic_load_n(&p->reads, __ATOMIC_RELAXED) + 1;
		arch_vcpu_reg_write(&v->arch, &t->regs, (unsigned)msg[2],
				    vcpu_post_load(__atomic_load_n(&p->read_val, __ATOMIC_RELAXED),
						   bytes, msg[1]));
		__atomic_store_n(&p->reads, reads, __ATOMIC_RELAXED);
		write = reads == 2; /* the second read with no write: the guest polls */
	}
	if (write) /* the server hears soon */
		ntfn_signal_soon((struct notification *)ntfn->obj,
				 arch_timer_hz() / 1000 * KEEL_POST_SIGNAL_MS, ntfn->badge);
	arch_vcpu_skip(&t->regs);
	return true;
}

/* An MMIO exit's endpoint (vcpu_exit_ep): its route's, with MR0 the
 * offset in the window, or the VMM's. Every MMIO exit gets MR5, a
 * sequence number unique on the machine that a re-sent exit keeps. */
struct cap *vcpu_mmio_ep(struct tcb *t, uint64_t *msg, unsigned *len)
{
	static uint64_t seq;
	struct vcpu *v = t->vcpu;
	struct cap *r;
	msg[5] = ++seq;
	*len = 6;
	for (unsigned i = 0; i < KEEL_VCPU_ROUTES; i++) {
		r = &v->route[i];
		if (msg[0] - v->route_base[i] < v->route_size[i] && r->type == KEEL_OBJ_ENDPOINT) {
			msg[0] -= v->route_base[i];
			int p = vcpu_post_of(v, i);
			if (p >= 0 && vcpu_post(v, (unsigned)p, t, msg))
				return NULL;
			v->routed = i + 1;
			return r;
		}
	}
	return &t->slot[TCB_FAULT_EP];
}

/* The server serving t's routed exit stopped (crashed, or root restarts
 * it): the same exit, same sequence number, goes to the route again,
 * first in line, so the restarted server sees it before any later access
 * and one that applied it before it stopped does not apply it twice.
 * False: t waits on no routed exit. */
bool vcpu_route_resend(struct tcb *t)
{
	struct cap *r;
	if (!t->vcpu || !t->fault_pending || !t->vcpu->routed)
		return false;
	r = &t->vcpu->route[t->vcpu->routed - 1];
	if (r->type != KEEL_OBJ_ENDPOINT)
		return false;
	ipc_resend_first(t, r);
	return true;
}

long vcpu_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct route_args a;
	long err;
	if (label == KEEL_VCPU_SET_ROUTE) {
		if (!(err = decode_set_route(t, c, mr, &a)))
			invoke_set_route(vcpu_of(c), (unsigned)mr[0], mr[1], mr[2], &a);
		return err;
	}
	err = decode_vcpu(c, label, mr);
	if (err)
		return err;
	invoke_vcpu(c, label, mr);
	return KEEL_OK;
}

/* ---- WFI: parked vCPUs, woken by an injected interrupt or their timer ---- */

void vcpu_unpark(struct tcb *t)
{
	tq_remove(&kernel_cpu[t->cpu].parked, t);
}

static void vcpu_wake(struct tcb *t)
{
	vcpu_unpark(t);
	sched_make_ready(t);
}

static void vcpu_park(struct tcb *t)
{
	struct percpu *c = &kernel_cpu[t->cpu];
	uint64_t when = arch_vcpu_timer_deadline(&t->vcpu->arch);
	if (arch_vcpu_irq_pending(&t->vcpu->arch) || when <= arch_timer_now()) {
		sched_make_ready(t);
		return;
	}
	t->state = TS_BLOCKED_WFI;
	tq_append(&c->parked, t);
	if (when < c->timer_next && c == this_cpu()) {
		c->timer_next = when;
		arch_timer_arm_at(when);
	}
}

/* The guest's WFI, trapped: parked here until an interrupt is pending for
 * it, as the VMM's WAIT reply would park it, without the round trip to
 * the VMM (two address-space switches, which QEMU pays for with its whole
 * TLB). Where the arch lets it (arch_vcpu_wfi_keep), the CPU keeps the
 * vCPU's state in its registers while idle runs, so the usual wake-up (its
 * timer, on this CPU) saves and reloads nothing. False: the VMM asked for
 * this one (KEEL_VCPU_WFI_EXIT), so it goes as an exit. */
bool vcpu_wfi(struct tcb *t)
{
	if (t->vcpu->wfi_exit) {
		t->vcpu->wfi_exit = false;
		return false;
	}
	arch_vcpu_skip(&t->regs);
	if (!arch_vcpu_wfi_keep(&t->vcpu->arch))
		vcpu_sync(t->vcpu);
	sched_block(t, TS_BLOCKED_WFI);
	vcpu_park(t);
	return true;
}

/* An interrupt for v came while this CPU holds it in guest mode with idle
 * running (arch_vcpu_idle): its thread goes on if it waits in WFI. */
void vcpu_held_irq(struct arch_vcpu *av)
{
	struct vcpu *v = (struct vcpu *)((char *)av - offsetof(struct vcpu, arch));
	if (v->tcb && v->tcb->state == TS_BLOCKED_WFI)
		vcpu_wake(v->tcb);
}

/* Wake parked vCPUs whose timer has fired; the earliest deadline left. */
uint64_t vcpu_wake_expired(struct percpu *c, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct tcb *t = c->parked.head;
	while (t) {
		struct tcb *n = t->next;
		uint64_t when = arch_vcpu_timer_deadline(&t->vcpu->arch);
		if (when <= now)
			vcpu_wake(t);
		else if (when < next)
			next = when;
		t = n;
	}
	return next;
}

/* The same from a traced entry (arch_trace_entry): recorded first, with
 * the address before a route makes it an offset. */
void vcpu_exit_traced(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len)
{
	trace_record(KEEL_TRACE_EXIT, t, label, msg[0]);
	vcpu_exit(t, label, msg, len);
}

void vcpu_exit(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len)
{
	uint64_t m[KEEL_MSG_REG_MRS] = { 0 };
	struct cap *ep;
	kmemcpy(m, msg, len * sizeof *m);
	ep = vcpu_exit_ep(t, label, m, &len);
	if (ep)
		fault_raise_to(t, ep, label, m, len);
}

/* The VMM answered an exit: act on its reply (label, MR0..MR2). An
 * unknown action stops the vCPU rather than guess. Only a RESUME that
 * writes a general register leaves the guest's state where it is (it
 * lives in the TCB); anything else reads or changes the vCPU's state, so
 * its memory copy is made current first. */
void vcpu_reply(struct tcb *t, uint64_t label, const uint64_t *mr)
{
	struct arch_vcpu *v = &t->vcpu->arch;
	if (label != KEEL_VCPU_RESUME || ((mr[0] & KEEL_RESUME_WRITE_REG) &&
					  mr[1] > KEEL_VREG_PSTATE))
		vcpu_sync(t->vcpu);
	switch (label) {
	case KEEL_VCPU_RESUME:
		/* the register is named as in the exit; KEEL_EXIT_REG_NONE
		 * (an MMIO load into the zero register) is no KEEL_VREG, so
		 * arch_vcpu_reg_write writes nothing */
		if (mr[0] & KEEL_RESUME_WRITE_REG)
			arch_vcpu_reg_write(v, &t->regs, (unsigned)mr[1], mr[2]);
		if (mr[0] & KEEL_RESUME_SKIP)
			arch_vcpu_skip(&t->regs);
		break;
	case KEEL_VCPU_INJECT_DABT: /* a routed exit's address was an offset */
		arch_vcpu_inject_dabt(v, &t->regs, mr[0] + (t->vcpu->routed ?
			t->vcpu->route_base[t->vcpu->routed - 1] : 0), mr[1] & 1);
		break;
	case KEEL_VCPU_INJECT_UNDEF: arch_vcpu_inject_undef(v, &t->regs); break;
	case KEEL_VCPU_WAIT:
		arch_vcpu_skip(&t->regs);
		vcpu_park(t);
		return;
	default: tcb_suspend(t); return;
	}
	sched_make_ready(t);
}
