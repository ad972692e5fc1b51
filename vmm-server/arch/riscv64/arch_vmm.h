/*
 * The riscv64 VMM's state inside struct vmm (vmm.h includes this file,
 * found through -Ivmm-server/arch/$(ARCH)): the PLIC model (plic.c).
 * Types and sizes only; the functions are in riscv64_vmm.h and
 * vmm-server/vmm_arch.h.
 */
#ifndef ARCH_VMM_H
#define ARCH_VMM_H

#include <stdint.h>

#include <keel/vmm.h>

/* Sources 1..95 (0 is "no interrupt"), as QEMU virt's riscv,ndev; one
 * 32-bit word of pending or enable bits holds 32 of them. */
#define PLIC_SOURCES 96u
#define PLIC_WORDS (PLIC_SOURCES / 32)

/* One S-mode context per vCPU (context c is hart c's). */
struct plic_context {
	uint32_t enable[PLIC_WORDS];
	uint32_t threshold;
};

/* "level" is each device line as its server last reported it;
 * "claimed" a source a context claimed and has not completed, which
 * holds its gateway shut. A source is pending while its line is high and
 * it is not claimed (the gateway of a level-triggered source, which
 * forwards one request until the completion). */
struct plic {
	unsigned ncontexts;
	uint32_t prio[PLIC_SOURCES];
	uint32_t level[PLIC_WORDS], claimed[PLIC_WORDS];
	uint32_t latched[PLIC_WORDS]; /* edges not yet claimed (plic_edge) */
	struct plic_context ctx[KEEL_VMM_MAX_VCPUS];
};

struct vmm_arch {
	struct plic plic;
	uint32_t eip; /* bit c: vCPU c's external line (VSEIP) is raised */
};

#endif
