/*
 * The unit tests' world: a root server built the way kernel/boot.c builds
 * it (root_objects, root_bind, root_untyped), over host memory from
 * aligned_alloc, with the kernel entered the way a trap enters it.
 *
 * Root CNode (1 << FX_CNODE_BITS slots):
 *
 *   0  null           4  IRQ control        8  untyped, 4 MiB
 *   1  root TCB       5  VMID pool (all)    9  device untyped, 64 KiB
 *   2  root CNode     6  (trace: empty)     10..15  unused
 *   3  root vspace    7  (klog: empty)      16..   free for tests (FX_FREE)
 *
 * Every test thread made by fx_thread shares the root CNode and vspace, so
 * any thread can name any capability by the same slot number.
 */
#ifndef TESTS_UNIT_FIXTURE_H
#define TESTS_UNIT_FIXTURE_H

#include <check.h>

#include <arch/fake.h>

#include "kernel.h"

/* The kernel fuzzer builds the fixture with a smaller root CNode (it
 * checks every slot after every event) and a smaller untyped (it sets up
 * the world once per input): tests/unit/unit.mk. */
#ifndef FX_CNODE_BITS
#define FX_CNODE_BITS 10u
#endif
#ifndef FX_UT_BITS
#define FX_UT_BITS 22u
#endif
#define FX_DEV_BITS 16u
#define FX_UT KEEL_ROOT_FIRST_FREE_FIXED
#define FX_DEV_UT (KEEL_ROOT_FIRST_FREE_FIXED + 1)
#define FX_FREE 16u
#define FX_ROOT_PRIO 255u
#define FX_ROOT_IPCBUF 0x7ff00000ull

/* Each object the fixture makes is its own host allocation, so that
 * AddressSanitizer catches the kernel reading past any of them. */
struct fixture {
	struct tcb *root;
	struct cap *cnode;  /* the root CNode's slots */
	void *root_vs;      /* the root vspace's top-level table */
	uint64_t *root_ipcbuf;
	uint8_t *ram;       /* behind the untyped in FX_UT */
	uint8_t *dev;       /* behind the device untyped in FX_DEV_UT */
};
extern struct fixture fx;
/* Keep the fixture's memory from one teardown to the next setup instead
 * of freeing it (the kernel fuzzer sets up a world per input). */
extern bool fx_recycle;

/* A copy of all kernel-visible memory (fixture objects, untyped memory,
 * per-CPU state), to show that an operation changed nothing. */
struct fx_snapshot;
struct fx_snapshot *fx_snapshot_take(void);
/* True if nothing changed since the snapshot; frees it. */
bool fx_snapshot_same(struct fx_snapshot *s);

void fx_setup(void);
void fx_teardown(void);
Suite *fx_suite(const char *name, TCase **tc);

struct cap *fx_slot(uint64_t i);
uint64_t *fx_regs(struct tcb *t);
struct tcb *fx_tcb(uint64_t slot);
struct endpoint *fx_ep(uint64_t slot);
struct notification *fx_ntfn(uint64_t slot);
struct percpu *fx_cpu(unsigned i);

/* Make t the running thread of its CPU (t must be ready). */
void fx_run(struct tcb *t);
/* t traps with call number num; returns its status register afterwards
 * (for a thread that blocked: still cptr until someone wakes it). */
uint64_t fx_trap(struct tcb *t, unsigned num, uint64_t cptr, uint64_t info,
		 const uint64_t mr[6]);
/* Root invokes cptr: KEEL_SYS_CALL with label and mr (in/out). */
long fx_invoke(uint64_t cptr, uint64_t label, uint64_t mr[6]);
/* A vCPU exit as an arch's trap raises it (traced while a trace is on). */
void fx_exit(struct tcb *t, uint64_t label, const uint64_t *msg, unsigned len);
#define FX_INVOKE(cptr, label, ...) \
	fx_invoke((cptr), (label), (uint64_t[6]){ __VA_ARGS__ })

/* Root retypes count objects from the untyped in FX_UT into slot dest on. */
long fx_retype(unsigned type, unsigned bits, uint64_t dest, uint64_t count);
/* count vspaces into slot on, each given a VMID from root's pool. */
long fx_vspace(uint64_t slot, uint64_t count);
/* A TCB in slot, sharing root's CNode and vspace, with priority prio and,
 * if ipcbuf_slot != 0, a new frame there bound as its IPC buffer. The
 * thread is resumed (ready) unless start is false. */
struct tcb *fx_thread(uint64_t slot, unsigned prio, uint64_t ipcbuf_slot, bool start);
/* Leave the kernel as kernel_exit does; returns the thread it went to. */
struct tcb *fx_kernel_exit(void);

/* One constructor per test_*.c, run by main.c. */
Suite *suite_cap(void);
Suite *suite_untyped(void);
Suite *suite_ipc(void);
Suite *suite_notify(void);
Suite *suite_sched(void);
Suite *suite_vspace(void);
Suite *suite_syscall(void);
Suite *suite_fastpath(void);
Suite *suite_vcpu(void);
Suite *suite_irq(void);
Suite *suite_libipc(void);
Suite *suite_decode(void);
Suite *suite_trace(void);
Suite *suite_klog(void);

/* The fastpath as the arch's entry code takes it (fastpath_entry.c): the
 * thread to return to, or NULL for the general path. */
struct tcb *kernel_fastpath(unsigned num, struct tcb *t);
struct tcb *kernel_fastpath_exit(struct tcb *t, uint64_t label, const uint64_t *msg,
				 unsigned len);

#endif /* TESTS_UNIT_FIXTURE_H */
