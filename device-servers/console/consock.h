/*
 * Per-VM console sockets: the console server also drives one physical
 * virtio-serial device (virtio 1.2 section 5.3, MULTIPORT) that make run
 * gives QEMU with one port per VM entry, each port a UNIX socket on the
 * host (build/keel-console-vm<N>.sock, N = the VM's console number).
 * docs/console.md says why one multiport device in the console server.
 *
 *   port 0           unused (QEMU keeps it for a virtconsole)
 *   port N (1..4)    VM entry N - 1: its output stream out, its input in
 *
 * Root finds the device by what it is, not where it sits: a virtio-mmio
 * transport with DeviceID 3 whose config says max_nr_ports ==
 * CON_SOCK_PORTS (the control channel's device has QEMU's default, 31).
 *
 * Queues (virtio 5.3.2): port 0 rx 0 / tx 1, control rx 2 / tx 3, port
 * n rx 2n+2 / tx 2n+3; CON_SOCK_QSIZE entries each, queue q at q *
 * CON_SOCK_QSTRIDE of the queue page: descriptors, then the available
 * ring at +128, the used ring at +160.
 *
 * Buffers (CON_SOCK_BUF_PAGES pages, each with its own physical address):
 *
 *   page 0   control rx: 8 x 64 B at 0; port n rx: 8 x 64 B at n * 512;
 *            control tx: 8 x 8 B at CON_SOCK_CTX_OFF
 *   page 1   port 1 tx slots (8 x 256 B), then port 2's at +2048
 *   page 2   port 3's, then port 4's
 *
 * Everything the driver needs to carry on after its own crash is in
 * struct con_sock (in struct con_state, root keeps it) or in the queue
 * page (root keeps it too): a restarted server does not reset the device
 * but takes up its queues where the last instance left them.
 */
#ifndef CONSOCK_H
#define CONSOCK_H

#include <stdint.h>

#include <keel/vmm.h>

#define CON_SOCK_PORTS (KEEL_CON_MAX_VMS + 1u) /* QEMU's max_ports (make run) */
#define CON_SOCK_QUEUES (2u * CON_SOCK_PORTS + 2u)
#define CON_SOCK_QSIZE 8u
#define CON_SOCK_QSTRIDE 256u
#define CON_SOCK_RXQ(port) ((port) ? 2u * (port) + 2u : 0u)
#define CON_SOCK_TXQ(port) (CON_SOCK_RXQ(port) + 1u)
#define CON_SOCK_CRXQ 2u
#define CON_SOCK_CTXQ 3u
#define CON_SOCK_RX_BYTES 64u
#define CON_SOCK_CTX_OFF 2560u
#define CON_SOCK_TX_BYTES 256u
#define CON_SOCK_BUF_PAGES 3u
_Static_assert(CON_SOCK_QUEUES * CON_SOCK_QSTRIDE <= 4096u, "queues fit a page");
_Static_assert(CON_SOCK_PORTS * CON_SOCK_QSIZE * CON_SOCK_RX_BYTES <= CON_SOCK_CTX_OFF,
	       "receive buffers before the control transmit buffers");
_Static_assert(2u * CON_SOCK_QSIZE * CON_SOCK_TX_BYTES <= 4096u, "two ports' tx a page");

/* Root's word on the device, in the config page (struct con_config). */
struct con_sock_info {
	uint32_t present;   /* root found it and mapped it */
	uint32_t mmio_off;  /* the transport's offset in its page */
	uint64_t queue_pa;
	uint64_t buf_pa[CON_SOCK_BUF_PAGES];
};

/* One port's driver state. Positions are in the VM's socket stream
 * (struct con_vm sock_end). */
struct con_sock_port {
	uint64_t sent;        /* handed to the device up to here */
	uint64_t post_end;    /* sent after the post in flight is recorded */
	uint16_t tx_posted;   /* the tx available index sent corresponds to */
	uint16_t rx_used;     /* rx used entries taken whole */
	uint32_t rx_off;      /* bytes of entry rx_used taken already */
	uint32_t host_open;   /* a host program holds the socket (PORT_OPEN) */
	uint32_t pad;
};

/* A socket's input taken into a VM's queue: the new queue length and the
 * port's new rx position, written first and then applied (valid set in
 * between, one store): a crash after it applies it again, which is
 * idempotent; a crash before it takes the bytes again. */
struct con_sock_redo {
	uint32_t valid, vm, in_len, rx_off;
	uint16_t rx_used, pad[3];
};

struct con_sock {
	uint32_t ready;     /* the device is set up: a restart resumes it */
	uint16_t ctl_used;  /* control rx used entries handled */
	uint16_t pad;
	struct con_sock_redo redo;
	struct con_sock_port port[CON_SOCK_PORTS];
};

#endif /* CONSOCK_H */
