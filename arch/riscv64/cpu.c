/*
 * riscv64 CPUs: per-CPU setup, SMP bring-up with SBI HSM, the kernel lock,
 * kernel stacks and the report of a trap taken in the kernel.
 */
#include "riscv64.h"

_Static_assert(offsetof(struct percpu, estack_top) == 16, "entry.S PERCPU_ESTACK");
_Static_assert(sizeof(struct kstack) == KSTACK_STRIDE, "start.S strides by KSTACK_STRIDE");
_Static_assert(MAX_CPUS * KSTACK_STRIDE <= KSTACK_ALIGN, "stacks stay in one 2 MiB block");
_Static_assert(MAX_CPUS <= RV_LATE_HARTS_MAX, "start.S's rv_late_harts holds every CPU");
_Alignas(KSTACK_ALIGN) struct kstack kernel_stacks[MAX_CPUS];
_Alignas(16) static uint8_t emergency_stacks[MAX_CPUS][ESTACK_SIZE];
struct rv_tramp rv_tramp[MAX_CPUS];
uint32_t arch_kernel_lock;

unsigned arch_cpu_id(void) { return this_cpu()->id; }
bool arch_lock_try(void) { return arch_lock_try_inline(); }

/* A test-and-set word, as on aarch64 (arch/aarch64/cpu.c says why). */
unsigned arch_lock_ticket(void) { return 0; }

bool arch_lock_is_mine(unsigned ticket)
{
	(void)ticket;
	return __atomic_load_n(&arch_kernel_lock, __ATOMIC_RELAXED) == 0 &&
	       arch_lock_try_inline();
}

void arch_lock_release(void)
{
	__atomic_store_n(&arch_kernel_lock, 0, __ATOMIC_RELEASE);
}

static void lock_acquire(void)
{
	unsigned t = arch_lock_ticket();
	while (!arch_lock_is_mine(t))
		arch_cpu_relax();
}

/* Zihintpause's pause (a fence hint, a no-op where it is unknown): under
 * QEMU it ends the spinning CPU's translation block. */
void arch_cpu_relax(void) { __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory"); }
void arch_cpu_wake(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
void arch_halt(void) { __asm__ volatile("wfi"); }

/* A CPU's struct percpu, trampoline block and idle thread. CPU 0 makes
 * every CPU's before it starts the others: root may make a thread ready
 * on a CPU whose hart has not come up yet (a late hart under a loaded
 * host), which then runs it first (resched). */
static void cpu_percpu_init(unsigned cpu)
{
	struct percpu *c = &kernel_cpu[cpu];
	struct rv_tramp *tr = &rv_tramp[cpu];
	c->kstack_top = (uint64_t)kernel_stacks[cpu].stack + KSTACK_SIZE;
	c->estack_top = (uint64_t)emergency_stacks[cpu] + ESTACK_SIZE;
	c->id = (uint8_t)cpu;
	tr->kernel_satp = rv_kernel_satp();
	tr->user_satp = tr->kernel_satp;
	tr->kstack_top = c->kstack_top;
	tr->percpu = (uint64_t)c;
	c->idle.state = TS_IDLE;
	c->idle.cpu = (uint8_t)cpu;
	c->idle.regs.x[RV_REG_PC] = (uint64_t)rv_idle_loop;
	c->idle.regs.sstatus = SSTATUS_SPP | SSTATUS_SPIE;
	c->current = &c->idle;
	c->resched = cpu != 0;
}

/* This hart: the kernel's map, the trap vector (at its alias: the
 * address threads' maps have), the timer and the counters U-mode may read. */
static void cpu_setup(unsigned cpu)
{
	struct rv_tramp *tr = &rv_tramp[cpu];
	__asm__ volatile("mv tp, %0" : : "r"(&kernel_cpu[cpu]));
	csr_write(satp, tr->kernel_satp);
	__asm__ volatile("sfence.vma" ::: "memory");
	csr_write(stvec, (uint64_t)rv_trap_vector + RV_ALIAS_OFFSET);
	csr_write(sscratch, 0);
	csr_write(scounteren, 2); /* U-mode may read time (keel/arch_counter.h) */
	csr_clear(sstatus, SSTATUS_FS_MASK | SSTATUS_SIE);
	csr_write(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
}

void arch_boot_secondaries(void)
{
	for (unsigned i = 1; i < kernel_ncpus; i++) {
		cpu_percpu_init(i);
		rv_late_harts[i] = rv_board.hartid[i];
	}
	__asm__ volatile("fence rw, rw" ::: "memory");
	*(volatile uint32_t *)&rv_late_ready = kernel_ncpus; /* a late hart may start now */
	__asm__ volatile("fence rw, rw" ::: "memory");
	for (unsigned i = 1; i < kernel_ncpus; i++) {
		long r = rv_sbi_hart_start(rv_board.hartid[i], (uint64_t)rv_secondary_entry, i);
		if (r != 0)
			kprintf("keel: CPU %u (hart %lu) did not start (SBI %ld)\n", i,
				(unsigned long)rv_board.hartid[i], r);
	}
}

void riscv64_secondary_main(uint64_t cpu);
void riscv64_secondary_main(uint64_t cpu)
{
	cpu_setup((unsigned)cpu);
	rv_vcpu_cpu_init();
	rv_plic_cpu_init((unsigned)cpu);
	rv_timer_start();
	lock_acquire();
	kprintf("keel: CPU %lu up\n", (unsigned long)cpu);
	kernel_exit();
}

void riscv64_main(uint64_t dtb, uint64_t hartid);
void riscv64_main(uint64_t dtb, uint64_t hartid)
{
	struct boot_mem bm;
	rv_mmu_build();
	cpu_percpu_init(0);
	cpu_setup(0);
	lock_acquire();
	rv_board_from_fdt((const void *)dtb, hartid, &bm);
	kernel_ncpus = rv_board.ncpus;
	kprintf("\nkeel: HS-mode kernel on hart %lu, device tree at %lx%s\n",
		(unsigned long)hartid, (unsigned long)dtb,
		rv_board.guests ? "" : " (no H or Sstc: no guests)");
	rv_vcpu_cpu_init();
	rv_plic_init();
	rv_plic_cpu_init(0);
	rv_timer_start();
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

/* A trap taken in the kernel (entry.S kernel_trap), on this CPU's
 * emergency stack: the kernel stack may be what failed. */
_Noreturn void rv_kernel_fault(uint64_t scause, uint64_t sepc, uint64_t stval);
_Noreturn void rv_kernel_fault(uint64_t scause, uint64_t sepc, uint64_t stval)
{
	static char why[] = "kernel stack overflow on CPU ?";
	int cpu = scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE ? kstack_guard_cpu(stval) : -1;
	klog_direct(); /* no signal to a reader from here: straight out */
	kprintf("keel: kernel exception scause %lx sepc %lx stval %lx\n", (unsigned long)scause,
		(unsigned long)sepc, (unsigned long)stval);
	if (cpu < 0)
		kpanic("exception in the kernel");
	why[sizeof(why) - 2] = (char)('0' + cpu);
	kpanic(why);
}
