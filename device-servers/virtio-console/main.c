/*
 * The virtio-console device server: one per virtio-console device of a VM
 * (hvc0 in a Linux guest), on the shared virtio-mmio transport
 * (device-servers/virtio/); vcon.c is its core. The guest's output goes
 * to the console server (KEEL_SRV_PEER, badged KEEL_CON_BADGE_HVC) by
 * stream position, as a PL011 server's does; without a console server,
 * to the kernel console with "[vm] " before each line. The VMM hands it
 * the VM's console input (KEEL_DEV_INPUT: root told the VMM this device
 * takes it, keel_vm_info.input_dev).
 *
 *   argv: its name, the VM's name, guest RAM base and size (hex)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/ctl.h>
#include <keel/trace.h>
#include <keel/vmm.h>

#include "vcon.h"

#define CON_TRIES 4u /* a call cancelled by the console's restart is made again */
_Static_assert(VCON_BLOCK <= KEEL_CON_WRITE_MAX, "a block is one console write");

static struct vcon_state *st;
static struct virtio_dev dev;
static const char *self;
static char prefix[40];
static bool console; /* a console server takes the output */
static bool midline; /* kernel console: a line is open */

/* keelctl stats: the guest accesses and IPC calls this instance answered
 * and made (root keeps the totals across restarts, keel/ctl.h). */
static struct keel_ctl_dev_counters counters;
/* Output and input, for a trace (keel/trace.h): one request a block. */
static struct keel_dev_log vcon_log;
static uint32_t vcon_logged;

/* A block of type (output: at stream position pos) begun at t0, done. */
static void vcon_log_block(uint32_t type, uint64_t t0, uint64_t pos, unsigned bytes)
{
	uint64_t n = vcon_logged++;
	keel_dev_log_add(&vcon_log, t0, KEEL_TRACE_DEV_REQ, n << 32 | type, pos);
	keel_dev_log_add(&vcon_log, keel_arch_counter(), KEEL_TRACE_DEV_DONE, n << 32, bytes);
}

static long vcon_console_call(uint64_t label, uint64_t len, uint64_t mr[6])
{
	long err = KEEL_E_CANCELLED;
	for (unsigned i = 0; i < CON_TRIES && err == KEEL_E_CANCELLED; i++) {
		uint64_t info = keel_msginfo(label, len), m[6];
		memcpy(m, mr, sizeof(m));
		counters.calls++;
		err = keel_call(KEEL_SRV_PEER, &info, m);
	}
	return err;
}

/* Without a console server: printable ASCII, tab and newline only. */
static void vcon_kernel_write(const uint8_t *b, unsigned n)
{
	char line[VCON_BLOCK + 1];
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		if (b[i] != '\r')
			line[k++] = b[i] == '\n' || b[i] == '\t' || (b[i] >= 0x20 && b[i] < 0x7f)
					    ? (char)b[i] : '?';
	line[k] = 0;
	if (!k)
		return;
	if (!midline)
		kputs(prefix);
	kputs(line);
	midline = line[k - 1] != '\n';
}

static bool vcon_write(void *ctx, uint64_t pos, const uint8_t *b, unsigned n)
{
	uint64_t w[1 + (KEEL_CON_WRITE_MAX + 7) / 8] = { KEEL_CON_WRITE_WORD(n, pos) };
	unsigned words = 1 + (n + 7) / 8;
	uint64_t t0 = keel_arch_counter();
	(void)ctx;
	memcpy(&w[1], b, n);
	for (unsigned i = KEEL_MSG_REG_MRS; i < words; i++)
		keel_ipcbuf()->mr[i] = w[i];
	if (!console || vcon_console_call(KEEL_CON_WRITE, words, w) != KEEL_OK)
		vcon_kernel_write(b, n);
	vcon_log_block(KEEL_TRACE_REQ_OUTPUT, t0, pos, n);
	return true;
}

static void vcon_rx_space(void *ctx)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	if (console)
		vcon_console_call(KEEL_CON_RX_SPACE, 0, mr);
}

static const struct vcon_io io = { .write = vcon_write, .rx_space = vcon_rx_space };
static struct vcon con = { .io = &io, .dev = &dev };

static bool vcon_config_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	(void)ctx, (void)off, (void)width;
	*val = 0; /* no F_SIZE, F_MULTIPORT or F_EMERG_WRITE: nothing to read */
	return true;
}

static bool vcon_config_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return true;
}

static void vcon_dev_notify(void *ctx, unsigned q)
{
	(void)ctx;
	vcon_notify(&con, q);
}

static const struct virtio_dev_ops vcon_ops = {
	.config_read = vcon_config_read, .config_write = vcon_config_write,
	.notify = vcon_dev_notify,
};

/* KEEL_DEV_INPUT: MR0 count, MR1 sequence, MR2..MR5 the bytes. */
static uint64_t vcon_dev_input(const struct keel_msg *m)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned n = m->mr[0] < KEEL_DEV_INPUT_MAX ? (unsigned)m->mr[0] : KEEL_DEV_INPUT_MAX;
	uint64_t t0 = keel_arch_counter();
	unsigned took;
	memcpy(b, &m->mr[2], sizeof(b));
	took = vcon_input(&con, m->mr[1], b, n);
	vcon_log_block(KEEL_TRACE_REQ_INPUT, t0, 0, took);
	return took;
}

static bool vcon_request(void *ctx, struct keel_msg *m)
{
	uint64_t val = 0;
	bool ok = true;
	(void)ctx;
	if (m->label == KEEL_DEV_INPUT && m->mr[1] != 0)
		val = vcon_dev_input(m);
	else
		ok = virtio_dev_call(&dev, m, &val);
	virtio_dev_reply(&dev, m, ok, val);
	return true;
}

/* Is there a console server? An empty write asks it (it prints nothing;
 * an empty slot answers KEEL_E_INVALID_CAP). Only that answer means none:
 * a console crashed again and again while it took the question is still
 * there, and this server's output must not go to the kernel console for
 * the rest of its life because of it. */
static void vcon_init(void *ctx)
{
	uint64_t mr[6] = { 0 };
	bool resumed = st->magic == VCON_MAGIC;
	(void)ctx;
	console = vcon_console_call(KEEL_CON_WRITE, 1, mr) != KEEL_E_INVALID_CAP;
	if (resumed && st->tx_active)
		kprintf("[%s] resuming: output at stream position %lu, a chain in flight: "
			"%u of its %u bytes sent\n", self, (unsigned long)st->tx_pos,
			st->tx_sent, st->tx_len);
	else if (resumed)
		kprintf("[%s] resuming: output at stream position %lu\n", self,
			(unsigned long)st->tx_pos);
	vcon_resume(&con);
	if (virtio_mmio_irq_level(&st->t))
		keel_signal(KEEL_SRV_NTFN); /* maybe lost with the last instance: an edge */
}

int main(int argc, char **argv)
{
	static struct keel_dev_router router = { .request = vcon_request, .ctx = NULL, .ntfn = KEEL_SRV_NTFN,
						 .told = KEEL_DEV_LINES_UNKNOWN, .edges = true, /* a notification */
						 .accesses = &counters.mmio,
						 .calls = &counters.calls };
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .init = vcon_init,
				    .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	if (argc < 4)
		return 1;
	self = argv[0];
	snprintf(prefix, sizeof(prefix), "[%.30s] ", argv[1]);
	st = (struct vcon_state *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	_Static_assert(sizeof(*st) <= 4096, "one state page");
	con.st = st;
	dev = (struct virtio_dev){ .s = &st->t, .ops = &vcon_ops,
		.mem = { .base = (uint8_t *)(uintptr_t)KEEL_DEV_RAM_VADDR,
			 .gpa = strtoull(argv[2], NULL, 16), .size = strtoull(argv[3], NULL, 16) } };
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&counters, "counters");
	vcon_log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&vcon_log, "trace log");
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
