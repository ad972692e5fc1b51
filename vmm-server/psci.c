/*
 * Firmware calls (Arm DEN 0022 PSCI 1.1 and DEN 0028 SMCCC 1.1), the same
 * whether the guest uses HVC or SMC. The function id is w0; 32-bit
 * functions (0x84..) and their 64-bit twins (0xc4..) are one call here.
 *
 *   id          call                 answer
 *   0x84000000  PSCI_VERSION         0x00010001 (1.1)
 *   0x84000002  CPU_OFF              DENIED: the VM has one vCPU so far
 *   0x84000003  CPU_ON               ALREADY_ON for vCPU 0, else INVALID
 *   0x84000004  AFFINITY_INFO        ON for vCPU 0, else INVALID
 *   0x84000006  MIGRATE_INFO_TYPE    2: no Trusted OS to migrate
 *   0x84000008  SYSTEM_OFF           the VM stops
 *   0x84000009  SYSTEM_RESET         the VM stops (reset is a later step)
 *   0x8400000a  PSCI_FEATURES        0 for the calls above, else NOT_SUPPORTED
 *   0x80000000  SMCCC_VERSION        0x00010001 (1.1)
 *   0x80000001  SMCCC_ARCH_FEATURES  NOT_SUPPORTED (no workaround calls:
 *                                    the default answer)
 *   anything else                    NOT_SUPPORTED (-1)
 */
#include "vmm.h"

enum {
	FN_PSCI_VERSION = 0x84000000, FN_CPU_OFF = 0x84000002, FN_CPU_ON = 0x84000003,
	FN_AFFINITY_INFO = 0x84000004, FN_MIGRATE_INFO_TYPE = 0x84000006,
	FN_SYSTEM_OFF = 0x84000008, FN_SYSTEM_RESET = 0x84000009,
	FN_PSCI_FEATURES = 0x8400000a, FN_SMCCC_VERSION = 0x80000000,
};
#define SMC64 0x40000000u /* the 64-bit calling convention bit of an id */
#define PSCI_1_1 0x00010001u
#define RET_NOT_SUPPORTED ((uint64_t)-1)
#define RET_INVALID_PARAMS ((uint64_t)-2)
#define RET_DENIED ((uint64_t)-3)
#define RET_ALREADY_ON ((uint64_t)-4)

/* The PSCI id with the SMC64 bit folded away (PSCI ids only). */
static uint32_t psci_fn(uint64_t x0)
{
	uint32_t id = (uint32_t)x0;
	return (id & 0xbfffffe0u) == 0x84000000u ? id & ~SMC64 : id;
}

static bool psci_known(uint32_t id)
{
	switch (psci_fn(id)) {
	case FN_PSCI_VERSION: case FN_CPU_OFF: case FN_CPU_ON: case FN_AFFINITY_INFO:
	case FN_MIGRATE_INFO_TYPE: case FN_SYSTEM_OFF: case FN_SYSTEM_RESET:
	case FN_PSCI_FEATURES: case FN_SMCCC_VERSION:
		return true;
	default:
		return false;
	}
}

/* vCPU i has MPIDR affinity Aff0 = i (KEEL_VREG_MPIDR, set by main.c). */
static bool psci_is_vcpu0(uint64_t mpidr)
{
	return (mpidr & 0xff00ffffffull) == 0;
}

enum psci_action psci_call(const uint64_t *x, uint64_t *ret)
{
	switch (psci_fn(x[0])) {
	case FN_PSCI_VERSION: case FN_SMCCC_VERSION: *ret = PSCI_1_1; break;
	case FN_CPU_OFF: *ret = RET_DENIED; break;
	case FN_CPU_ON: *ret = psci_is_vcpu0(x[1]) ? RET_ALREADY_ON : RET_INVALID_PARAMS; break;
	case FN_AFFINITY_INFO: *ret = psci_is_vcpu0(x[1]) ? 0 : RET_INVALID_PARAMS; break;
	case FN_MIGRATE_INFO_TYPE: *ret = 2; break;
	case FN_PSCI_FEATURES: *ret = psci_known((uint32_t)x[1]) ? 0 : RET_NOT_SUPPORTED; break;
	case FN_SYSTEM_OFF: *ret = 0; return PSCI_SYSTEM_OFF;
	case FN_SYSTEM_RESET: *ret = 0; return PSCI_SYSTEM_RESET;
	default: *ret = RET_NOT_SUPPORTED; break;
	}
	return PSCI_RETURN;
}
