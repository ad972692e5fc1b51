/*
 * riscv64 part of the root server: the machine type its ELF images carry,
 * and names for the exception causes (scause) that reach it as
 * KEEL_FAULT_USER (arch/riscv64/trap.c; 0x100: a thread bound to a vCPU,
 * which cannot run until stage 2 of the port).
 */
#include <elf.h>
#include <stdint.h>

#include <keel/config.h>

#include "../../root.h"

static const char *const cause_names[] = {
	[0] = "instruction address misaligned",
	[1] = "instruction access fault",
	[2] = "illegal instruction",
	[3] = "breakpoint",
	[4] = "load address misaligned",
	[5] = "load access fault",
	[6] = "store address misaligned",
	[7] = "store access fault",
	[8] = "ecall",
	[12] = "instruction page fault",
	[13] = "load page fault",
	[15] = "store page fault",
};

const char *root_arch_fault_name(uint64_t cause)
{
	if (cause == 0x100)
		return "vCPU (not yet on riscv64)";
	if (cause < sizeof(cause_names) / sizeof(cause_names[0]) && cause_names[cause])
		return cause_names[cause];
	return "unknown exception";
}

/* QEMU virt's (config/cfg_arch.c). */
const struct cfg_arch *root_arch_cfg(void)
{
	return &cfg_arch_riscv64;
}

unsigned root_arch_elf_machine(void)
{
	return EM_RISCV;
}

/* The time CSR (U-mode may read it: arch/riscv64/cpu.c sets scounteren),
 * at the frequency the boot info gives. */
uint64_t root_arch_now_ticks(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v) : : "memory");
	return v;
}

uint64_t root_arch_now_ms(void)
{
	uint64_t hz = root_boot_info()->timer_hz;
	return hz ? root_arch_now_ticks() / (hz / 1000 ? hz / 1000 : 1) : 0;
}
