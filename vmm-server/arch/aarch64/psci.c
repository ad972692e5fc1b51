/*
 * Firmware calls (Arm DEN 0022 PSCI 1.1 and DEN 0028 SMCCC 1.1), the same
 * whether the guest uses HVC or SMC. The function id is w0; 32-bit
 * functions (0x84..) and their 64-bit twins (0xc4..) are one call here
 * (a 32-bit call's arguments are cut to 32 bits).
 *
 *   id          call                 answer
 *   0x84000000  PSCI_VERSION         0x00010001 (1.1)
 *   0x84000001  CPU_SUSPEND          SUCCESS, after waiting as WFI does
 *   0x84000002  CPU_OFF              the calling vCPU stops (no return)
 *   0x84000003  CPU_ON               x1 MPIDR, x2 entry, x3 context id:
 *                                    SUCCESS and the vCPU starts at entry
 *                                    (EL1h, DAIF masked, x0 = context id);
 *                                    ALREADY_ON; INVALID_PARAMETERS (no
 *                                    such MPIDR); INVALID_ADDRESS (entry
 *                                    not in RAM)
 *   0x84000004  AFFINITY_INFO        x1 MPIDR, x2 level (0 only): ON (0)
 *                                    or OFF (1)
 *   0x84000006  MIGRATE_INFO_TYPE    2: no Trusted OS to migrate
 *   0x84000008  SYSTEM_OFF           the VM stops
 *   0x84000009  SYSTEM_RESET         the VM stops; root rebuilds it
 *   0x8400000a  PSCI_FEATURES        0 for the calls above, else NOT_SUPPORTED
 *   0x80000000  SMCCC_VERSION        0x00010001 (1.1)
 *   0x80000001  SMCCC_ARCH_FEATURES  NOT_SUPPORTED (no workaround calls:
 *                                    the default answer)
 *   anything else                    NOT_SUPPORTED (-1)
 *
 * vCPU i has MPIDR affinity Aff0 = i (main.c sets KEEL_VREG_MPIDR).
 */
#include "aarch64_vmm.h"

#define PSCI_1_1 0x00010001u
#define RET_INVALID_PARAMS ((uint64_t)-2)
#define RET_ALREADY_ON ((uint64_t)-4)
#define RET_INVALID_ADDRESS ((uint64_t)-9)
#define AFF_ON 0u
#define AFF_OFF 1u
#define MPIDR_AFF_MASK 0xff00ffffffull

/* The vCPU with this MPIDR affinity, or ncpus if none. */
static unsigned psci_vcpu(const struct vmm *vm, uint64_t mpidr)
{
	mpidr &= MPIDR_AFF_MASK;
	return mpidr < vm->ncpus ? (unsigned)mpidr : vm->ncpus;
}

static uint64_t psci_cpu_on(struct vmm *vm, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	unsigned t = psci_vcpu(vm, mpidr);
	if (t == vm->ncpus)
		return RET_INVALID_PARAMS;
	if (vm->power[t] == VMM_CPU_ON)
		return RET_ALREADY_ON;
	if (entry < vm->ram_base || entry - vm->ram_base >= vm->ram_size || (entry & 3))
		return RET_INVALID_ADDRESS;
	if (!vm->ops->cpu_on(vm, t, entry, ctx))
		return RET_INVALID_PARAMS; /* cannot happen with root's slots */
	vm->power[t] = VMM_CPU_ON;
	vmm_arch_irq_kick(vm, t); /* what became pending while it was off */
	return 0;
}

static uint64_t psci_affinity(const struct vmm *vm, uint64_t mpidr, uint64_t level)
{
	unsigned t = psci_vcpu(vm, mpidr);
	if (t == vm->ncpus || level != 0)
		return RET_INVALID_PARAMS; /* levels above 0 are optional (PSCI 1.0) */
	return vm->power[t] == VMM_CPU_ON ? AFF_ON : AFF_OFF;
}

struct psci_answer psci_call(struct vmm *vm, uint32_t fn, const uint64_t *x)
{
	struct psci_answer r = { PSCI_RETURN, 0 };
	uint64_t a[4] = { x[0], x[1], x[2], x[3] };
	if (!((uint32_t)x[0] & PSCI_SMC64))
		for (unsigned i = 1; i < 4; i++)
			a[i] = (uint32_t)a[i];
	switch (fn) {
	case PSCI_FN_PSCI_VERSION: case PSCI_FN_SMCCC_VERSION: r.ret = PSCI_1_1; break;
	case PSCI_FN_CPU_SUSPEND: r.action = PSCI_WAIT; break;
	case PSCI_FN_CPU_OFF: r.action = PSCI_CPU_OFF; break;
	case PSCI_FN_CPU_ON: r.ret = psci_cpu_on(vm, a[1], a[2], a[3]); break;
	case PSCI_FN_AFFINITY_INFO: r.ret = psci_affinity(vm, a[1], a[2]); break;
	case PSCI_FN_MIGRATE_INFO_TYPE: r.ret = 2; break;
	case PSCI_FN_PSCI_FEATURES:
		r.ret = psci_known(psci_fn((uint32_t)x[1])) ? 0 : PSCI_NOT_SUPPORTED;
		break;
	case PSCI_FN_SYSTEM_OFF: r.action = PSCI_SYSTEM_OFF; break;
	case PSCI_FN_SYSTEM_RESET: r.action = PSCI_SYSTEM_RESET; break;
	default: r.ret = PSCI_NOT_SUPPORTED; break;
	}
	return r;
}
