/*
 * The virtio-console device (virtio 1.2, 5.3) over the shared transport
 * (device-servers/virtio/): one port, no MULTIPORT, so the guest's driver
 * makes it hvc0. Queue 0 (receiveq) takes the VM's console input, queue 1
 * (transmitq) carries the guest's output to the console server as a
 * stream of its own (KEEL_CON_BADGE_HVC, keel/vmm.h). This is the core,
 * pure (no system calls), so the host tests (tests/vdev/) run it as the
 * server (main.c) does.
 *
 * Crash safety (docs/devices.md): everything lives in struct vcon_state,
 * the state page.
 *   output  one transmit chain at a time; its stream position and how
 *           much of it the console took are recorded before and after
 *           each block, so a restarted server sends again only the block
 *           it may have lost (the console skips what it has by position)
 *           and gives the chain back once
 *   input   each KEEL_DEV_INPUT (by its sequence number) fills one
 *           receive chain; the chain and the count are committed in one
 *           store (two records and an index) before the chain goes back,
 *           so the VMM's retry gets the same count and the bytes reach
 *           the guest once
 */
#ifndef VCON_H
#define VCON_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VCON_QSIZE 64u
#define VCON_RXQ 0u
#define VCON_TXQ 1u
#define VCON_BLOCK 160u /* bytes per console write (KEEL_CON_WRITE_MAX) */
#define VCON_MAGIC 0x4b45454c56434f4eull /* "KEELVCON" */
#define VCON_NO_HEAD 0xffffffffu

/* The input call applied last: its count, and the chain it filled. */
struct vcon_rx {
	uint64_t seq;
	uint32_t head;  /* VCON_NO_HEAD: no chain (nothing taken) */
	uint32_t len;   /* bytes taken */
	uint32_t done;  /* the chain is back with the guest */
	uint32_t pad;
};

struct vcon_state {
	struct virtio_mmio_state t; /* the transport, guest-visible */
	uint64_t magic;
	uint64_t tx_pos;            /* stream position after every chain given back */
	uint32_t tx_active;         /* a transmit chain is being sent: */
	uint32_t tx_head;
	uint64_t tx_start;          /*   its first byte's stream position */
	uint32_t tx_len, tx_sent;   /*   its bytes, and those the console took */
	struct vcon_rx rx[2];       /* rx[rx_cur] is current (the commit) */
	uint32_t rx_cur;
	uint32_t rx_starved;        /* input refused for want of buffers */
};

struct vcon_io {
	/* n (<= VCON_BLOCK) bytes of output at stream position pos; false:
	 * not taken (sent again later) */
	bool (*write)(void *ctx, uint64_t pos, const uint8_t *b, unsigned n);
	/* the guest gave receive buffers after input was refused */
	void (*rx_space)(void *ctx);
	void *ctx;
};

struct vcon {
	struct vcon_state *st;
	struct virtio_dev *dev;
	const struct vcon_io *io;
};

extern const struct virtio_mmio_id vcon_id;

/* A (re)start: resume the transport (resetting a state that is not a
 * console's), finish the input and output steps a crash interrupted. */
void vcon_resume(struct vcon *v);
/* Send what the transmit queue holds. */
void vcon_tx(struct vcon *v);
/* The guest notified queue q. */
void vcon_notify(struct vcon *v, unsigned q);
/* KEEL_DEV_INPUT: n bytes with sequence seq; the count taken (the first
 * ones). The same seq again answers the first call's count, taking
 * nothing more. */
unsigned vcon_input(struct vcon *v, uint64_t seq, const uint8_t *b, unsigned n);

#endif /* VCON_H */
