/*
 * QEMU's aarch64 virt board, as root hands it out (root.h struct
 * root_board): the PL011 at 0x09000000 on SPI 1 (INTID 33), and 32
 * virtio-mmio transports of 0x200 bytes from 0x0a000000, transport i on
 * SPI 16 + i (INTID 48 + i).
 */
#include "../../root.h"

static const struct root_board virt = {
	.uart_pa = 0x09000000, .uart_irq = 33, .uart_kind = ROOT_UART_PL011,
	.virtio_pa = 0x0a000000, .virtio_irq0 = 48,
};

const struct root_board *root_arch_board(void)
{
	return &virt;
}
