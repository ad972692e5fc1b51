/*
 * aarch64 part of the root server: the machine type its ELF images carry,
 * and names for the exception classes (ESR_EL2.EC, bits 31:26) that reach
 * it as KEEL_FAULT_USER.
 */
#include <elf.h>
#include <stdint.h>

#include <keel/config.h>

#include "../../root.h"

#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fu

static const char *const ec_names[ESR_EC_MASK + 1] = {
	[0x00] = "undefined instruction",
	[0x01] = "wfi/wfe trap",
	[0x07] = "fp/simd access trap",
	[0x0e] = "illegal execution state",
	[0x11] = "svc from aarch32",
	[0x15] = "svc",
	[0x18] = "system register trap",
	[0x20] = "instruction abort",
	[0x21] = "instruction abort",
	[0x22] = "pc alignment fault",
	[0x24] = "data abort",
	[0x25] = "data abort",
	[0x26] = "sp alignment fault",
	[0x28] = "fp exception",
	[0x2c] = "fp exception",
	[0x2f] = "serror",
	[0x30] = "breakpoint",
	[0x32] = "software step",
	[0x34] = "watchpoint",
	[0x38] = "breakpoint (bkpt)",
	[0x3c] = "breakpoint (brk)",
};

const char *root_arch_fault_name(uint64_t cause)
{
	const char *n = ec_names[(cause >> ESR_EC_SHIFT) & ESR_EC_MASK];
	return n ? n : "unknown exception";
}

/* QEMU virt's (config/cfg_arch.c). */
const struct cfg_arch *root_arch_cfg(void)
{
	return &cfg_arch_aarch64;
}

unsigned root_arch_elf_machine(void)
{
	return EM_AARCH64;
}

/* The virtual counter (EL0 may read it: arch/aarch64/cpu.c sets CNTKCTL),
 * at the frequency the boot info gives. */
uint64_t root_arch_now_ticks(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

uint64_t root_arch_now_ms(void)
{
	uint64_t v, hz = root_boot_info()->timer_hz;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return hz ? v / (hz / 1000 ? hz / 1000 : 1) : 0;
}
