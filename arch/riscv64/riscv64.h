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
/* A vCPU cannot run yet (stage 2): the fault code its handler gets. */
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
};
extern struct rv_board rv_board;

/* sbi.c */
struct sbiret { long error; long value; };
struct sbiret rv_sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
			  uint64_t a2);
void rv_sbi_set_timer(uint64_t when);
void rv_sbi_send_ipi(uint64_t hartid);
long rv_sbi_hart_start(uint64_t hartid, uint64_t entry, uint64_t opaque);
void rv_sbi_remote_sfence_asid(unsigned asid);

/* mmu.c, fdt.c, plic.c, timer */
void rv_mmu_build(void);
uint64_t rv_kernel_satp(void);
void rv_board_from_fdt(const void *fdt, uint64_t boot_hart, struct boot_mem *bm);
void rv_plic_init(void);
void rv_plic_cpu_init(unsigned cpu);
unsigned rv_plic_claim(void);
void rv_timer_start(void);

/* vcpu.c */
_Noreturn void rv_vcpu_refuse(struct tcb *t);

/* entry.S */
void rv_trap_vector(void);
void rv_idle_loop(void);
void rv_secondary_entry(void);
void rv_fpu_save(struct arch_fpu *f);
void rv_fpu_load(const struct arch_fpu *f);

#endif
