/*
 * keel/uplink.h — the uplink driver server (device-servers/net-driver/,
 * boot/uplink.c, docs/net.md): it drives the machine's one physical
 * virtio-net device (QEMU's user-mode network, make run) and is one more
 * port of its network's switch, through the same shared area as a NIC's
 * server (keel/net.h): it produces the port's tx ring (frames from the
 * host's side) and consumes its rx ring (frames for the host's side).
 *
 * ---- slots and addresses ----------------------------------------------------
 *   KEEL_SRV_REPORT            root's endpoint, badged
 *   KEEL_SRV_EP                its endpoint, READ (nothing calls it)
 *   (bound)                    its port's notification: KEEL_UPLINK_BIT_SWITCH
 *                              from the switch, KEEL_UPLINK_BIT_IRQ from the
 *                              device's interrupt
 *   KEEL_NET_SLOT_SWITCH       the switch's notification, WRITE, badged with
 *                              its port's bit
 *   KEEL_UPLINK_SLOT_IRQ       the IRQ handler of its transport's interrupt
 *   KEEL_UPLINK_INFO_VADDR     struct keel_uplink_info, read-only (root's)
 *   KEEL_UPLINK_MMIO_VADDR     the page of its virtio-mmio transport
 *   KEEL_NET_PORT_VADDR        its port's shared area
 *   KEEL_UPLINK_DMA_VADDR      its DMA frame (2 MiB, physical address in
 *                              the info page): virtqueues and buffers
 *
 * Crash safety: the port's ring indices live in the shared area (root's);
 * a restarted driver resets the device and sets it up afresh, so frames
 * the device held are lost (TCP sends them again), and none is cut short.
 */
#ifndef KEEL_UPLINK_H
#define KEEL_UPLINK_H

#include <stdint.h>

#define KEEL_UPLINK_SLOT_IRQ 10u
#define KEEL_UPLINK_BIT_SWITCH 1u /* the switch signals unbadged: bit 0 */
#define KEEL_UPLINK_BIT_IRQ 2u

#define KEEL_UPLINK_INFO_VADDR 0x10000000ull
#define KEEL_UPLINK_MMIO_VADDR 0x10001000ull
#define KEEL_UPLINK_DMA_VADDR 0x10400000ull
#define KEEL_UPLINK_DMA_BYTES 0x200000ull

#define KEEL_UPLINK_INFO_MAGIC 0x4b45454c55504c31ull /* "KEELUPL1" */
struct keel_uplink_info {
	uint64_t magic;
	uint64_t mmio_off; /* the transport's offset in its page */
	uint64_t dma_pa;   /* the DMA frame's physical address */
};

#endif /* KEEL_UPLINK_H */
