/*
 * Guest "echo": console input reaches the guest through the emulated
 * PL011's receive interrupt (SPI 33), and each line typed comes back as
 * "[test] PASS echo: <line>".
 *
 * The guest routes SPI 33 to itself in the distributor (group 1,
 * enabled), leaves the UART's FIFOs off (so input arrives one byte per
 * interrupt: the full-receiver path), unmasks its receive and
 * receive-timeout interrupts,
 * prints "[echo] ready" and sleeps in WFI. Bytes are read only in the
 * interrupt handler, until the FIFO is empty (FR.RXFE), so a line can
 * only arrive by interrupt; CR or LF ends a line. Runs until stopped.
 */
#include "lib/gic.h"
#include "lib/guest.h"

const char guest_name[] = "echo";

#define UART_BASE 0x09000000UL
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCR_H 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38
#define UART_ICR 0x44
#define FR_RXFE (1u << 4)
#define INT_RX_RT 0x50u
#define UART_SPI 33u
#define UART_PRIO 0xa0u
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_IROUTER 0x6000
#define LINE_MAX 120u
#define RING 512u

/* The handler fills the ring; the main loop empties it (IRQs masked). */
static volatile uint8_t ring[RING];
static volatile unsigned ring_head, ring_len, ring_lost, irqs, stray;

static volatile uint32_t *reg(uint64_t base, unsigned off)
{
	return (volatile uint32_t *)(base + off);
}

/* SPI 33: group 1, priority UART_PRIO, routed to vCPU 0, enabled. */
static void spi_enable(unsigned intid)
{
	volatile uint32_t *prio = reg(GICD_BASE, GICD_IPRIORITYR + (intid & ~3u));
	unsigned shift = (intid & 3u) * 8;
	*reg(GICD_BASE, GICD_IGROUPR + (intid / 32) * 4) |= 1u << (intid % 32);
	*prio = (*prio & ~(0xffu << shift)) | UART_PRIO << shift;
	*(volatile uint64_t *)(GICD_BASE + GICD_IROUTER + 8 * intid) = 0;
	*reg(GICD_BASE, GICD_ISENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

static void uart_irq(struct exc_frame *f)
{
	uint32_t intid = gic_ack();
	(void)f;
	if (intid >= GIC_SPURIOUS)
		return;
	if (intid == UART_SPI) {
		irqs++;
		*reg(UART_BASE, UART_ICR) = INT_RX_RT;
		while (!(*reg(UART_BASE, UART_FR) & FR_RXFE)) {
			uint8_t c = (uint8_t)*reg(UART_BASE, UART_DR);
			if (ring_len < RING)
				ring[(ring_head + ring_len++) % RING] = c;
			else
				ring_lost++;
		}
	} else {
		stray++;
	}
	gic_eoi(intid);
}

/* The next byte the handler took; sleeps (IRQs masked) until there is one. */
static uint8_t next_byte(void)
{
	uint8_t c;
	while (!ring_len) {
		__asm__ volatile("wfi" ::: "memory");
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	c = ring[ring_head];
	ring_head = (ring_head + 1) % RING;
	ring_len--;
	return c;
}

void guest_main(const void *dtb)
{
	const char *err = gic_init();
	unsigned lines = 0;
	(void)dtb;
	if (err) {
		test_report(false, "echo", "%s", err);
		return;
	}
	spi_enable(UART_SPI);
	exc_set_irq_handler(uart_irq);
	/* FIFOs off (LCR_H.FEN clear): one holding register, so every byte
	 * after the first of a batch finds the receiver full and waits in
	 * the console until the guest has read the one before. */
	*reg(UART_BASE, UART_LCR_H) = 0x60; /* 8 bits */
	*reg(UART_BASE, UART_CR) = 0x301;   /* UARTEN, TXE, RXE */
	*reg(UART_BASE, UART_IMSC) = INT_RX_RT;
	con_printf("[echo] ready\n");
	for (;;) {
		char line[LINE_MAX + 1];
		unsigned len = 0;
		uint8_t c;
		while ((c = next_byte()) != '\r' && c != '\n')
			if (len < LINE_MAX)
				line[len++] = (char)c;
		if (!len)
			continue;
		line[len] = 0;
		lines++;
		test_report(stray == 0 && ring_lost == 0, "echo", "%s", line);
		con_printf("[echo] line %u: %u bytes, %u interrupts so far\n", lines, len, irqs);
	}
}
