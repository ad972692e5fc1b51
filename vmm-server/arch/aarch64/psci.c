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

enum {
	FN_PSCI_VERSION = 0x84000000, FN_CPU_SUSPEND = 0x84000001, FN_CPU_OFF = 0x84000002,
	FN_CPU_ON = 0x84000003, FN_AFFINITY_INFO = 0x84000004,
	FN_MIGRATE_INFO_TYPE = 0x84000006, FN_SYSTEM_OFF = 0x84000008,
	FN_SYSTEM_RESET = 0x84000009, FN_PSCI_FEATURES = 0x8400000a,
	FN_SMCCC_VERSION = 0x80000000,
};
#define SMC64 0x40000000u /* the 64-bit calling convention bit of an id */
#define PSCI_1_1 0x00010001u
#define RET_NOT_SUPPORTED ((uint64_t)-1)
#define RET_INVALID_PARAMS ((uint64_t)-2)
#define RET_ALREADY_ON ((uint64_t)-4)
#define RET_INVALID_ADDRESS ((uint64_t)-9)
#define AFF_ON 0u
#define AFF_OFF 1u
#define MPIDR_AFF_MASK 0xff00ffffffull

/* The PSCI id with the SMC64 bit folded away (PSCI ids only). */
static uint32_t psci_fn(uint64_t x0)
{
	uint32_t id = (uint32_t)x0;
	return (id & 0xbfffffe0u) == 0x84000000u ? id & ~SMC64 : id;
}

/* fn: as psci_fn gives it */
static bool psci_known(uint32_t fn)
{
	switch (fn) {
	case FN_PSCI_VERSION: case FN_CPU_SUSPEND: case FN_CPU_OFF: case FN_CPU_ON:
	case FN_AFFINITY_INFO: case FN_MIGRATE_INFO_TYPE: case FN_SYSTEM_OFF:
	case FN_SYSTEM_RESET: case FN_PSCI_FEATURES: case FN_SMCCC_VERSION:
		return true;
	default:
		return false;
	}
}

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

enum psci_action psci_call(struct vmm *vm, unsigned cpu, const uint64_t *x, uint64_t *ret)
{
	uint32_t fn = psci_fn(x[0]);
	uint64_t a[4] = { x[0], x[1], x[2], x[3] };
	(void)cpu;
	if (!psci_known(fn)) { /* vendor and hypervisor calls: answered first */
		*ret = RET_NOT_SUPPORTED;
		return PSCI_RETURN;
	}
	if (!((uint32_t)x[0] & SMC64))
		for (unsigned i = 1; i < 4; i++)
			a[i] = (uint32_t)a[i];
	*ret = 0;
	switch (fn) {
	case FN_PSCI_VERSION: case FN_SMCCC_VERSION: *ret = PSCI_1_1; break;
	case FN_CPU_SUSPEND: return PSCI_WAIT;
	case FN_CPU_OFF: return PSCI_CPU_OFF;
	case FN_CPU_ON: *ret = psci_cpu_on(vm, a[1], a[2], a[3]); break;
	case FN_AFFINITY_INFO: *ret = psci_affinity(vm, a[1], a[2]); break;
	case FN_MIGRATE_INFO_TYPE: *ret = 2; break;
	case FN_PSCI_FEATURES: *ret = psci_known(psci_fn((uint32_t)x[1])) ? 0 : RET_NOT_SUPPORTED; break;
	case FN_SYSTEM_OFF: return PSCI_SYSTEM_OFF;
	case FN_SYSTEM_RESET: return PSCI_SYSTEM_RESET;
	default: *ret = RET_NOT_SUPPORTED; break;
	}
	return PSCI_RETURN;
}
