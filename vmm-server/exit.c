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

/* A firmware call: x0 gets the result; SYSTEM_OFF/RESET stop the VM. */
static void firmware_call(struct vmm *vm, const uint64_t *mr, uint64_t skip,
			  struct vmm_reply *r)
{
	uint64_t ret;
	enum psci_action act = psci_call(mr, &ret);
	if (act == PSCI_RETURN) {
		reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, ret);
		return;
	}
	vm->stopped = act == PSCI_SYSTEM_OFF ? KEEL_VM_STOP_OFF : KEEL_VM_STOP_RESET;
	r->label = KEEL_VCPU_STOP;
}

/* The exception return address of an HVC is already past it. */
static void exit_hvc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)cpu;
	firmware_call(vm, mr, 0, r);
}

/* A trapped SMC reports the SMC itself: step past it. */
static void exit_smc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)cpu;
	firmware_call(vm, mr, KEEL_RESUME_SKIP, r);
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

/* Trapped system registers (implementation-defined ones, HCR_EL2.TIDCP)
 * read as zero and ignore writes. MR0 bit 0 is ESR's direction: 1 = read. */
static void exit_sysreg(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)vm, (void)cpu;
	if (mr[0] & 1)
		reply_resume(r, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, mr[2] & 31, 0);
	else
		reply_resume(r, KEEL_RESUME_SKIP, 0, 0);
}

static void exit_undef(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)vm, (void)cpu, (void)mr;
	r->label = KEEL_VCPU_INJECT_UNDEF;
}

/* No maintenance interrupt is asked for yet; one that comes changes nothing. */
static void exit_maint(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct vmm_reply *r)
{
	(void)vm, (void)cpu, (void)mr;
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
}
