/*
 * Keel kernel internals: objects, capabilities, threads, per-CPU state.
 *
 * Locking: one big kernel lock, taken on every entry (kernel_enter) and
 * released on exit. Nothing below takes another lock. The only state
 * touched by another CPU without the lock is percpu.stall_* (see
 * sched_remote_stall).
 *
 * Memory: kernel objects live in untyped memory that a user program holds;
 * the kernel addresses physical memory through an identity map, so an object
 * pointer is its physical address.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/arch.h>
#include <keel/abi.h>

#define KERNEL_TIMESLICE_MS 5u
#define NUM_PRIOS 256u
#define MAX_VMIDS 256u

/* ---- capabilities ---------------------------------------------------------
 * A slot is 64 bytes. Capabilities form a derivation tree (parent, first
 * child, siblings): retype makes children of an untyped, copy/mint makes
 * children of the source. Deleting a capability first deletes everything
 * derived from it; deleting an original (CAP_ORIGINAL) destroys the object.
 */
enum cap_flags {
	CAP_ORIGINAL = 1, /* owns its object: deleting it destroys the object */
	CAP_DEVICE = 2,   /* untyped/frame over device memory: never zeroed */
	CAP_MAPPED = 4,   /* frame/page table: the mapping fields are valid */
	CAP_IN_TCB = 8,   /* slot is one of a TCB's binding slots */
	CAP_DOOMED = 16,  /* held a dying CNode's original: queued (cap.c) */
};

struct cap {
	uint8_t type;      /* enum keel_obj */
	uint8_t rights;    /* enum keel_rights */
	uint8_t size_bits; /* untyped: log2 bytes; CNode: log2 slots */
	uint8_t flags;     /* enum cap_flags */
	uint32_t badge;
	uint64_t obj;      /* object address; IRQ handler: irq number */
	uint64_t data;     /* untyped: bytes used; mapped: vaddr; vspace: vmid */
	uint64_t data2;    /* mapped: vmid | generation << 8 | level << 40;
			    * untyped: bytes at its end known to be zero */
	struct cap *parent, *child, *next, *prev;
};
_Static_assert(sizeof(struct cap) == 1u << KEEL_SLOT_BITS, "slot size");

/* ---- threads ---------------------------------------------------------------- */
enum tstate {
	TS_INACTIVE = 0,   /* suspended or never started */
	TS_READY,          /* runnable (queued, or current on a CPU) */
	TS_BLOCKED_SEND,   /* queued on an endpoint to send (or call) */
	TS_BLOCKED_RECV,   /* queued on an endpoint to receive */
	TS_BLOCKED_REPLY,  /* called, waiting for the reply */
	TS_BLOCKED_NTFN,   /* waiting on a notification */
	TS_IDLE,           /* a CPU's idle context */
	TS_BLOCKED_WFI,    /* vCPU parked until an interrupt is pending */
};

enum tcb_slot { TCB_CSPACE, TCB_VSPACE, TCB_FAULT_EP, TCB_IPCBUF, TCB_VCPU, TCB_SLOTS };

struct endpoint;
struct notification;

struct tcb {
	struct arch_regs regs;     /* first: the trap entry saves here */
	struct tcb *next, *prev;   /* ready queue, or endpoint/ntfn queue */
	uint8_t state;             /* enum tstate */
	uint8_t prio;
	uint8_t cpu;               /* affinity: the only CPU it runs on */
	uint8_t is_call;           /* blocked send is a call (wants reply) */
	union { /* both at once: the fastpath's fast_switch_heavy */
		struct {
			uint8_t fpu_live;   /* FPU registers hold this thread's state */
			uint8_t vcpu_bound; /* vcpu != NULL */
		};
		uint16_t switch_heavy;
	};
	uint8_t fault_pending;     /* blocked send carries a fault message */
	uint8_t pad[1];
	void *blocked_on;          /* endpoint or notification */
	uint64_t send_badge;       /* badge of the capability sent through */
	uint64_t fault_msg[8];     /* fault message while fault_pending */
	uint64_t fault_info;
	struct tcb *reply_to;      /* caller waiting for our reply */
	struct tcb *reply_from;    /* when BLOCKED_REPLY: who will reply */
	struct notification *bound_ntfn;
	uint64_t ipcbuf_vaddr;
	struct vcpu *vcpu;         /* cached from slot[TCB_VCPU]: runs a guest */
	uint64_t vs_root;          /* cached from slot[TCB_VSPACE]; 0 = none */
	uint64_t vs_vmid;
	struct cap slot[TCB_SLOTS];
	struct arch_fpu fpu;
};
_Static_assert(sizeof(struct tcb) <= 1u << KEEL_TCB_BITS, "TCB fits");

/* A queue of threads through tcb.next/prev: ready queues, endpoint and
 * notification waiters, parked vCPUs. A thread is in at most one. */
struct tq {
	struct tcb *head, *tail;
};

enum ep_state { EP_IDLE, EP_SEND, EP_RECV };

struct endpoint {
	struct tq queue;
	uint64_t state;
	uint64_t pad;
};
_Static_assert(sizeof(struct endpoint) <= 1u << KEEL_ENDPOINT_BITS, "ep");

struct notification {
	struct tq waiters;
	uint64_t bits;
	struct tcb *bound;
	uint64_t deadline;              /* KEEL_NTFN_SET_TIMER; 0: none */
	uint64_t timer_bits;
	struct notification *timer_next; /* the armed ones (notify.c) */
	uint64_t irq_lines;             /* lines routed here (irq.c) */
};
_Static_assert(sizeof(struct notification) <= 1u << KEEL_NOTIFICATION_BITS, "ntfn");

/* A guest CPU: arch state (EL1 registers, timer, list registers) plus the
 * thread it is bound to. */
struct vcpu {
	struct arch_vcpu arch;
	struct tcb *tcb;
	/* MMIO routes (KEEL_VCPU_SET_ROUTE): route[i] holds a copy of a
	 * device server's endpoint capability, empty when unused. */
	uint64_t route_base[KEEL_VCPU_ROUTES], route_size[KEEL_VCPU_ROUTES];
	struct cap route[KEEL_VCPU_ROUTES];
	unsigned routed; /* 1 + the route of the exit last sent, 0: the VMM */
	/* Up to KEEL_VCPU_POSTS routes' post pages and their servers'
	 * notifications (keel/abi.h, struct keel_post_page): copies of the
	 * capabilities, so revoking either empties them. */
	struct cap post_page[KEEL_VCPU_POSTS], post_ntfn[KEEL_VCPU_POSTS];
	unsigned post_route[KEEL_VCPU_POSTS]; /* 1 + that route, 0: free */
	/* KEEL_VCPU_WFI_EXIT: the next WFI is an exit (vcpu_wfi) */
	bool wfi_exit;
};
_Static_assert(sizeof(struct vcpu) <= 1u << KEEL_VCPU_BITS, "vcpu");

static inline void tq_append(struct tq *q, struct tcb *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static inline void tq_remove(struct tq *q, struct tcb *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = NULL;
}

/* ---- per-CPU state ------------------------------------------------------------ */
struct percpu {
	struct tcb *current;        /* first: vectors.S reads it at offset 0 */
	uint64_t kstack_top;        /* second: vectors.S, offset 8 */
	uint64_t estack_top;        /* third: vectors.S, offset 16: the stack
				     * a fault in the kernel is reported on */
	uint32_t stall_req;         /* another CPU waits for our thread */
	uint32_t stall_ack;         /* ... and we have let go of it */
	uint32_t trap_svc;          /* the trap being stalled was a call */
	bool resched;               /* pick a new thread before returning */
	bool rotate;                /* current goes behind its equals */
	uint8_t id;                 /* index in kernel_cpu[] */
	uint8_t ready_words;        /* bit w: ready_map[w] != 0 (one test
				     * answers "anything above p": the fastpath) */
	/* near the start: one load or store with an immediate offset */
	uint64_t ready_map[NUM_PRIOS / 64];
	struct tcb idle;
	struct tq parked;           /* vCPU threads in TS_BLOCKED_WFI */
	uint64_t timer_next;        /* when the EL2 timer is due (ticks) */
	struct tq ready[NUM_PRIOS];
};

extern struct percpu kernel_cpu[MAX_CPUS];
extern unsigned kernel_ncpus;

static inline struct percpu *this_cpu(void) { return arch_percpu(); }

/* ---- helpers ---------------------------------------------------------------- */
void *kmemset(void *d, int c, size_t n);
void *kmemcpy(void *d, const void *s, size_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void kpanic(const char *why);
#define KASSERT(c) do { if (!(c)) kpanic("assert: " #c); } while (0)

/* ---- capabilities (cap.c) ---- */
struct cap *cap_lookup(struct tcb *t, uint64_t cptr);
struct cap *cnode_slot(const struct cap *cnode, uint64_t index);
long cap_lookup_typed(struct tcb *t, uint64_t cptr, unsigned type,
		      unsigned rights, struct cap **out);
void cap_insert_child(struct cap *parent, struct cap *dst, const struct cap *val);
void cap_move(struct cap *dst, struct cap *src);
void cap_delete(struct cap *slot);
void cap_revoke(struct cap *slot);
void cap_init_root(struct cap *dst, const struct cap *val);

/* ---- objects (object.c) ---- */
uint64_t object_size(unsigned type, unsigned size_bits);
void object_init(unsigned type, uint64_t addr, unsigned size_bits, bool zero);
void object_destroy(struct cap *c);
/* An object's invocations (syscall.c's table): decode_* checks every
 * argument and capability and may fail having changed nothing; invoke_*
 * then cannot fail. mr holds MR0..MR5, in and out. */
long untyped_invocation(struct tcb *t, struct cap *ut, uint64_t label, uint64_t *mr);
long cnode_invocation(struct tcb *t, struct cap *cn, uint64_t label, uint64_t *mr);

/* ---- scheduler (sched.c) ---- */
void sched_enqueue(struct tcb *t);
void sched_dequeue(struct tcb *t);
void sched_make_ready(struct tcb *t);
void sched_block(struct tcb *t, unsigned state);
void sched_yield(void);
void sched_pick(void);
int sched_highest(const struct percpu *c);
/* Is anything ready on c above priority p? (cheaper than sched_highest;
 * inline: the IPC fastpath asks, and must not need a stack frame) */
static inline bool sched_ready_above(const struct percpu *c, unsigned p)
{
	return ((c->ready_map[p / 64] >> (p % 64) >> 1) | (c->ready_words >> (p / 64) >> 1)) != 0;
}
void sched_switch_to(struct tcb *t);
void sched_remote_stall(struct tcb *t);
void sched_remote_flush(unsigned cpu);

/* ---- threads (thread.c) ---- */
void tcb_suspend(struct tcb *t);
void tcb_resume(struct tcb *t);
void tcb_destroy(struct tcb *t);
void tcb_slot_removed(struct cap *slot);
void tcb_cache_vspace(struct tcb *t);
uint64_t *tcb_ipcbuf(struct tcb *t);
long tcb_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);

/* ---- IPC (ipc.c, notify.c, fault.c) ---- */
long ipc_send(struct tcb *t, struct cap *ep, bool call, bool block);
long ipc_recv(struct tcb *t, struct cap *c, bool block);
long ipc_reply(struct tcb *t);
void ipc_cancel(struct tcb *t);
void ipc_reply_detach(struct tcb *t);
void ipc_reply_detach_caller(struct tcb *server);
void ntfn_cancel(struct tcb *t);
void ep_destroy(struct endpoint *ep);
void ntfn_signal(struct notification *n, uint64_t badge);
void ntfn_signal_soon(struct notification *n, uint64_t ticks, uint64_t badge);
long ntfn_wait(struct tcb *t, struct notification *n, bool block);
long ntfn_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
/* Signal every notification whose timer is due; the next deadline left. */
uint64_t ntfn_timers_expire(uint64_t now);
void ntfn_destroy(struct notification *n);
void ntfn_unbind(struct tcb *t);
void fault_raise(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len);
void fault_raise_to(struct tcb *t, struct cap *ep, uint64_t label, const uint64_t *msg,
		    unsigned len);
void ipc_resend_first(struct tcb *t, struct cap *c);

/* ---- address spaces (vspace.c) ---- */
long frame_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
long pt_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
void vspace_unmap_cap(struct cap *c);
/* The unmaps' TLB flushes, once per VMID, at a system call's end
 * (vspace.c): inline, the common case is a load and a branch. */
extern bool vspace_tlb_pending;
void vspace_tlb_flush_pending(void);
static inline void vspace_tlb_commit(void)
{
	if (__builtin_expect(vspace_tlb_pending, 0))
		vspace_tlb_flush_pending();
}
bool vspace_map_frame(uint64_t root, uint64_t vaddr, uint64_t paddr,
		      unsigned rights, bool device, unsigned level);
/* The level a frame capability maps at: the last for a 4 KiB page, one
 * above for a large frame (KEEL_LARGE_PAGE_BITS). */
unsigned vspace_frame_level(const struct cap *frame);
bool vspace_map_table(uint64_t root, uint64_t vaddr, uint64_t table);

/* ---- VMIDs and VMID pools (vmid.c) ---- */
void vspace_destroy(struct cap *c);
bool vspace_lookup(const struct cap *vs, uint64_t *root, unsigned *vmid);
/* Is the VMID recorded as vmid | gen << 8 still the one given then? */
bool vmid_live(uint64_t data, uint64_t *root);
unsigned vspace_free_vmids(void);
void vmid_pool_boot(struct cap *pool, struct cap *root_vs);
void vmid_pool_destroy(const struct cap *c);
long vmid_pool_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);

/* ---- vCPUs (vcpu.c) ---- */
long vcpu_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
long decode_bind_vcpu(struct tcb *t, struct tcb *target, uint64_t cptr, struct cap **vc);
void invoke_bind_vcpu(struct tcb *target, struct cap *vc);
void vcpu_destroy(struct vcpu *v);
void vcpu_unbind(struct tcb *t);
void vcpu_unhold(struct vcpu *v);
void vcpu_exit(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len);
void vcpu_exit_traced(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len);
bool vcpu_wfi(struct tcb *t);
struct cap *vcpu_mmio_ep(struct tcb *t, uint64_t *msg, unsigned *len);
bool vcpu_route_resend(struct tcb *t);
void vcpu_reply(struct tcb *t, uint64_t label, const uint64_t *mr);
void vcpu_unpark(struct tcb *t);
void vcpu_held_irq(struct arch_vcpu *av);
uint64_t vcpu_wake_expired(struct percpu *c, uint64_t now);

/* ---- interrupts (irq.c) ---- */
long irqctl_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
long irq_handler_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
void irq_handler_deleted(unsigned irq);
void irq_deliver(unsigned irq);
void irq_ntfn_destroyed(struct notification *n);

/* ---- kernel log (klog.c, keel/abi.h "kernel log"): the threads' debug
 * output, written to the UART or kept for the console server ---- */
void klog_write(const char *a, uint64_t na, const char *b, uint64_t nb);
long klog_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
void klog_ntfn_destroyed(struct notification *n);
void klog_direct(void); /* out with the ring, and the UART's from now on */

/* ---- trace (trace.c): no hook on any path while off. A trace swaps
 * the trap entry for a traced one (arch_trace_entry), which takes the
 * general paths and records on them (kernel_syscall_traced, the arch's
 * exits and faults). ---- */
void trace_set_ring(unsigned cpu, uint64_t addr);
void trace_record(unsigned kind, const struct tcb *t, uint64_t a0, uint64_t a1);
void trace_call(const struct tcb *t, const struct cap *ep);
long trace_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr);
void arch_trace_entry(bool on);
/* An arch's trap paths take `traced` as a constant and come in two
 * copies; always inlined, since a copy that took it as an argument
 * would test it. */
#define TRACED_INLINE static inline __attribute__((always_inline))

/* Where an exit goes: a routed MMIO access to its device server
 * (vcpu_mmio_ep), anything else to the VMM (the fault endpoint); NULL:
 * the kernel answered it from the route's post page, the guest goes on.
 * Inline: every exit asks, and most are not MMIO. */
static inline struct cap *vcpu_exit_ep(struct tcb *t, uint64_t label, uint64_t *msg,
				       unsigned *len)
{
	t->vcpu->routed = 0;
	if (label != KEEL_EXIT_MMIO)
		return &t->slot[TCB_FAULT_EP];
	return vcpu_mmio_ep(t, msg, len);
}

/* ---- entry points called by arch code (syscall.c, boot.c) ---- */
void kernel_enter_contended(struct tcb *trapped, bool svc);
/* Every entry from a thread or the idle loop takes the lock here. */
__attribute__((always_inline)) static inline void kernel_enter(struct tcb *trapped, bool svc)
{
	if (__builtin_expect(!ARCH_LOCK_TRY(), 0))
		kernel_enter_contended(trapped, svc);
}
/* False when another CPU took the trapped thread away while we waited. */
static inline bool kernel_trapped_is_current(struct tcb *trapped)
{
	return this_cpu()->current == trapped;
}
void kernel_syscall(unsigned num);
void kernel_fault(uint64_t label, const uint64_t *msg, unsigned len);
/* The same from a traced entry (arch_trace_entry): recorded, then done. */
void kernel_syscall_traced(unsigned num);
void kernel_fault_traced(uint64_t label, const uint64_t *msg, unsigned len);
void kernel_irq(unsigned irq);
void kernel_resched_ipi(void);
void kernel_timer_tick(void);
_Noreturn void kernel_exit(void);
struct boot_mem {
	uint64_t ram_base, ram_size;
	uint64_t kernel_start, kernel_end; /* reserved: kernel image */
	uint64_t dtb_start, dtb_end;       /* reserved: device tree */
	const char *cmdline;
	struct { uint64_t base, size; } dev[4]; /* MMIO regions for the root */
	unsigned ndev;
};
_Noreturn void kernel_boot(const struct boot_mem *bm);
_Noreturn void kernel_secondary(void);

#endif /* KERNEL_KERNEL_H */
