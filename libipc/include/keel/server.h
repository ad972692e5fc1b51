/*
 * keel/server.h — what a server started by the root server can count on,
 * and the server loop library (style practice 6).
 *
 * Address space of every server (the root server's own layout is the same,
 * made by the kernel: kernel/boot.c, ROOT_STACK_TOP and ROOT_IPCBUF):
 *
 *   0x0000_0040_0000  ELF segments, as linked (static, non-PIE)
 *   0x0000_1000_0000  a page shared with a peer, when one is given
 *   0x0000_7ff0_0000  stack top; KEEL_STACK_PAGES pages below it
 *   0x0000_7ff0_0000  IPC buffer (one page, struct keel_ipc_buffer)
 *
 * The stack starts as Linux's does (argc, argv, NULL, envp NULL, auxv), so
 * musl's _start runs unchanged; argv[0] is the server's instance name.
 *
 * Capability slots. A server's CNode has 1 << KEEL_SRV_CNODE_BITS slots and
 * holds only what the root server gave it for its job (least privilege):
 * a slot it was not given is empty.
 *
 *   slot  name              what
 *   ----  ----------------  ----------------------------------------------
 *    0    (null)            always empty
 *    1    KEEL_SRV_REPORT   root's endpoint, badged with the server's id,
 *                           WRITE: report results (keel_report)
 *    2    KEEL_SRV_EP       the server's own endpoint (READ to serve it)
 *    3    KEEL_SRV_PEER     another server's endpoint, badged, WRITE: call it
 *    4    KEEL_SRV_NTFN     a notification
 *    5    KEEL_SRV_CNODE    the server's own CNode
 *    6    KEEL_SRV_UNTYPED  a small untyped (its own memory to retype)
 *    7    KEEL_SRV_FRAME    a spare frame, not mapped
 *    8    KEEL_SRV_TCB      a thread this server supervises (test harness)
 *    9..  KEEL_SRV_FREE     free
 *
 * The server's fault endpoint is bound in its TCB (not in its CNode): it is
 * root's endpoint with the same badge as KEEL_SRV_REPORT, so faults and
 * Linux system calls (docs/libc.md) reach the root server.
 */
#ifndef KEEL_SERVER_H
#define KEEL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>

#define KEEL_STACK_TOP 0x7ff00000ull
#define KEEL_STACK_PAGES 16u
#define KEEL_IPCBUF_VADDR 0x7ff00000ull
#define KEEL_SHARED_VADDR 0x10000000ull
#define KEEL_SRV_CNODE_BITS 6u /* 64 slots: a VMM of 8 vCPUs and 8 devices uses 50 */

enum keel_srv_slot {
	KEEL_SRV_NULL = 0,
	KEEL_SRV_REPORT = 1,
	KEEL_SRV_EP = 2,
	KEEL_SRV_PEER = 3,
	KEEL_SRV_NTFN = 4,
	KEEL_SRV_CNODE = 5,
	KEEL_SRV_UNTYPED = 6,
	KEEL_SRV_FRAME = 7,
	KEEL_SRV_TCB = 8,
	KEEL_SRV_FREE = 9,
};

/* This thread's IPC buffer (MR6 and up live here). */
static inline struct keel_ipc_buffer *keel_ipcbuf(void)
{
	return (struct keel_ipc_buffer *)(uintptr_t)KEEL_IPCBUF_VADDR;
}

/* ---- server loop ------------------------------------------------------------
 * The library calls init once, then receives on ep and calls one callback
 * per message:
 *   notified   a notification bound to the thread fired (bits = its word)
 *   protected  an IPC request (label below 0x1000)
 *   fault      a fault message from a thread this server handles
 *              (KEEL_FAULT_*), or a VM exit from a vCPU thread
 *              (KEEL_EXIT_*, keel/abi.h: a vCPU's exits are its faults)
 * protected and fault edit *m into the reply and return true to send it,
 * or return false to send none (a fault handler that restarts the thread
 * instead, or that replied itself). MR6 and up are in keel_ipcbuf() both
 * ways. A missing callback answers nothing.
 *
 * The fault_badge_count badges from fault_badge_min (count 0: any badge)
 * are those the server's faulting threads were given (a VMM's vCPU
 * range): a fault or exit with any other badge is no fault of theirs,
 * and gets no callback and no answer. */
struct keel_msg {
	uint64_t badge;
	uint64_t label;
	uint64_t len;
	uint64_t mr[KEEL_MSG_REG_MRS];
};

struct keel_server {
	uint64_t ep;
	void *ctx;
	void (*init)(void *ctx);
	void (*notified)(void *ctx, uint64_t bits);
	bool (*protected)(void *ctx, struct keel_msg *m);
	bool (*fault)(void *ctx, struct keel_msg *m);
	uint64_t fault_badge_min, fault_badge_count;
};

/* Runs until a receive fails, and returns that status. */
long keel_server_run(const struct keel_server *s);

/* The loop itself, inline: keel_server_run is this, out of line. A server
 * whose every message is on a measured path (the VMM: each exit) calls
 * keel_server_loop with its keel_server known at compile time, so that
 * the compiler calls its callbacks directly. Same behaviour. */

/* A thread's fault, or a vCPU thread's exit (its kind of fault): the
 * labels keel/abi.h keeps for them. */
static inline bool keel_server_label_is_fault(uint64_t label)
{
	return label - KEEL_FAULT_VM < KEEL_EXIT_LABEL_END - KEEL_FAULT_VM;
}

/* fault_badge_count 0: any badge. */
static inline bool keel_server_fault_badge_ok(const struct keel_server *s, uint64_t badge)
{
	return !s->fault_badge_count || badge - s->fault_badge_min < s->fault_badge_count;
}

/* Faults first: a VMM's exits are its common case, and the fastest path. */
static inline bool keel_server_dispatch(const struct keel_server *s, struct keel_msg *m)
{
	if (keel_server_label_is_fault(m->label))
		return s->fault && keel_server_fault_badge_ok(s, m->badge) ? s->fault(s->ctx, m)
									   : false;
	if (m->label == KEEL_LABEL_NOTIFICATION) {
		if (s->notified)
			s->notified(s->ctx, m->mr[0]);
		return false;
	}
	return s->protected ? s->protected(s->ctx, m) : false;
}

static inline void keel_server_decode(struct keel_msg *m, uint64_t info)
{
	m->badge = keel_msg_badge(info);
	m->label = keel_msg_label(info);
	m->len = keel_msg_len(info);
}

/* Receive, decode the badge and label, call back, reply: a reply and the
 * next receive are one kernel call (reply_recv). */
__attribute__((always_inline)) static inline long
keel_server_loop(const struct keel_server *s)
{
	struct keel_msg m = { 0 };
	uint64_t info = 0;
	long err;
	if (s->init)
		s->init(s->ctx);
	err = keel_recv(s->ep, &info, m.mr);
	while (err == KEEL_OK) {
		keel_server_decode(&m, info);
		if (keel_server_dispatch(s, &m)) {
			info = keel_msginfo(m.label, m.len);
			err = keel_reply_recv(s->ep, &info, m.mr);
		} else {
			err = keel_recv(s->ep, &info, m.mr);
		}
	}
	return err;
}

/* ---- reports to the root server ----------------------------------------------
 * A report is a call on KEEL_SRV_REPORT: label = kind, MR0 = value,
 * MR1 = text length, text (NUL-free) packed in IPC-buffer words MR6 on.
 * Root answers with MR0 = enum keel_report_answer. Root prints every test
 * marker, so markers from different CPUs never interleave on the console. */
enum keel_report_kind {
	KEEL_REPORT_PASS = 1,     /* text: what passed */
	KEEL_REPORT_FAIL = 2,     /* text: why */
	KEEL_REPORT_PROGRESS = 3, /* value: work done so far */
	KEEL_REPORT_READY = 4,    /* value: kind-specific */
	KEEL_REPORT_BENCH = 5,    /* value: the measurement; text: "name unit" */
};
enum keel_report_answer { KEEL_REPORT_CONTINUE = 0, KEEL_REPORT_STOP = 1 };

#define KEEL_REPORT_TEXT_MAX 200u

/* Returns root's answer, or -(KEEL_E_*) if the call failed. */
long keel_report(unsigned kind, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Root's side: copy the text of a received report into buf (NUL-terminated). */
void keel_report_text(const struct keel_msg *m, char *buf, unsigned size);

#endif /* KEEL_SERVER_H */
