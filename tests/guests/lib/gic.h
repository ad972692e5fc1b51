/*
 * Just enough GICv3 for a guest to receive one private interrupt: the
 * distributor and this CPU's redistributor at the QEMU virt addresses
 * (Keel's VMM emulates them at the same place), the CPU interface
 * through the ICC_* system registers. Only 32-bit MMIO accesses are used.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdint.h>

#define GICD_BASE 0x08000000UL
#define GICR_BASE 0x080a0000UL /* first redistributor; 128 KiB each */
#define GIC_SPURIOUS 1020      /* IAR values from here on are spurious */

/* Distributor on, this CPU's redistributor awake, CPU interface on.
 * Returns NULL, or what did not work. */
const char *gic_init(void);
/* Make a PPI (16..31) group 1, priority prio, enabled. */
const char *gic_enable_ppi(unsigned intid, uint8_t prio);

static inline uint32_t gic_ack(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(v) : : "memory");
	return (uint32_t)v;
}

static inline void gic_eoi(uint32_t intid)
{
	__asm__ volatile("msr icc_eoir1_el1, %0" : : "r"((uint64_t)intid) : "memory");
}

#endif
