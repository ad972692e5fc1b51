/*
 * What root (boot/console.c) and the console server (main.c) agree on
 * beyond keel/vmm.h: the server's slots and address space.
 *
 *   slot            what
 *   KEEL_SRV_EP     its endpoint, READ
 *   CON_SLOT_IRQ    IRQ handler of the UART's interrupt (ACK)
 *   CON_SLOT_VMM(i) VM i's VMM notification, WRITE, badged
 *   CON_SLOT_SOCK_IRQ  IRQ handler of the sockets' virtio-serial device
 *                   (ACK; absent without the device, consock.h)
 *   CON_SLOT_KLOG   the kernel log, READ only (KEEL_KLOG_READ); root has
 *                   it signal the server's notification (CON_KLOG_BIT)
 *
 *   0x0000_1000_0000  config page (struct con_config, root writes it),
 *                     then struct con_state (CON_STATE_PAGES pages)
 *   0x0000_2000_0000  the UART's 4 KiB of registers (device memory)
 *   0x0000_2000_1000  the sockets' virtio-mmio transport page
 *   0x0000_2001_0000  their queue page (DMA)
 *   0x0000_2002_0000  their CON_SOCK_BUF_PAGES buffer pages (DMA)
 */
#ifndef CONSOLE_SRV_H
#define CONSOLE_SRV_H

#include <keel/server.h>

#include "console.h"

#define CON_SLOT_IRQ KEEL_SRV_FREE
#define CON_SLOT_VMM(i) (KEEL_SRV_FREE + 1u + (i))
#define CON_SLOT_SOCK_IRQ (KEEL_SRV_FREE + 1u + KEEL_CON_MAX_VMS)
#define CON_SLOT_KLOG (KEEL_SRV_FREE + 2u + KEEL_CON_MAX_VMS)
#define CON_IRQ_BIT 1u
#define CON_SOCK_IRQ_BIT 2u
#define CON_KLOG_BIT 4u
#define CON_CONFIG_SIZE 4096u
#define CON_UART_VADDR 0x20000000ull
#define CON_SOCK_MMIO_VADDR 0x20001000ull
#define CON_SOCK_QUEUE_VADDR 0x20010000ull
#define CON_SOCK_BUF_VADDR 0x20020000ull
#define CON_STATE_PAGES ((CON_CONFIG_SIZE + sizeof(struct con_state) + 4095u) / 4096u)

#endif /* CONSOLE_SRV_H */
