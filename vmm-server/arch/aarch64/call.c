/*
 * HVC and SMC exits: the guest's firmware calls (psci.c answers them),
 * turned into the exit's reply. x0 gets the result; CPU_OFF stops this
 * vCPU, and SYSTEM_OFF/RESET the VM.
 */
#include "aarch64_vmm.h"

#define A64_INSN_BYTES 4u

/* CPU_SUSPEND waits as WFI does, then returns SUCCESS in x0. The WAIT
 * reply steps past the trapped instruction, which is right for an SMC;
 * after an HVC the pc is already past it, so it goes back one first. */
static void call_wait(struct vmm *vm, unsigned cpu, uint64_t skip, struct keel_msg *r)
{
	uint64_t pc;
	if (!vm->ops->reg_write(vm, cpu, 0, 0) ||
	    (!skip && (!vm->ops->reg_read(vm, cpu, KEEL_VREG_PC, &pc) ||
		       !vm->ops->reg_write(vm, cpu, KEEL_VREG_PC, pc - A64_INSN_BYTES)))) {
		vmm_reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, 0); /* returns at once */
		return;
	}
	r->label = KEEL_VCPU_WAIT;
}

void vmm_arch_call(struct vmm *vm, unsigned cpu, const uint64_t *mr, bool at_call,
		   struct keel_msg *r)
{
	uint64_t ret, skip = at_call ? KEEL_RESUME_SKIP : 0;
	switch (psci_call(vm, cpu, mr, &ret)) {
	case PSCI_RETURN: vmm_reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, ret); return;
	case PSCI_WAIT: call_wait(vm, cpu, skip, r); return;
	case PSCI_CPU_OFF: vm->power[cpu] = VMM_CPU_OFF; break;
	case PSCI_SYSTEM_OFF: vm->stopped = KEEL_VM_STOP_OFF; break;
	case PSCI_SYSTEM_RESET: vm->stopped = KEEL_VM_STOP_RESET; break;
	}
	r->label = KEEL_VCPU_STOP;
}
