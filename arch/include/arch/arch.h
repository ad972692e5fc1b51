/*
 * The arch_* interface: everything the generic kernel asks of an
 * architecture. Declarations only; arch/<arch>/ implements them, and
 * arch/fake/ implements them on the host for unit tests.
 *
 * Per-arch types (struct arch_regs, struct arch_fpu, arch_pte_t, PAGE_BITS)
 * come from <arch/machine.h>, found through the include path of the arch
 * being built.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/machine.h>

struct tcb;

/* ---- console (debug only) ---- */
void arch_putc(char c);
void arch_halt(void);

/* ---- CPUs ---- */
unsigned arch_cpu_id(void);
void arch_send_resched_ipi(unsigned cpu);
/* Start the other CPUs; each enters kernel_secondary(). */
void arch_boot_secondaries(void);
bool arch_lock_try(void);
/* Wait for the lock: take a ticket, then arch_lock_is_mine(ticket) until
 * it says the lock is ours (it may take the lock itself: a lock without
 * queueing answers every ticket alike). */
unsigned arch_lock_ticket(void);
bool arch_lock_is_mine(unsigned ticket);
/* Wait a little in a spin loop (WFE on arm: sleeps until an event, and
 * under QEMU lets the other CPUs run); arch_cpu_wake ends such waits. */
void arch_cpu_relax(void);
void arch_cpu_wake(void);
/* arch_lock_release(void): <arch/machine.h> (inline where the fastpath
 * wants it). */

/* ---- thread context ---- */
void arch_regs_init_user(struct arch_regs *r, uint64_t pc, uint64_t sp);
void arch_regs_init_guest(struct arch_regs *r);
void arch_regs_set_pc(struct arch_regs *r, uint64_t pc);
uint64_t arch_regs_pc(const struct arch_regs *r);
uint64_t arch_regs_sp(const struct arch_regs *r);
void arch_regs_set_sp(struct arch_regs *r, uint64_t sp);
uint64_t arch_regs_get(const struct arch_regs *r, unsigned n);
void arch_regs_set(struct arch_regs *r, unsigned n, uint64_t v);
uint64_t arch_regs_tls(const struct arch_regs *r);
void arch_regs_set_tls(struct arch_regs *r, uint64_t v);
/* Back the pc up over the trap instruction so the call is made again. */
void arch_regs_restart_syscall(struct arch_regs *r);
/* arch_vspace_activate(root_paddr, vmid), switching the address space to a
 * user vspace: <arch/machine.h>, inline where the fastpath wants it. */
/* A new thread is about to run on this CPU: lazy FPU bookkeeping. */
void arch_fpu_switch(struct tcb *from, struct tcb *to);
void arch_fpu_save_if_owner(struct tcb *t);
/* Leave the kernel into thread t; does not return. */
_Noreturn void arch_return_to(struct tcb *t);

/* ---- translation tables (user vspaces; one format for all) ---- */
/* Zero whole pages (p page-aligned, n a multiple of the page size) the
 * fastest way the machine has: new objects, and guest RAM, are zeroed. */
void arch_zero_pages(void *p, uint64_t n);
unsigned arch_pt_levels(void);
unsigned arch_pt_index(uint64_t vaddr, unsigned level);
uint64_t arch_vaddr_limit(void);
bool arch_pte_valid(arch_pte_t pte);
bool arch_pte_is_table(arch_pte_t pte, unsigned level);
arch_pte_t arch_pte_table(uint64_t table_paddr);
/* A leaf: a page at the last level, a block (a large frame) one above. */
arch_pte_t arch_pte_page(uint64_t paddr, unsigned rights, bool device, unsigned level);
uint64_t arch_pte_paddr(arch_pte_t pte);
void arch_pte_store(arch_pte_t *slot, arch_pte_t pte);
void arch_tlb_flush_vmid(unsigned vmid);

/* ---- vCPUs ---- */
struct arch_vcpu;
void arch_vcpu_init(struct arch_vcpu *v);
/* Make the CPU run `v` (NULL: a user thread) from the next return on. A
 * vCPU switched away from may stay held in this CPU's registers (lazy:
 * docs/architecture.md, vCPU switching) until arch_vcpu_flush. */
void arch_vcpu_activate(struct arch_vcpu *v);
/* The idle thread runs next: the arch may leave a held vCPU's state as it
 * is (idle runs in the kernel's mode, which none of it governs). */
void arch_vcpu_idle(void);
/* v's thread, running on this CPU, waits in WFI (kernel/vcpu.c,
 * vcpu_wfi): true if the CPU keeps holding v meanwhile, so a wake-up on
 * this CPU reloads nothing; arch_vcpu_timer_deadline and
 * arch_vcpu_irq_pending then read the CPU's registers. False: the caller
 * makes v's memory copy current. */
bool arch_vcpu_wfi_keep(const struct arch_vcpu *v);
/* Save the vCPU this CPU holds, if any, to memory; the CPU goes native. */
void arch_vcpu_flush(void);
/* The CPU whose registers hold v's state, or -1: its memory copy is current. */
int arch_vcpu_holder(const struct arch_vcpu *v);
void arch_vcpu_forget(struct arch_vcpu *v);
bool arch_vcpu_reg_read(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t *val);
bool arch_vcpu_reg_write(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t val);
/* True if register n (KEEL_VREG_*) exists and, for a write, may hold val:
 * then arch_vcpu_reg_read/write succeed. Pure: decode checks with it. */
bool arch_vcpu_reg_valid(unsigned n, uint64_t val, bool write);
void arch_vcpu_skip(struct arch_regs *r);
void arch_vcpu_inject_dabt(struct arch_vcpu *v, struct arch_regs *r, uint64_t addr,
			   bool write);
void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r);
/* True if intid can be injected: it is already pending or active, or a
 * list register is free. */
bool arch_vcpu_irq_room(const struct arch_vcpu *v, unsigned intid);
/* Make intid pending (a no-op if it already is pending or active); the
 * caller checked arch_vcpu_irq_room. */
void arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio,
			  bool notify_eoi);

/* ---- interrupts and timer ---- */
unsigned arch_irq_count(void);
bool arch_irq_is_reserved(unsigned irq);
void arch_irq_enable(unsigned irq);
void arch_irq_deactivate(unsigned irq);
uint64_t arch_timer_now(void);
void arch_timer_arm_at(uint64_t when);
/* Counter value at which v's virtual timer fires; UINT64_MAX if never.
 * This and the next: v's memory copy, or this CPU's registers where this
 * CPU holds v (no other CPU may). */
uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v);
bool arch_vcpu_irq_pending(const struct arch_vcpu *v);
uint64_t arch_timer_hz(void);
/* KEEL_CPU_F_* bits: CPU features user code may use (boot info). */
uint64_t arch_cpu_features(void);

#endif /* ARCH_ARCH_H */
