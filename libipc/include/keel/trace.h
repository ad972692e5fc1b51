/*
 * keel/trace.h — the trace at user level (docs/management.md, "trace"):
 * what servers record beside the kernel's rings (keel/abi.h, "trace"), and
 * how root hands the merged events to the control server.
 *
 * A device server keeps its own log of requests (struct keel_dev_log, in
 * its memory) and tells root where it is once at start
 * (KEEL_REPORT_TRACE_LOG); root reads it through its view of the server's
 * pages when the trace stops, and before a faulted server is restarted.
 * Root adds what it does itself (restarts). Every event has the kernel's
 * layout, struct keel_trace_event, and names a thread the same way: the
 * server fills time, kind and arg; root fills cpu, vmid and badge.
 *
 *   kind      recorded by    arg[0]                        arg[1]
 *   DEV_REQ   the server     request number << 32 | type   sector (blk),
 *                                                          stream position
 *                                                          (console output), offset
 *                                                          (flash), 0
 *   DEV_DONE  the server     request number << 32 | status bytes
 *   RESTART   root           restarts so far               0
 *
 * A DEV_REQ's type is virtio-blk's own (VIRTIO_BLK_T_*: 0 read, 1 write,
 * ...) or, for the other servers, a keel_trace_req_type (other copy:
 * tools/trace/trace_json.c's names).
 */
#ifndef KEEL_TRACE_H
#define KEEL_TRACE_H

#include <stdint.h>

#include <keel/abi.h>

enum keel_trace_user_kind {
	KEEL_TRACE_DEV_REQ = 16, KEEL_TRACE_DEV_DONE = 17, KEEL_TRACE_RESTART = 18,
};

enum keel_trace_req_type {
	KEEL_TRACE_REQ_SEND = 0x100,   /* virtio-net: a frame from the guest */
	KEEL_TRACE_REQ_RECEIVE = 0x101, /* virtio-net: a frame to the guest */
	KEEL_TRACE_REQ_OUTPUT = 0x102, /* PL011, virtio-console: output to the console */
	KEEL_TRACE_REQ_INPUT = 0x103,  /* PL011, virtio-console: input from the VMM */
	KEEL_TRACE_REQ_ENTROPY = 0x104, /* virtio-rng: the requests one notify found */
	KEEL_TRACE_REQ_FLASH_READ = 0x105,  /* flash: a read that trapped (not read-array) */
	KEEL_TRACE_REQ_FLASH_WRITE = 0x106, /* flash: a write (a command or its data) */
};

/* Report kind (keel_report): value = the address of the server's log. */
#define KEEL_REPORT_TRACE_LOG 0x1b0u

#define KEEL_DEV_LOG_EVENTS 1024u
#define KEEL_DEV_LOG_MAGIC 0x4b45454c444c4f47ull /* "KEELDLOG" */
struct keel_dev_log {
	uint64_t magic;
	uint64_t head; /* events recorded; event i at ev[i % KEEL_DEV_LOG_EVENTS] */
	struct keel_trace_event ev[KEEL_DEV_LOG_EVENTS];
};

/* Append one event; time is the counter the kernel's events carry. */
static inline void keel_dev_log_add(struct keel_dev_log *l, uint64_t now, unsigned kind,
				    uint64_t a0, uint64_t a1)
{
	l->ev[l->head % KEEL_DEV_LOG_EVENTS] = (struct keel_trace_event){
		.time = now, .kind = (uint8_t)kind, .arg = { a0, a1 } };
	__atomic_store_n(&l->head, l->head + 1, __ATOMIC_RELEASE);
}

/* ---- root -> control server ----------------------------------------------------
 * Requests (report kinds, as keel/ctl.h's): START (rings emptied, on),
 * STOP (off; root gathers the servers' logs), READ value = the first
 * event wanted: root fills the trace pages (read-only in the control
 * server at KEEL_CTL_TRACE_VADDR) with the names and up to
 * KEEL_CTL_TRACE_CHUNK events from there. Events are numbered over the
 * kernel's rings, CPU 0 first, then root's own; each ring oldest first.
 * Answers: enum keel_ctl_result (E_STATE: READ while on, STOP while off). */
enum keel_ctl_trace_request {
	KEEL_CTL_TRACE_START = 0x1c0, KEEL_CTL_TRACE_STOP, KEEL_CTL_TRACE_READ,
};

#define KEEL_CTL_TRACE_VADDR 0x10100000ull
#define KEEL_CTL_TRACE_PAGES 5u
#define KEEL_CTL_TRACE_CHUNK 512u
#define KEEL_CTL_TRACE_NAMES 64u
#define KEEL_CTL_TRACE_MAGIC 0x4b45454c54524331ull /* "KEELTRC1" */

/* A thread's name: vmid and badge as in the events. */
struct keel_ctl_trace_name {
	uint8_t vmid;
	uint8_t is_vm;  /* the badge is a vCPU's (KEEL_VMM_BADGE_VCPU): name is the VM's */
	uint16_t pad;
	uint32_t badge;
	char name[24];
};

struct keel_ctl_trace {
	uint64_t magic;
	uint64_t timer_hz;
	uint64_t t_start, t_stop; /* when it went on and off (ticks) */
	uint32_t ncpus;
	uint32_t total;           /* events kept, all rings */
	uint64_t lost;            /* overwritten before the stop */
	uint32_t first, count;    /* this chunk: events first .. first + count */
	uint32_t nnames, pad;
	struct keel_ctl_trace_name name[KEEL_CTL_TRACE_NAMES];
	struct keel_trace_event ev[KEEL_CTL_TRACE_CHUNK];
};
_Static_assert(sizeof(struct keel_ctl_trace) <= KEEL_CTL_TRACE_PAGES * 4096u,
	       "the trace chunk fits its pages");

#endif /* KEEL_TRACE_H */
