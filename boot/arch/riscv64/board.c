/*
 * QEMU's riscv64 virt board, as root hands it out (root.h struct
 * root_board): the ns16550a at 0x10000000 on PLIC source 10, and 8
 * virtio-mmio transports of 0x1000 bytes from 0x10001000, transport i on
 * source 1 + i.
 */
#include "../../root.h"

static const struct root_board virt = {
	.uart_pa = 0x10000000, .uart_irq = 10, .uart_kind = ROOT_UART_16550,
	.virtio_pa = 0x10001000, .virtio_irq0 = 1,
};

const struct root_board *root_arch_board(void)
{
	return &virt;
}
