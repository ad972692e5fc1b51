/*
 * The two physical UARTs the console server drives (uart.h).
 *
 * PL011 (Arm PrimeCell UART, DDI 0183): DR, FR's TXFF/RXFE, LCR_H, CR,
 * IMSC/ICR for the receive and receive-timeout interrupts.
 *
 * 16550A (QEMU virt riscv64's ns16550a, registers at stride 1): THR/RBR,
 * IER's ERBFI (received data, which covers the character timeout), FCR,
 * LCR, MCR (OUT2 gates the interrupt line on PC-style wiring), LSR's DR
 * and THRE. Its receive interrupt has no separate acknowledge: it stays
 * up while the FIFO holds bytes, so ack does nothing and the drain that
 * follows clears it.
 */
#include <keel/server.h>

#include "console_srv.h"
#include "uart.h"

static volatile uint32_t *pl011(unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(CON_UART_VADDR + off);
}

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_LCR_H 0x2c
#define PL011_CR 0x30
#define PL011_IMSC 0x38
#define PL011_ICR 0x44
#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_TXFF (1u << 5)
#define PL011_LCR_FEN_8BIT 0x70u /* FIFOs on, 8 data bits */
#define PL011_CR_ON 0x301u       /* UARTEN, TXE, RXE */
#define PL011_INT_RX_RT 0x50u    /* receive and receive-timeout interrupts */

static void pl011_init(void)
{
	*pl011(PL011_LCR_H) = PL011_LCR_FEN_8BIT;
	*pl011(PL011_CR) = PL011_CR_ON;
	*pl011(PL011_IMSC) = PL011_INT_RX_RT;
}

static void pl011_put(uint8_t c)
{
	while (*pl011(PL011_FR) & PL011_FR_TXFF)
		;
	*pl011(PL011_DR) = c;
}

static int pl011_get(void)
{
	return *pl011(PL011_FR) & PL011_FR_RXFE ? -1 : (int)(uint8_t)*pl011(PL011_DR);
}

static void pl011_ack(void)
{
	*pl011(PL011_ICR) = PL011_INT_RX_RT;
}

static void pl011_rx_irq(bool on)
{
	if (on)
		pl011_ack();
	*pl011(PL011_IMSC) = on ? PL011_INT_RX_RT : 0;
}

static volatile uint8_t *ns16550(unsigned off)
{
	return (volatile uint8_t *)(uintptr_t)(CON_UART_VADDR + off);
}

#define NS_RBR_THR 0
#define NS_IER 1
#define NS_FCR 2
#define NS_LCR 3
#define NS_MCR 4
#define NS_LSR 5
#define NS_IER_ERBFI 0x01u
#define NS_FCR_ENABLE 0x01u   /* FIFOs on; neither is cleared */
#define NS_LCR_8N1 0x03u      /* DLAB clear: the divisor stays as firmware set it */
#define NS_MCR_DTR_RTS_OUT2 0x0bu
#define NS_LSR_DR 0x01u
#define NS_LSR_THRE 0x20u

static void ns16550_init(void)
{
	*ns16550(NS_LCR) = NS_LCR_8N1;
	*ns16550(NS_FCR) = NS_FCR_ENABLE;
	*ns16550(NS_MCR) = NS_MCR_DTR_RTS_OUT2;
	*ns16550(NS_IER) = NS_IER_ERBFI;
}

static void ns16550_put(uint8_t c)
{
	while (!(*ns16550(NS_LSR) & NS_LSR_THRE))
		;
	*ns16550(NS_RBR_THR) = c;
}

static int ns16550_get(void)
{
	return *ns16550(NS_LSR) & NS_LSR_DR ? (int)*ns16550(NS_RBR_THR) : -1;
}

static void ns16550_ack(void)
{
}

static void ns16550_rx_irq(bool on)
{
	*ns16550(NS_IER) = on ? NS_IER_ERBFI : 0;
}

static const struct con_uart_ops uart_pl011 = {
	.init = pl011_init, .put = pl011_put, .get = pl011_get, .rx_irq = pl011_rx_irq,
	.ack = pl011_ack,
};

static const struct con_uart_ops uart_16550 = {
	.init = ns16550_init, .put = ns16550_put, .get = ns16550_get, .rx_irq = ns16550_rx_irq,
	.ack = ns16550_ack,
};

const struct con_uart_ops *con_uart_ops(uint32_t kind)
{
	return kind == CON_UART_16550 ? &uart_16550 : &uart_pl011;
}
