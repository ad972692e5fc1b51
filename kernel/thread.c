/*
 * Threads: state changes, binding slots (CNode, vspace, fault endpoint, IPC
 * buffer frame, held as capabilities inside the TCB so that deleting the
 * bound object unbinds it), and the TCB invocations.
 */
#include "kernel.h"

/* Take t off every queue and out of every IPC relationship. */
static void tcb_detach(struct tcb *t)
{
	sched_remote_stall(t);
	ipc_cancel(t);
	ipc_reply_detach(t);
	sched_dequeue(t);
}

void tcb_suspend(struct tcb *t)
{
	tcb_detach(t);
	t->state = TS_INACTIVE;
	if (this_cpu()->current == t)
		this_cpu()->resched = true;
}

static bool tcb_runnable(const struct tcb *t)
{
	return (t->slot[TCB_CSPACE].type == KEEL_OBJ_CNODE || t->vcpu) && t->vs_root != 0;
}

void tcb_resume(struct tcb *t)
{
	if (t->state == TS_INACTIVE && tcb_runnable(t))
		sched_make_ready(t);
}

void tcb_destroy(struct tcb *t)
{
	tcb_suspend(t);
	ntfn_unbind(t);
	arch_fpu_save_if_owner(t);
	for (unsigned i = 0; i < TCB_SLOTS; i++) {
		cap_delete(&t->slot[i]);
		t->slot[i].flags = 0;
	}
	if (this_cpu()->current == t) {
		this_cpu()->current = &this_cpu()->idle;
		this_cpu()->resched = true;
	}
}

/* Keep the bound vspace's root and VMID at hand for context switches. The
 * binding slot is a descendant of the vspace's original, so the vspace
 * cannot die without emptying it first (which clears the cache). */
void tcb_cache_vspace(struct tcb *t)
{
	uint64_t root;
	unsigned vmid;
	t->vs_root = 0;
	if (vspace_lookup(&t->slot[TCB_VSPACE], &root, &vmid)) {
		t->vs_root = root;
		t->vs_vmid = vmid;
	}
}

/* A binding slot was emptied (its object died, or it was unbound). */
void tcb_slot_removed(struct cap *slot)
{
	struct tcb *t = (struct tcb *)((uintptr_t)slot & ~((1ull << KEEL_TCB_BITS) - 1));
	if (slot == &t->slot[TCB_VSPACE])
		t->vs_root = 0;
	if (slot == &t->slot[TCB_VCPU]) {
		tcb_suspend(t); /* off every CPU (and its vCPU unloaded) first */
		vcpu_unbind(t);
	}
	if (slot == &t->slot[TCB_CSPACE] || slot == &t->slot[TCB_VSPACE]) {
		if (t->state != TS_INACTIVE)
			tcb_suspend(t);
	}
}

uint64_t *tcb_ipcbuf(struct tcb *t)
{
	if (t->slot[TCB_IPCBUF].type != KEEL_OBJ_FRAME)
		return NULL;
	return (uint64_t *)t->slot[TCB_IPCBUF].obj;
}

/* ---- TCB invocations ---- */

struct tcb_args {
	struct tcb *target;
	struct cap *bind[TCB_SLOTS]; /* CONFIGURE: what to bind (NULL: none) */
	struct cap *obj;             /* the notification or VCPU to bind */
	uint64_t arg;                /* priority, CPU, IPC-buffer address */
};

/* TCB_CONFIGURE: MR1 CNode, MR2 vspace, MR0 fault endpoint, MR3 IPC
 * buffer frame at address MR4; each may be 0 (none). */
static long decode_configure(struct tcb *t, const uint64_t *mr, struct tcb_args *a)
{
	static const uint8_t type[TCB_SLOTS] = {
		KEEL_OBJ_CNODE, KEEL_OBJ_VSPACE, KEEL_OBJ_ENDPOINT, KEEL_OBJ_FRAME,
	};
	static const uint8_t arg[TCB_SLOTS] = { 1, 2, 0, 3 };
	static const uint8_t rights[TCB_SLOTS] = { 0, 0, KEEL_R_WRITE, KEEL_R_WRITE };
	for (unsigned i = 0; i < TCB_VCPU; i++) {
		long err;
		a->bind[i] = NULL;
		if (mr[arg[i]] == 0)
			continue;
		err = cap_lookup_typed(t, mr[arg[i]], type[i], rights[i], &a->bind[i]);
		if (err)
			return err;
	}
	if (a->bind[TCB_IPCBUF] &&
	    (mr[4] & (PAGE_SIZE - 1) || mr[4] >= arch_vaddr_limit()))
		return KEEL_E_BAD_ADDRESS;
	a->arg = a->bind[TCB_IPCBUF] ? mr[4] : 0;
	return KEEL_OK;
}

static void invoke_configure(const struct tcb_args *a)
{
	struct tcb *target = a->target;
	tcb_suspend(target);
	for (unsigned i = 0; i < TCB_VCPU; i++) {
		struct cap val;
		cap_delete(&target->slot[i]);
		if (!a->bind[i])
			continue;
		val = *a->bind[i];
		val.flags &= (uint8_t)~(CAP_ORIGINAL | CAP_MAPPED);
		cap_insert_child(a->bind[i], &target->slot[i], &val);
	}
	target->ipcbuf_vaddr = a->arg;
	tcb_cache_vspace(target);
}

/* ---- register access ---- */

static void tcb_write_regs(struct tcb *t, const uint64_t *mr)
{
	tcb_suspend(t);
	arch_regs_init_user(&t->regs, mr[0], mr[1]);
	arch_regs_set(&t->regs, 0, mr[2]);
	arch_regs_set(&t->regs, 1, mr[3]);
	arch_regs_set_tls(&t->regs, mr[4]);
}

/* The registers as last saved: exact for a thread that is blocked or
 * suspended, which is when a handler reads them. */
static void tcb_read_regs(struct tcb *t, uint64_t *mr)
{
	mr[0] = arch_regs_pc(&t->regs);
	mr[1] = arch_regs_sp(&t->regs);
	mr[2] = arch_regs_get(&t->regs, 0);
	mr[3] = arch_regs_get(&t->regs, 1);
	mr[4] = arch_regs_tls(&t->regs);
}

/* ---- notification binding, affinity, priority ---- */

static long decode_bind_ntfn(struct tcb *t, struct tcb *target, uint64_t cptr,
			     struct tcb_args *a)
{
	long err;
	a->obj = NULL;
	if (cptr == 0)
		return KEEL_OK; /* unbind */
	if ((err = cap_lookup_typed(t, cptr, KEEL_OBJ_NOTIFICATION, KEEL_R_READ, &a->obj)))
		return err;
	if (((struct notification *)a->obj->obj)->bound || target->bound_ntfn)
		return KEEL_E_BUSY;
	return KEEL_OK;
}

static void invoke_bind_ntfn(const struct tcb_args *a)
{
	struct notification *n;
	if (!a->obj) {
		ntfn_unbind(a->target);
		return;
	}
	n = (struct notification *)a->obj->obj;
	n->bound = a->target;
	a->target->bound_ntfn = n;
}

static void tcb_set_affinity(struct tcb *target, uint64_t cpu)
{
	sched_remote_stall(target);
	sched_dequeue(target);
	if (target->state == TS_BLOCKED_WFI) {
		vcpu_unpark(target); /* parked lists are per CPU; WFI may */
		target->state = TS_READY; /* end early, so just wake it */
	}
	arch_fpu_save_if_owner(target);
	target->cpu = (uint8_t)cpu;
	if (target == this_cpu()->current)
		this_cpu()->resched = true; /* and never resume it here: the
					     * new CPU may take it once we
					     * release the lock */
	if (target->state == TS_READY)
		sched_make_ready(target);
}

static void tcb_set_priority(struct tcb *target, uint64_t prio)
{
	sched_dequeue(target);
	target->prio = (uint8_t)prio;
	if (target == this_cpu()->current)
		this_cpu()->resched = true; /* it may no longer be the highest */
	else if (target->state == TS_READY)
		sched_make_ready(target);
}

static long decode_tcb(struct tcb *t, struct cap *c, uint64_t label, const uint64_t *mr,
		       struct tcb_args *a)
{
	struct tcb *target = a->target = (struct tcb *)c->obj;
	a->arg = mr[0];
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	switch (label) {
	case KEEL_TCB_CONFIGURE: return decode_configure(t, mr, a);
	case KEEL_TCB_SET_PRIORITY: return mr[0] > t->prio ? KEEL_E_INVALID_ARG : KEEL_OK;
	case KEEL_TCB_SET_AFFINITY: return mr[0] >= kernel_ncpus ? KEEL_E_INVALID_ARG : KEEL_OK;
	case KEEL_TCB_WRITE_REGS:
		if (target->vcpu)
			return KEEL_E_INVALID_ARG; /* would drop the guest to
						    * EL0: use KEEL_VCPU_WRITE_REG */
		if (mr[0] >= arch_vaddr_limit() || mr[1] >= arch_vaddr_limit())
			return KEEL_E_BAD_ADDRESS;
		return KEEL_OK;
	case KEEL_TCB_RESUME: return tcb_runnable(target) ? KEEL_OK : KEEL_E_INVALID_ARG;
	case KEEL_TCB_READ_REGS:
	case KEEL_TCB_SUSPEND: return KEEL_OK;
	case KEEL_TCB_BIND_NOTIFICATION: return decode_bind_ntfn(t, target, mr[0], a);
	case KEEL_TCB_BIND_VCPU: return decode_bind_vcpu(t, target, mr[0], &a->obj);
	default: return KEEL_E_INVALID_CALL;
	}
}

static void invoke_tcb(uint64_t label, const struct tcb_args *a, uint64_t *mr)
{
	switch (label) {
	case KEEL_TCB_CONFIGURE: invoke_configure(a); break;
	case KEEL_TCB_SET_PRIORITY: tcb_set_priority(a->target, a->arg); break;
	case KEEL_TCB_SET_AFFINITY: tcb_set_affinity(a->target, a->arg); break;
	case KEEL_TCB_WRITE_REGS: tcb_write_regs(a->target, mr); break;
	case KEEL_TCB_READ_REGS: tcb_read_regs(a->target, mr); break;
	case KEEL_TCB_RESUME: tcb_resume(a->target); break;
	case KEEL_TCB_SUSPEND: tcb_suspend(a->target); break;
	case KEEL_TCB_BIND_NOTIFICATION: invoke_bind_ntfn(a); break;
	default: invoke_bind_vcpu(a->target, a->obj); break; /* BIND_VCPU */
	}
}

long tcb_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct tcb_args a;
	long err = decode_tcb(t, c, label, mr, &a);
	if (err)
		return err;
	invoke_tcb(label, &a, mr);
	return KEEL_OK;
}
