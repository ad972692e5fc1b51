/*
 * The console's characters through the 16550 at 0x10000000 (QEMU virt's
 * UART; under Keel the ns16550 server, tests/root/arch/riscv64/guests.c),
 * in place of lib/pl011.c, for the riscv64 guests that write there: the
 * seq guest, whose stream tests the 16550 server's crash-proof output.
 * THR after LSR.THRE, as Linux's 8250 driver polls it; a key is in RBR
 * while LSR.DR is set.
 */
#include "../../lib/guest.h"

#define UART 0x10000000ul
#define UART_THR 0u
#define UART_RBR 0u
#define UART_LSR 5u
#define UART_LSR_DR 0x01u
#define UART_LSR_THRE 0x20u

static volatile uint8_t *uart_reg(unsigned r)
{
	return (volatile uint8_t *)(UART + r);
}

void con_putc(char c)
{
	if (c == '\n')
		con_putc('\r');
	while (!(*uart_reg(UART_LSR) & UART_LSR_THRE))
		;
	*uart_reg(UART_THR) = (uint8_t)c;
}

bool con_getc(char *c)
{
	if (!(*uart_reg(UART_LSR) & UART_LSR_DR))
		return false;
	*c = (char)*uart_reg(UART_RBR);
	return true;
}
