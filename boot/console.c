/*
 * Root's side of the console (device-servers/console/): the server gets
 * exactly what its job needs, and root keeps every original.
 *
 *   console server   its endpoint (READ); a frame of the UART's registers
 *                    (from the device untyped the kernel gave root),
 *                    mapped, no capability; the IRQ handler of its interrupt
 *                    with a notification bound to its thread, which the
 *                    kernel log signals too; the log (READ); a WRITE
 *                    capability to each VMM's notification; its state
 *                    pages (config + struct con_state), which root keeps
 *                    so a restarted server resumes
 *   each VMM         a notification bound to its thread (the console
 *                    signals it), the console's endpoint badged
 *                    KEEL_CON_BADGE_VMM(vm) in KEEL_VMM_SLOT_CONSOLE
 *   each PL011       the console's endpoint badged KEEL_CON_BADGE_DEV(vm)
 *                    in KEEL_SRV_PEER
 *   each virtio-     the console's endpoint badged KEEL_CON_BADGE_HVC(vm)
 *   console          in KEEL_SRV_PEER
 *
 * console_attach runs while boot/vm.c allocates from the VM's own carve,
 * so the VMM's notification (and the console's copy of it) dies with the
 * VM; the console server itself is made from root's pool (console_start,
 * or console_ensure before the carve is in use).
 *
 * Root's view of the config page: CON_VIEW (below ROOT_WINDOW_BASE and
 * above boot/vm.c's VM views).
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>

#include "../device-servers/console/console_srv.h"
#include "console.h"
#include "consock.h"

#define CON_VIEW 0x3000000000ull
#define CON_PRIO 200u /* above the VMs' servers (150): output is never queued long */
#define RW (KEEL_R_READ | KEEL_R_WRITE)

static struct server *console_srv;
static struct con_config *console_cfg; /* root's view */
static uint64_t console_ep;
static bool console_tried; /* console_start ran (it may have failed) */

struct server *console_server(void)
{
	return console_srv;
}

/* The config page (root's view + the server's copy), then the state. */
static bool console_pages(struct server *s)
{
	uint64_t cfg = root_alloc(KEEL_OBJ_FRAME, 0), copy = root_alloc_slot();
	if (!cfg || !copy || root_frame_map(cfg, KEEL_ROOT_VSPACE, CON_VIEW, RW) != KEEL_OK ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, cfg, RW) != KEEL_OK ||
	    root_frame_map(copy, s->vspace, KEEL_DEV_STATE_VADDR, RW) != KEEL_OK)
		return false;
	for (uint64_t p = 1; p < CON_STATE_PAGES; p++) {
		uint64_t f = root_alloc(KEEL_OBJ_FRAME, 0);
		if (!f || root_frame_map(f, s->vspace, KEEL_DEV_STATE_VADDR + p * ROOT_PAGE_SIZE,
				   RW) != KEEL_OK)
			return false;
	}
	console_cfg = (struct con_config *)(uintptr_t)CON_VIEW;
	memset(console_cfg, 0, sizeof(*console_cfg));
	return true;
}

/* The kernel log comes to the server from now on: the kernel signals its
 * notification (bit CON_KLOG_BIT) and keeps the bytes for it to read; it
 * may read them and nothing more (root keeps the right to redirect them). */
static uint64_t console_klog_ntfn; /* the server's notification, badged CON_KLOG_BIT */

static bool console_klog_to(uint64_t ntfn)
{
	uint64_t mr[6] = { ntfn, 0, 0, 0, 0, 0 };
	return keel_invoke(KEEL_ROOT_KLOG, KEEL_KLOG_SET_NOTIFICATION, 1, mr) == KEEL_OK;
}

static bool console_klog(struct server *s, uint64_t ntfn)
{
	console_klog_ntfn = root_alloc_slot();
	return console_klog_ntfn &&
	       keel_cnode_mint(KEEL_ROOT_CNODE, console_klog_ntfn, KEEL_ROOT_CNODE, ntfn,
			       KEEL_R_WRITE, CON_KLOG_BIT) == KEEL_OK &&
	       srv_grant_copy(s, CON_SLOT_KLOG, KEEL_ROOT_KLOG, KEEL_R_READ) &&
	       console_klog_to(console_klog_ntfn);
}

/* A scenario's end stops every server, a back-off or a restart limit
 * stops this one: its unread lines must not wait for it. */
void console_log_follow(struct server *s)
{
	if (console_srv && s == console_srv)
		console_klog_to(s->state == SRV_RUNNING ? console_klog_ntfn : 0);
}

/* The UART's interrupt signals a notification bound to the server's thread; the
 * server holds the handler (to ACK) and nothing else of it. */
static bool console_irq(struct server *s)
{
	uint64_t irq = root_alloc_slot(), ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	uint64_t badged = root_alloc_slot();
	uint64_t mr[6] = { root_arch_board()->uart_irq, KEEL_ROOT_CNODE, irq, 0, 0, 0 };
	if (!irq || !ntfn || !badged ||
	    keel_invoke(KEEL_ROOT_IRQ_CONTROL, KEEL_IRQCTL_GET, 3, mr) != KEEL_OK ||
	    keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, ntfn, KEEL_R_WRITE,
			    CON_IRQ_BIT) != KEEL_OK)
		return false;
	mr[0] = badged;
	if (keel_invoke(irq, KEEL_IRQ_SET_NOTIFICATION, 1, mr) != KEEL_OK ||
	    keel_tcb_bind_notification(s->tcb, ntfn) != KEEL_OK ||
	    !srv_grant_move(s, CON_SLOT_IRQ, irq))
		return false;
	consock_attach(s, ntfn, &console_cfg->sock); /* the per-VM sockets, if any */
	return console_klog(s, ntfn);
}

static const char *console_build(struct server *s, uint64_t uart)
{
	if (!(console_ep = root_alloc(KEEL_OBJ_ENDPOINT, 0)) || !srv_grant_report(s) ||
	    !srv_grant_copy(s, KEEL_SRV_EP, console_ep, KEEL_R_READ))
		return "no memory for its endpoint";
	if (!uart || root_frame_map(uart, s->vspace, CON_UART_VADDR, RW) != KEEL_OK)
		return "cannot map the UART (no device untyped at its address?)";
	if (!console_pages(s))
		return "no memory for its state pages";
	if (!console_irq(s))
		return "cannot route the UART's interrupt to it";
	return NULL;
}

bool console_start(enum console_mode mode, unsigned cpu)
{
	const char *args[] = { mode == CONSOLE_SWITCH ? "switch" : "prefix", NULL };
	struct server *s;
	console_tried = true;
	s = srv_create("console", "console", args, cpu, CON_PRIO);
	const struct root_board *board = root_arch_board();
	const char *why = s ? console_build(s, root_device_frame(board->uart_pa))
			    : "cannot create the server";
	if (!why) {
		console_cfg->mode = mode == CONSOLE_SWITCH ? CON_SWITCH : CON_PREFIX;
		console_cfg->uart = board->uart_kind == ROOT_UART_16550 ? CON_UART_16550
									: CON_UART_PL011;
		if (!srv_start(s))
			why = "cannot start it";
	}
	if (why) {
		console_klog_to(0); /* bound by console_build, maybe: no reader */
		kprintf("[root] console server: %s\n", why);
		return false;
	}
	console_srv = s;
	kprintf("[root] console server: %s mode; Ctrl-] then a VM's number switches\n",
		args[0]);
	return true;
}

static struct server *console_pl011(const struct vm *vm, const struct vm_spec *spec)
{
	for (unsigned d = 0; d < spec->ndev && d < vm->ndev; d++)
		if (keel_vm_dev_is_uart(spec->dev[d].kind))
			return vm->dev[d];
	return NULL;
}

/* Its virtio-console's server (hvc0, h-vdev), if it has one. */
static struct server *console_hvc(const struct vm *vm, const struct vm_spec *spec)
{
	for (unsigned d = 0; d < spec->ndev && d < vm->ndev; d++)
		if (spec->dev[d].hvc)
			return vm->dev[d];
	return NULL;
}

/* Ctrl-] k on the console: crash VM vm's PL011 server (the console
 * numbers VMs by their entry, as console_attach gave them). */
static void console_crash_dev(uint64_t index)
{
	struct vm *vm = index < KEEL_CON_MAX_VMS ? vm_by_index((unsigned)index) : NULL;
	struct server *uart = vm ? console_pl011(vm, &vm->spec) : NULL;
	if (!uart || !srv_crash(uart)) {
		kprintf("[root] console asked to crash a PL011 server that is not running\n");
		return;
	}
	kprintf("[root] crashing %s as the console asked (Ctrl-] k)\n", uart->name);
}

bool console_report(struct server *s, unsigned kind, uint64_t value)
{
	if (!console_srv || s != console_srv)
		return false;
	if (kind == KEEL_REPORT_CON_CRASH)
		console_crash_dev(value);
	else if (kind == CON_REPORT_START)
		vmrun_start_again(value);
	else
		return false;
	return true;
}

void console_detach(struct vm *vm)
{
	if (console_srv && vm->index < KEEL_CON_MAX_VMS)
		console_cfg->off[vm->index] = 1;
}

void console_ensure(unsigned cpu)
{
	if (!console_srv && !console_tried) /* nobody chose: lines with prefixes */
		console_start(CONSOLE_PREFIX, cpu);
}

bool console_attach(struct vm *vm, const struct vm_spec *spec)
{
	struct server *uart = console_pl011(vm, spec), *hvc = console_hvc(vm, spec);
	unsigned i = vm->index;
	uint64_t ntfn = vm->ntfn; /* boot/vm.c bound it to the VMM */
	if (!console_srv)
		return true; /* the PL011 servers print through the kernel */
	if (i >= KEEL_CON_MAX_VMS || !ntfn)
		return false;
	/* the console shows at most CON_NAME - 1 bytes of a name */
	snprintf(console_cfg->name[i], sizeof(console_cfg->name[i]), "%.*s", (int)CON_NAME - 1,
		 vm->name);
	console_cfg->gen[i]++; /* a new VM here (or this one reset): fresh queues */
	console_cfg->off[i] = 0;
	if (i + 1 > console_cfg->nvms)
		console_cfg->nvms = i + 1;
	return srv_grant_mint(console_srv, CON_SLOT_VMM(i), ntfn, KEEL_R_WRITE,
			      KEEL_VMM_BADGE_CONSOLE) &&
	       srv_grant_mint(vm->vmm, KEEL_VMM_SLOT_CONSOLE, console_ep, KEEL_R_WRITE,
			      KEEL_CON_BADGE_VMM(i)) &&
	       (!uart || srv_grant_mint(uart, KEEL_SRV_PEER, console_ep, KEEL_R_WRITE,
					KEEL_CON_BADGE_DEV(i))) &&
	       (!hvc || srv_grant_mint(hvc, KEEL_SRV_PEER, console_ep, KEEL_R_WRITE,
				       KEEL_CON_BADGE_HVC(i)));
}
