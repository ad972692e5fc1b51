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

#define VM_MAGIC 0x000u
#define VM_VERSION 0x004u
#define VM_DEVICE_ID 0x008u
#define VM_DEV_FEATURES 0x010u
#define VM_DEV_FEATURES_SEL 0x014u
#define VM_DRV_FEATURES 0x020u
#define VM_DRV_FEATURES_SEL 0x024u
#define VM_QUEUE_SEL 0x030u
#define VM_QUEUE_NUM_MAX 0x034u
#define VM_QUEUE_NUM 0x038u
#define VM_QUEUE_READY 0x044u
#define VM_QUEUE_NOTIFY 0x050u
#define VM_INT_STATUS 0x060u
#define VM_INT_ACK 0x064u
#define VM_STATUS 0x070u
#define VM_QUEUE_DESC 0x080u
#define VM_QUEUE_DRIVER 0x090u
#define VM_QUEUE_DEVICE 0x0a0u
#define VIRTIO_MAGIC 0x74726976u
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define ST_FAILED 128u
#define F_MULTIPORT 1u
#define F_VERSION_1 32u
#define D_WRITE 2u
#define Q_AVAIL 128u
#define Q_USED 160u
#define QN CON_SOCK_QSIZE

/* control events (virtio 5.3.6.2) */
#define EV_DEVICE_READY 0u
#define EV_PORT_ADD 1u
#define EV_PORT_READY 3u
#define EV_PORT_OPEN 6u

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vq_avail {
	uint16_t flags, idx, ring[QN];
};
struct vq_used {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QN];
};
struct vs_ctl {
	uint32_t id;
	uint16_t event, value;
};
_Static_assert(Q_AVAIL >= QN * sizeof(struct vq_desc) &&
	       Q_USED >= Q_AVAIL + sizeof(struct vq_avail) + 2 &&
	       CON_SOCK_QSTRIDE >= Q_USED + sizeof(struct vq_used) + 2, "queue layout");

static const struct con_config *cf;
static struct con_state *st;
static const struct con_io *io;
static uint8_t *queue, *buf;

static volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(CON_SOCK_MMIO_VADDR + cf->sock.mmio_off + off);
}

static struct vq_desc *q_desc(unsigned q, unsigned i)
{
	return (struct vq_desc *)(queue + q * CON_SOCK_QSTRIDE) + i;
}

static struct vq_avail *q_avail(unsigned q)
{
	return (struct vq_avail *)(queue + q * CON_SOCK_QSTRIDE + Q_AVAIL);
}

static volatile struct vq_used *q_used(unsigned q)
{
	return (volatile struct vq_used *)(queue + q * CON_SOCK_QSTRIDE + Q_USED);
}

static uint16_t q_used_idx(unsigned q)
{
	return __atomic_load_n(&q_used(q)->idx, __ATOMIC_ACQUIRE);
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

/* Make available index idx of queue q hold descriptor d (the entry
 * before the index, the index before the notify). */
static void q_publish(unsigned q, uint16_t idx, uint16_t d)
{
	struct vq_avail *a = q_avail(q);
	a->ring[idx % QN] = d;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	a->idx = (uint16_t)(idx + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*reg(VM_QUEUE_NOTIFY) = q;
}

static void q_set64(unsigned off, uint64_t v)
{
	*reg(off) = (uint32_t)v;
	*reg(off + 4) = (uint32_t)(v >> 32);
}

static bool q_setup(unsigned q)
{
	uint64_t pa = cf->sock.queue_pa + q * CON_SOCK_QSTRIDE;
	*reg(VM_QUEUE_SEL) = q;
	if (*reg(VM_QUEUE_READY) || *reg(VM_QUEUE_NUM_MAX) < QN)
		return false;
	*reg(VM_QUEUE_NUM) = QN;
	q_set64(VM_QUEUE_DESC, pa);
	q_set64(VM_QUEUE_DRIVER, pa + Q_AVAIL);
	q_set64(VM_QUEUE_DEVICE, pa + Q_USED);
	*reg(VM_QUEUE_READY) = 1;
	return true;
}

/* Receive queue q's buffers at off in page 0, all posted. */
static void q_fill_rx(unsigned q, unsigned off)
{
	for (uint16_t i = 0; i < QN; i++) {
		*q_desc(q, i) = (struct vq_desc){ .addr = buf_pa(0, off + i * CON_SOCK_RX_BYTES),
						   .len = CON_SOCK_RX_BYTES, .flags = D_WRITE };
		q_avail(q)->ring[i] = i;
	}
	q_avail(q)->idx = QN;
}

/* A control message to the device; duplicates are harmless (QEMU only
 * records the state they carry), so these need no record of their own. */
static void sock_ctl_send(uint32_t port, uint16_t event, uint16_t value)
{
	uint16_t idx = q_avail(CON_SOCK_CTXQ)->idx, d = idx % QN;
	struct vs_ctl *m = (struct vs_ctl *)buf_va(0, CON_SOCK_CTX_OFF + d * 8u);
	if ((uint16_t)(idx - q_used_idx(CON_SOCK_CTXQ)) >= QN)
		return; /* QEMU answers control messages as they come: never full */
	*m = (struct vs_ctl){ .id = port, .event = event, .value = value };
	*q_desc(CON_SOCK_CTXQ, d) = (struct vq_desc){ .addr = buf_pa(0, CON_SOCK_CTX_OFF + d * 8u),
						       .len = sizeof(*m) };
	q_publish(CON_SOCK_CTXQ, idx, d);
}

static const char *sock_features(void)
{
	*reg(VM_DEV_FEATURES_SEL) = 1;
	if (!(*reg(VM_DEV_FEATURES) & 1u << (F_VERSION_1 - 32)))
		return "the device does not offer VIRTIO_F_VERSION_1";
	*reg(VM_DEV_FEATURES_SEL) = 0;
	if (!(*reg(VM_DEV_FEATURES) & 1u << F_MULTIPORT))
		return "the device does not offer MULTIPORT";
	*reg(VM_DRV_FEATURES_SEL) = 1;
	*reg(VM_DRV_FEATURES) = 1u << (F_VERSION_1 - 32);
	*reg(VM_DRV_FEATURES_SEL) = 0;
	*reg(VM_DRV_FEATURES) = 1u << F_MULTIPORT;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK;
	return *reg(VM_STATUS) & ST_FEATURES_OK ? NULL : "the device refused our features";
}

/* Reset and set the device up (virtio 3.1.1); NULL, or why not. */
static const char *sock_setup(void)
{
	const char *why;
	if (*reg(VM_MAGIC) != VIRTIO_MAGIC || *reg(VM_VERSION) != 2 || *reg(VM_DEVICE_ID) != 3)
		return "not a modern virtio-mmio console";
	*reg(VM_STATUS) = 0;
	while (*reg(VM_STATUS) != 0)
		;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER;
	if ((why = sock_features()))
		return why;
	memset(queue, 0, 4096);
	memset(&st->sock, 0, sizeof(st->sock));
	for (unsigned q = 0; q < CON_SOCK_QUEUES; q++)
		if (!q_setup(q))
			return "a queue is in use or too small";
	q_fill_rx(CON_SOCK_CRXQ, 0);
	for (unsigned p = 1; p < CON_SOCK_PORTS; p++)
		q_fill_rx(CON_SOCK_RXQ(p), p * QN * CON_SOCK_RX_BYTES);
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK;
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
	if (q_avail(CON_SOCK_TXQ(p))->idx != sp->tx_posted) {
		sp->sent = sp->post_end;
		sp->tx_posted = q_avail(CON_SOCK_TXQ(p))->idx;
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
		*q_desc(q, d) = (struct vq_desc){ .addr = buf_pa(page, off), .len = n };
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
	struct vq_avail *a = q_avail(q);
	bool posted = false;
	while (a->idx != (uint16_t)(used + QN)) {
		uint16_t i = a->idx;
		a->ring[i % QN] = (uint16_t)q_used(q)->ring[(uint16_t)(i - QN) % QN].id;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		a->idx = (uint16_t)(i + 1);
		posted = true;
	}
	if (posted) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*reg(VM_QUEUE_NOTIFY) = q;
	}
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
		uint32_t id = q_used(q)->ring[sp->rx_used % QN].id, len = q_used(q)->ring[sp->rx_used % QN].len;
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
		uint32_t id = q_used(CON_SOCK_CRXQ)->ring[st->sock.ctl_used % QN].id;
		uint32_t len = q_used(CON_SOCK_CRXQ)->ring[st->sock.ctl_used % QN].len;
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
	*reg(VM_INT_ACK) = *reg(VM_INT_STATUS);
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
	if (st->sock.ready) {
		sock_redo_apply(); /* the last instance's unfinished take */
		kprintf("[console] sockets: resuming the device\n");
	} else if ((why = sock_setup())) {
		*reg(VM_STATUS) = ST_FAILED;
		kprintf("[console] sockets: %s\n", why);
	}
	keel_invoke(CON_SLOT_SOCK_IRQ, KEEL_IRQ_ACK, 0, mr);
	sock_work();
}
