/*
 * Root's side of the control server (device-servers/ctl/, keel/ctl.h,
 * docs/management.md). The server gets what driving one physical virtio
 * console needs and a read-only view of the status pages; root keeps
 * every original and does every action itself, when the server asks:
 *
 *   ctl server   an endpoint to wait on (READ), the page of its
 *                virtio-mmio transport, the IRQ handler of its interrupt
 *                with a notification bound to its thread, its virtqueue
 *                page and buffer frame (DMA), an info page (read-only)
 *                naming their physical addresses, the status pages
 *                (read-only), and root's endpoint (KEEL_SRV_REPORT)
 *
 * Root also keeps what the status pages show beyond struct server and
 * struct vm: when each VM last started, whether it is paused, where its
 * VMM keeps its counters, and the last KEEL_CTL_MAX_EVENTS state changes.
 *
 * Root's views: CTL_INFO_VIEW (the info page), CTL_STATUS_VIEW (the status
 * pages), above boot/blkdrv.c's and below ROOT_WINDOW_BASE.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/config.h>
#include <keel/ctl.h>
#include <keel/net.h>
#include <keel/object.h>
#include <keel/print.h>

#include "../device-servers/console/console.h" /* CON_REPORT_COMMAND */
#include "blkdrv.h"
#include "console.h"
#include "consock.h"
#include "ctl.h"
#include "net.h"
#include "trace.h"
#include "vmconfig.h"

#define CTL_INFO_VIEW 0x3000800000ull
#define CTL_STATUS_VIEW 0x3000810000ull
#define CTL_PRIO 120u          /* below the VMs' servers: the host waits */
#define CTL_VIRTIO_CONSOLE 3u  /* virtio DeviceID */
#define RW (KEEL_R_READ | KEEL_R_WRITE)

_Static_assert(VM_MAX <= KEEL_CTL_MAX_VMS, "every VM entry has a status slot");

static struct server *ctl_srv;
static struct keel_ctl_status *ctl_status; /* root's view */
static uint64_t ctl_badged;                /* a slot for a badged VMM signal */

/* Per VM entry (struct vm.index). */
static uint64_t ctl_started_ms[VM_MAX];
static bool ctl_paused[VM_MAX];
static bool ctl_removed[VM_MAX];
static uint64_t ctl_counters[VM_MAX]; /* the VMM's address of them, 0: none */

/* Per VM entry and device index: where the device server keeps this
 * instance's counters (0: not told), and what its earlier instances of
 * this build of the VM counted (added when one faults or is restarted). */
static uint64_t ctl_dev_addr[VM_MAX][KEEL_VMM_MAX_DEVICES];
static struct keel_ctl_dev_counters ctl_dev_base[VM_MAX][KEEL_VMM_MAX_DEVICES];

static struct keel_ctl_event ctl_ring[KEEL_CTL_MAX_EVENTS];
static uint64_t ctl_seq; /* events recorded since boot */

static uint64_t ctl_dma(struct server *s, unsigned bits, uint64_t va)
{
	uint64_t f = root_alloc(KEEL_OBJ_FRAME, bits), pa;
	if (!f || root_frame_map(f, s->vspace, va, RW) != KEEL_OK ||
	    keel_frame_address(f, &pa) != KEEL_OK)
		return 0;
	return pa;
}

/* A frame mapped read-write at view in root and read-only at va in s. */
static bool ctl_shared_ro(struct server *s, uint64_t view, uint64_t va)
{
	uint64_t f = root_alloc(KEEL_OBJ_FRAME, 0), copy = root_alloc_slot();
	return f && copy && root_frame_map(f, KEEL_ROOT_VSPACE, view, RW) == KEEL_OK &&
	       keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, f, KEEL_R_READ) == KEEL_OK &&
	       root_frame_map(copy, s->vspace, va, KEEL_R_READ) == KEEL_OK;
}

static bool ctl_irq(struct server *s, unsigned intid, uint64_t ntfn)
{
	uint64_t irq = root_alloc_slot(), badged = root_alloc_slot();
	uint64_t mr[6] = { intid, KEEL_ROOT_CNODE, irq, 0, 0, 0 };
	if (!irq || !badged || keel_invoke(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 3, mr) != KEEL_OK ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, ntfn, KEEL_R_WRITE, 1) != KEEL_OK)
		return false;
	mr[0] = badged;
	return keel_invoke(irq, KEEL_IRQ_SET_NOTIFICATION, 1, mr) == KEEL_OK &&
	       srv_grant_move(s, KEEL_CTL_SLOT_IRQ, irq);
}

static const char *ctl_build(struct server *s, unsigned t)
{
	struct keel_ctl_info *in = (struct keel_ctl_info *)(uintptr_t)CTL_INFO_VIEW;
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0), ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	uint64_t mmio = root_alloc_slot(), page = blkdrv_transport_page(t);
	if (!ntfn || !ep || !mmio || !(ctl_badged = root_alloc_slot()) || !srv_grant_report(s) ||
	    !srv_grant_copy(s, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    keel_tcb_bind_notification(s->tcb, ntfn) != KEEL_OK)
		return "no memory for its objects";
	if (!page || keel_cnode_copy(KEEL_ROOT_CNODE, mmio, KEEL_ROOT_CNODE, page, RW) != KEEL_OK ||
	    root_frame_map(mmio, s->vspace, KEEL_CTL_MMIO_VADDR, RW) != KEEL_OK)
		return "cannot map its transport";
	if (!ctl_shared_ro(s, CTL_INFO_VIEW, KEEL_CTL_INFO_VADDR))
		return "cannot map its info page";
	for (unsigned p = 0; p < KEEL_CTL_STATUS_PAGES; p++)
		if (!ctl_shared_ro(s, CTL_STATUS_VIEW + p * ROOT_PAGE_SIZE,
				   KEEL_CTL_STATUS_VADDR + p * ROOT_PAGE_SIZE))
			return "cannot map its status pages";
	if (!trace_ctl_build(s))
		return "cannot map its trace pages";
	*in = (struct keel_ctl_info){ .magic = KEEL_CTL_INFO_MAGIC,
		.mmio_off = blkdrv_transport_offset((unsigned)t) };
	in->queue_pa = ctl_dma(s, 0, KEEL_CTL_QUEUE_VADDR);
	in->buf_pa = ctl_dma(s, KEEL_LARGE_PAGE_BITS, KEEL_CTL_BUF_VADDR);
	if (!in->queue_pa || !in->buf_pa)
		return "no memory for its DMA pages";
	if (!ctl_irq(s, blkdrv_transport_irq((unsigned)t), ntfn))
		return "cannot route its interrupt to it";
	return NULL;
}

void ctl_start(unsigned cpu)
{
	int t = blkdrv_transport_of(CTL_VIRTIO_CONSOLE, 0);
	const char *why;
	if (t >= 0 && t == consock_transport()) /* the per-VM sockets' console */
		t = blkdrv_transport_of(CTL_VIRTIO_CONSOLE, 1);
	struct server *s;
	if (t < 0) {
		kprintf("[root] control server: no virtio console on the machine (make run "
			"gives one; docs/management.md)\n");
		return;
	}
	if (!(s = srv_create("ctl", "ctl", NULL, cpu, CTL_PRIO)))
		why = "cannot create the server";
	else if (!(why = ctl_build(s, (unsigned)t)) && !srv_start(s))
		why = "cannot start it";
	if (why) {
		kprintf("[root] control server: %s\n", why);
		return;
	}
	ctl_srv = s;
	ctl_status = (struct keel_ctl_status *)(uintptr_t)CTL_STATUS_VIEW;
	kprintf("[root] control server: on virtio-mmio transport %d (keelctl)\n", t);
}

/* ---- events ---------------------------------------------------------------- */

/* VM vm is destroyed: its next build counts from 0. */
static void ctl_dev_forget(const char *name)
{
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (vm && !strcmp(vm->name, name)) {
			memset(ctl_dev_addr[i], 0, sizeof(ctl_dev_addr[i]));
			memset(ctl_dev_base[i], 0, sizeof(ctl_dev_base[i]));
		}
	}
}

void ctl_event(unsigned kind, const char *vm, const char *server)
{
	struct keel_ctl_event *e = &ctl_ring[ctl_seq % KEEL_CTL_MAX_EVENTS];
	*e = (struct keel_ctl_event){ .seq = ++ctl_seq, .ms = root_arch_now_ms(), .kind = kind };
	snprintf(e->vm, sizeof(e->vm), "%s", vm ? vm : "");
	snprintf(e->server, sizeof(e->server), "%s", server ? server : "");
	if (kind == KEEL_CTL_EV_STOPPED && vm)
		ctl_dev_forget(vm);
}

/* The VM entry s belongs to, or NULL (the console, ctl itself). */
static struct vm *ctl_vm_of(const struct server *s, int *dev)
{
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (!vm || !vm->live)
			continue;
		*dev = -1;
		if (vm->vmm == s)
			return vm;
		for (unsigned d = 0; d < KEEL_VMM_MAX_DEVICES; d++) {
			*dev = (int)d;
			if ((d < vm->ndev && vm->dev[d] == s) || vm->drv[d] == s)
				return vm;
		}
	}
	return NULL;
}

/* This instance's counters of device server s, or NULL. */
static const struct keel_ctl_dev_counters *ctl_dev_now(struct vm *vm, unsigned d)
{
	struct server *s = d < vm->ndev ? vm->dev[d] : NULL;
	uint64_t a = ctl_dev_addr[vm->index][d];
	return s && a ? srv_view(s, a, sizeof(struct keel_ctl_dev_counters)) : NULL;
}

/* b += c, field by field (totals across a server's instances). */
static void ctl_dev_add(struct keel_ctl_dev_counters *b, const struct keel_ctl_dev_counters *c)
{
	b->requests += c->requests;
	b->bytes_in += c->bytes_in;
	b->bytes_out += c->bytes_out;
	b->mmio += c->mmio;
	b->calls += c->calls;
}

/* Device server s is about to lose its memory (a fault, a restart): add
 * what it counted to the total; the next instance tells its own. */
static void ctl_dev_bank(const struct server *s)
{
	int dev;
	struct vm *vm = ctl_vm_of(s, &dev);
	const struct keel_ctl_dev_counters *c;
	struct keel_ctl_dev_counters *b;
	if (!vm || dev < 0 || (unsigned)dev >= vm->ndev || vm->dev[dev] != s ||
	    !(c = ctl_dev_now(vm, (unsigned)dev)))
		return;
	b = &ctl_dev_base[vm->index][dev];
	ctl_dev_add(b, c);
	ctl_dev_addr[vm->index][dev] = 0;
}

void ctl_server_event(unsigned kind, const struct server *s)
{
	int dev;
	struct vm *vm = ctl_vm_of(s, &dev);
	if (kind == KEEL_CTL_EV_FAULTED)
		ctl_dev_bank(s);
	ctl_event(kind, vm ? vm->name : NULL, s->name);
	trace_server_event(kind, s);
}

void ctl_vm_started(const struct vm *vm)
{
	ctl_started_ms[vm->index] = root_arch_now_ms();
	ctl_paused[vm->index] = false;
	ctl_event(KEEL_CTL_EV_STARTED, vm->name, NULL);
}

/* ---- the status pages ------------------------------------------------------- */

static void ctl_fill_server(struct keel_ctl_server *o, const struct server *s, unsigned kind,
			    unsigned dev)
{
	snprintf(o->name, sizeof(o->name), "%s", s->name);
	o->kind = (uint8_t)kind;
	o->dev = (uint8_t)dev;
	o->state = s->state == SRV_RUNNING ? KEEL_CTL_SRV_RUNNING
		   : s->restart_due       ? KEEL_CTL_SRV_BACKOFF
		   : s->state == SRV_NEW  ? KEEL_CTL_SRV_NEW
					  : KEEL_CTL_SRV_DOWN;
	o->restarts = s->restarts;
	o->faults = s->faults;
	o->fault_cause = s->faults ? (uint32_t)s->fault_label : 0;
	o->fault_addr = s->fault_addr;
	o->fault_ms = s->fault_ms;
}

/* What keelctl calls a device server: by the program root started. */
static unsigned ctl_server_kind(const char *prog)
{
	static const struct { const char *prog; unsigned kind; } k[] = {
		{ "vblk", KEEL_CTL_SRV_VIRTIO_BLK }, { "vnet", KEEL_CTL_SRV_VIRTIO_NET },
		{ "vcon", KEEL_CTL_SRV_VIRTIO_CONSOLE }, { "vrng", KEEL_CTL_SRV_VIRTIO_RNG },
		{ "flash", KEEL_CTL_SRV_FLASH }, { "ns16550", KEEL_CTL_SRV_NS16550 },
	};
	for (unsigned i = 0; prog && i < sizeof(k) / sizeof(k[0]); i++)
		if (!strcmp(prog, k[i].prog))
			return k[i].kind;
	return KEEL_CTL_SRV_PL011;
}

static void ctl_fill_servers(struct keel_ctl_vm *o, const struct vm *vm)
{
	unsigned n = 0;
	ctl_fill_server(&o->srv[n++], vm->vmm, KEEL_CTL_SRV_VMM, 0xff);
	for (unsigned d = 0; d < vm->ndev && n < KEEL_CTL_VM_SERVERS; d++) {
		ctl_fill_server(&o->srv[n++], vm->dev[d], ctl_server_kind(vm->spec.dev[d].prog), d);
		if (vm->drv[d] && n < KEEL_CTL_VM_SERVERS)
			ctl_fill_server(&o->srv[n++], vm->drv[d], KEEL_CTL_SRV_BLKDRV, d);
	}
	o->nservers = n;
}

static void ctl_fill_vm(struct keel_ctl_vm *o, struct vm *vm)
{
	const struct keel_ctl_vmm_counters *c = NULL;
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", vm->name);
	o->vcpus = vm->spec.vcpus ? vm->spec.vcpus : 1;
	o->ram_bytes = vm->spec.ram_size;
	if (!vm->live) {
		o->state = ctl_removed[vm->index] ? KEEL_CTL_VM_REMOVED : KEEL_CTL_VM_OFF;
		return;
	}
	o->state = !vm_servers_up(vm)        ? KEEL_CTL_VM_FAILED
		   : ctl_paused[vm->index] ? KEEL_CTL_VM_PAUSED
					   : KEEL_CTL_VM_RUNNING;
	o->started_ms = ctl_started_ms[vm->index];
	if (ctl_counters[vm->index])
		c = srv_view(vm->vmm, ctl_counters[vm->index], sizeof(*c));
	if (c) {
		o->c = *c;
		o->counted = 1;
	}
	for (unsigned d = 0; d < vm->ndev && d < KEEL_CTL_DEVICES; d++) {
		const struct keel_ctl_dev_counters *now = ctl_dev_now(vm, d);
		o->dev[d] = ctl_dev_base[vm->index][d];
		if (now)
			ctl_dev_add(&o->dev[d], now);
	}
	ctl_fill_servers(o, vm);
}

/* Each network's switch and its counters (boot/net.c). */
static void ctl_fill_nets(struct keel_ctl_status *st)
{
	struct net_view n;
	st->nnets = 0;
	for (unsigned i = 0; st->nnets < KEEL_CTL_MAX_NETS && net_at(i, &n); i++) {
		struct keel_ctl_net *o = &st->net[st->nnets++];
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", n.name);
		o->ports = n.ports;
		if (n.srv)
			ctl_fill_server(&o->srv, n.srv, KEEL_CTL_SRV_SWITCH, 0xff);
		if (n.counters) {
			o->counted = 1;
			o->in = n.counters->in;
			o->forwarded = n.counters->forwarded;
			o->flooded = n.counters->flooded;
			o->bad = n.counters->bad;
			o->spoofed = n.counters->spoofed;
			o->full = n.counters->full;
		}
	}
}

static void ctl_snapshot(void)
{
	struct keel_ctl_status *st = ctl_status;
	uint64_t first = ctl_seq > KEEL_CTL_MAX_EVENTS ? ctl_seq - KEEL_CTL_MAX_EVENTS : 0;
	st->magic = KEEL_CTL_STATUS_MAGIC;
	st->now_ms = root_arch_now_ms();
	st->nvms = 0;
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (!vm)
			break;
		ctl_fill_vm(&st->vm[st->nvms++], vm);
	}
	st->nevents = (uint32_t)(ctl_seq - first);
	for (uint64_t q = first; q < ctl_seq; q++)
		st->ev[q - first] = ctl_ring[q % KEEL_CTL_MAX_EVENTS];
	ctl_fill_nets(st);
}

/* ---- actions ---------------------------------------------------------------- */

/* Ask VM vm's VMM to stop or start again its vCPUs (keel/ctl.h). */
static unsigned ctl_pause(struct vm *vm, bool pause)
{
	uint64_t badge = pause ? KEEL_VMM_BADGE_PAUSE : KEEL_VMM_BADGE_RESUME;
	long err;
	if (!vm->live || !vm_servers_up(vm) || ctl_paused[vm->index] == pause)
		return KEEL_CTL_E_STATE;
	if (keel_cnode_mint(KEEL_ROOT_CNODE, ctl_badged, KEEL_ROOT_CNODE, vm->ntfn, KEEL_R_WRITE,
			    badge) != KEEL_OK)
		return KEEL_CTL_E_FAILED;
	err = keel_signal(ctl_badged);
	keel_cnode_delete(KEEL_ROOT_CNODE, ctl_badged);
	if (err != KEEL_OK)
		return KEEL_CTL_E_FAILED;
	ctl_paused[vm->index] = pause;
	ctl_event(pause ? KEEL_CTL_EV_PAUSED : KEEL_CTL_EV_RESUMED, vm->name, NULL);
	kprintf("[root] VM %s %s (keelctl)\n", vm->name, pause ? "paused" : "resumed");
	return KEEL_CTL_OK;
}

/* Server dev of vm: device index d's server, its block driver (d | 0x80),
 * or the VMM (0xff). */
static struct server *ctl_server(struct vm *vm, unsigned dev)
{
	if (dev == 0xff)
		return vm->vmm;
	if (dev == KEEL_CTL_DEV_CONSOLE)
		return console_server();
	if (dev & 0x80)
		return (dev & 0x7f) < KEEL_VMM_MAX_DEVICES ? vm->drv[dev & 0x7f] : NULL;
	return dev < vm->ndev ? vm->dev[dev] : NULL;
}

/* A restart, a crash at once, or (point > 0) a crash armed at one of the
 * server's named points (keel/crashpoint.h; the control server checked
 * the name): it faults when it next passes there. */
static unsigned ctl_server_act(struct vm *vm, unsigned dev, bool crash, unsigned point)
{
	struct server *s = vm->live ? ctl_server(vm, dev) : NULL;
	if (!s)
		return vm->live ? KEEL_CTL_E_NO_SERVER : KEEL_CTL_E_STATE;
	if (crash && point) {
		if (!srv_crash_at(s, point))
			return KEEL_CTL_E_STATE;
		kprintf("[root] %s armed to crash at its point %u as keelctl asked\n", s->name, point);
		return KEEL_CTL_OK;
	}
	if (crash) {
		if (!srv_crash(s))
			return KEEL_CTL_E_STATE;
		kprintf("[root] crashing %s as keelctl asked\n", s->name);
		return KEEL_CTL_OK;
	}
	if (s == vm->vmm)
		return KEEL_CTL_E_STATE; /* a VMM restarts with its VM: reset */
	ctl_dev_bank(s);
	s->restart_due = 0;
	if (!srv_restart(s))
		return KEEL_CTL_E_FAILED;
	kprintf("[root] server %s restarted as keelctl asked (restart %u)\n", s->name, s->restarts);
	ctl_server_event(KEEL_CTL_EV_RESTARTED, s);
	return KEEL_CTL_OK;
}

static unsigned ctl_act(unsigned kind, unsigned index, unsigned dev, unsigned point)
{
	struct vm *vm = index < VM_MAX ? vm_entry_at(index) : NULL;
	if (!vm || ctl_removed[index])
		return KEEL_CTL_E_NO_VM;
	switch (kind) {
	case KEEL_CTL_REMOVE:
		if (vm->live)
			return KEEL_CTL_E_STATE;
		ctl_removed[index] = true;
		vm->kept = false; /* its carve is for the next VM created */
		ctl_event(KEEL_CTL_EV_REMOVED, vm->name, NULL);
		kprintf("[root] VM %s removed (keelctl)\n", vm->name);
		return KEEL_CTL_OK;
	case KEEL_CTL_START:
		if (vm_servers_up(vm))
			return KEEL_CTL_E_STATE;
		vmrun_start_again(index);
		return vm_servers_up(vm) ? KEEL_CTL_OK : KEEL_CTL_E_FAILED;
	case KEEL_CTL_STOP:
		if (!vmrun_stop(index))
			return KEEL_CTL_E_STATE;
		ctl_paused[index] = false;
		return KEEL_CTL_OK;
	case KEEL_CTL_RESET:
		if (!vm->live)
			return KEEL_CTL_E_STATE;
		ctl_paused[index] = false; /* built afresh: its vCPUs start */
		return vmrun_reset(index) ? KEEL_CTL_OK : KEEL_CTL_E_FAILED;
	case KEEL_CTL_PAUSE:
	case KEEL_CTL_RESUME:
		return ctl_pause(vm, kind == KEEL_CTL_PAUSE);
	case KEEL_CTL_RESTART:
	case KEEL_CTL_CRASH:
		return ctl_server_act(vm, dev, kind == KEEL_CTL_CRASH, point);
	default:
		return KEEL_CTL_E_STATE;
	}
}

/* ---- create -------------------------------------------------------------------- */

/* A spec's strings, owned: vmconfig_load keeps them in its copy of the
 * last config it parsed, which the next create replaces. */
struct ctl_owned {
	char name[CFG_NAME_MAX], image[64], initrd[64], dtb[64];
	char cmdline[CFG_VM_CMDLINE_MAX];
	struct srv_policy vm_policy, dev_policy[KEEL_VMM_MAX_DEVICES];
};
static struct ctl_owned ctl_own[VM_MAX];

static const char *ctl_keep(char *dst, size_t size, const char *src)
{
	if (!src)
		return NULL;
	snprintf(dst, size, "%s", src);
	return dst;
}

/* vm's spec from now on points at ctl_own[vm->index]; its entry stays
 * its own while it is off (boot/vm.c reuses only entries not kept). */
static void ctl_own_spec(struct vm *vm)
{
	struct ctl_owned *o = &ctl_own[vm->index];
	struct vm_spec *sp = &vm->spec;
	vm->kept = !ctl_removed[vm->index];
	if (!sp->name || sp->name == o->name)
		return;
	sp->name = ctl_keep(o->name, sizeof(o->name), sp->name);
	sp->image = ctl_keep(o->image, sizeof(o->image), sp->image);
	sp->initrd = ctl_keep(o->initrd, sizeof(o->initrd), sp->initrd);
	sp->dtb = ctl_keep(o->dtb, sizeof(o->dtb), sp->dtb);
	sp->cmdline = ctl_keep(o->cmdline, sizeof(o->cmdline), sp->cmdline);
	if (sp->restart) {
		o->vm_policy = *sp->restart;
		sp->restart = &o->vm_policy;
	}
	for (unsigned d = 0; d < sp->ndev && d < KEEL_VMM_MAX_DEVICES; d++)
		if (sp->dev[d].restart) {
			o->dev_policy[d] = *sp->dev[d].restart;
			sp->dev[d].restart = &o->dev_policy[d];
		}
}

/* E_CONFIG, with the loader's messages (or why) in the status pages. */
static unsigned ctl_refused(const char *file, const char *why)
{
	const struct cfg_errors *e = vmconfig_errors();
	struct keel_ctl_status *st = ctl_status;
	size_t used = 0;
	st->err_line = st->err_col = 1;
	st->errors[0] = 0;
	if (why) {
		snprintf(st->errors, sizeof(st->errors), "%s:1:1: $: %s\n", file, why);
		return KEEL_CTL_E_CONFIG;
	}
	if (e->count) {
		st->err_line = e->list[0].line;
		st->err_col = e->list[0].col;
	}
	for (size_t i = 0; i < e->count && i < CFG_MAX_ERRORS && used + 2 < sizeof(st->errors); i++) {
		used += cfg_error_format(e, i, st->errors + used, sizeof(st->errors) - used - 1);
		st->errors[used++] = '\n';
		st->errors[used] = 0;
	}
	if (!e->count)
		snprintf(st->errors, sizeof(st->errors), "%s:1:1: $: no VM in it can start\n", file);
	return KEEL_CTL_E_CONFIG;
}

/* What only run time adds to the loader's checks (the control server
 * locates these first; root checks again). */
static const char *ctl_create_check(const struct vm_spec *spec)
{
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (vm && !ctl_removed[i] && vm->spec.name && !strcmp(vm->spec.name, spec->name))
			return "a VM of that name exists";
	}
	if (strlen(spec->name) >= sizeof(((struct vm *)0)->name))
		return "a VM's name is at most 31 bytes"; /* the loader said so first */
	for (unsigned d = 0; d < spec->ndev; d++)
		if (spec->dev[d].disk >= 0)
			return "a VM made at run time has no disk, virtio-blk or vars file "
			       "(the machine's disks are fixed when QEMU starts)";
	return NULL;
}

static unsigned ctl_create(uint64_t addr, const char *text)
{
	static char cfg[KEEL_CTL_CREATE_MAX];
	char file[64];
	unsigned long len = 0;
	const char *src, *why;
	struct vm_spec spec;
	struct vm *vm;
	if (sscanf(text, "%lu %63s", &len, file) != 2 || !len || len > sizeof(cfg) ||
	    !(src = srv_view(ctl_srv, addr, len)))
		return KEEL_CTL_E_FAILED;
	memcpy(cfg, src, len);
	for (unsigned i = 0; i < VM_MAX; i++)
		if (vm_entry_at(i))
			ctl_own_spec(vm_entry_at(i));
	kprintf("[root] keelctl create: %s\n", file);
	if (vmconfig_load(file, cfg, len, root_ram_bytes(), &spec, 1) != 1)
		return ctl_refused(file, NULL);
	if ((why = ctl_create_check(&spec)))
		return ctl_refused(file, why);
	spec.cpu = 1 % (root_boot_info()->ncpus ? root_boot_info()->ncpus : 1);
	if (!(vm = vm_create(&spec)))
		return KEEL_CTL_E_FAILED;
	ctl_removed[vm->index] = false;
	ctl_own_spec(vm);
	if (!vm_start(vm)) {
		vm_destroy(vm);
		return KEEL_CTL_E_FAILED;
	}
	vmrun_add(vm);
	ctl_event(KEEL_CTL_EV_CREATED, vm->name, NULL);
	return KEEL_CTL_OK;
}

/* ---- the console's command line (Ctrl-] :) --------------------------------------- */

static const char *const ctl_state_words[] = { "running", "paused", "off", "failed", "removed" };

static void ctl_cmd_list(void)
{
	uint64_t now = root_arch_now_ms();
	struct keel_ctl_vm o;
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (!vm || ctl_removed[i])
			continue;
		ctl_fill_vm(&o, vm);
		kprintf("[root] %u %s: %s, %u vCPUs, %lu MiB", i + 1, o.name, ctl_state_words[o.state],
			o.vcpus, (unsigned long)(o.ram_bytes >> 20));
		if (o.state == KEEL_CTL_VM_RUNNING || o.state == KEEL_CTL_VM_PAUSED)
			kprintf(", up %lu s", (unsigned long)((now - o.started_ms) / 1000));
		for (unsigned k = 0; k < o.nservers; k++)
			kprintf("%s %s %s%s", k ? "," : ";", o.srv[k].name,
				o.srv[k].state == KEEL_CTL_SRV_RUNNING ? "running" : "down",
				o.srv[k].restarts ? " (restarted)" : "");
		kprintf("\n");
	}
}

/* VM word: a name, or a number as Ctrl-] n counts (1-based). */
static int ctl_cmd_vm(const char *word)
{
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_entry_at(i);
		if (vm && !ctl_removed[i] && !strcmp(vm->name, word))
			return (int)i;
	}
	return word[0] >= '1' && word[0] <= '9' && !word[1] ? word[0] - '1' : -1;
}

static void ctl_command(const char *line)
{
	static const char *const words[] = { "start", "stop", "reset" };
	static const unsigned kinds[] = { KEEL_CTL_START, KEEL_CTL_STOP, KEEL_CTL_RESET };
	static const char *const results[] = { "done", "no such VM", "no such server",
		"not possible in its state", "failed" };
	char verb[16], arg[32];
	int n = sscanf(line, "%15s %31s", verb, arg), vm;
	unsigned r;
	kprintf("[root] console command: %s\n", line);
	if (n == 1 && !strcmp(verb, "list")) {
		ctl_cmd_list();
		return;
	}
	for (unsigned w = 0; n == 2 && w < 3; w++) {
		if (strcmp(verb, words[w]))
			continue;
		if ((vm = ctl_cmd_vm(arg)) < 0 || !vm_entry_at((unsigned)vm)) {
			kprintf("[root] %s %s: no such VM\n", verb, arg);
			return;
		}
		r = ctl_act(kinds[w], (unsigned)vm, 0, 0);
		kprintf("[root] %s %s: %s\n", verb, arg, r < 5 ? results[r] : "?");
		return;
	}
	kprintf("[root] console commands: list, start VM, stop VM, reset VM (VM: a name or "
		"a number)\n");
}

bool ctl_report(struct server *s, unsigned kind, uint64_t value, const char *text,
		uint64_t *answer)
{
	int dev;
	if (trace_report(s, ctl_srv, kind, value, answer))
		return true;
	if (kind == CON_REPORT_COMMAND && s == console_server()) {
		ctl_command(text);
		return true;
	}
	if (kind == KEEL_CTL_REPORT_COUNTERS) {
		struct vm *vm = ctl_vm_of(s, &dev);
		if (!vm || vm->vmm != s)
			return false;
		ctl_counters[vm->index] = value;
		return true;
	}
	if (kind == KEEL_CTL_REPORT_DEV_COUNTERS) {
		struct vm *vm = ctl_vm_of(s, &dev);
		if (!vm || dev < 0 || (unsigned)dev >= vm->ndev || vm->dev[dev] != s)
			return false;
		ctl_dev_addr[vm->index][dev] = value;
		return true;
	}
	if (!ctl_srv || s != ctl_srv || kind < KEEL_CTL_SNAPSHOT || kind > KEEL_CTL_REMOVE)
		return false;
	if (kind == KEEL_CTL_SNAPSHOT)
		ctl_snapshot();
	else if (kind == KEEL_CTL_CREATE)
		*answer = ctl_create(value, text);
	else
		*answer = ctl_act(kind, (unsigned)(value & 0xff), (unsigned)(value >> 8 & 0xff),
				  (unsigned)(value >> 16 & 0xff));
	return true;
}
