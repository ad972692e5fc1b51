/*
 * console: the server that owns the physical UART (QEMU virt's PL011 at
 * 0x09000000 on aarch64, its ns16550a at 0x10000000 on riscv64: uart.c)
 * and shares it between the VMs
 * (console.h has the modes and keys, keel/vmm.h the protocol).
 *
 *   argv[1]               "prefix" or "switch" (also in the config page)
 *   KEEL_SRV_EP           calls from the PL011 servers and the VMMs
 *   bound notification    the UART's interrupt (bit CON_IRQ_BIT)
 *   CON_SLOT_IRQ          the IRQ handler capability for its interrupt: ACK
 *   CON_SLOT_VMM(i)       VM i's VMM notification, WRITE, badged
 *                         KEEL_VMM_BADGE_CONSOLE: "input waits for you"
 *   CON_UART_VADDR        the UART's registers (root maps the frame)
 *   KEEL_DEV_STATE_VADDR  config page (root's), then struct con_state
 *
 *   CON_SLOT_KLOG         the kernel log (READ): root's and the servers'
 *                         lines (kprintf), bit CON_KLOG_BIT when they come
 *
 * Once this server runs, it is the UART's only writer: the kernel keeps
 * the log for it (keel/abi.h, "kernel log"), and con_klog prints it on
 * lines of its own between the guests'. Before it runs, while root has it
 * stopped, and while it is down long enough for the log's ring to fill,
 * the kernel writes the UART.
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "console.h"
#include "console_srv.h"
#include "sock.h"
#include "uart.h"

static const struct con_config *cfg;
static struct con_state *st;
static const struct con_uart_ops *uart;

static void uart_put(void *ctx, const char *b, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		uart->put((uint8_t)b[i]);
}

static void vmm_kick(void *ctx, unsigned vm)
{
	(void)ctx;
	if (vm < KEEL_CON_MAX_VMS)
		keel_signal(CON_SLOT_VMM(vm));
}

/* Ctrl-] k: ask root to crash this VM's PL011 server, to watch it be
 * restarted under a running guest (root does it: KEEL_REPORT_CON_CRASH). */
static void dev_crash(void *ctx, unsigned vm)
{
	(void)ctx;
	keel_report(KEEL_REPORT_CON_CRASH, vm, "crash the PL011 server of VM %u", vm + 1);
}

/* Ctrl-] s: ask root to start this VM again if it is off (or one of its
 * servers is down for good); root says what it did. */
static void vm_start_key(void *ctx, unsigned vm)
{
	(void)ctx;
	keel_report(CON_REPORT_START, vm, "start VM %u", vm + 1);
}

/* Ctrl-] : and a line: root runs it and prints what it did. */
static void con_command(void *ctx, unsigned vm, const char *line)
{
	(void)ctx;
	keel_report(CON_REPORT_COMMAND, vm, "%s", line);
}

static const struct con_io io = { .put = uart_put, .kick = vmm_kick, .crash_dev = dev_crash,
				  .start_vm = vm_start_key, .command = con_command };

/* Back-pressure: while the focused VM's input queue is full the UART's
 * receive interrupts are masked and its FIFO is left alone; QEMU (or the
 * sender, on hardware) holds what follows. A fetch that makes room
 * (con_rx_resume) unmasks them and reads on. */
static bool rx_paused;

/* Read until the UART is empty or the focused VM's queue is full. */
static void con_rx_drain(void)
{
	while (con_input_room(cfg, st)) {
		int c = uart->get();
		if (c < 0)
			return;
		con_key(cfg, st, (uint8_t)c, &io);
	}
	uart->rx_irq(false);
	rx_paused = true;
}

/* After a request: if the focused VM's queue has room again (it took
 * input), the UART may be read again. */
static void con_rx_resume(void)
{
	if (!rx_paused || !con_input_room(cfg, st))
		return;
	rx_paused = false;
	uart->rx_irq(true);
	con_rx_drain();
}

/* Print the kernel log up to its end. Where it has been printed up to is
 * kept in the state page, so a restarted server goes on from there (a
 * crash between a print and the store prints those bytes twice, never
 * none); the kernel forgets what is before the position each read asks
 * for. */
static void con_klog_drain(void)
{
	static const char past[] = "[console] kernel log: the saved position was past "
				   "its end; printing from the oldest byte kept\n";
	for (;;) {
		uint64_t mr[6] = { st->klog_pos, 0, 0, 0, 0, 0 };
		uint8_t b[KEEL_DEBUG_WRITE_MAX];
		unsigned n;
		long err = keel_invoke(CON_SLOT_KLOG, KEEL_KLOG_READ, 1, mr);
		if (err == KEEL_E_INVALID_ARG && st->klog_pos) {
			/* only a state page a crash damaged holds a position the
			 * log has not reached: stopping here would silence the
			 * kernel's log for good; 0 reads from its oldest byte */
			con_klog(st, (const uint8_t *)past, sizeof(past) - 1, &io);
			st->klog_pos = 0;
			continue;
		}
		if (err != KEEL_OK || !mr[1])
			return;
		n = mr[1] < sizeof(b) ? (unsigned)mr[1] : (unsigned)sizeof(b);
		memcpy(b, &mr[2], n < KEEL_KLOG_READ_REGS ? n : KEEL_KLOG_READ_REGS);
		if (n > KEEL_KLOG_READ_REGS)
			memcpy(b + KEEL_KLOG_READ_REGS, &keel_ipcbuf()->mr[KEEL_MSG_REG_MRS],
			       n - KEEL_KLOG_READ_REGS);
		con_klog(st, b, n, &io);
		st->klog_pos = mr[0] + n;
	}
}

/* Ack at the UART first, then drain it: a byte that arrives after the
 * last read raises the line again, and fires once the GIC's is acked. */
static void con_irq(void *ctx, uint64_t bits)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	if (bits & CON_SOCK_IRQ_BIT)
		sock_irq();
	if (bits & CON_KLOG_BIT)
		con_klog_drain();
	if (!(bits & CON_IRQ_BIT))
		return;
	uart->ack();
	if (!rx_paused)
		con_rx_drain();
	keel_invoke(CON_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
}

/* KEEL_CON_WRITE: MR0 n and the stream position, then the bytes from
 * MR1 (MR6.. in the IPC buffer). */
static void con_write(unsigned vm, bool hvc, struct keel_msg *m)
{
	uint64_t w[1 + (KEEL_CON_WRITE_MAX + 7) / 8];
	unsigned n = (m->mr[0] & 0xffff) < KEEL_CON_WRITE_MAX ? (unsigned)(m->mr[0] & 0xffff)
							      : KEEL_CON_WRITE_MAX;
	unsigned words = 1 + (n + 7) / 8;
	if (m->len < words)
		n = 0; /* the message is shorter than its count: ignore it */
	for (unsigned i = 0; i < words && i < KEEL_MSG_REG_MRS; i++)
		w[i] = m->mr[i];
	for (unsigned i = KEEL_MSG_REG_MRS; i < words; i++)
		w[i] = keel_ipcbuf()->mr[i];
	(hvc ? con_output_hvc : con_output)(cfg, st, vm, (m->mr[0] >> 16) & KEEL_CON_POS_MASK,
					   (const uint8_t *)&w[1], n, &io);
	m->mr[0] = 0;
}

/* KEEL_CON_FETCH: MR0 delivered, MR1 sequence. */
static void con_fetch_call(unsigned vm, struct keel_msg *m)
{
	uint64_t w[1 + KEEL_DEV_INPUT_MAX / 8] = { 0 };
	w[0] = con_fetch(cfg, st, vm, m->mr[1], (unsigned)m->mr[0], (uint8_t *)&w[1],
			 KEEL_DEV_INPUT_MAX);
	memcpy(m->mr, w, sizeof(w));
	m->len = 1 + (unsigned)(w[0] + 7) / 8;
}

static bool con_request(void *ctx, struct keel_msg *m)
{
	uint64_t b = m->badge;
	bool hvc = b >= KEEL_CON_BADGE_HVC(0) && b < KEEL_CON_BADGE_HVC(KEEL_CON_MAX_VMS);
	bool dev = hvc || (b >= KEEL_CON_BADGE_DEV(0) && b < KEEL_CON_BADGE_DEV(KEEL_CON_MAX_VMS));
	unsigned vm = (unsigned)(b - (hvc ? KEEL_CON_BADGE_HVC(0) : KEEL_CON_BADGE_DEV(0)));
	(void)ctx;
	if (m->label == KEEL_CON_WRITE && dev) {
		con_write(vm, hvc, m);
		m->len = 1;
	} else if (m->label == KEEL_CON_RX_SPACE && dev) {
		vmm_kick(NULL, vm);
		m->len = 0;
	} else if (m->label == KEEL_CON_FETCH && b >= KEEL_CON_BADGE_VMM(0) &&
		   b < KEEL_CON_BADGE_VMM(KEEL_CON_MAX_VMS)) {
		con_fetch_call((unsigned)(b - KEEL_CON_BADGE_VMM(0)), m);
	} else {
		m->mr[0] = KEEL_E_INVALID_CALL;
		m->len = 1;
	}
	m->label = 0;
	/* a fetch made room, or root made a new VM where a full queue was;
	 * output for a socket, input from one that waited for room */
	con_rx_resume();
	sock_work();
	return true;
}

/* Set the UART up (again, after a restart: idempotent), ack an interrupt
 * the last instance may have left active, and tell every VMM with input
 * waiting (the last instance may have crashed before it could). */
static void con_init(void *ctx)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	uart->init();
	keel_invoke(CON_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	sock_init(cfg, st, &io);
	for (unsigned i = 0; i < KEEL_CON_MAX_VMS; i++)
		if (st->vm[i].in_len)
			vmm_kick(NULL, i);
	con_irq(NULL, CON_IRQ_BIT | CON_KLOG_BIT); /* what came while it was down */
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .init = con_init, .notified = con_irq,
				    .protected = con_request };
	long err;
	(void)argc;
	_Static_assert(sizeof(struct con_config) <= CON_CONFIG_SIZE, "config page");
	cfg = (const struct con_config *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	st = (struct con_state *)(uintptr_t)(KEEL_DEV_STATE_VADDR + CON_CONFIG_SIZE);
	uart = con_uart_ops(cfg->uart);
	if (st->magic == CON_STATE_MAGIC)
		kprintf("[%s] resuming: %s has the console\n", argv[0],
			cfg->name[st->focus < KEEL_CON_MAX_VMS ? st->focus : 0]);
	con_resume(st);
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
