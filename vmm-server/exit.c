/*
 * Exits: one handler per exit label (keel/abi.h, KEEL_EXIT_*), picked
 * from a full table whose default is an undefined-instruction exception
 * for the guest. A handler only builds the reply; main.c sends it.
 */
#include <string.h>

#include "vmm.h"

typedef void exit_fn(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r);

static void reply_resume(struct vmm_reply *r, uint64_t flags, uint64_t reg, uint64_t val)
{
	r->label = KEEL_VCPU_RESUME;
	r->mr[0] = flags;
	r->mr[1] = reg;
	r->mr[2] = val;
}

static void exit_mmio(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	struct mmio_access a;
	(void)cpu;
	if (!mmio_decode(mr, &a)) {
		r->label = KEEL_VCPU_INJECT_DABT;
		r->mr[0] = mr[0];
		r->mr[1] = (mr[1] & KEEL_MMIO_WRITE) != 0;
	} else {
		mmio_handle(&vm->map, &a, r);
	}
	if (r->label == KEEL_VCPU_INJECT_DABT)
		vm->aborts++;
}

/* CPU_SUSPEND waits as WFI does, then returns SUCCESS in x0. The WAIT
 * reply steps past the trapped instruction, which is right for an SMC;
 * after an HVC the pc is already past it, so it goes back one first. */
static void firmware_wait(struct vmm *vm, unsigned cpu, uint64_t skip, struct vmm_reply *r)
{
	uint64_t pc;
	if (!vm->ops->reg_write(vm, cpu, 0, 0) ||
	    (!skip && (!vm->ops->reg_read(vm, cpu, KEEL_VREG_PC, &pc) ||
		       !vm->ops->reg_write(vm, cpu, KEEL_VREG_PC, pc - 4)))) {
		reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, 0); /* returns at once */
		return;
	}
	r->label = KEEL_VCPU_WAIT;
}

/* A firmware call: x0 gets the result; CPU_OFF stops this vCPU, and
 * SYSTEM_OFF/RESET the VM. */
static void firmware_call(struct vmm *vm, unsigned cpu, const uint64_t *mr, uint64_t skip,
			  struct vmm_reply *r)
{
	uint64_t ret;
	switch (psci_call(vm, cpu, mr, &ret)) {
	case PSCI_RETURN: reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, ret); return;
	case PSCI_WAIT: firmware_wait(vm, cpu, skip, r); return;
	case PSCI_CPU_OFF: vm->power[cpu] = VMM_CPU_OFF; break;
	case PSCI_SYSTEM_OFF: vm->stopped = KEEL_VM_STOP_OFF; break;
	case PSCI_SYSTEM_RESET: vm->stopped = KEEL_VM_STOP_RESET; break;
	}
	r->label = KEEL_VCPU_STOP;
}

/* The exception return address of an HVC is already past it. */
static void exit_hvc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	firmware_call(vm, cpu, mr, 0, r);
}

/* A trapped SMC reports the SMC itself: step past it. */
static void exit_smc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	firmware_call(vm, cpu, mr, KEEL_RESUME_SKIP, r);
}

/* WFI: the kernel parks the vCPU until an interrupt is pending for it (one
 * we inject, or its virtual timer), so an idle guest costs nothing. WFE
 * waits for an event, not an interrupt (a guest spinlock, the counter's
 * event stream): step past it, which the architecture allows. */
static void exit_wfi(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)vm, (void)cpu;
	if (mr[0] == 0)
		r->label = KEEL_VCPU_WAIT;
	else
		reply_resume(r, KEEL_RESUME_SKIP, 0, 0);
}

/* ISS of a trapped MSR/MRS (ESR EC 0x18) without Rt and direction:
 * Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], CRm [4:1]. */
#define SYSREG_ISS(op0, op1, crn, crm, op2) \
	((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (crm) << 1)
#define SYSREG_MASK SYSREG_ISS(3u, 7u, 15u, 15u, 7u)
#define ICC_SGI1R_EL1 SYSREG_ISS(3u, 0u, 12u, 11u, 5u)
#define ICC_ASGI1R_EL1 SYSREG_ISS(3u, 0u, 12u, 11u, 6u)
#define ICC_SGI0R_EL1 SYSREG_ISS(3u, 0u, 12u, 11u, 7u)

/* The guest's SGI registers trap (HCR_EL2.IMO): the vGIC makes the SGI
 * pending on its targets and puts it into each one that can take it,
 * running on another CPU or parked in WFI (the injection wakes it).
 * SGI1R generates group-1 SGIs; SGI0R and ASGI1R (with one security
 * state, the alias of the other group) group-0 ones, which the vGIC
 * never delivers, as KVM does with its group-1-only list registers. */
static void sysreg_sgi(struct vmm *vm, unsigned cpu, uint32_t reg, uint64_t v)
{
	unsigned made = vgic_sgi(&vm->gic, cpu, v, reg == ICC_SGI1R_EL1);
	vm->sgis++;
	for (unsigned c = 0; c < vm->ncpus; c++)
		if ((made >> c) & 1)
			vmm_irq_kick(vm, c);
}

/* Trapped system registers: writes of the SGI generation registers are
 * SGIs; anything else (implementation-defined ones, HCR_EL2.TIDCP) reads
 * as zero and ignores writes. MR0 bit 0 is ESR's direction: 1 = read. */
static void exit_sysreg(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	uint32_t reg = (uint32_t)mr[0] & SYSREG_MASK;
	bool read = mr[0] & 1;
	if (!read && (reg == ICC_SGI1R_EL1 || reg == ICC_ASGI1R_EL1 || reg == ICC_SGI0R_EL1))
		sysreg_sgi(vm, cpu, reg, mr[1]);
	if (read)
		reply_resume(r, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, mr[2] & 31, 0);
	else
		reply_resume(r, KEEL_RESUME_SKIP, 0, 0);
}

static void exit_undef(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)vm, (void)cpu, (void)mr;
	r->label = KEEL_VCPU_INJECT_UNDEF;
}

/* The guest finished interrupts the VMM injected (all with EOI
 * notification): MR0 = how many, MR1.. their INTIDs. Lines still high and
 * edges that came meanwhile go in again (exit_handle's kick). */
static void exit_maint(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	for (uint64_t i = 0; i < mr[0] && i < 5; i++)
		vmm_irq_eoi(vm, cpu, (unsigned)mr[1 + i]);
	reply_resume(r, 0, 0, 0);
}

/* A stage-2 abort we cannot emulate (no syndrome: a load/store pair, or
 * an instruction fetch) still gets an abort at its address; anything else
 * unknown is an undefined instruction. */
static void exit_unknown(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	if (mr[2] == 0) {
		exit_undef(vm, cpu, mr, r);
		return;
	}
	r->label = KEEL_VCPU_INJECT_DABT;
	r->mr[0] = mr[2];
	r->mr[1] = (mr[0] >> 6) & 1; /* ESR WnR */
	vm->aborts++;
}

static exit_fn *const exit_table[] = {
	[KEEL_EXIT_MMIO - KEEL_EXIT_MMIO] = exit_mmio,
	[KEEL_EXIT_HVC - KEEL_EXIT_MMIO] = exit_hvc,
	[KEEL_EXIT_SMC - KEEL_EXIT_MMIO] = exit_smc,
	[KEEL_EXIT_WFI - KEEL_EXIT_MMIO] = exit_wfi,
	[KEEL_EXIT_SYSREG - KEEL_EXIT_MMIO] = exit_sysreg,
	[KEEL_EXIT_UNKNOWN - KEEL_EXIT_MMIO] = exit_unknown,
	[KEEL_EXIT_MAINT - KEEL_EXIT_MMIO] = exit_maint,
};

void exit_handle(struct vmm *vm, unsigned cpu, uint64_t label, const uint64_t *mr,
		 struct vmm_reply *r)
{
	uint64_t i = label - KEEL_EXIT_MMIO;
	exit_fn *fn = exit_undef;
	if (label >= KEEL_EXIT_MMIO && i < sizeof(exit_table) / sizeof(exit_table[0]) &&
	    exit_table[i])
		fn = exit_table[i];
	memset(r, 0, sizeof(*r));
	vm->exits++;
	fn(vm, cpu, mr, r);
	/* a chance to fill list registers that were full, or freed by an EOI */
	if (r->label != KEEL_VCPU_STOP &&
	    (label == KEEL_EXIT_MAINT || ((vm->irq_retry >> cpu) & 1)))
		vmm_irq_kick(vm, cpu);
}
