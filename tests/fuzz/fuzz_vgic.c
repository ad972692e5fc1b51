/*
 * libFuzzer target: the VMM's vGIC (vmm-server/arch/aarch64/vgic.c and
 * irq.c) and PSCI (psci.c, call.c), driven as a guest and its devices
 * would: register accesses to the distributor and the redistributors
 * (any offset, width and value, through MMIO exits), device lines rising
 * and falling, SGIs through the trapped ICC_SGI*R registers, the kernel's
 * maintenance exits for interrupts the guest finished, and PSCI calls
 * with arbitrary arguments over HVC and SMC. fuzz_vmm.c models the
 * kernel's list registers; after every event fz_vm_check asserts that
 * nothing in flight lost its list register, that nothing deliverable is
 * left behind while there is room, and the pending sets' limits. PSCI's
 * answers must agree with the vCPUs' power states.
 *
 * Input: ncpus, list registers, then one record per event, its first
 * byte the kind (see vgic_event).
 *
 *   make fuzz-vgic-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-vgic         FUZZ_RUNS inputs (part of make fuzz)
 */
#include <string.h>

#include "fuzz_vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reg_block {
	uint32_t base, len; /* bytes */
};

/* The distributor's registers (vgic.c's map), and a redistributor's RD
 * and SGI frames: an offset is mostly picked inside one of them. */
static const struct reg_block gicd_blocks[] = {
	{ 0x0, 0x10 }, { 0x80, 0x20 }, { 0x100, 0x20 }, { 0x180, 0x20 }, { 0x200, 0x20 },
	{ 0x280, 0x20 }, { 0x300, 0x20 }, { 0x380, 0x20 }, { 0x400, 0x100 },
	{ 0xc00, 0x40 }, { 0x6000, 0x800 }, { 0xffd0, 0x30 },
};
static const struct reg_block gicr_blocks[] = {
	{ 0x0, 0x20 }, { 0xffd0, 0x30 }, { 0x10080, 4 }, { 0x10100, 4 }, { 0x10180, 4 },
	{ 0x10200, 4 }, { 0x10280, 4 }, { 0x10300, 4 }, { 0x10380, 4 }, { 0x10400, 0x20 },
	{ 0x10c00, 8 },
};
#define NBLOCKS(b) (sizeof(b) / sizeof((b)[0]))

static uint64_t reg_offset(struct fz_in *in, const struct reg_block *b, unsigned n,
			   uint64_t span)
{
	uint8_t s = fz_u8(in);
	uint16_t raw = (uint16_t)fz_bytes(in, 2);
	if (s >= 0xe0)
		return (raw | (uint64_t)(s & 1) << 16) % span;
	return b[s % n].base + raw % b[s % n].len;
}

/* An on vCPU to make the access (an off one makes none). */
static bool on_cpu(uint8_t b, unsigned *cpu)
{
	for (unsigned i = 0; i < fz.vm.ncpus; i++) {
		unsigned c = (b + i) % fz.vm.ncpus;
		if (fz.vm.power[c] == VMM_CPU_ON) {
			*cpu = c;
			return true;
		}
	}
	return false;
}

/* An MMIO access at gpa: mostly naturally aligned, any width. */
static void vgic_mmio(struct fz_in *in, unsigned cpu, uint64_t gpa)
{
	uint8_t f = fz_u8(in);
	unsigned lg = f & 3;
	uint64_t mr[6] = { 0 };
	if (!(f & 0x80))
		gpa &= ~((1ull << lg) - 1);
	mr[0] = gpa;
	mr[1] = lg | (f & 4 ? KEEL_MMIO_WRITE : 0) | (f & 8 ? KEEL_MMIO_SIGN_EXTEND : 0) |
		(f & 16 ? KEEL_MMIO_REG64 : 0);
	mr[2] = f & 0x20 ? KEEL_EXIT_REG_NONE : fz_u8(in) % KEEL_VREG_GENERAL;
	mr[3] = fz_u64(in);
	(void)fz_exit(cpu, KEEL_EXIT_MMIO, mr);
}

/* ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1 as sysreg.c numbers them */
static const uint64_t sgi_regs[3] = {
	3u << 20 | 5u << 17 | 0u << 14 | 12u << 10 | 11u << 1,
	3u << 20 | 6u << 17 | 0u << 14 | 12u << 10 | 11u << 1,
	3u << 20 | 7u << 17 | 0u << 14 | 12u << 10 | 11u << 1,
};

static void vgic_sgi_write(struct fz_in *in, unsigned cpu)
{
	uint8_t f = fz_u8(in);
	uint64_t v = fz_u64(in), mr[6] = { sgi_regs[f % 3], 0, 0, 0, 0, 0 };
	if (!(f & 0x80)) /* a well-formed one: INTID, target list, maybe IRM */
		v &= 0xf00ffffull | 1ull << 40;
	mr[3] = v;
	(void)fz_exit(cpu, KEEL_EXIT_SYSREG, mr);
}

/* The guest finishes one of the interrupts in its list registers. */
static void vgic_guest_eoi(struct fz_in *in, unsigned cpu)
{
	unsigned k = fz_u8(in), seen = 0;
	if (!fz.lr_n[cpu])
		return;
	k %= fz.lr_n[cpu];
	for (unsigned i = 0; i < VGIC_NR_IRQS; i++)
		if (fz_lr_has(cpu, i) && seen++ == k) {
			fz_eoi(cpu, i);
			return;
		}
}

static const uint32_t psci_fns[] = {
	0x84000000, 0x84000001, 0x84000002, 0x84000003, 0xc4000003, 0x84000004,
	0xc4000004, 0x84000006, 0x84000008, 0x84000009, 0x8400000a, 0x80000000,
	0x80000001, 0xc4000001,
};
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY 0x84000004u
#define PSCI_SMC64 0x40000000u
#define RET(x) ((uint64_t)(int64_t)(x))

/* CPU_ON and AFFINITY_INFO must tell the truth about power states. */
static void psci_check(uint64_t x0, const uint64_t *x, const enum vmm_power *before,
		       unsigned ons, uint64_t ret)
{
	uint32_t fn = (uint32_t)x0 & ~PSCI_SMC64;
	uint64_t mpidr = (uint32_t)x0 & PSCI_SMC64 ? x[1] : (uint32_t)x[1];
	unsigned t = mpidr < fz.vm.ncpus ? (unsigned)mpidr : ~0u; /* plain Aff0 only */
	if (fn == PSCI_CPU_ON) {
		FZ_CHECK(ret == 0 || ret == RET(-2) || ret == RET(-4) || ret == RET(-9),
			 "CPU_ON returned %lld", (long long)ret);
		FZ_CHECK((ret == 0) == (fz.cpu_ons == ons + 1), "CPU_ON %lld, %u starts",
			 (long long)ret, fz.cpu_ons - ons);
		if (t != ~0u && ret == 0)
			FZ_CHECK(before[t] == VMM_CPU_OFF && fz.vm.power[t] == VMM_CPU_ON,
				 "CPU_ON of %u", t);
		if (t != ~0u && ret == RET(-4))
			FZ_CHECK(before[t] == VMM_CPU_ON, "ALREADY_ON for off %u", t);
	} else if (fn == PSCI_AFFINITY && t != ~0u && ret != RET(-2)) {
		FZ_CHECK(ret == (before[t] == VMM_CPU_ON ? 0u : 1u), "AFFINITY_INFO of %u: %lld",
			 t, (long long)ret);
	}
}

static void vgic_psci(struct fz_in *in, unsigned cpu)
{
	uint8_t f = fz_u8(in);
	uint64_t mr[6], ret;
	enum vmm_power before[KEEL_VMM_MAX_VCPUS];
	unsigned ons = fz.cpu_ons;
	struct keel_msg r;
	for (unsigned i = 0; i < 6; i++)
		mr[i] = fz_u64(in);
	if (!(f & 0x80)) {
		mr[0] = psci_fns[f % (sizeof(psci_fns) / sizeof(psci_fns[0]))];
		if (f & 0x40)
			mr[1] &= 0xff;                          /* an MPIDR that may exist */
		if (f & 0x20)
			mr[2] = fz.vm.ram_base + (mr[2] & 0x3fffffc); /* an entry in RAM */
	}
	memcpy(before, fz.vm.power, sizeof(before));
	r = fz_exit(cpu, f & 1 ? KEEL_EXIT_SMC : KEEL_EXIT_HVC, mr);
	if (r.label == KEEL_VCPU_RESUME && (r.mr[0] & KEEL_RESUME_WRITE_REG)) {
		FZ_CHECK(r.mr[1] == 0, "result into x%llu", (unsigned long long)r.mr[1]);
		ret = r.mr[2];
		psci_check(mr[0], mr, before, ons, ret);
	}
}

/* One event; false when the VM can take no more (stopped, or no vCPU on
 * for a guest event). */
static bool vgic_event(struct fz_in *in)
{
	uint8_t kind = fz_u8(in);
	unsigned cpu;
	if (kind % 8 == 2) { /* a device line: no vCPU involved */
		uint8_t b = fz_u8(in);
		vmm_arch_irq_line(&fz.vm, b & 0x80 ? b : 32u + b % (VGIC_NR_IRQS - 32),
				  fz_u8(in) & 1);
		return true;
	}
	if (!on_cpu(kind >> 3, &cpu))
		return false;
	switch (kind % 8) {
	case 0: case 6:
		vgic_mmio(in, cpu, VGIC_GICD_BASE + reg_offset(in, gicd_blocks,
			  NBLOCKS(gicd_blocks), VGIC_GICD_SIZE));
		break;
	case 1: case 7: {
		unsigned frame = fz_u8(in) % (fz.vm.ncpus + 1); /* and one past the last */
		vgic_mmio(in, cpu, VGIC_GICR_BASE + frame * VGIC_GICR_STRIDE +
			  reg_offset(in, gicr_blocks, NBLOCKS(gicr_blocks), VGIC_GICR_STRIDE));
		break;
	}
	case 3: vgic_sgi_write(in, cpu); break;
	case 4: vgic_guest_eoi(in, cpu); break;
	default: vgic_psci(in, cpu); break;
	}
	return !fz.vm.stopped;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	fz_vm_init(1 + fz_u8(&in) % KEEL_VMM_MAX_VCPUS, 1 + fz_u8(&in) % FZ_MAX_LRS);
	while (fz_more(&in) && vgic_event(&in))
		fz_vm_check();
	fz_vm_check();
	return 0;
}
