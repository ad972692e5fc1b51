/* Internal to arch/riscv64: CSRs, SBI, platform data from the device tree
 * and the functions the files here share. */
#ifndef RISCV64_H
#define RISCV64_H

#include "kernel.h"
#include "kstack.h"

#define csr_read(c) __extension__({ uint64_t v_; __asm__ volatile("csrr %0, " #c : "=r"(v_)); v_; })
#define csr_write(c, v) __asm__ volatile("csrw " #c ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_set(c, v) __asm__ volatile("csrs " #c ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_clear(c, v) __asm__ volatile("csrc " #c ", %0" : : "r"((uint64_t)(v)) : "memory")
/* The same by number, for the H extension's CSRs (below), which the
 * kernel's -march does not name. */
#define csrn_read(n) __extension__({ uint64_t v_; \
	__asm__ volatile("csrr %0, %1" : "=r"(v_) : "i"(n)); v_; })
#define csrn_write(n, v) __asm__ volatile("csrw %0, %1" : : "i"(n), "r"((uint64_t)(v)) : "memory")

/* H extension CSRs (RISC-V privileged spec, chapter "Hypervisor") */
#define CSR_VSSTATUS 0x200
#define CSR_VSIE 0x204
#define CSR_VSTVEC 0x205
#define CSR_VSSCRATCH 0x240
#define CSR_VSEPC 0x241
#define CSR_VSCAUSE 0x242
#define CSR_VSTVAL 0x243
#define CSR_VSTIMECMP 0x24d
#define CSR_VSATP 0x280
#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HENVCFG 0x60a
#define CSR_HTVAL 0x643
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64a
#define CSR_HGATP 0x680
#define HSTATUS_SPV (1ull << 7)  /* sret enters V=1 (a guest) */
#define HSTATUS_VTW (1ull << 21) /* the guest's WFI traps (virtual instruction) */
#define HSTATUS_VSXL (3ull << 32)
#define HENVCFG_STCE (1ull << 63) /* the guest may use vstimecmp (Sstc) */

/* sstatus */
#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_FS_MASK (3ull << 13)
#define SSTATUS_FS_OFF (0ull << 13)
#define SSTATUS_FS_CLEAN (2ull << 13)
#define SSTATUS_SUM (1ull << 18)
/* sie / sip: supervisor software (IPI), timer, external (PLIC) */
#define SIE_SSIE (1ull << 1)
#define SIE_STIE (1ull << 5)
#define SIE_SEIE (1ull << 9)
#define SCAUSE_IRQ (1ull << 63)
#define IRQ_S_SOFT 1u
#define IRQ_S_TIMER 5u
#define IRQ_S_EXT 9u
/* scause exception codes */
#define EXC_INST_MISALIGNED 0u
#define EXC_INST_ACCESS 1u
#define EXC_ILLEGAL 2u
#define EXC_BREAKPOINT 3u
#define EXC_LOAD_MISALIGNED 4u
#define EXC_LOAD_ACCESS 5u
#define EXC_STORE_MISALIGNED 6u
#define EXC_STORE_ACCESS 7u
#define EXC_ECALL_U 8u
#define EXC_INST_PAGE 12u
#define EXC_LOAD_PAGE 13u
#define EXC_STORE_PAGE 15u
#define EXC_ECALL_VS 10u
#define EXC_INST_GUEST_PAGE 20u
#define EXC_LOAD_GUEST_PAGE 21u
#define EXC_VIRTUAL_INST 22u
#define EXC_STORE_GUEST_PAGE 23u
/* A vCPU cannot run on this CPU (no H extension or no Sstc): the fault
 * code its thread's handler gets. */
#define RV_CAUSE_NO_VCPU 0x100u

#define SATP_MODE_SV48 (9ull << 60)
#define SATP_ASID_SHIFT 44
/* The upper-half alias of all physical memory (mmu.c, entry.S). */
#define RV_ALIAS_OFFSET 0xffffff8000000000ull

/* The per-CPU block the trap vector reaches through sscratch while a
 * thread runs (entry.S TR_* offsets; it reads it through the alias). */
struct rv_tramp {
	uint64_t save_t1;     /* 0 */
	uint64_t kernel_satp; /* 8 */
	uint64_t regs;        /* 16: the running thread's struct arch_regs */
	uint64_t kstack_top;  /* 24 */
	uint64_t percpu;      /* 32: identity address of struct percpu */
	uint64_t user_satp;   /* 40: what the return path switches to */
	uint64_t pad[2];
};
extern struct rv_tramp rv_tramp[MAX_CPUS];

struct kstack {
	uint8_t guard[KSTACK_GUARD]; /* unmapped (mmu.c) */
	uint8_t stack[KSTACK_SIZE];
};
extern struct kstack kernel_stacks[MAX_CPUS];

struct rv_board {
	uint64_t uart_base, plic_base;
	uint64_t hartid[MAX_CPUS]; /* CPU index -> hart id; [0] the boot hart */
	unsigned ncpus, plic_ndev;
	uint64_t timebase_hz;
	bool guests; /* the harts have the H extension and Sstc (fdt.c) */
};
extern struct rv_board rv_board;
/* start.S: for a hart OpenSBI sends to _start after the boot hart, the
 * CPUs' hart ids and (last, the signal) how many there are. */
extern uint64_t rv_late_harts[];
extern uint32_t rv_late_ready;

/* sbi.c */
struct sbiret { long error; long value; };
struct sbiret rv_sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
			  uint64_t a2);
void rv_sbi_set_timer(uint64_t when);
void rv_sbi_send_ipi(uint64_t hartid);
long rv_sbi_hart_start(uint64_t hartid, uint64_t entry, uint64_t opaque);
void rv_sbi_remote_sfence_asid(unsigned asid);
void rv_sbi_remote_hfence_vmid(unsigned vmid);

/* mmu.c, fdt.c, plic.c, timer */
void rv_mmu_build(void);
uint64_t rv_kernel_satp(void);
void rv_board_from_fdt(const void *fdt, uint64_t boot_hart, struct boot_mem *bm);
void rv_plic_init(void);
void rv_plic_cpu_init(unsigned cpu);
unsigned rv_plic_claim(void);
void rv_timer_start(void);

/* vcpu.c: the CPU's H-extension set-up, a vCPU thread's entry and trap */
void rv_vcpu_cpu_init(void);
void rv_vcpu_enter(struct tcb *t);
_Noreturn void rv_vcpu_trap(struct tcb *t);
_Noreturn void rv_vcpu_trap_traced(struct tcb *t);
_Noreturn void rv_vcpu_refuse(struct tcb *t);
/* trap.c: the lazy FPU's trap (an illegal instruction with FS off): true
 * if it loaded the thread's FP registers, false if the instruction really
 * is illegal */
bool rv_fpu_trap(struct tcb *t);
/* entry.S: a halfword of guest code at a guest virtual address, read
 * through the guest's translation (hlvx.hu); above 0xffff if it faults */
uint64_t rv_guest_fetch16(uint64_t gva);

/* entry.S */
void rv_trap_vector(void);
void rv_idle_loop(void);
void rv_secondary_entry(void);
void rv_fpu_save(struct arch_fpu *f);
void rv_fpu_load(const struct arch_fpu *f);

#endif
