/* PL011 output for kernel debug messages only (base from the device tree). */
#include "aarch64.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

void arch_putc(char c)
{
	volatile uint32_t *base = (volatile uint32_t *)aarch64_board.uart_base;
	if (c == '\n')
		arch_putc('\r');
	while (base[UART_FR / 4] & UART_FR_TXFF)
		;
	base[UART_DR / 4] = (uint32_t)(unsigned char)c;
}
