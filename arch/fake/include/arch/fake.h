/*
 * Control and records of the fake arch (host unit tests only; the kernel
 * never includes this). Every arch_* call the kernel makes either returns a
 * value set here or leaves a record here for a test to check.
 *
 * Fake page-table entry (3 levels of 512 entries, 4 KiB granule, 39-bit
 * virtual addresses; level 0 is the root and indexes bits 38:30):
 *
 *   63    56 55                  8   7   6   5   4   3   2   1   0
 *  +--------+----------------------+---+---+-------+---+---+---+---+
 *  |   0    |  PFN (paddr >> 12)   | V | T |   0   | D | X | W | R |
 *  +--------+----------------------+---+---+-------+---+---+---+---+
 *
 *  V valid, T table (levels 0 and 1 only), D device memory, R/W/X the
 *  KEEL_R_* rights of a page. Unlike aarch64, the address is stored as a
 *  page number and "valid" is not bit 0, so generic code that decoded an
 *  entry itself would read garbage.
 */
#ifndef ARCH_FAKE_H
#define ARCH_FAKE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/machine.h>

struct tcb;

#define FAKE_PTE_R (1ull << 0)
#define FAKE_PTE_W (1ull << 1)
#define FAKE_PTE_X (1ull << 2)
#define FAKE_PTE_RIGHTS (FAKE_PTE_R | FAKE_PTE_W | FAKE_PTE_X)
#define FAKE_PTE_DEVICE (1ull << 3)
#define FAKE_PTE_TABLE (1ull << 6)
#define FAKE_PTE_VALID (1ull << 7)
#define FAKE_PTE_PFN_SHIFT 8u
#define FAKE_PTE_PFN_MASK ((1ull << 48) - 1)
#define FAKE_PT_LEVELS 3u
#define FAKE_VA_BITS 39u

#define FAKE_IRQS 128u          /* arch_irq_count() */
#define FAKE_IRQ_TIMER 27u      /* reserved, with the SGIs 0..15 */
#define FAKE_TIMER_HZ 62500000ull
#define FAKE_CONSOLE_SIZE 32768u
#define FAKE_VCPU_INIT 0x7663707500000001ull
#define FAKE_GUEST_FLAGS 0x3c5ull /* what arch_regs_init_guest puts in flags */
#define FAKE_MAX_RELAX 1000000u /* a spin this long would never end: panic */

struct fake_arch {
	/* set by tests */
	unsigned cpu;                        /* arch_cpu_id() */
	const uint32_t *lock_wait;           /* lock busy while *lock_wait == 0 */
	bool in_svc[MAX_CPUS];               /* CPU's thread is in a system call */
	uint64_t timer_now;                  /* arch_timer_now() */
	jmp_buf *return_jmp;                 /* arch_return_to longjmps here */
	void (*on_ipi)(unsigned cpu);        /* after an IPI is recorded */
	void (*on_panic)(const char *why);   /* kpanic; must not return */
	/* records */
	unsigned ipis, ipi_mask, last_ipi_cpu;
	unsigned relaxes, wakes;
	bool traced;                         /* arch_trace_entry: the traced entry */
	unsigned lock_takes, lock_releases;
	unsigned activations, active_vmid;
	uint64_t active_root;
	unsigned tlb_flushes, last_flushed_vmid;
	unsigned fpu_switches, fpu_saves;
	struct tcb *fpu_saved;               /* last thread whose FPU was saved */
	unsigned timer_arms, secondaries_booted;
	uint64_t timer_armed_at;             /* last arch_timer_arm_at */
	unsigned pte_stores;
	uint64_t irq_enabled[FAKE_IRQS / 64], irq_deactivated[FAKE_IRQS / 64];
	struct tcb *returned_to;             /* last arch_return_to */
	struct tcb *running[MAX_CPUS];       /* last arch_return_to per CPU */
	unsigned lock_busy;                  /* arch_lock_try answered "busy" */
	struct arch_vcpu *loaded_vcpu[MAX_CPUS]; /* vCPU each CPU holds (lazy) */
	bool vcpu_in_guest[MAX_CPUS];        /* ... and runs (activate non-NULL) */
	unsigned vcpu_activations, vcpu_forgets, vcpu_flushes, idle_activations;
	char console[FAKE_CONSOLE_SIZE];     /* arch_putc and kprintf output */
	size_t console_len;
};

extern struct fake_arch fake_arch;

/* Defined in arch/fake/klib.c (kernel.h declares it too): calls on_panic,
 * or prints and aborts when no test installed one. */
_Noreturn void kpanic(const char *why);

/* Forget every record and setting (hooks included). */
void fake_arch_reset(void);
bool fake_irq_bit(const uint64_t *set, unsigned irq);
/* Console text so far, NUL-terminated. */
const char *fake_console(void);

#endif /* ARCH_FAKE_H */
