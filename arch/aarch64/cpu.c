/*
 * aarch64 CPUs: per-CPU setup, the EL2 configuration for running user
 * threads, SMP bring-up with PSCI, the kernel lock, and the C half of trap
 * entry (decode the exception class, hand the kernel an arch-neutral event).
 */
#include "aarch64.h"

_Static_assert(offsetof(struct percpu, kstack_top) == 8, "vectors.S PERCPU_KSTACK");
_Static_assert(offsetof(struct percpu, estack_top) == 16, "vectors.S PERCPU_ESTACK");
_Static_assert(sizeof(struct kstack) == KSTACK_STRIDE, "start.S strides by KSTACK_STRIDE");
_Static_assert(MAX_CPUS * KSTACK_STRIDE <= KSTACK_ALIGN, "stacks stay in one 2 MiB block");
_Alignas(KSTACK_ALIGN) struct kstack kernel_stacks[MAX_CPUS];
_Alignas(16) static uint8_t emergency_stacks[MAX_CPUS][ESTACK_SIZE];
uint32_t arch_kernel_lock;

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

bool arch_lock_try(void)
{
	return arch_lock_try_inline();
}

/* The lock is a test-and-set word, not a ticket lock: under QEMU's
 * multi-threaded TCG each CPU is a host thread that the host may stop at
 * any time, and a ticket lock hands the lock to the next waiter whether
 * or not its thread runs, so the CPU that is running waited for one that
 * was not on every contended release (docs/performance.md). A waiter
 * takes no ticket; it takes the lock when it finds it free. */
unsigned arch_lock_ticket(void)
{
	return 0;
}

bool arch_lock_is_mine(unsigned ticket)
{
	(void)ticket;
	return __atomic_load_n(&arch_kernel_lock, __ATOMIC_RELAXED) == 0 &&
	       arch_lock_try_inline();
}

static void lock_acquire(void)
{
	unsigned t = arch_lock_ticket();
	while (!arch_lock_is_mine(t))
		arch_cpu_relax();
}

/* Wait for an event. The load arms this CPU's exclusive monitor on the
 * lock word, so the store that frees the lock (arch_lock_release) wakes
 * the WFE by clearing it: a release needs no DSB and SEV of its own. A
 * lock found free, or a SEV (arch_cpu_wake), ends the wait as well. */
void arch_cpu_relax(void)
{
	uint32_t held;
	__asm__ volatile("ldaxr %w0, [%1]\n cbz %w0, 1f\n wfe\n1:"
			 : "=&r"(held) : "r"(&arch_kernel_lock) : "memory");
}
void arch_cpu_wake(void) { __asm__ volatile("dsb ish\n sev" ::: "memory"); }

uintptr_t aarch64_svc_slow(struct tcb *t, unsigned num)
{
	kernel_enter_contended(t, true);
	if (!kernel_trapped_is_current(t))
		kernel_exit(); /* another CPU took t away while we waited */
	kernel_syscall(num);
	kernel_exit();
}

uintptr_t aarch64_svc_slow_locked(void)
{
	kernel_syscall((unsigned)(this_cpu()->current->regs.esr & ESR_ISS_IMM16));
	kernel_exit();
}

/* A trace rewrites the two lower-EL entries of the vector table (each one
 * B instruction, vectors.S) to branch to the traced paths, as Linux's
 * static keys patch a branch: global at once, with no test left on any
 * path and no message to the other CPUs. The kernel's text is mapped
 * writable at EL2; the new instruction is cleaned to the point of
 * unification and the instruction caches of the inner-shareable domain
 * invalidated (IC IVAU is broadcast), so every CPU takes it at its next
 * exception. */
extern uint32_t vectors[];
extern const char lower_sync[], lower_sync_traced[], irq_entry[], lower_irq_traced[];
#define VECTOR_LOWER_SYNC (0x400 / 4)
#define VECTOR_LOWER_IRQ (0x480 / 4)
#define INSN_B 0x14000000u
#define INSN_B_IMM26 0x03ffffffu

static void vector_patch(uint32_t *at, const char *to)
{
	*at = INSN_B | ((uint32_t)(((intptr_t)to - (intptr_t)at) >> 2) & INSN_B_IMM26);
	__asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb"
			 :: "r"(at) : "memory");
}

void arch_trace_entry(bool on)
{
	vector_patch(&vectors[VECTOR_LOWER_SYNC], on ? lower_sync_traced : lower_sync);
	vector_patch(&vectors[VECTOR_LOWER_IRQ], on ? lower_irq_traced : irq_entry);
}

void arch_halt(void)
{
	__asm__ volatile("wfi");
}

/* Called from start.S with the MMU on; per-CPU pointer and EL2 state. */
/* A CPU's struct percpu and idle thread. CPU 0 makes every CPU's before
 * it starts the others: root may make a thread ready on a CPU that has not
 * come up yet (under a loaded host a CPU can start seconds late), which
 * then runs it first (resched). */
static void cpu_percpu_init(unsigned cpu)
{
	struct percpu *c = &kernel_cpu[cpu];
	c->kstack_top = (uint64_t)kernel_stacks[cpu].stack + KSTACK_SIZE;
	c->estack_top = (uint64_t)emergency_stacks[cpu] + ESTACK_SIZE;
	c->id = (uint8_t)cpu;
	c->idle.state = TS_IDLE;
	c->idle.cpu = (uint8_t)cpu;
	c->idle.regs.pc = (uint64_t)aarch64_idle_loop;
	c->idle.regs.spsr = SPSR_EL2H_IRQ_ON;
	c->current = &c->idle;
	c->resched = cpu != 0;
}

/* This CPU's registers (start.S, with the MMU on). */
void cpu_percpu_setup(uint64_t cpu);
void cpu_percpu_setup(uint64_t cpu)
{
	struct percpu *c = &kernel_cpu[cpu];
	if (cpu == 0) {
		aarch64_mmu_features();
		aarch64_el2_map_build();
		cpu_percpu_init(0);
	}
	aarch64_el2_map_use(); /* the map with the guard pages */
	sysreg_write(tpidr_el2, c);
	sysreg_write(hcr_el2, aarch64_hcr_native);
	sysreg_write(vtcr_el2, VTCR_VALUE);
	sysreg_write(sctlr_el1, SCTLR_EL1_VALUE);
	sysreg_write(cpacr_el1, CPACR_FPEN_NONE); /* FP to EL2's lazy trap only: under TGE
					       * a CPACR trap would read as EC 0 */
	sysreg_write(cptr_el2, CPTR_RES1 | CPTR_TFP);
	/* One value for guests and native threads, never switched: the
	 * counter readable, the physical timer trapped (a guest's timer is
	 * the virtual one). A native thread's EL0 access to the physical
	 * timer traps before this control is asked, by CNTKCTL_EL1.EL0PTEN
	 * clear (vcpu_to_native). */
	sysreg_write(cnthctl_el2, CNTHCTL_EL1PCTEN);
	sysreg_write(cntkctl_el1, CNTKCTL_EL0PCTEN | CNTKCTL_EL0VCTEN);
	sysreg_write(cntvoff_el2, 0);
	/* Debug and PMU registers trap (TDRA, TDOSA, TDA, TPM, TPMCR): they
	 * are not switched per thread, and a guest's MDSCR_EL1.SS or a
	 * breakpoint would otherwise step or stop the EL0 threads that run
	 * after it (under TGE, debug exceptions from EL0 go to EL2). */
	sysreg_write(mdcr_el2, MDCR_DEBUG_TRAPS | MDCR_TPM | MDCR_TPMCR);
	isb();
}

void arch_boot_secondaries(void)
{
	for (unsigned i = 1; i < kernel_ncpus; i++)
		cpu_percpu_init(i);
	__asm__ volatile("dsb ish" ::: "memory"); /* before any CPU_ON */
	for (unsigned i = 1; i < kernel_ncpus; i++) {
		long r = psci_cpu_on(aarch64_board.cpu_mpidr[i], (uint64_t)secondary_entry, i);
		if (r != 0)
			kprintf("keel: CPU %u did not start (PSCI %ld)\n", i, r);
	}
}

void aarch64_secondary_main(uint64_t cpu);
void aarch64_secondary_main(uint64_t cpu)
{
	gic_cpu_init((unsigned)cpu);
	aarch64_timer_start();
	lock_acquire();
	kprintf("keel: CPU %lu up\n", (unsigned long)cpu);
	kernel_exit();
}

void aarch64_main(uint64_t dtb);
void aarch64_main(uint64_t dtb)
{
	struct boot_mem bm;
	lock_acquire();
	aarch64_board_from_fdt((const void *)dtb, &bm);
	kernel_ncpus = aarch64_board.ncpus;
	kprintf("\nkeel: EL2 kernel, device tree at %lx\n", (unsigned long)dtb);
	gic_init();
	gic_cpu_init(0);
	aarch64_timer_start();
	kernel_boot(&bm);
}

/* The CPU whose guard page holds addr, or -1. */
static int kstack_guard_cpu(uint64_t addr)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (addr - (uint64_t)kernel_stacks[i].guard < KSTACK_GUARD)
			return (int)i;
	return -1;
}

/* Any exception taken in the kernel (vectors.S: el2_sync, bad_exception),
 * on this CPU's emergency stack: the kernel stack may be what failed. */
_Noreturn void aarch64_kernel_fault(uint64_t esr, uint64_t elr, uint64_t far);
_Noreturn void aarch64_kernel_fault(uint64_t esr, uint64_t elr, uint64_t far)
{
	static char why[] = "kernel stack overflow on CPU ?";
	int cpu = ESR_EC(esr) == EC_DABT_CUR ? kstack_guard_cpu(far) : -1;
	klog_direct(); /* no signal to a reader from here: straight out */
	kprintf("keel: kernel exception esr %lx elr %lx far %lx\n", (unsigned long)esr,
		(unsigned long)elr, (unsigned long)far);
	if (cpu < 0)
		kpanic("exception in the kernel");
	why[sizeof(why) - 2] = (char)('0' + cpu);
	kpanic(why);
}
