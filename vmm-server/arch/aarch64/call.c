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

/* A call PSCI knows (psci.c): its answer. Out of line, so that the
 * common unknown call (vmm_arch_call's) needs no stack frame. */
static __attribute__((noinline)) void call_known(struct vmm *vm, unsigned cpu, uint32_t fn,
						const uint64_t *mr, uint64_t skip,
						struct keel_msg *r)
{
	struct psci_answer a = psci_call(vm, fn, mr);
	switch (a.action) {
	case PSCI_RETURN: vmm_reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, a.ret); return;
	case PSCI_WAIT: call_wait(vm, cpu, skip, r); return;
	case PSCI_CPU_OFF: vm->power[cpu] = VMM_CPU_OFF; break;
	case PSCI_SYSTEM_OFF: vm->stopped = KEEL_VM_STOP_OFF; break;
	case PSCI_SYSTEM_RESET: vm->stopped = KEEL_VM_STOP_RESET; break;
	}
	r->label = KEEL_VCPU_STOP;
}

void vmm_arch_call(struct vmm *vm, unsigned cpu, const uint64_t *mr, bool at_call,
		   struct keel_msg *r)
{
	uint64_t skip = at_call ? KEEL_RESUME_SKIP : 0;
	uint32_t fn = psci_fn(mr[0]);
	if (psci_known(fn))
		call_known(vm, cpu, fn, mr, skip, r);
	else /* vendor and hypervisor calls */
		vmm_reply_resume(r, KEEL_RESUME_WRITE_REG | skip, 0, PSCI_NOT_SUPPORTED);
}
