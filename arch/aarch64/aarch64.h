/* Internal to arch/aarch64: platform data from the device tree and the
 * functions the files here share. */
#ifndef AARCH64_H
#define AARCH64_H

#include "kernel.h"
#include "kstack.h"
#include "sysreg.h"

#define TIMER_HYP_PPI 26u  /* EL2 physical timer (SBSA; QEMU virt "timer" #4) */
#define IPI_RESCHED 0u     /* SGI used to ask a CPU to reschedule */

struct aarch64_board {
	uint64_t uart_base;
	uint64_t gicd_base, gicr_base, gicr_size;
	uint64_t cpu_mpidr[MAX_CPUS];
	unsigned ncpus;
	bool psci_hvc;
};
extern struct aarch64_board aarch64_board;

struct kstack {
	uint8_t guard[KSTACK_GUARD]; /* unmapped (mmu.c) */
	uint8_t stack[KSTACK_SIZE];
};
extern struct kstack kernel_stacks[MAX_CPUS];
/* EL2's map: build the one with the guard pages (CPU 0, once), use it. */
void aarch64_el2_map_build(void);
void aarch64_mmu_features(void);
extern uint64_t aarch64_hcr_native, aarch64_hcr_guest; /* HCR_EL2 values (mmu.c) */
void aarch64_el2_map_use(void);
/* Map RAM [base, end) beyond the boot map (1 GiB blocks, below 512 GiB). */
void aarch64_el2_map_ram(uint64_t base, uint64_t end);
/* The boot identity map (1 GiB blocks) start.S turns the MMU on with. */
extern uint64_t mmu_el2_l1[PT_ENTRIES];

void aarch64_board_from_fdt(const void *fdt, struct boot_mem *bm);
long psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx);
void gic_init(void);
void gic_cpu_init(unsigned cpu);
unsigned gic_ack(void);
void gic_eoi(unsigned intid);
void aarch64_idle_loop(void);
void secondary_entry(void);
void aarch64_fpu_save(struct arch_fpu *f);
void aarch64_fpu_load(const struct arch_fpu *f);
struct tcb *aarch64_vcpu_exit(struct tcb *t, uint64_t esr);
struct tcb *aarch64_vcpu_exit_traced(struct tcb *t, uint64_t esr);
void aarch64_vtimer_irq(struct tcb *t);
void aarch64_timer_start(void);
void aarch64_maintenance_irq(struct tcb *t);
void aarch64_maintenance_irq_traced(struct tcb *t);
void aarch64_vcpu_cpu_init(void);
#define MAINT_PPI_ID 25u
#define VTIMER_PPI_ID 27u

/* A system call the fastpath did not take: the general path (cpu.c), which
 * does not return; _locked: the kernel lock is ours, and the call is the
 * current thread's. In another file and declared as returning, so that
 * the compiler sees neither their bodies nor that they cannot return:
 * aarch64_svc_entry branches to them and stays a leaf. */
uintptr_t aarch64_svc_slow(struct tcb *t, unsigned num);
uintptr_t aarch64_svc_slow_locked(void);

#endif
