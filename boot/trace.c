/*
 * The trace, root's part (keel/trace.h; docs/management.md, "trace"):
 * keelctl's START and STOP switch the kernel's rings on and off through
 * root's TRACE capability; STOP also gathers the device servers' request
 * logs into root's own ring, beside the restarts root records itself; READ
 * copies a chunk of the merged events, and the names of the threads, into
 * the trace pages the control server reads.
 *
 * Root reads the kernel's rings where the kernel mapped them for it
 * (KEEL_TRACE_VADDR), and a server's log through its view of the server's
 * pages; a faulted server's log is gathered before the restart rewrites it.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/ctl.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/trace.h>
#include <keel/vmm.h>

#include "root.h"
#include "trace.h"
#include "vm.h"

#define RW (KEEL_R_READ | KEEL_R_WRITE)

#define TRACE_VIEW 0x3000a00000ull /* root's view of the trace pages */
#define TRACE_OWN_EVENTS 8192u     /* root's ring: restarts, device requests */

/* A server's request log: where it is, and how much of it root took. */
struct trace_log {
	struct server *s;
	uint64_t addr, taken;
};

static struct trace_log trace_logs[ROOT_MAX_SERVERS];
static struct keel_trace_event trace_own[TRACE_OWN_EVENTS];
static uint64_t trace_nown;
static uint64_t trace_log_lost; /* overwritten in a server's log before root looked */
static bool trace_on, trace_mapped;
static uint64_t trace_t_start, trace_t_stop;

static struct keel_ctl_trace *trace_page(void)
{
	return (struct keel_ctl_trace *)(uintptr_t)TRACE_VIEW;
}

static void trace_own_add(const struct server *s, const struct keel_trace_event *e)
{
	struct keel_trace_event *o = &trace_own[trace_nown++ % TRACE_OWN_EVENTS];
	*o = *e;
	o->cpu = (uint8_t)s->cpu;
	o->vmid = (uint8_t)s->vmid;
	o->badge = s->id;
}

/* What s logged since root last looked, if it falls in the trace. */
static void trace_gather(struct trace_log *l)
{
	const struct keel_dev_log *log = srv_view(l->s, l->addr, sizeof(*log));
	uint64_t head;
	if (!log || log->magic != KEEL_DEV_LOG_MAGIC)
		return;
	head = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	if (head - l->taken > KEEL_DEV_LOG_EVENTS) {
		trace_log_lost += head - KEEL_DEV_LOG_EVENTS - l->taken;
		l->taken = head - KEEL_DEV_LOG_EVENTS;
	}
	for (; l->taken < head; l->taken++) {
		const struct keel_trace_event *e = &log->ev[l->taken % KEEL_DEV_LOG_EVENTS];
		if (e->time >= trace_t_start && (trace_on || e->time <= trace_t_stop))
			trace_own_add(l->s, e);
	}
}

/* What s logged before the trace went on is none of it. */
static void trace_gather_skip(struct trace_log *l)
{
	const struct keel_dev_log *log = srv_view(l->s, l->addr, sizeof(*log));
	l->taken = log ? __atomic_load_n(&log->head, __ATOMIC_ACQUIRE) : 0;
}

static struct trace_log *trace_log_of(const struct server *s)
{
	for (unsigned i = 0; i < ROOT_MAX_SERVERS; i++)
		if (trace_logs[i].s == s)
			return &trace_logs[i];
	return NULL;
}

/* A server's KEEL_REPORT_TRACE_LOG: its log (a restarted one starts anew). */
static bool trace_log_add(struct server *s, uint64_t addr)
{
	struct trace_log *l = trace_log_of(s);
	if (!l)
		l = trace_log_of(NULL);
	if (!l || !srv_view(s, addr, sizeof(struct keel_dev_log)))
		return false;
	*l = (struct trace_log){ .s = s, .addr = addr };
	return true;
}

/* ctl.c's hook on every server event: root's own part of the trace. */
void trace_server_event(unsigned kind, const struct server *s)
{
	struct trace_log *l = trace_log_of(s);
	if (!trace_on)
		return;
	if (kind == KEEL_CTL_EV_FAULTED && l)
		trace_gather(l);
	if (kind == KEEL_CTL_EV_RESTARTED)
		trace_own_add(s, &(struct keel_trace_event){ .time = root_arch_now_ticks(),
			.kind = KEEL_TRACE_RESTART, .arg = { s->restarts, 0 } });
}

static unsigned trace_set(bool on)
{
	uint64_t mr[6] = { on, 0, 0, 0, 0, 0 };
	if (trace_on == on)
		return KEEL_CTL_E_STATE;
	if (keel_invoke(KEEL_ROOT_TRACE, KEEL_TRACE_SET, 1, mr) != KEEL_OK)
		return KEEL_CTL_E_FAILED;
	if (on) {
		trace_nown = 0;
		trace_log_lost = 0;
		trace_t_start = root_arch_now_ticks();
		for (unsigned i = 0; i < ROOT_MAX_SERVERS; i++) /* from now on */
			if (trace_logs[i].s)
				trace_gather_skip(&trace_logs[i]);
	} else {
		trace_t_stop = root_arch_now_ticks();
		for (unsigned i = 0; i < ROOT_MAX_SERVERS; i++)
			if (trace_logs[i].s)
				trace_gather(&trace_logs[i]);
	}
	trace_on = on;
	return KEEL_CTL_OK;
}

static const struct keel_trace_ring *trace_ring(unsigned cpu)
{
	return (const struct keel_trace_ring *)(uintptr_t)(KEEL_TRACE_VADDR +
							   cpu * KEEL_TRACE_RING_BYTES);
}

static uint64_t trace_kept(uint64_t head, uint64_t size)
{
	return head < size ? head : size;
}

/* Event i of all the rings (numbered as keel/trace.h says). */
static const struct keel_trace_event *trace_event(uint64_t i)
{
	uint32_t ncpus = root_boot_info()->ncpus;
	for (unsigned c = 0; c < ncpus; c++) {
		const struct keel_trace_ring *r = trace_ring(c);
		uint64_t kept = trace_kept(r->head, KEEL_TRACE_EVENTS);
		if (i < kept)
			return &r->ev[(r->head - kept + i) % KEEL_TRACE_EVENTS];
		i -= kept;
	}
	if (i >= trace_kept(trace_nown, TRACE_OWN_EVENTS))
		return NULL;
	return &trace_own[(trace_nown - trace_kept(trace_nown, TRACE_OWN_EVENTS) + i) %
			  TRACE_OWN_EVENTS];
}

static void trace_name(struct keel_ctl_trace *t, unsigned vmid, uint32_t badge, bool vm,
		       const char *name)
{
	struct keel_ctl_trace_name *n = &t->name[t->nnames];
	if (t->nnames == KEEL_CTL_TRACE_NAMES)
		return;
	t->nnames++;
	*n = (struct keel_ctl_trace_name){ .vmid = (uint8_t)vmid, .is_vm = vm, .badge = badge };
	snprintf(n->name, sizeof(n->name), "%.23s", name);
}

/* Every server by its address space and badge; every VM by its guest's
 * VMID (its vCPUs' badges tell them apart). */
static void trace_names(struct keel_ctl_trace *t)
{
	t->nnames = 0;
	for (unsigned id = 1; id <= ROOT_MAX_SERVERS; id++) {
		struct server *s = srv_by_badge(id);
		if (s)
			trace_name(t, s->vmid, s->id, false, s->name);
	}
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (vm && vm->live)
			trace_name(t, vm->vmid, 0, true, vm->name);
	}
}

static void trace_totals(struct keel_ctl_trace *t)
{
	uint32_t ncpus = root_boot_info()->ncpus;
	t->total = 0;
	t->lost = 0;
	for (unsigned c = 0; c < ncpus; c++) {
		uint64_t head = trace_ring(c)->head;
		t->total += (uint32_t)trace_kept(head, KEEL_TRACE_EVENTS);
		t->lost += head - trace_kept(head, KEEL_TRACE_EVENTS);
	}
	t->total += (uint32_t)trace_kept(trace_nown, TRACE_OWN_EVENTS);
	t->lost += trace_nown - trace_kept(trace_nown, TRACE_OWN_EVENTS) + trace_log_lost;
}

static unsigned trace_read(uint64_t first)
{
	struct keel_ctl_trace *t = trace_page();
	const struct keel_trace_event *e;
	if (trace_on)
		return KEEL_CTL_E_STATE;
	*t = (struct keel_ctl_trace){ .magic = KEEL_CTL_TRACE_MAGIC,
		.timer_hz = root_boot_info()->timer_hz, .t_start = trace_t_start,
		.t_stop = trace_t_stop, .ncpus = root_boot_info()->ncpus, .first = (uint32_t)first };
	trace_totals(t);
	trace_names(t);
	while (t->count < KEEL_CTL_TRACE_CHUNK && (e = trace_event(first + t->count)))
		t->ev[t->count++] = *e;
	return KEEL_CTL_OK;
}

/* The trace pages: read-write in root, read-only in the control server. */
bool trace_ctl_build(struct server *ctl)
{
	for (unsigned p = 0; p < KEEL_CTL_TRACE_PAGES; p++) {
		uint64_t f = root_alloc(KEEL_OBJ_FRAME, 0), copy = root_alloc_slot();
		if (!f || !copy ||
		    root_frame_map(f, KEEL_ROOT_VSPACE, TRACE_VIEW + p * ROOT_PAGE_SIZE, RW) != KEEL_OK ||
		    keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, f, KEEL_R_READ) != KEEL_OK ||
		    root_frame_map(copy, ctl->vspace, KEEL_CTL_TRACE_VADDR + p * ROOT_PAGE_SIZE,
				   KEEL_R_READ) != KEEL_OK)
			return false;
	}
	trace_mapped = true;
	return true;
}

/* A trace report: from any server its log's address; from the control
 * server (ctl) START, STOP and READ. False: not a trace report. */
bool trace_report(struct server *s, const struct server *ctl, unsigned kind, uint64_t value,
		  uint64_t *answer)
{
	if (kind == KEEL_REPORT_TRACE_LOG) {
		if (!trace_log_add(s, value))
			kprintf("[root] %s: no trace log at 0x%lx\n", s->name, (unsigned long)value);
		return true;
	}
	if (kind < KEEL_CTL_TRACE_START || kind > KEEL_CTL_TRACE_READ || s != ctl || !trace_mapped)
		return false;
	if (kind == KEEL_CTL_TRACE_READ)
		*answer = trace_read(value);
	else
		*answer = trace_set(kind == KEEL_CTL_TRACE_START);
	return true;
}
