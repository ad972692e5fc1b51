/*
 * libFuzzer target: the kernel's system-call decode and invocations, the
 * real kernel entry over arch/fake (as the host unit tests run it), from
 * the unit tests' root-server world (tests/unit/fixture.c: root CNode,
 * TCB, vspace, IRQ control, VMID pool, untyped and device untyped) plus
 * two more threads sharing root's CSpace, one on each CPU.
 *
 * Input: records, one event each. Most are system calls: the caller (a
 * TCB named by a slot of the root CNode that is ready and not a vCPU's;
 * root otherwise), the call number, the capability pointer, the message
 * info and MR0..MR5, so retype, copy/mint/move/delete/revoke, maps,
 * bindings, IPC and every other invocation come with arguments from the
 * input. The others are faults of the caller (VM, user, and the exit
 * labels a vCPU thread sends), interrupts, and timer ticks. After each
 * event every CPU passes through kernel_exit (the scheduler picks), and
 * fuzz_kernel_check asserts what must hold between calls: the scheduler's
 * queues, every CPU's thread, the capability derivation links of root's
 * CNode. At the end the fixture's teardown deletes the root CNode, which
 * must take every object with it (all VMIDs free, every CPU idle, no
 * thread queued or parked; wherever the input moved root's CNode, it is
 * put back first). A kernel panic, an ASan or UBSan report, or a
 * broken invariant is a finding.
 *
 *   make fuzz-syscall-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-syscall         FUZZ_RUNS inputs (part of make fuzz)
 */
#include <stdarg.h>
#include <string.h>

#include "fixture.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fixture.c's ck_assert failures (and its kpanic hook, ck_abort_msg) end
 * here instead of in Check's runner: abort, so libFuzzer keeps the input. */
void _ck_assert_failed(const char *file, int line, const char *expr, const char *msg, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: %s", file, line, expr);
	if (msg) {
		fputs(": ", stderr);
		va_start(ap, msg);
		vfprintf(stderr, msg, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	abort();
}

/* Check's record of the last assertion that passed: nothing to record. */
void _mark_point(const char *file, int line)
{
	(void)file, (void)line;
}

#define T1 10u         /* a thread on CPU 0 (slots 10 to 15 are free) */
#define T2 11u         /* a thread on CPU 1 */
#define SLOTS 32u      /* the slots a record names: root's, T1, T2, the free ones */
#define MAX_QUEUE 4096u

/* Values an argument byte from 0xf0 stands for: edges and addresses. */
static uint64_t special_value(unsigned i)
{
	static const uint64_t v[] = {
		~0ull, 1ull << 63, 1ull << 31, 0xffffffffull, 1ull << FX_CNODE_BITS,
		FX_ROOT_IPCBUF, 0x10000000ull, (3ull << 30) | (5ull << 21) | (7ull << 12),
		0x40000000ull, 1ull << 21, 1ull << 12, 1ull << 38, 0x7fffffffffull,
		KEEL_EXIT_REG_NONE,
	};
	return v[i % (sizeof(v) / sizeof(v[0]))];
}

/* An argument: small numbers (slots, types, sizes, labels, flags) take
 * one byte; 0xf0..0xfe a special value; 0xff eight raw bytes. */
static uint64_t arg(struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	if (b < 0xf0)
		return b;
	if (b < 0xff)
		return special_value(b - 0xf0);
	return fz_u64(in);
}

static struct tcb *slot_tcb(unsigned slot)
{
	struct cap *c = fx_slot(slot);
	return c->type == KEEL_OBJ_TCB ? (struct tcb *)(uintptr_t)c->obj : NULL;
}

/* A thread that can trap now: ready, on a CPU that exists, in an address
 * space; for a system call, not a vCPU's (those trap as exits). */
static bool can_trap(const struct tcb *t, bool syscall)
{
	return t && t->state == TS_READY && t->cpu < kernel_ncpus && t->vs_root &&
	       (!syscall || !t->vcpu);
}

static struct tcb *caller(uint8_t b, bool syscall)
{
	struct tcb *t = slot_tcb(b % SLOTS);
	if (can_trap(t, syscall))
		return t;
	return can_trap(fx.root, syscall) ? fx.root : NULL;
}

/* The CPU the event ran on leaves the kernel (the scheduler settles what
 * the event changed), and so does every other CPU the event asked to
 * (a resched IPI), as if it took the interrupt. */
static void cpus_exit(unsigned self)
{
	for (unsigned c = 0; c < kernel_ncpus; c++) {
		struct tcb *t;
		if (c != self && !kernel_cpu[c].resched)
			continue;
		fake_arch.cpu = c;
		if (c != self)
			kernel_enter(kernel_cpu[c].current, false);
		t = fx_kernel_exit();
		FZ_CHECK(t == kernel_cpu[c].current, "CPU %u returned to another thread", c);
	}
}

static void event_syscall(struct fz_in *in)
{
	struct tcb *t = caller(fz_u8(in), true);
	uint8_t num = fz_u8(in), cp = fz_u8(in), lab = fz_u8(in), len = fz_u8(in);
	uint64_t cptr = cp < 0xf0 ? cp % SLOTS : arg(in), mr[6];
	uint64_t info = keel_msginfo(lab % (KEEL_LABEL_COUNT + 1), len % 9u);
	for (unsigned i = 0; i < 6; i++)
		mr[i] = arg(in);
	if (len >= 0xf0)
		info = fz_u64(in); /* any message info, extra capabilities and all */
	if (!t)
		return;
	(void)fx_trap(t, num % (KEEL_SYS_COUNT + 1), cptr, info, mr);
}

static const uint64_t fault_labels[] = {
	KEEL_FAULT_VM, KEEL_FAULT_SYSCALL, KEEL_FAULT_USER, KEEL_EXIT_MMIO, KEEL_EXIT_HVC,
	KEEL_EXIT_SMC, KEEL_EXIT_WFI, KEEL_EXIT_SYSREG, KEEL_EXIT_UNKNOWN, KEEL_EXIT_MAINT,
};

static void event_fault(struct fz_in *in)
{
	struct tcb *t = caller(fz_u8(in), false);
	uint8_t l = fz_u8(in), len = fz_u8(in) % 9u;
	uint64_t msg[8];
	for (unsigned i = 0; i < 8; i++)
		msg[i] = arg(in);
	if (!t)
		return;
	fx_run(t);
	kernel_enter(t, false);
	kernel_fault(fault_labels[l % (sizeof(fault_labels) / sizeof(fault_labels[0]))], msg,
		     len);
}

static void event_irq(struct fz_in *in)
{
	uint8_t cpu = fz_u8(in), irq = fz_u8(in);
	fake_arch.cpu = cpu % kernel_ncpus;
	kernel_enter(kernel_cpu[fake_arch.cpu].current, false);
	kernel_irq(irq % FAKE_IRQS);
}

static void event_tick(struct fz_in *in)
{
	uint8_t cpu = fz_u8(in);
	fake_arch.timer_now += fz_bytes(in, 3) << 4;
	fake_arch.cpu = cpu % kernel_ncpus;
	kernel_enter(kernel_cpu[fake_arch.cpu].current, false);
	kernel_timer_tick();
}

/* The checkers are not what the fuzzer explores: no coverage feedback. */
#define FZ_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

/* The scans that find what to check after every event: they read only
 * root's CNode and kernel_cpu, at indices bounded by their sizes, so they
 * go unchecked by the sanitizers (checked, these scans of every slot and
 * 2 x 256 queues were 56% of the fuzzer's time). Whatever they find is
 * checked, links followed and all, by the checked code below; what they
 * skip (an empty slot without links, an empty queue whose bits are clear)
 * would have passed. */
#define FZ_SCAN __attribute__((no_sanitize("coverage", "address", "undefined"), noinline))

_Static_assert(NUM_PRIOS % 64 == 0, "whole map words");

/* Priority prio's queue or map bit is set, or its map word disagrees
 * with ready_words. */
FZ_SCAN static bool prio_busy(const struct percpu *p, unsigned prio)
{
	uint64_t word = p->ready_map[prio / 64];
	return p->ready[prio].head || ((word >> (prio % 64)) & 1) ||
	       ((p->ready_words >> (prio / 64)) & 1) != (word != 0);
}

/* Any of the 64 priorities of map word w busy (two chains of ORs in
 * parallel: one through every queue was the cost). */
FZ_SCAN static bool word_busy(const struct percpu *p, unsigned w)
{
	uintptr_t a = 0, b = 0;
	for (unsigned i = w * 64; i < w * 64 + 64; i += 2)
		a |= (uintptr_t)p->ready[i].head, b |= (uintptr_t)p->ready[i + 1].head;
	return a || b || p->ready_map[w] || ((p->ready_words >> w) & 1);
}

/* The first busy priority from prio on, skipping idle map words whole. */
FZ_SCAN static unsigned next_busy_prio(const struct percpu *p, unsigned prio)
{
	for (; prio < NUM_PRIOS; prio++) {
		if (prio % 64 == 0 && !word_busy(p, prio / 64))
			prio += 63;
		else if (prio_busy(p, prio))
			return prio;
	}
	return prio;
}

#define SCAN_BLOCK 16u

/* Any slot of the block at c busy (two chains of ORs in parallel). */
FZ_SCAN static bool block_busy(const struct cap *c)
{
	uintptr_t a = 0, b = 0;
	for (unsigned j = 0; j < SCAN_BLOCK; j += 2) {
		a |= (c[j].type | (uintptr_t)c[j].parent) | ((uintptr_t)c[j].child |
			(uintptr_t)c[j].next) | (uintptr_t)c[j].prev;
		b |= (c[j + 1].type | (uintptr_t)c[j + 1].parent) |
		     ((uintptr_t)c[j + 1].child | (uintptr_t)c[j + 1].next) |
		     (uintptr_t)c[j + 1].prev;
	}
	return (a | b) != 0;
}

FZ_SCAN static bool slot_busy(const struct cap *c)
{
	return c->type != KEEL_OBJ_NULL || c->parent || c->child || c->next || c->prev;
}

_Static_assert((1u << FX_CNODE_BITS) % SCAN_BLOCK == 0, "whole blocks");

/* The first slot of root's CNode from i on that is not empty and
 * linkless, skipping whole blocks of SCAN_BLOCK such slots. */
FZ_SCAN static unsigned next_busy_slot(unsigned i)
{
	for (; i < 1u << FX_CNODE_BITS; i++) {
		if (i % SCAN_BLOCK == 0 && !block_busy(&fx.cnode[i]))
			i += SCAN_BLOCK - 1;
		else if (slot_busy(&fx.cnode[i]))
			return i;
	}
	return i;
}

/* A queue's links are consistent, end to end, with no cycle. */
FZ_NO_COVERAGE static unsigned queue_check(const struct tq *q, const char *what)
{
	unsigned n = 0;
	const struct tcb *prev = NULL;
	for (const struct tcb *t = q->head; t; prev = t, t = t->next) {
		FZ_CHECK(t->prev == prev, "%s: broken back link", what);
		FZ_CHECK(++n < MAX_QUEUE, "%s: a cycle", what);
	}
	FZ_CHECK(q->tail == prev, "%s: tail", what);
	return n;
}

FZ_NO_COVERAGE static void sched_check(unsigned c)
{
	struct percpu *p = &kernel_cpu[c];
	const struct tcb *cur = p->current;
	FZ_CHECK(cur == &p->idle || (cur->state == TS_READY && cur->cpu == c),
		 "CPU %u runs a thread in state %u", c, cur->state);
	FZ_CHECK(!p->resched, "CPU %u left kernel_exit with resched", c);
	for (unsigned prio = next_busy_prio(p, 0); prio < NUM_PRIOS;
	     prio = next_busy_prio(p, prio + 1)) {
		const struct tq *q = &p->ready[prio];
		bool bit = (p->ready_map[prio / 64] >> (prio % 64)) & 1;
		FZ_CHECK(bit == (q->head != NULL), "CPU %u prio %u: map %d", c, prio, bit);
		FZ_CHECK(((p->ready_words >> (prio / 64)) & 1) == (p->ready_map[prio / 64] != 0),
			 "CPU %u: ready_words 0x%x against map word %u", c, p->ready_words, prio / 64);
		if (!q->head)
			continue;
		queue_check(q, "ready queue");
		for (const struct tcb *t = q->head; t; t = t->next)
			FZ_CHECK(t != cur && t->state == TS_READY && t->prio == prio && t->cpu == c,
				 "CPU %u prio %u: queued thread state %u prio %u cpu %u", c, prio,
				 t->state, t->prio, t->cpu);
	}
	queue_check(&p->parked, "parked");
	for (const struct tcb *t = p->parked.head; t; t = t->next)
		FZ_CHECK(t->state == TS_BLOCKED_WFI && t->vcpu, "parked thread state %u", t->state);
}

/* The derivation links around every capability in root's CNode. */
FZ_NO_COVERAGE static void cap_links_check(void)
{
	for (unsigned i = next_busy_slot(0); i < 1u << FX_CNODE_BITS; i = next_busy_slot(i + 1)) {
		const struct cap *c = &fx.cnode[i];
		unsigned n = 0;
		if (c->type == KEEL_OBJ_NULL) {
			FZ_CHECK(!c->parent && !c->child && !c->next && !c->prev,
				 "empty slot %u has links", i);
			continue;
		}
		FZ_CHECK(c->type < KEEL_OBJ_COUNT, "slot %u: type %u", i, c->type);
		FZ_CHECK(!c->next || c->next->prev == c, "slot %u: next's prev", i);
		FZ_CHECK(!c->prev || c->prev->next == c, "slot %u: prev's next", i);
		FZ_CHECK(c->prev || !c->parent || c->parent->child == c,
			 "slot %u: first child its parent does not know", i);
		for (const struct cap *k = c->child; k; k = k->next) {
			FZ_CHECK(k->parent == c, "slot %u: a child with another parent", i);
			FZ_CHECK(k->type != KEEL_OBJ_NULL, "slot %u: an empty child", i);
			FZ_CHECK(++n < (1u << 20), "slot %u: children in a cycle", i);
		}
	}
}

FZ_NO_COVERAGE static void kernel_check(void)
{
	for (unsigned c = 0; c < kernel_ncpus; c++)
		sched_check(c);
	cap_links_check();
}

static void world_setup(void)
{
	fx_recycle = true;
	struct cap klog = { .type = KEEL_OBJ_KLOG, .rights = KEEL_R_READ | KEEL_R_WRITE };
	fx_setup();
	cap_init_root(fx_slot(KEEL_ROOT_KLOG), &klog); /* as kernel/boot.c gives root */
	(void)fx_thread(T1, 100, T1 + 2, true);
	(void)fx_thread(T2, 100, T2 + 2, false);
	FZ_CHECK(FX_INVOKE(T2, KEEL_TCB_SET_AFFINITY, 1) == KEEL_OK, "affinity");
	FZ_CHECK(FX_INVOKE(T2, KEEL_TCB_RESUME) == KEEL_OK, "resume");
	cpus_exit(0);
}

static bool is_root_cnode_original(const struct cap *c)
{
	return c->type == KEEL_OBJ_CNODE && (c->flags & CAP_ORIGINAL) &&
	       c->obj == (uint64_t)(uintptr_t)fx.cnode;
}

/* Where the root CNode's original is now: a CNODE_MOVE may have taken it
 * to another slot of root's CNode, or into a CNode retyped from the
 * untyped. NULL if it was deleted (and the world with it). */
FZ_NO_COVERAGE static struct cap *root_cnode_original(void)
{
	for (unsigned i = 0; i < 1u << FX_CNODE_BITS; i++)
		if (is_root_cnode_original(&fx.cnode[i]))
			return &fx.cnode[i];
	for (size_t off = 0; off + sizeof(struct cap) <= 1ull << FX_UT_BITS; off += 8) {
		struct cap *c = (struct cap *)(void *)(fx.ram + off);
		if (is_root_cnode_original(c))
			return c;
	}
	return NULL;
}

/* The fixture's teardown deletes slot KEEL_ROOT_CNODE, which must then
 * hold the root CNode's original wherever the input moved it. */
static void world_teardown(void)
{
	struct cap *orig = root_cnode_original(), *home = fx_slot(KEEL_ROOT_CNODE);
	fake_arch.cpu = 0;
	if (orig && orig != home) {
		if (home->type != KEEL_OBJ_NULL)
			cap_delete(home);
		cap_move(home, orig);
	}
	fx_teardown();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	world_setup();
	while (fz_more(&in)) {
		uint8_t kind = fz_u8(&in);
		unsigned self;
		if (kind < 0xd0)
			event_syscall(&in);
		else if (kind < 0xe0)
			event_fault(&in);
		else if (kind < 0xf0)
			event_irq(&in);
		else
			event_tick(&in);
		self = fake_arch.cpu;
		cpus_exit(self);
		kernel_check();
	}
	world_teardown();
	return 0;
}
