/*
 * Scheduler: 256 priorities, round-robin within one, per-CPU ready queues.
 *
 * A thread runs only on its affinity CPU (tcb.cpu), so its FPU state and
 * its saved registers are touched by one CPU at a time. The current thread
 * of a CPU is never in a ready queue. A timer tick or a yield sets
 * `rotate`: the current thread then goes behind others of its priority.
 */
#include "kernel.h"

struct percpu kernel_cpu[MAX_CPUS];
unsigned kernel_ncpus = 1;

/* Only a READY thread can be in a ready queue: the same links also chain
 * threads waiting on endpoints and notifications. */
static bool tq_linked(const struct tq *q, const struct tcb *t)
{
	return t->state == TS_READY && (t->prev || q->head == t);
}

/* The priority is passed in, read once: the queue stores could alias the
 * thread (uint8_t fields), so the compiler would read it again. */
static void sched_map_set(struct percpu *c, unsigned prio)
{
	c->ready_map[prio / 64] |= 1ull << (prio % 64);
	c->ready_words |= (uint8_t)(1u << (prio / 64));
}

static void sched_map_clear(struct percpu *c, unsigned prio)
{
	uint64_t word = c->ready_map[prio / 64] & ~(1ull << (prio % 64));
	c->ready_map[prio / 64] = word;
	if (!word)
		c->ready_words &= (uint8_t)~(1u << (prio / 64));
}

void sched_enqueue(struct tcb *t)
{
	unsigned prio = t->prio;
	struct percpu *c = &kernel_cpu[t->cpu];
	struct tq *q = &c->ready[prio];
	if (c->current == t || tq_linked(q, t))
		return;
	tq_append(q, t);
	sched_map_set(c, prio);
}

void sched_dequeue(struct tcb *t)
{
	unsigned prio = t->prio;
	struct percpu *c = &kernel_cpu[t->cpu];
	struct tq *q = &c->ready[prio];
	if (!tq_linked(q, t))
		return;
	tq_remove(q, t);
	if (!q->head)
		sched_map_clear(c, prio);
}

int sched_highest(const struct percpu *c)
{
	int w;
	if (!c->ready_words)
		return -1;
	w = 31 - __builtin_clz(c->ready_words);
	return w * 64 + 63 - __builtin_clzll(c->ready_map[w]);
}

/* Make t runnable; if it should preempt what its CPU runs, say so. */
void sched_make_ready(struct tcb *t)
{
	struct percpu *c = &kernel_cpu[t->cpu];
	t->state = TS_READY;
	sched_enqueue(t);
	if (c->current->state == TS_IDLE || t->prio > c->current->prio) {
		if (c == this_cpu())
			c->resched = true;
		else
			arch_send_resched_ipi(t->cpu);
	}
}

void sched_block(struct tcb *t, unsigned state)
{
	sched_dequeue(t);
	t->state = (uint8_t)state;
	if (kernel_cpu[t->cpu].current == t)
		kernel_cpu[t->cpu].resched = true;
}

void sched_yield(void)
{
	this_cpu()->resched = true;
	this_cpu()->rotate = true;
}

void sched_switch_to(struct tcb *t)
{
	struct percpu *c = this_cpu();
	arch_fpu_switch(c->current, t);
	c->current = t;
}

/* Choose what this CPU runs next (called on the way out of the kernel). */
void sched_pick(void)
{
	struct percpu *c = this_cpu();
	struct tcb *cur = c->current;
	bool rotate = c->rotate;
	int p = sched_highest(c);
	c->resched = false;
	c->rotate = false;
	if (cur->state == TS_READY && cur->cpu == c->id) {
		if (p < 0 || p < cur->prio || (p == cur->prio && !rotate))
			return;
		tq_append(&c->ready[cur->prio], cur);
		sched_map_set(c, cur->prio);
	} else if (cur->state == TS_READY) {
		sched_enqueue(cur); /* affinity moved it elsewhere */
	}
	p = sched_highest(c);
	if (p < 0) {
		sched_switch_to(&c->idle);
		return;
	}
	struct tcb *next = c->ready[p].head;
	sched_dequeue(next);
	sched_switch_to(next);
}

/* Ask CPU i to let go of a thread's state and wait until it has: it takes
 * the IPI, finds the lock held (by us) and answers while it waits for it
 * (kernel_enter_contended). */
static void remote_handshake(unsigned i)
{
	struct percpu *o = &kernel_cpu[i];
	__atomic_store_n(&o->stall_ack, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->stall_req, 1, __ATOMIC_RELEASE);
	arch_send_resched_ipi(i);
	arch_cpu_wake(); /* it may be waiting for the lock already */
	while (!__atomic_load_n(&o->stall_ack, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	__atomic_store_n(&o->stall_req, 0, __ATOMIC_RELAXED);
}

/* CPU i holds a vCPU's state in its registers (lazy switching, vcpu.c)
 * while it runs something else: have it saved, and leave its thread be. */
void sched_remote_flush(unsigned i)
{
	remote_handshake(i);
}

/*
 * Before a thread that another CPU is running can be changed or freed, that
 * CPU must have saved the thread's registers and FPU state and stopped using
 * its memory. It is told to switch to idle and interrupted; its entry path
 * saves the registers, then, while it waits for the kernel lock that this
 * CPU holds, saves the FPU and acknowledges (kernel_enter). A system call
 * caught half-way is made to restart when the thread next runs. A vCPU
 * thread's guest state is also made current in memory, wherever it was
 * held (vcpu_unhold), so callers may read and change it.
 */
void sched_remote_stall(struct tcb *t)
{
	for (unsigned i = 0; i < kernel_ncpus; i++) {
		struct percpu *o = &kernel_cpu[i];
		if (o == this_cpu() || o->current != t)
			continue;
		o->current = &o->idle;
		o->resched = true;
		remote_handshake(i);
		if (o->trap_svc)
			arch_regs_restart_syscall(&t->regs);
		/* still runnable unless the caller now changes that: queue it
		 * again, or it would never run (callers that suspend or move
		 * it take it out of the queue themselves) */
		if (t->state == TS_READY)
			sched_enqueue(t);
	}
	if (t->vcpu)
		vcpu_unhold(t->vcpu);
}

/* The lock was busy: queue for it, and meanwhile answer a remote stall. */
void kernel_enter_contended(struct tcb *trapped, bool svc)
{
	struct percpu *c = this_cpu();
	unsigned ticket = arch_lock_ticket();
	while (!arch_lock_is_mine(ticket)) {
		if (__atomic_load_n(&c->stall_req, __ATOMIC_ACQUIRE) &&
		    !c->stall_ack) {
			arch_fpu_save_if_owner(trapped);
			arch_vcpu_flush(); /* save a guest's state while its
					    * memory is still safe */
			c->trap_svc = svc;
			__atomic_store_n(&c->stall_ack, 1, __ATOMIC_RELEASE);
			arch_cpu_wake();
		}
		arch_cpu_relax();
	}
}
