/*
 * The console's characters through the PL011 at 0x09000000 (QEMU virt;
 * Keel's VMM puts its emulated PL011 at the same address). Under Keel
 * every register access traps to a device server, so output is kept to a
 * few lines.
 */
#include "guest.h"

#define PL011_BASE 0x09000000UL
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_RXFE (1u << 4) /* receive FIFO empty */
#define PL011_FR_TXFF (1u << 5) /* transmit FIFO full */

static volatile uint32_t *pl011_reg(unsigned off)
{
	return (volatile uint32_t *)(PL011_BASE + off);
}

void con_putc(char c)
{
	if (c == '\n')
		con_putc('\r');
	while (*pl011_reg(PL011_FR) & PL011_FR_TXFF)
		;
	*pl011_reg(PL011_DR) = (uint8_t)c;
}

bool con_getc(char *c)
{
	if (*pl011_reg(PL011_FR) & PL011_FR_RXFE)
		return false;
	*c = (char)*pl011_reg(PL011_DR);
	return true;
}
