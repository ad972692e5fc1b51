/*
 * The physical UART the console server owns (root maps its registers at
 * CON_UART_VADDR and says which kind it is in the config page): the
 * board's PL011 on aarch64, its ns16550a on riscv64. Polled output,
 * interrupt-driven input.
 */
#ifndef CONSOLE_UART_H
#define CONSOLE_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "console.h"

struct con_uart_ops {
	void (*init)(void);       /* 8 data bits, FIFOs on, receive interrupts on;
				   * idempotent (a restarted server runs it again)
				   * and keeps what the receive FIFO holds */
	void (*put)(uint8_t c);   /* waits for room */
	int (*get)(void);         /* a received byte, -1 when none */
	void (*rx_irq)(bool on);  /* receive interrupts on or off */
	void (*ack)(void);        /* clear the receive interrupt (it comes back
				   * while bytes wait) */
};

/* The driver for kind (enum con_uart); the PL011's for an unknown one. */
const struct con_uart_ops *con_uart_ops(uint32_t kind);

#endif /* CONSOLE_UART_H */
