/*
 * The fake arch's CPUs, thread context and interrupts: settable
 * answers and records in struct fake_arch, nothing that touches hardware.
 */
#include <string.h>

#include <arch/arch.h>
#include <arch/fake.h>

#include "kernel.h"

struct fake_arch fake_arch;

void fake_arch_reset(void)
{
	memset(&fake_arch, 0, sizeof(fake_arch));
}

bool fake_irq_bit(const uint64_t *set, unsigned irq)
{
	return irq < FAKE_IRQS && (set[irq / 64] >> (irq % 64)) & 1;
}

const char *fake_console(void)
{
	fake_arch.console[fake_arch.console_len] = 0;
	return fake_arch.console;
}

/* ---- console ---- */

void arch_putc(char c)
{
	if (fake_arch.console_len + 1 < FAKE_CONSOLE_SIZE)
		fake_arch.console[fake_arch.console_len++] = c;
}

void arch_halt(void)
{
	kpanic("fake: arch_halt");
}

/* ---- CPUs ---- */

unsigned arch_cpu_id(void) { return fake_arch.cpu; }

void *arch_percpu(void)
{
	if (fake_arch.cpu >= MAX_CPUS)
		kpanic("fake: arch_cpu_id beyond MAX_CPUS");
	return &kernel_cpu[fake_arch.cpu];
}

/* One host thread plays every CPU: a spin that waits for another CPU can
 * only end through a hook (fake_arch.on_ipi), so one that goes on and on
 * is a bug to report, not a hang to wait out. */
void arch_cpu_relax(void)
{
	if (++fake_arch.relaxes > FAKE_MAX_RELAX)
		kpanic("fake: spinning forever for another CPU");
}

void arch_cpu_wake(void) { fake_arch.wakes++; }

void arch_send_resched_ipi(unsigned cpu)
{
	fake_arch.ipis++;
	fake_arch.ipi_mask |= 1u << cpu;
	fake_arch.last_ipi_cpu = cpu;
	if (fake_arch.on_ipi)
		fake_arch.on_ipi(cpu);
}

void arch_boot_secondaries(void) { fake_arch.secondaries_booted++; }

/* One host thread plays every CPU, so the big lock is free unless a test
 * makes it look held by another CPU until *lock_wait becomes nonzero. */
bool arch_lock_try(void)
{
	if (fake_arch.lock_wait && !*fake_arch.lock_wait) {
		fake_arch.lock_busy++;
		return false;
	}
	fake_arch.lock_takes++;
	return true;
}

void arch_lock_release(void) { fake_arch.lock_releases++; }

/* Queueing for the lock: the ticket comes up when try would succeed. */
unsigned arch_lock_ticket(void) { return 0; }
bool arch_lock_is_mine(unsigned ticket)
{
	(void)ticket;
	return arch_lock_try();
}

/* ---- thread context ---- */

void arch_regs_init_user(struct arch_regs *r, uint64_t pc, uint64_t sp)
{
	memset(r, 0, sizeof(*r));
	r->pc = pc;
	r->sp = sp;
}

void arch_regs_set_pc(struct arch_regs *r, uint64_t pc) { r->pc = pc; }
uint64_t arch_regs_pc(const struct arch_regs *r) { return r->pc; }
uint64_t arch_regs_sp(const struct arch_regs *r) { return r->sp; }
void arch_regs_set_sp(struct arch_regs *r, uint64_t sp) { r->sp = sp; }
uint64_t arch_regs_tls(const struct arch_regs *r) { return r->tls; }
void arch_regs_set_tls(struct arch_regs *r, uint64_t v) { r->tls = v; }

static uint64_t *fake_reg(struct arch_regs *r, unsigned n)
{
	if (n < FAKE_ARG_REGS)
		return &r->a[n];
	if (n < FAKE_ARG_REGS + FAKE_TEMP_REGS)
		return &r->t[n - FAKE_ARG_REGS];
	kpanic("fake: no such register"); /* generic code asked for too many */
}

uint64_t arch_regs_get(const struct arch_regs *r, unsigned n)
{
	return *fake_reg((struct arch_regs *)r, n);
}

void arch_regs_set(struct arch_regs *r, unsigned n, uint64_t v) { *fake_reg(r, n) = v; }

/* The fake trap instruction is 4 bytes, like svc. */
void arch_regs_restart_syscall(struct arch_regs *r) { r->pc -= 4; }

void arch_vspace_activate(uint64_t root_paddr, unsigned vmid)
{
	fake_arch.activations++;
	fake_arch.active_root = root_paddr;
	fake_arch.active_vmid = vmid;
}

/* Lazy FPU as on aarch64: a thread's registers are live in the FPU from
 * its first FP use (a test sets fpu_live) until it is switched out. */
void arch_fpu_switch(struct tcb *from, struct tcb *to)
{
	fake_arch.fpu_switches++;
	if (from != to)
		arch_fpu_save_if_owner(from);
}

void arch_fpu_save_if_owner(struct tcb *t)
{
	if (!t->fpu_live)
		return;
	fake_arch.fpu_saves++;
	fake_arch.fpu_saved = t;
	t->fpu_live = 0;
}

_Noreturn void arch_return_to(struct tcb *t)
{
	/* aarch64 would make an illegal exception return (a kernel panic):
	 * guest PSTATE is only for a thread with a vCPU. */
	if (!t->vcpu && t->regs.flags == FAKE_GUEST_FLAGS)
		kpanic("fake: a thread without a vCPU entered in guest mode");
	fake_arch.returned_to = t;
	fake_arch.running[fake_arch.cpu] = t;
	if (!fake_arch.return_jmp)
		kpanic("fake: arch_return_to without a landing place");
	longjmp(*fake_arch.return_jmp, 1);
}

/* ---- interrupts ---- */

unsigned arch_irq_count(void) { return FAKE_IRQS; }

bool arch_irq_is_reserved(unsigned irq)
{
	return irq < 16 || irq == FAKE_IRQ_TIMER;
}

void arch_irq_enable(unsigned irq)
{
	if (irq < FAKE_IRQS)
		fake_arch.irq_enabled[irq / 64] |= 1ull << (irq % 64);
}

void arch_irq_deactivate(unsigned irq)
{
	if (irq < FAKE_IRQS)
		fake_arch.irq_deactivated[irq / 64] |= 1ull << (irq % 64);
}

/* The real arches swap their trap entry; the fixture's traps (fx_trap,
 * fx_exit) take the traced paths while this is set. */
void arch_trace_entry(bool on) { fake_arch.traced = on; }
