/* ns16550a output for kernel debug messages only (base from the device tree). */
#include "riscv64.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE (1u << 5)

void arch_putc(char c)
{
	volatile uint8_t *base = (volatile uint8_t *)rv_board.uart_base;
	if (c == '\n')
		arch_putc('\r');
	while (!(base[UART_LSR] & UART_LSR_THRE))
		;
	base[UART_THR] = (uint8_t)c;
}
