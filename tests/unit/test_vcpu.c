/*
 * vCPUs (kernel/vcpu.c) through the fake arch's vCPU (arch/fake/vcpu.c):
 * binding a vCPU to a thread, register access and interrupt injection by
 * invocation, exits delivered to the VMM on the fault endpoint and the
 * VMM's reply actions, and what deleting a vCPU does to its thread.
 *
 * Cast: VMM H (prio 100, IPC buffer) receives on EP; guest thread G
 * (prio 50) has EP as fault endpoint and the vCPU in slot V bound. The
 * MMIO route tests add device server S (prio 100) receiving on EP2.
 */
#include <string.h>

#include "fixture.h"

#define EP 16
#define V 17
#define V2 18
#define V_RO 19
#define H_SLOT 20
#define G_SLOT 22
#define G2_SLOT 24
#define EP2 26     /* a device server's endpoint: an MMIO route */
#define S_SLOT 27  /* the device server S (IPC buffer in 28) */
#define PAGE 29    /* S's post page for the route (keel/abi.h) */
#define PN 30      /* S's notification the kernel signals for it */

static struct tcb *H, *G;

static struct vcpu *vcpu(uint64_t slot) { return (struct vcpu *)(uintptr_t)fx_slot(slot)->obj; }

static void cast(void)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 2), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_COPY, V_RO, KEEL_ROOT_CNODE, V,
				   KEEL_R_READ), KEEL_OK);
	H = fx_thread(H_SLOT, 100, H_SLOT + 1, true);
	G = fx_thread(G_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_CONFIGURE, EP, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
}

/* G exits with label and msg; H, waiting on EP, gets it. */
static void guest_exits(uint64_t label, const uint64_t *msg, unsigned len)
{
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	fx_run(G);
	vcpu_exit(G, label, msg, len);
	ck_assert_uint_eq(G->state, TS_BLOCKED_REPLY);
	ck_assert_uint_eq(H->state, TS_READY);
}

static void vmm_replies_from(struct tcb *vmm, uint64_t action, uint64_t mr0, uint64_t mr1,
			     uint64_t mr2)
{
	const uint64_t mr[6] = { mr0, mr1, mr2 };
	ck_assert_uint_eq(fx_trap(vmm, KEEL_SYS_REPLY, 0, keel_msginfo(action, 3), mr), KEEL_OK);
}

static void vmm_replies(uint64_t action, uint64_t mr0, uint64_t mr1, uint64_t mr2)
{
	vmm_replies_from(H, action, mr0, mr1, mr2);
}

/* G exits on WFI and the VMM answers KEEL_VCPU_WAIT. */
static void guest_waits(void)
{
	static const uint64_t wfi[1] = { 0 };
	guest_exits(KEEL_EXIT_WFI, wfi, 1);
	vmm_replies(KEEL_VCPU_WAIT, 0, 0, 0);
}

START_TEST(new_vcpu_is_initialised_by_the_arch)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 1), KEEL_OK);
	ck_assert_uint_eq(vcpu(V)->arch.init, FAKE_VCPU_INIT);
	ck_assert_ptr_null(vcpu(V)->tcb);
	ck_assert_uint_eq(fx_slot(V)->obj % (1u << KEEL_VCPU_BITS), 0);
}
END_TEST

START_TEST(binding_is_one_to_one)
{
	struct tcb *g2;
	cast();
	ck_assert_ptr_eq(G->vcpu, vcpu(V));
	ck_assert_ptr_eq(vcpu(V)->tcb, G);
	ck_assert_uint_eq(G->regs.flags, FAKE_GUEST_FLAGS);
	ck_assert_uint_eq(G->state, TS_READY);
	g2 = fx_thread(G2_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V2), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_BIND_VCPU, V_RO), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_BIND_VCPU, EP), KEEL_E_WRONG_TYPE);
	ck_assert_ptr_null(g2->vcpu);
	/* unbinding stops the guest and frees the vCPU for another thread */
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, 0), KEEL_OK);
	ck_assert_ptr_null(G->vcpu);
	ck_assert_ptr_null(vcpu(V)->tcb);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_uint_eq(G->slot[TCB_VCPU].type, KEEL_OBJ_NULL);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_ptr_eq(vcpu(V)->tcb, g2);
}
END_TEST

START_TEST(registers_through_invocations)
{
	uint64_t mr[6] = { KEEL_VREG_SP_EL1 };
	cast();
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, KEEL_VREG_PC, 0x80000), KEEL_OK);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80000);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, 30, 0x30), KEEL_OK);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 30), 0x30);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, KEEL_VREG_SP_EL1, 0x9000), KEEL_OK);
	ck_assert_int_eq(fx_invoke(V, KEEL_VCPU_READ_REG, mr), KEEL_OK);
	ck_assert_uint_eq(mr[0], 0x9000);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_READ_REG, KEEL_VREG_COUNT), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, KEEL_VREG_COUNT, 1),
			 KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V_RO, KEEL_VCPU_WRITE_REG, KEEL_VREG_PC, 0), KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(V2, KEEL_VCPU_WRITE_REG, KEEL_VREG_PC, 0), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ + 1, 0), KEEL_E_INVALID_CALL);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80000);
}
END_TEST

/* RESET: EL1 state (here SP_EL1), interrupts and the timer as the arch
 * initialises them; the MPIDR and the general registers stay. */
START_TEST(reset_returns_the_vcpu_to_its_initial_state)
{
	struct arch_vcpu *a;
	cast();
	a = &vcpu(V)->arch;
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, KEEL_VREG_SP_EL1, 0x9000), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, KEEL_VREG_MPIDR, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WRITE_REG, 5, 0x55), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0xa0), KEEL_OK);
	a->timer_deadline = 1234;
	a->init = 0;
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_RESET, 0), KEEL_OK);
	ck_assert_uint_eq(a->init, FAKE_VCPU_INIT);
	ck_assert_uint_eq(a->sp_el1, 0);
	ck_assert_uint_eq(a->lr[0], 0);
	ck_assert_uint_eq(a->timer_deadline, 0);
	ck_assert_uint_eq(a->mpidr, 1);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 5), 0x55);
	ck_assert_int_eq(FX_INVOKE(V_RO, KEEL_VCPU_RESET, 0), KEEL_E_NO_RIGHTS);
}
END_TEST

/* Fill a stretch of stack below the caller with a pattern, so that a
 * kernel variable later read before it is written shows. */
static __attribute__((noinline)) void stain_stack(void)
{
	volatile uint8_t junk[32 * 1024];
	memset((void *)junk, 0x5a, sizeof(junk));
}

/* An unbound vCPU has no general registers (they live in a thread): the
 * kernel must not answer with whatever its stack held. */
START_TEST(unbound_vcpu_general_register_reads_nothing)
{
	uint64_t mr[6] = { 3 };
	long err;
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 1), KEEL_OK);
	stain_stack();
	err = fx_invoke(V, KEEL_VCPU_READ_REG, mr);
	ck_assert_msg(err == KEEL_E_INVALID_ARG || (err == KEEL_OK && mr[0] == 0),
		      "status %ld, value %#lx", err, (unsigned long)mr[0]);
}
END_TEST

START_TEST(injected_interrupts_fill_list_registers)
{
	struct arch_vcpu *a;
	cast();
	a = &vcpu(V)->arch;
	for (unsigned i = 0; i < FAKE_LRS; i++)
		ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 32 + i, 0xa0), KEEL_OK);
	ck_assert_uint_eq(a->lr[FAKE_LRS - 1], 32 + FAKE_LRS);
	ck_assert_uint_eq(a->lr_prio[0], 0xa0);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 32, 0xa0), KEEL_OK); /* pending */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 99, 0xa0), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 1020, 0), KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V2, KEEL_VCPU_INJECT_IRQ, 40, 256), KEEL_E_INVALID_ARG);
	ck_assert_uint_eq(vcpu(V2)->arch.lr[0], 0);
}
END_TEST

START_TEST(exit_reaches_vmm_and_resume_applies_flags)
{
	static const uint64_t mmio[5] = { 0x9000000, KEEL_MMIO_WRITE | 2, 5, 0xabcd, 0x80040 };
	uint64_t *h;
	cast();
	arch_regs_set_pc(&G->regs, 0x80040);
	guest_exits(KEEL_EXIT_MMIO, mmio, 5);
	h = fx_regs(H);
	ck_assert_uint_eq(keel_msg_label(h[1]), KEEL_EXIT_MMIO);
	ck_assert_uint_eq(keel_msg_len(h[1]), 6); /* and MR5, its sequence number */
	ck_assert(memcmp(h + 2, mmio, sizeof(mmio)) == 0);
	vmm_replies(KEEL_VCPU_RESUME, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, 7, 0x77);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_uint_eq(G->fault_pending, 0);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80044);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x77);
}
END_TEST

/* A load into the zero register (KEEL_EXIT_REG_NONE in the exit) is
 * answered with WRITE_REG of KEEL_EXIT_REG_NONE: nothing is written; in
 * particular not SP (aarch64's register 31 in the instruction). */
START_TEST(reply_write_of_zero_register_writes_nothing)
{
	static const uint64_t mmio[5] = { 0x9000018, 2, KEEL_EXIT_REG_NONE, 0, 0x80040 };
	cast();
	arch_regs_set_sp(&G->regs, 0x5000);
	arch_regs_set_pc(&G->regs, 0x80040);
	guest_exits(KEEL_EXIT_MMIO, mmio, 5);
	vmm_replies(KEEL_VCPU_RESUME, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG,
		    KEEL_EXIT_REG_NONE, 0x77);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_uint_eq(arch_regs_sp(&G->regs), 0x5000);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80044);
}
END_TEST

START_TEST(vmm_reply_actions)
{
	static const uint64_t hvc[1] = { 0x84000000 };
	struct arch_vcpu *a;
	cast();
	a = &vcpu(V)->arch;
	arch_regs_set_pc(&G->regs, 0x100);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(KEEL_VCPU_RESUME, 0, 7, 0x77);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x100);  /* no flags: as it was */
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(KEEL_VCPU_RESUME, KEEL_RESUME_WRITE_REG, 7, 0x77);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x100);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x77);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(KEEL_VCPU_INJECT_DABT, 0xdead0000, 0, 0);
	ck_assert_uint_eq(a->dabts, 1);
	ck_assert_uint_eq(a->exc_addr, 0xdead0000);
	ck_assert_uint_eq(G->state, TS_READY);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(KEEL_VCPU_INJECT_UNDEF, 0, 0, 0);
	ck_assert_uint_eq(a->undefs, 1);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(KEEL_VCPU_STOP, 0, 0, 0);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	guest_exits(KEEL_EXIT_HVC, hvc, 1);
	vmm_replies(77, 0, 0, 0); /* unknown action: stopped, not guessed */
	ck_assert_uint_eq(G->state, TS_INACTIVE);
}
END_TEST

START_TEST(wait_parks_until_the_virtual_timer)
{
	cast();
	fake_arch.timer_now = 1000;
	fx_cpu(0)->timer_next = 90000; /* as the last tick left it */
	vcpu(V)->arch.timer_deadline = 5000;
	arch_regs_set_pc(&G->regs, 0x200);
	guest_waits();
	ck_assert_uint_eq(G->state, TS_BLOCKED_WFI);
	ck_assert_ptr_eq(fx_cpu(0)->parked.head, G);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x204);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000);
	fake_arch.timer_now = 4999;
	kernel_timer_tick();
	ck_assert_uint_eq(G->state, TS_BLOCKED_WFI);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000);
	fake_arch.timer_now = 5000;
	kernel_timer_tick();
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
	ck_assert_uint_eq(fake_arch.timer_armed_at,
			  5000 + FAKE_TIMER_HZ / 1000 * KERNEL_TIMESLICE_MS);
}
END_TEST

/* The guest's own WFI (arch trap code calls vcpu_wfi): parked as the
 * VMM's WAIT would park it, without an exit; woken by its timer or an
 * injected interrupt; with one pending it runs on. */
START_TEST(wfi_parks_without_the_vmm)
{
	cast();
	fake_arch.timer_now = 1000;
	fx_cpu(0)->timer_next = 90000;
	vcpu(V)->arch.timer_deadline = 5000;
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	arch_regs_set_pc(&G->regs, 0x200);
	fx_run(G);
	ck_assert(vcpu_wfi(G));
	ck_assert_uint_eq(G->state, TS_BLOCKED_WFI);
	ck_assert_ptr_eq(fx_cpu(0)->parked.head, G);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x204);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000);
	ck_assert_uint_eq(H->state, TS_BLOCKED_RECV); /* the VMM saw nothing */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0x80), KEEL_OK);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
	fx_run(G);
	ck_assert(vcpu_wfi(G)); /* 40 still pending: no sleep */
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x208);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
}
END_TEST

/* KEEL_VCPU_WFI_EXIT (a VMM whose injection found no room) makes the
 * next WFI an exit, so the VMM can try again; the one after is the
 * kernel's again. A read-only copy may not ask. */
START_TEST(wfi_after_no_room_goes_to_the_vmm)
{
	cast();
	for (unsigned i = 0; i < FAKE_LRS; i++)
		ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40 + i, 0x80), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 50, 0x80), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(V_RO, KEEL_VCPU_WFI_EXIT), KEEL_E_NO_RIGHTS);
	ck_assert(!vcpu(V)->wfi_exit);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_WFI_EXIT), KEEL_OK);
	arch_regs_set_pc(&G->regs, 0x200);
	fx_run(G);
	ck_assert(!vcpu_wfi(G));
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x200); /* the exit's to raise */
	ck_assert(vcpu_wfi(G));
	ck_assert_uint_eq(G->state, TS_READY); /* four pending: runs on */
}
END_TEST

START_TEST(wait_with_an_interrupt_pending_runs_on)
{
	cast();
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0x80), KEEL_OK);
	guest_waits();
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
}
END_TEST

START_TEST(injected_interrupt_wakes_a_parked_vcpu)
{
	cast();
	guest_waits(); /* no virtual timer: parked until an interrupt */
	ck_assert_uint_eq(G->state, TS_BLOCKED_WFI);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0x80), KEEL_OK);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
}
END_TEST

START_TEST(suspending_a_parked_vcpu_unparks_it)
{
	cast();
	guest_waits();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SUSPEND, 0), KEEL_OK);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
}
END_TEST

/* A parked vCPU moved to CPU 1 waits there: CPU 0's list no longer holds
 * it, and CPU 1's timer wakes it into CPU 1's run queue. */
START_TEST(parked_vcpu_follows_its_affinity)
{
	cast();
	fake_arch.timer_now = 1000;
	vcpu(V)->arch.timer_deadline = 5000;
	guest_waits();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
	if (G->state == TS_BLOCKED_WFI)
		ck_assert_ptr_eq(fx_cpu(1)->parked.head, G);
	fake_arch.cpu = 1;
	fake_arch.timer_now = 5000;
	kernel_timer_tick();
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_eq(fx_cpu(1)->ready[50].head, G);
}
END_TEST

/* A WFI on the CPU that holds the vCPU in guest mode parks the thread but
 * keeps the state in the CPU while idle runs (arch_vcpu_wfi_keep,
 * arch_vcpu_idle): its timer's interrupt (the arch calls vcpu_held_irq)
 * wakes it with nothing saved or loaded. An injection from the VMM still
 * makes the memory copy current first (the fake panics otherwise). */
START_TEST(wfi_keeps_the_vcpu_held_through_idle)
{
	unsigned flushes;
	cast();
	fake_arch.timer_now = 1000;
	fx_cpu(0)->timer_next = 90000;
	vcpu(V)->arch.timer_deadline = 5000;
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert(fake_arch.vcpu_in_guest[0]);
	flushes = fake_arch.vcpu_flushes;
	ck_assert(vcpu_wfi(G));
	ck_assert_uint_eq(G->state, TS_BLOCKED_WFI);
	ck_assert_ptr_eq(fx_cpu(0)->parked.head, G);
	ck_assert_uint_eq(fake_arch.timer_armed_at, 5000);
	ck_assert_ptr_eq(fx_kernel_exit(), &fx_cpu(0)->idle);
	ck_assert_uint_eq(fake_arch.idle_activations, 1);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	ck_assert(fake_arch.vcpu_in_guest[0]);
	vcpu_held_irq(&vcpu(V)->arch);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert_uint_eq(fake_arch.vcpu_flushes, flushes);
	/* an interrupt for a held vCPU whose thread does not wait in WFI
	 * changes nothing in the kernel (the arch keeps it in the CPU) */
	vcpu_held_irq(&vcpu(V)->arch);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert(vcpu_wfi(G));
	ck_assert_ptr_eq(fx_kernel_exit(), &fx_cpu(0)->idle);
	sched_make_ready(fx.root); /* the invoker */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_INJECT_IRQ, 40, 0x80), KEEL_OK);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[0]);
	ck_assert_uint_eq(fake_arch.vcpu_flushes, flushes + 1);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(fx_cpu(0)->parked.head);
}
END_TEST

START_TEST(running_the_guest_loads_its_vcpu)
{
	cast();
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	ck_assert(fake_arch.vcpu_in_guest[0]);
	vcpu_exit(G, KEEL_EXIT_WFI, (uint64_t[1]){ 0 }, 1);
	ck_assert_ptr_eq(fx_kernel_exit(), H);
	/* lazy: the VMM runs with the guest's state still held by the CPU */
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	ck_assert(!fake_arch.vcpu_in_guest[0]);
	/* WAIT parks the vCPU, which reads its timer: the state goes to memory */
	vmm_replies(KEEL_VCPU_WAIT, 0, 0, 0);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[0]);
}
END_TEST

START_TEST(deleting_the_vcpu_stops_its_thread)
{
	cast();
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, V), KEEL_OK);
	ck_assert_uint_eq(fx_slot(V_RO)->type, KEEL_OBJ_NULL);
	ck_assert_ptr_null(G->vcpu);
	ck_assert_uint_eq(G->slot[TCB_VCPU].type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_ptr_null(fx_cpu(0)->ready[50].head);
}
END_TEST

/* The guest runs on CPU 1 with its vCPU loaded there. Deleting the vCPU
 * from CPU 0 must first get it off CPU 1: otherwise CPU 1's next switch
 * saves guest state into memory that may by then be another object. */
START_TEST(deleting_a_vcpu_loaded_on_another_cpu)
{
	struct arch_vcpu *a;
	cast();
	a = &vcpu(V)->arch;
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[1], a);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, V), KEEL_OK);
	ck_assert_ptr_ne(fake_arch.loaded_vcpu[1], a);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_ptr_eq(fx_cpu(1)->current, &fx_cpu(1)->idle);
}
END_TEST

/* The VMM (here on CPU 0) injects an interrupt into a vCPU running on
 * CPU 1: the vCPU is stalled off CPU 1 to reach its list registers, and
 * must then still be runnable there, not dropped from every queue. */
START_TEST(injecting_into_a_vcpu_running_elsewhere_keeps_it_runnable)
{
	uint64_t mr[6] = { 40, 0xa0, 0 };
	cast();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	fx_run(fx.root);
	ck_assert_int_eq(fx_invoke(V, KEEL_VCPU_INJECT_IRQ, mr), KEEL_OK);
	ck_assert_uint_eq(G->state, TS_READY);
	fake_arch.cpu = 1;
	ck_assert_ptr_eq(fx_kernel_exit(), G);
}
END_TEST

/* ---- exit fastpath and lazy state (kernel/fastpath.h, vcpu.c) ---- */

static const uint64_t MMIO_READ[6] = { 0x9000018, 2, 7, 0, 0x80040 };

/* Root out of the way; H waits on EP; G runs its guest (its vCPU loaded). */
static void guest_running(void)
{
	cast();
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	arch_regs_set_pc(&G->regs, 0x80040);
}

/* G exits with MMIO_READ, through the fastpath if `fast`, as trap.c does. */
static struct tcb *exit_as_trap(bool fast, bool *took_fast)
{
	struct tcb *next;
	kernel_enter(G, false);
	next = fast ? kernel_fastpath_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5) : NULL;
	*took_fast = next != NULL;
	if (next) {
		arch_lock_release();
		return next;
	}
	vcpu_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5);
	return fx_kernel_exit();
}

/* H answers with reply_recv (label, MR0..MR2) on EP, fastpath first if `fast`. */
static struct tcb *reply_recv_as_trap(bool fast, uint64_t label, uint64_t mr0, uint64_t mr1,
				      uint64_t mr2, bool *took_fast)
{
	uint64_t *r = fx_regs(H);
	struct tcb *next;
	r[0] = EP;
	r[1] = keel_msginfo(label, 3);
	r[2] = mr0, r[3] = mr1, r[4] = mr2;
	kernel_enter(H, true);
	next = fast ? kernel_fastpath(KEEL_SYS_REPLY_RECV, H) : NULL;
	*took_fast = next != NULL;
	if (next) {
		arch_lock_release();
		return next;
	}
	kernel_syscall(KEEL_SYS_REPLY_RECV);
	return fx_kernel_exit();
}

/* Run twice (general path, then fastpath): same outcome, and the fast run
 * really is fast. The VMM runs with the guest's state held, not in guest
 * mode; the RESUME brings it back into guest mode without a flush. */
START_TEST(exit_and_resume_fastpath_match_the_general_path)
{
	bool fast = _i == 1, took;
	uint64_t *h;
	guest_running();
	ck_assert_ptr_eq(exit_as_trap(fast, &took), H);
	ck_assert(took == fast);
	h = fx_regs(H);
	ck_assert_uint_eq(h[0], KEEL_OK);
	ck_assert_uint_eq(keel_msg_label(h[1]), KEEL_EXIT_MMIO);
	ck_assert_uint_eq(keel_msg_len(h[1]), 6); /* MR5: the exit's sequence number */
	ck_assert(memcmp(h + 2, MMIO_READ, 5 * sizeof(uint64_t)) == 0);
	ck_assert_uint_ne(h[7], 0);
	ck_assert_uint_eq(G->state, TS_BLOCKED_REPLY);
	ck_assert_uint_eq(G->fault_pending, 1);
	ck_assert_ptr_eq(H->reply_to, G);
	ck_assert_ptr_eq(G->reply_from, H);
	ck_assert_ptr_eq(fx_cpu(0)->current, H);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	ck_assert(!fake_arch.vcpu_in_guest[0]);

	fake_arch.vcpu_flushes = 0;
	ck_assert_ptr_eq(reply_recv_as_trap(fast, KEEL_VCPU_RESUME,
					    KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, 7, 0x77,
					    &took), G);
	ck_assert(took == fast);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80044);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x77);
	ck_assert_uint_eq(G->fault_pending, 0);
	ck_assert_uint_eq(G->state, TS_READY);
	ck_assert_ptr_null(H->reply_to);
	ck_assert_ptr_null(G->reply_from);
	ck_assert_uint_eq(H->state, TS_BLOCKED_RECV);
	ck_assert_ptr_eq(fx_ep(EP)->queue.head, H);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	ck_assert(fake_arch.vcpu_in_guest[0]);
	ck_assert_uint_eq(fake_arch.vcpu_flushes, 0);
}
END_TEST


/* G's vCPU routes 0x9000000..0x9000fff to EP2, where device server S
 * waits (with post: its post page PAGE and notification PN too); the VMM
 * H waits on EP; G runs. */
static struct tcb *routed_guest_running_with(bool post)
{
	struct tcb *S;
	cast();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP2, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, PAGE, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, PN, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2,
				   post ? PAGE : 0, post ? PN : 0), KEEL_OK);
	S = fx_thread(S_SLOT, 100, S_SLOT + 1, true);
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	fx_trap(S, KEEL_SYS_RECV, EP2, 0, NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	arch_regs_set_pc(&G->regs, 0x80040);
	return S;
}

static struct tcb *routed_guest_running(void)
{
	return routed_guest_running_with(false);
}

/* A routed access reaches the device server, not the VMM, as an exit
 * whose MR0 is the offset in the window and MR5 a sequence number; when
 * the server stops before replying, the same exit (same number) waits
 * on the route again, ahead of later senders, and the restarted server
 * answers the vCPU. Through the fastpath and the general path: the
 * fastpath once kept no copy of the message to send again. */
START_TEST(routed_exit_reaches_its_server_and_is_resent_when_it_stops)
{
	bool fast = _i == 1, took;
	struct tcb *S = routed_guest_running();
	uint64_t *s, seq;
	ck_assert_ptr_eq(exit_as_trap(fast, &took), S);
	ck_assert(took == fast);
	ck_assert_uint_eq(H->state, TS_BLOCKED_RECV); /* the VMM saw nothing */
	s = fx_regs(S);
	ck_assert_uint_eq(keel_msg_label(s[1]), KEEL_EXIT_MMIO);
	ck_assert_uint_eq(keel_msg_len(s[1]), 6);
	ck_assert_uint_eq(s[2], 0x18);
	ck_assert(memcmp(s + 3, MMIO_READ + 1, 4 * sizeof(uint64_t)) == 0);
	seq = s[7];
	ck_assert_uint_ne(seq, 0);

	tcb_suspend(S); /* crashed; root restarts it */
	ck_assert_uint_eq(G->state, TS_BLOCKED_SEND);
	ck_assert_ptr_eq(fx_ep(EP2)->queue.head, G);
	ck_assert_ptr_null(S->reply_to);
	memset(s, 0, 8 * sizeof(uint64_t));
	tcb_resume(S);
	fx_trap(S, KEEL_SYS_RECV, EP2, 0, NULL);
	ck_assert_uint_eq(s[2], 0x18);
	ck_assert_uint_eq(s[7], seq);
	ck_assert_ptr_eq(S->reply_to, G);

	vmm_replies_from(S, KEEL_VCPU_RESUME, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, 7, 0x5a);
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x5a);
	ck_assert_uint_eq(arch_regs_pc(&G->regs), 0x80044);
	ck_assert_uint_eq(G->state, TS_READY);
}
END_TEST

/* A data abort the server answers names the offset; the guest sees the
 * guest-physical address. Exits outside every route go to the VMM. */
START_TEST(routed_exit_abort_and_unrouted_exits)
{
	bool took;
	struct tcb *S = routed_guest_running();
	static const uint64_t gicd[6] = { 0x8000000, 2, 7, 0, 0x80040 };
	ck_assert_ptr_eq(exit_as_trap(false, &took), S);
	vmm_replies_from(S, KEEL_VCPU_INJECT_DABT, 0x18, 0, 0);
	ck_assert_uint_eq(vcpu(V)->arch.dabts, 1);
	ck_assert_uint_eq(vcpu(V)->arch.exc_addr, 0x9000018);
	fx_run(G);
	vcpu_exit(G, KEEL_EXIT_MMIO, gicd, 5);
	ck_assert_ptr_eq(G->reply_from, H);
	ck_assert_uint_eq(fx_regs(H)[2], 0x8000000);
}
END_TEST

START_TEST(set_route_checks_its_arguments)
{
	cast();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP2, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 1, 0x9000800, 0x1000, EP2),
			 KEEL_E_INVALID_ARG); /* overlaps route 0 */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000800, 0x1000, EP2),
			 KEEL_OK); /* route 0 itself moves */
	ck_assert_int_eq(FX_INVOKE(V_RO, KEEL_VCPU_SET_ROUTE, 1, 0xa000000, 0x200, EP2),
			 KEEL_E_NO_RIGHTS);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, KEEL_VCPU_ROUTES, 0xa000000, 0x200, EP2),
			 KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 1, 0xa000000, 0, EP2),
			 KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 1, 0xa000000, 0x200, V),
			 KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0, 0, 0), KEEL_OK); /* cleared */
	ck_assert_uint_eq(vcpu(V)->route[0].type, KEEL_OBJ_NULL);
}
END_TEST

/* Route 0 with a post page for FR (0x18) and DR (0): the page S set up. */
static struct keel_post_page *posting_guest_running(struct tcb **S)
{
	struct keel_post_page *p;
	*S = routed_guest_running_with(true);
	p = (struct keel_post_page *)(uintptr_t)fx_slot(PAGE)->obj;
	*p = (struct keel_post_page){ .ready = KEEL_POST_READY, .read_off = 0x18,
				      .read_val = 0x1990, .post_off = 0 };
	return p;
}

/* G's access at off (MR1 flags | log2 width, MR3 value) with pc 0x80040;
 * true if the kernel answered it (G still runs, its pc past the access). */
static bool posted(uint64_t off, uint64_t flags, uint64_t val)
{
	const uint64_t m[6] = { 0x9000000 + off, flags, 7, val, 0x80040 };
	arch_regs_set_pc(&G->regs, 0x80040);
	fx_run(G);
	vcpu_exit(G, KEEL_EXIT_MMIO, m, 5);
	return G->state == TS_READY && arch_regs_pc(&G->regs) == 0x80044;
}

/* The kernel answers FR reads from the page (the width's bytes) and
 * queues DR writes (value and size) without the server, arming the
 * server's notification once (a sign-extending read as its register
 * takes it); anything else, an 8-byte access, a full queue or a page not
 * ready goes to the server. */
START_TEST(post_page_answers_fr_and_queues_dr)
{
	struct tcb *S;
	struct keel_post_page *p = posting_guest_running(&S);
	struct notification *n = (struct notification *)(uintptr_t)fx_slot(PN)->obj;
	ck_assert(posted(0x18, 1, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x1990);
	ck_assert_uint_eq(n->deadline, 0);
	ck_assert(posted(0x18, 0, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x90);
	ck_assert_uint_eq(p->reads, 2);
	ck_assert_uint_ne(n->deadline, 0); /* polling: the server hears of it */
	ck_assert(posted(0, KEEL_MMIO_WRITE, 0x1241));
	ck_assert_uint_eq(p->reads, 0);
	ck_assert(posted(0, KEEL_MMIO_WRITE | 1, 0xffff0a0d));
	ck_assert_uint_eq(p->head, 2);
	ck_assert_uint_eq(p->post[0], 0x41 | 1ull << 32);
	ck_assert_uint_eq(p->post[1], 0x0a0d | 2ull << 32);
	ck_assert_uint_ne(n->deadline, 0); /* the server hears within KEEL_POST_SIGNAL_MS */
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
	ck_assert_uint_eq(H->state, TS_BLOCKED_RECV);
	/* a sign-extending load (riscv's LW, Linux's readl there) takes the
	 * value as its register would: to 64 bits, or 32 for a W register */
	p->read_val = 0x8000a5f0;
	ck_assert(posted(0x18, 2 | KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0xffffffff8000a5f0ull);
	ck_assert(posted(0x18, 0 | KEEL_MMIO_SIGN_EXTEND, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0xfffffff0ull);
	ck_assert(posted(0x18, 1 | KEEL_MMIO_SIGN_EXTEND | KEEL_MMIO_REG64, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0xffffffffffffa5f0ull);
	ck_assert(posted(0x18, 2 | KEEL_MMIO_REG64, 0));
	ck_assert_uint_eq(arch_regs_get(&G->regs, 7), 0x8000a5f0ull);
	/* sizes: bit n answers 2^n bytes (a 16550's one-byte registers) */
	p->sizes = 1;
	ck_assert(posted(0x18, 0, 0));
	ck_assert(posted(0, KEEL_MMIO_WRITE, 0x42));
	ck_assert_uint_eq(p->post[2], 0x42 | 1ull << 32);
	ck_assert(!posted(0x18, 3, 0)); /* 8 bytes: to S */
	ck_assert_ptr_eq(S->reply_to, G);
}
END_TEST

/* A queued write arms the server's notification by itself. */
START_TEST(post_page_write_signals_the_server)
{
	struct tcb *S;
	struct keel_post_page *p = posting_guest_running(&S);
	struct notification *n = (struct notification *)(uintptr_t)fx_slot(PN)->obj;
	ck_assert_uint_eq(n->deadline, 0);
	ck_assert(posted(0, KEEL_MMIO_WRITE, 0x41));
	ck_assert_uint_eq(p->head, 1);
	ck_assert_uint_ne(n->deadline, 0);
	ck_assert_uint_eq(S->state, TS_BLOCKED_RECV);
}
END_TEST

START_TEST(post_page_sends_the_rest_to_the_server)
{
	struct tcb *S;
	struct keel_post_page *p = posting_guest_running(&S);
	switch (_i) {
	case 0: ck_assert(!posted(0x30, 2, 0)); break;              /* another register */
	case 1: ck_assert(!posted(0x18, 3, 0)); break;              /* 8 bytes */
	case 2: p->head = 300, p->tail = 300 - KEEL_POST_SLOTS;     /* full */
		ck_assert(!posted(0x18, 2, 0)); break;
	case 3: p->ready = 0; ck_assert(!posted(0, KEEL_MMIO_WRITE, 1)); break;
	case 4: p->tail = p->head + 1; ck_assert(!posted(0, KEEL_MMIO_WRITE, 1)); break; /* garbage */
	case 5: p->sizes = 1; ck_assert(!posted(0x18, 2, 0)); break; /* a size it leaves out */
	default: p->sizes = 1 | 4; ck_assert(!posted(0, KEEL_MMIO_WRITE | 1, 1)); break;
	}
	ck_assert_ptr_eq(S->reply_to, G);
	ck_assert_uint_eq(G->state, TS_BLOCKED_REPLY);
}
END_TEST

/* Both or neither; a RAM frame and a notification; KEEL_VCPU_POSTS
 * routes per vCPU; setting the route again without them drops them. */
START_TEST(set_route_checks_its_post_page)
{
	cast();
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP2, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_FRAME, 0, PAGE, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_NOTIFICATION, 0, PN, 1), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2, PAGE, 0),
			 KEEL_E_INVALID_ARG);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2, PN, PN),
			 KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2, PAGE, PAGE),
			 KEEL_E_WRONG_TYPE);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2, PAGE, PN),
			 KEEL_OK);
	ck_assert_uint_eq(vcpu(V)->post_route[0], 1);
	for (unsigned r = 1; r < KEEL_VCPU_POSTS; r++) /* a disk's beside the console's */
		ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, r, 0xa000000 + 0x200 * r, 0x200,
					   EP2, PAGE, PN), KEEL_OK);
	ck_assert_uint_eq(vcpu(V)->post_route[KEEL_VCPU_POSTS - 1], KEEL_VCPU_POSTS);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, KEEL_VCPU_POSTS, 0xb000000, 0x200, EP2,
				   PAGE, PN), KEEL_E_BUSY); /* one more */
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, 0, 0x9000000, 0x1000, EP2, 0, 0),
			 KEEL_OK);
	ck_assert_uint_eq(vcpu(V)->post_route[0], 0);
	ck_assert_uint_eq(vcpu(V)->post_page[0].type, KEEL_OBJ_NULL);
	ck_assert_uint_eq(vcpu(V)->post_ntfn[0].type, KEEL_OBJ_NULL);
	ck_assert_int_eq(FX_INVOKE(V, KEEL_VCPU_SET_ROUTE, KEEL_VCPU_POSTS, 0xb000000, 0x200, EP2,
				   PAGE, PN), KEEL_OK); /* the freed slot */
	ck_assert_uint_eq(vcpu(V)->post_route[0], KEEL_VCPU_POSTS + 1);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, PAGE), KEEL_OK);
	for (unsigned p = 0; p < KEEL_VCPU_POSTS; p++) /* the copies went with it */
		ck_assert_uint_eq(vcpu(V)->post_page[p].type, KEEL_OBJ_NULL);
}
END_TEST

START_TEST(exit_fastpath_declines_unless_the_vmm_waits_here)
{
	struct fx_snapshot *snap;
	guest_running();
	/* the VMM is not waiting */
	fx_ep(EP)->queue.head = NULL, fx_ep(EP)->queue.tail = NULL;
	fx_ep(EP)->state = EP_IDLE;
	snap = fx_snapshot_take();
	kernel_enter(G, false);
	ck_assert_ptr_null(kernel_fastpath_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5));
	arch_lock_release();
	ck_assert(fx_snapshot_same(snap));
	/* it waits, but on another CPU */
	fx_ep(EP)->queue.head = fx_ep(EP)->queue.tail = H;
	fx_ep(EP)->state = EP_RECV;
	H->cpu = 1;
	snap = fx_snapshot_take();
	kernel_enter(G, false);
	ck_assert_ptr_null(kernel_fastpath_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5));
	arch_lock_release();
	ck_assert(fx_snapshot_same(snap));
	H->cpu = 0;
}
END_TEST

/* Replies that change the vCPU's own state (WAIT reads its timer, an
 * injected abort writes its EL1 registers, SP_EL1 is one) need its memory
 * copy: the fastpath leaves them to vcpu_reply, which flushes first. */
START_TEST(reply_recv_fastpath_declines_what_needs_the_vcpu_state)
{
	static const uint64_t declined[][4] = {
		{ KEEL_VCPU_WAIT, 0, 0, 0 },
		{ KEEL_VCPU_INJECT_DABT, 0x9000018, 0, 0 },
		{ KEEL_VCPU_INJECT_UNDEF, 0, 0, 0 },
		{ KEEL_VCPU_RESUME, KEEL_RESUME_WRITE_REG, KEEL_VREG_SP_EL1, 0x5000 },
		{ KEEL_VCPU_STOP, 0, 0, 0 },
	};
	for (unsigned i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		struct fx_snapshot *snap;
		uint64_t *r;
		bool took;
		if (i) { /* a fresh cast for each reply */
			fx_teardown();
			fx_setup();
		}
		guest_running();
		ck_assert_ptr_eq(exit_as_trap(true, &took), H);
		r = fx_regs(H);
		r[0] = EP;
		r[1] = keel_msginfo(declined[i][0], 3);
		r[2] = declined[i][1], r[3] = declined[i][2], r[4] = declined[i][3];
		snap = fx_snapshot_take();
		kernel_enter(H, true);
		ck_assert_ptr_null(kernel_fastpath(KEEL_SYS_REPLY_RECV, H));
		arch_lock_release();
		ck_assert_msg(fx_snapshot_same(snap), "reply %u changed state", i);
		/* the general path then flushes before touching the vCPU */
		kernel_enter(H, true);
		kernel_syscall(KEEL_SYS_REPLY_RECV);
		ck_assert_ptr_null(fake_arch.loaded_vcpu[0]);
		fx_kernel_exit();
	}
}
END_TEST

/* G's vCPU stays held by CPU 1 after G exits to its VMM on CPU 0 (CPU 1
 * goes idle). Reading its SP_EL1 from CPU 0 must fetch the state from
 * CPU 1 (the fake panics on a held vCPU's memory copy), without taking
 * CPU 1's current thread away as a stall would. */
START_TEST(invocation_flushes_a_vcpu_held_by_another_cpu)
{
	uint64_t mr[6] = { KEEL_VREG_SP_EL1 };
	struct arch_vcpu *a;
	cast();
	a = &vcpu(V)->arch;
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL); /* on CPU 0 */
	fake_arch.cpu = 1;
	vcpu_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5);
	ck_assert_ptr_eq(fx_kernel_exit(), &fx_cpu(1)->idle);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[1], a);
	ck_assert(fake_arch.vcpu_in_guest[1]); /* idle keeps guest mode */
	fx_cpu(1)->resched = false;
	fx_run(fx.root);
	ck_assert_int_eq(fx_invoke(V, KEEL_VCPU_READ_REG, mr), KEEL_OK);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[1]);
	ck_assert_ptr_eq(fx_cpu(1)->current, &fx_cpu(1)->idle);
	ck_assert(!fx_cpu(1)->resched);
	ck_assert_uint_eq(G->state, TS_BLOCKED_REPLY);
}
END_TEST

/* G exits to H (both CPU 0) and its vCPU stays held by CPU 0; then G is
 * moved to CPU 1 and resumed. CPU 1 must load a current memory copy: the
 * move flushed CPU 0 (the fake panics when a vCPU held by one CPU is
 * loaded on another). And back again, flushed from CPU 1 remotely. */
START_TEST(migrating_a_held_vcpu_flushes_it_first)
{
	struct arch_vcpu *a;
	bool took;
	guest_running();
	a = &vcpu(V)->arch;
	ck_assert_ptr_eq(exit_as_trap(true, &took), H);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], a);
	vmm_replies(KEEL_VCPU_RESUME, KEEL_RESUME_SKIP, 0, 0);
	tcb_resume(fx.root); /* guest_running suspended it */
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 1), KEEL_OK);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[0]);
	fake_arch.cpu = 1;
	kernel_resched_ipi();
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[1], a);
	/* G exits to H on CPU 0; CPU 1 idles, still holding the vCPU */
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	fake_arch.cpu = 1;
	vcpu_exit(G, KEEL_EXIT_MMIO, MMIO_READ, 5);
	ck_assert_ptr_eq(fx_kernel_exit(), &fx_cpu(1)->idle);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[1], a);
	fake_arch.cpu = 0;
	vmm_replies(KEEL_VCPU_RESUME, KEEL_RESUME_SKIP, 0, 0);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_AFFINITY, 0), KEEL_OK);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[1]);
	fx_trap(H, KEEL_SYS_RECV, EP, 0, NULL);
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	ck_assert_ptr_eq(fx_kernel_exit(), G);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], a);
}
END_TEST

/* Root suspends itself; the kernel leaves to the thread it picks. */
static struct tcb *root_steps_aside(void)
{
	fx_trap(fx.root, KEEL_SYS_CALL, KEEL_ROOT_TCB, keel_msginfo(KEEL_TCB_SUSPEND, 0), NULL);
	return fx_kernel_exit();
}

/* A thread made, configured and given priority, not yet bound or resumed. */
static void bare_guest_thread(void)
{
	ck_assert_int_eq(fx_retype(KEEL_OBJ_ENDPOINT, 0, EP, 1), KEEL_OK);
	ck_assert_int_eq(fx_retype(KEEL_OBJ_VCPU, 0, V, 2), KEEL_OK);
	G = fx_thread(G_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_CONFIGURE, EP, KEEL_ROOT_CNODE,
				   KEEL_ROOT_VSPACE, 0, 0), KEEL_OK);
}

/* Issue 16's probe: bind, unbind, resume. The thread had the guest's
 * PSTATE; on aarch64 the return panicked the kernel (the fake arch's
 * arch_return_to checks the same). Unbound, it is a blank user thread. */
START_TEST(unbound_thread_resumes_as_a_user_thread)
{
	bare_guest_thread();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_SET_PRIORITY, 60), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_ptr_null(G->vcpu);
	ck_assert_uint_ne(G->regs.flags, FAKE_GUEST_FLAGS);
	ck_assert_ptr_null(vcpu(V)->tcb);
}
END_TEST

/* Every other order: the vCPU deleted under its thread, the thread deleted
 * under its vCPU, unbind then bind another, bind while bound, unbind
 * twice. Each leaves a consistent pair and a thread that runs. */
START_TEST(deleting_the_vcpu_then_resuming_runs_as_a_user_thread)
{
	bare_guest_thread();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_uint_ne(G->regs.flags, FAKE_GUEST_FLAGS);
}
END_TEST

START_TEST(deleting_the_thread_frees_its_vcpu_for_another)
{
	bare_guest_thread();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(KEEL_ROOT_CNODE, KEEL_CNODE_DELETE, G_SLOT), KEEL_OK);
	ck_assert_ptr_null(vcpu(V)->tcb);
	G = fx_thread(G2_SLOT, 50, 0, false);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_ptr_eq(vcpu(V)->tcb, G);
	ck_assert_int_eq(FX_INVOKE(G2_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_uint_eq(G->regs.flags, FAKE_GUEST_FLAGS);
}
END_TEST

START_TEST(rebinding_after_unbind_enters_the_guest_again)
{
	bare_guest_thread();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V2), KEEL_E_BUSY);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, 0), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V2), KEEL_OK);
	ck_assert_ptr_null(vcpu(V)->tcb);
	ck_assert_ptr_eq(vcpu(V2)->tcb, G);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_uint_eq(G->regs.flags, FAKE_GUEST_FLAGS);
}
END_TEST

/* Unbinding a thread that is running its guest takes it off the CPU. */
START_TEST(unbinding_a_running_guest_stops_it)
{
	bare_guest_thread();
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, V), KEEL_OK);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_ptr_eq(fake_arch.loaded_vcpu[0], &vcpu(V)->arch);
	tcb_resume(fx.root);
	fx_run(fx.root);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_BIND_VCPU, 0), KEEL_OK);
	ck_assert_uint_eq(G->state, TS_INACTIVE);
	ck_assert_ptr_null(fake_arch.loaded_vcpu[0]);
	ck_assert_int_eq(FX_INVOKE(G_SLOT, KEEL_TCB_RESUME, 0), KEEL_OK);
	ck_assert_ptr_eq(root_steps_aside(), G);
	ck_assert_uint_ne(G->regs.flags, FAKE_GUEST_FLAGS);
}
END_TEST

Suite *suite_vcpu(void)
{
	TCase *tc;
	Suite *s = fx_suite("vcpu", &tc);
	tcase_add_test(tc, new_vcpu_is_initialised_by_the_arch);
	tcase_add_test(tc, binding_is_one_to_one);
	tcase_add_test(tc, registers_through_invocations);
	tcase_add_test(tc, reset_returns_the_vcpu_to_its_initial_state);
	tcase_add_test(tc, unbound_vcpu_general_register_reads_nothing);
	tcase_add_test(tc, injected_interrupts_fill_list_registers);
	tcase_add_test(tc, exit_reaches_vmm_and_resume_applies_flags);
	tcase_add_test(tc, vmm_reply_actions);
	tcase_add_test(tc, reply_write_of_zero_register_writes_nothing);
	tcase_add_test(tc, wait_parks_until_the_virtual_timer);
	tcase_add_test(tc, wait_with_an_interrupt_pending_runs_on);
	tcase_add_test(tc, injected_interrupt_wakes_a_parked_vcpu);
	tcase_add_test(tc, suspending_a_parked_vcpu_unparks_it);
	tcase_add_test(tc, parked_vcpu_follows_its_affinity);
	tcase_add_test(tc, running_the_guest_loads_its_vcpu);
	tcase_add_test(tc, deleting_the_vcpu_stops_its_thread);
	tcase_add_test(tc, deleting_a_vcpu_loaded_on_another_cpu);
	tcase_add_test(tc, injecting_into_a_vcpu_running_elsewhere_keeps_it_runnable);
	tcase_add_loop_test(tc, exit_and_resume_fastpath_match_the_general_path, 0, 2);
	tcase_add_loop_test(tc, routed_exit_reaches_its_server_and_is_resent_when_it_stops, 0, 2);
	tcase_add_test(tc, routed_exit_abort_and_unrouted_exits);
	tcase_add_test(tc, set_route_checks_its_arguments);
	tcase_add_test(tc, exit_fastpath_declines_unless_the_vmm_waits_here);
	tcase_add_test(tc, reply_recv_fastpath_declines_what_needs_the_vcpu_state);
	tcase_add_test(tc, invocation_flushes_a_vcpu_held_by_another_cpu);
	tcase_add_test(tc, migrating_a_held_vcpu_flushes_it_first);
	tcase_add_test(tc, unbound_thread_resumes_as_a_user_thread);
	tcase_add_test(tc, deleting_the_vcpu_then_resuming_runs_as_a_user_thread);
	tcase_add_test(tc, deleting_the_thread_frees_its_vcpu_for_another);
	tcase_add_test(tc, rebinding_after_unbind_enters_the_guest_again);
	tcase_add_test(tc, unbinding_a_running_guest_stops_it);
	tcase_add_test(tc, post_page_answers_fr_and_queues_dr);
	tcase_add_test(tc, post_page_write_signals_the_server);
	tcase_add_test(tc, wfi_parks_without_the_vmm);
	tcase_add_test(tc, wfi_after_no_room_goes_to_the_vmm);
	tcase_add_test(tc, wfi_keeps_the_vcpu_held_through_idle);
	tcase_add_loop_test(tc, post_page_sends_the_rest_to_the_server, 0, 7);
	tcase_add_test(tc, set_route_checks_its_post_page);
	return s;
}
