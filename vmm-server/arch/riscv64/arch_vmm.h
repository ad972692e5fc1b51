/*
 * The riscv64 VMM's state inside struct vmm (vmm.h includes this file,
 * found through -Ivmm-server/arch/$(ARCH)). No interrupt controller model
 * yet (docs/riscv64.md: a PLIC model is the next step), so there is no
 * state: the functions are in riscv64_vmm.h and vmm-server/vmm_arch.h.
 */
#ifndef ARCH_VMM_H
#define ARCH_VMM_H

#include <stdint.h>

#include <keel/vmm.h>

struct vmm_arch {
	uint32_t none;
};

#endif
