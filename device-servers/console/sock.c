/*
 * The per-VM console sockets' driver (consock.h): one virtio-serial
 * device with MULTIPORT, port N for VM entry N - 1. Part of the console
 * server, which already holds every VM's streams and input queues; this
 * file only moves bytes between those and the device's queues.
 *
 * Set-up (virtio 5.3.6): features VERSION_1 and MULTIPORT, every queue,
 * every receive buffer, then DEVICE_READY; the device answers PORT_ADD
 * for each port, we say PORT_READY and PORT_OPEN (QEMU passes a socket's
 * bytes to a port only once the guest side is open), and it says
 * PORT_OPEN 1 / 0 when a host program connects to / leaves the socket.
 *
 * Transmit: while a host program holds port N's socket, the driver posts
 * VM N's socket stream from sent on, one 256-byte slot per descriptor;
 * QEMU's virtio-serial completes a port's buffers in order, so slot =
 * available index % QSIZE is free when fewer than QSIZE are in flight.
 * On connect sent moves back to the oldest byte held: the reader gets
 * the last CON_RING bytes first (replay), then the live stream.
 *
 * Receive: a port's buffers are reposted in used order (the buffer used
 * at position u goes back at u + QSIZE), derived from rx_used alone, so
 * a repost after a crash is neither lost nor doubled. Bytes go to the
 * VM's input queue through struct con_sock_redo.
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>

#include "console.h"
#include "console_srv.h"
#include "sock.h"
#include "vdrv.h"

#define F_MULTIPORT 1u
#define Q_AVAIL 128u
#define Q_USED 160u
#define QN CON_SOCK_QSIZE

/* control events (virtio 5.3.6.2) */
#define EV_DEVICE_READY 0u
#define EV_PORT_ADD 1u
#define EV_PORT_READY 3u
#define EV_PORT_OPEN 6u

struct vs_ctl {
	uint32_t id;
	uint16_t event, value;
};
_Static_assert(Q_AVAIL >= VDRV_DESC_BYTES(QN) && Q_USED >= Q_AVAIL + VDRV_AVAIL_BYTES(QN) &&
	       CON_SOCK_QSTRIDE >= Q_USED + VDRV_USED_BYTES(QN), "queue layout");

static const struct con_config *cf;
static struct con_state *st;
static const struct con_io *io;
static uint8_t *queue, *buf;
static struct vdrv dev;
static struct vdrv_vq vq[CON_SOCK_QUEUES];

static uint16_t q_used_idx(unsigned q)
{
	return vdrv_vq_used_idx(&vq[q]);
}

static struct vdrv_used_elem q_used_at(unsigned q, uint16_t pos)
{
	return vdrv_vq_used_at(&vq[q], pos);
}

/* A buffer: its physical address and where the server sees it. */
static uint64_t buf_pa(unsigned page, unsigned off)
{
	return cf->sock.buf_pa[page] + off;
}

static uint8_t *buf_va(unsigned page, unsigned off)
{
	return buf + page * 4096u + off;
}

/* Make available index idx of queue q hold descriptor d, and tell the
 * device. */
static void q_publish(unsigned q, uint16_t idx, uint16_t d)
{
	vdrv_vq_publish(&vq[q], idx, d);
	vdrv_notify(&dev, q);
}

/* Where every queue lies: at set-up, and on a resume (the device has them). */
static void q_place_all(void)
{
	for (unsigned q = 0; q < CON_SOCK_QUEUES; q++)
		vdrv_vq_place(&vq[q], q, QN, queue + q * CON_SOCK_QSTRIDE,
			      cf->sock.queue_pa + q * CON_SOCK_QSTRIDE, Q_AVAIL, Q_USED);
}

/* Receive queue q's buffers at off in page 0, all posted. */
static void q_fill_rx(unsigned q, unsigned off)
{
	vdrv_vq_fill_rx(&vq[q], buf_pa(0, off), CON_SOCK_RX_BYTES, CON_SOCK_RX_BYTES);
}

/* A control message to the device; duplicates are harmless (QEMU only
 * records the state they carry), so these need no record of their own. */
static void sock_ctl_send(uint32_t port, uint16_t event, uint16_t value)
{
	uint16_t idx = vdrv_vq_avail_idx(&vq[CON_SOCK_CTXQ]), d = idx % QN;
	struct vs_ctl *m = (struct vs_ctl *)buf_va(0, CON_SOCK_CTX_OFF + d * 8u);
	if ((uint16_t)(idx - q_used_idx(CON_SOCK_CTXQ)) >= QN)
		return; /* QEMU answers control messages as they come: never full */
	*m = (struct vs_ctl){ .id = port, .event = event, .value = value };
	vdrv_vq_desc_set(&vq[CON_SOCK_CTXQ], d, buf_pa(0, CON_SOCK_CTX_OFF + d * 8u), sizeof(*m), 0,
			 0);
	q_publish(CON_SOCK_CTXQ, idx, d);
}

/* Reset and set the device up (virtio 3.1.1); NULL, or why not. */
static const char *sock_setup(void)
{
	const char *why = vdrv_start(&dev, VIRTIO_ID_CONSOLE,
				     1ull << VIRTIO_F_VERSION_1 | 1ull << F_MULTIPORT, 0, NULL);
	if (why)
		return why;
	memset(&st->sock, 0, sizeof(st->sock));
	for (unsigned q = 0; q < CON_SOCK_QUEUES; q++)
		if (!vdrv_vq_setup(&dev, &vq[q]))
			return "a queue is in use or too small";
	q_fill_rx(CON_SOCK_CRXQ, 0);
	for (unsigned p = 1; p < CON_SOCK_PORTS; p++)
		q_fill_rx(CON_SOCK_RXQ(p), p * QN * CON_SOCK_RX_BYTES);
	vdrv_driver_ok(&dev);
	st->sock.ready = 1; /* from here on a restart resumes, never resets */
	sock_ctl_send(0, EV_DEVICE_READY, 1);
	return NULL;
}

/* ---- transmit -------------------------------------------------------------- */

/* A post whose available index went out before the crash but whose
 * position was not recorded: record it now (the device has it). */
static void sock_tx_settle(unsigned p)
{
	struct con_sock_port *sp = &st->sock.port[p];
	if (vdrv_vq_avail_idx(&vq[CON_SOCK_TXQ(p)]) != sp->tx_posted) {
		sp->sent = sp->post_end;
		sp->tx_posted = vdrv_vq_avail_idx(&vq[CON_SOCK_TXQ(p)]);
	}
}

/* Hand port p's stream from sent on to the device, slot by slot. */
static void sock_tx_pump(unsigned p)
{
	struct con_sock_port *sp = &st->sock.port[p];
	unsigned q = CON_SOCK_TXQ(p), page = 1 + (p - 1) / 2, base = (p - 1) % 2 * QN * CON_SOCK_TX_BYTES;
	sock_tx_settle(p);
	while (sp->host_open && (uint16_t)(sp->tx_posted - q_used_idx(q)) < QN) {
		uint16_t d = sp->tx_posted % QN;
		unsigned off = base + d * CON_SOCK_TX_BYTES;
		uint64_t from = sp->sent;
		unsigned n = con_sock_peek(cf, st, p - 1, &from, buf_va(page, off), CON_SOCK_TX_BYTES);
		if (!n)
			return;
		vdrv_vq_desc_set(&vq[q], d, buf_pa(page, off), n, 0, 0);
		sp->post_end = from + n;
		q_publish(q, sp->tx_posted, d);
		sp->sent = sp->post_end;
		sp->tx_posted++;
	}
}

/* ---- receive --------------------------------------------------------------- */

/* Put back every rx buffer of queue q used before position used. */
static void sock_rx_repost(unsigned q, uint16_t used)
{
	bool posted = false;
	while (vdrv_vq_avail_idx(&vq[q]) != (uint16_t)(used + QN)) {
		uint16_t i = vdrv_vq_avail_idx(&vq[q]);
		vdrv_vq_publish(&vq[q], i, (uint16_t)q_used_at(q, (uint16_t)(i - QN)).id);
		posted = true;
	}
	if (posted)
		vdrv_notify(&dev, q);
}

static void sock_redo_apply(void)
{
	struct con_sock_redo *r = &st->sock.redo;
	if (!r->valid || r->vm + 1 >= CON_SOCK_PORTS)
		return;
	con_input_commit(st, r->vm, r->in_len);
	st->sock.port[r->vm + 1].rx_used = r->rx_used;
	st->sock.port[r->vm + 1].rx_off = r->rx_off;
	r->valid = 0;
	sock_rx_repost(CON_SOCK_RXQ(r->vm + 1), r->rx_used);
}

/* Take what port p received into its VM's input queue, as long as the
 * queue has room (else the buffers wait, and QEMU stops reading the
 * socket: back-pressure, as for the UART). */
static void sock_rx_port(unsigned p)
{
	struct con_sock_port *sp = &st->sock.port[p];
	unsigned q = CON_SOCK_RXQ(p);
	bool took = false;
	while (sp->rx_used != q_used_idx(q)) {
		struct vdrv_used_elem e = q_used_at(q, sp->rx_used);
		uint32_t id = e.id, len = e.len;
		uint32_t in_len = 0, n = 0;
		if (id < QN && len > CON_SOCK_RX_BYTES)
			len = CON_SOCK_RX_BYTES;
		if (id < QN && sp->rx_off < len)
			n = con_input_stage(cf, st, p - 1, buf_va(0, (p * QN + id) * CON_SOCK_RX_BYTES) +
					    sp->rx_off, len - sp->rx_off, &in_len);
		if (id < QN && sp->rx_off < len && !n && p - 1 < cf->nvms)
			break; /* the queue is full: wait for the VM's next fetch */
		st->sock.redo = (struct con_sock_redo){ .vm = p - 1, .in_len = n ? in_len : 0,
			.rx_used = sp->rx_off + n >= len ? (uint16_t)(sp->rx_used + 1) : sp->rx_used,
			.rx_off = sp->rx_off + n >= len ? 0 : sp->rx_off + n };
		if (!n)
			st->sock.redo.in_len = st->vm[p - 1].in_len;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		st->sock.redo.valid = 1;
		sock_redo_apply();
		took |= n != 0;
	}
	if (took)
		io->kick(io->ctx, p - 1);
}

/* ---- control ----------------------------------------------------------------- */

static void sock_ctl_event(const struct vs_ctl *m)
{
	struct con_sock_port *sp;
	if (m->id == 0 || m->id >= CON_SOCK_PORTS)
		return; /* port 0 is not ours; an id we never asked for */
	sp = &st->sock.port[m->id];
	if (m->event == EV_PORT_ADD) {
		sock_ctl_send(m->id, EV_PORT_READY, 1);
		sock_ctl_send(m->id, EV_PORT_OPEN, 1);
	} else if (m->event == EV_PORT_OPEN) {
		/* a new reader starts with what the ring holds: both stores
		 * only depend on state a crash leaves as it was, so doing
		 * this twice (a crash before ctl_used moves) does it once */
		sp->host_open = m->value != 0;
		if (sp->host_open)
			sp->sent = con_sock_replay_from(cf, st, m->id - 1);
	}
}

static void sock_ctl_rx(void)
{
	while (st->sock.ctl_used != q_used_idx(CON_SOCK_CRXQ)) {
		struct vdrv_used_elem e = q_used_at(CON_SOCK_CRXQ, st->sock.ctl_used);
		uint32_t id = e.id, len = e.len;
		if (id < QN && len >= sizeof(struct vs_ctl))
			sock_ctl_event((const struct vs_ctl *)buf_va(0, id * CON_SOCK_RX_BYTES));
		st->sock.ctl_used++;
		sock_rx_repost(CON_SOCK_CRXQ, st->sock.ctl_used);
	}
}

/* ---- the server's hooks --------------------------------------------------------- */

void sock_work(void)
{
	if (!cf->sock.present || !st->sock.ready)
		return;
	sock_ctl_rx();
	for (unsigned p = 1; p < CON_SOCK_PORTS; p++) {
		sock_rx_port(p);
		sock_tx_pump(p);
	}
}

void sock_irq(void)
{
	uint64_t mr[6] = { 0 };
	if (!cf->sock.present)
		return;
	vdrv_irq_ack(&dev);
	keel_invoke(CON_SLOT_SOCK_IRQ, KEEL_IRQ_ACK, 0, mr);
	sock_work();
}

void sock_init(const struct con_config *config, struct con_state *state, const struct con_io *cio)
{
	uint64_t mr[6] = { 0 };
	const char *why = NULL;
	cf = config;
	st = state;
	io = cio;
	queue = (uint8_t *)(uintptr_t)CON_SOCK_QUEUE_VADDR;
	buf = (uint8_t *)(uintptr_t)CON_SOCK_BUF_VADDR;
	if (!cf->sock.present)
		return;
	dev.base = (uintptr_t)CON_SOCK_MMIO_VADDR + cf->sock.mmio_off;
	q_place_all();
	if (st->sock.ready) {
		sock_redo_apply(); /* the last instance's unfinished take */
		kprintf("[console] sockets: resuming the device\n");
	} else if ((why = sock_setup())) {
		vdrv_fail(&dev);
		kprintf("[console] sockets: %s\n", why);
	}
	keel_invoke(CON_SLOT_SOCK_IRQ, KEEL_IRQ_ACK, 0, mr);
	sock_work();
}
