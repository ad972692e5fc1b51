/*
 * libFuzzer target: the VMM's exit decoder. Arbitrary exit messages (the
 * arch-neutral exit fields of keel/abi.h: label and MR0..MR5) go through
 * exit_handle (vmm-server/exit.c) and the aarch64 handlers behind it
 * (MMIO to the vGIC and a device region, HVC/SMC, SYSREG, WFI, MAINT,
 * UNKNOWN), with the system calls replaced by fuzz_vmm.c's model of the
 * kernel. Every reply must have the shape the kernel accepts, and the
 * invariants of fz_vm_check hold after every exit; ASan and UBSan watch
 * the rest.
 *
 * Input: ncpus, list registers, then records of
 *   cpu, label selector, address selector, MR0..MR5 (8 bytes each).
 * The label selector picks one of the exit labels, one just outside
 * them, or (0xf0 and up) a raw 64-bit label from the input; the address
 * selector can put an MMIO exit's MR0 inside the vGIC or the device
 * region so that mutations explore registers, not the empty map.
 *
 *   make fuzz-exit-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-exit         FUZZ_RUNS inputs (part of make fuzz)
 */
#include "fuzz_vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LABELS (KEEL_EXIT_MAINT - KEEL_EXIT_MMIO + 2) /* and one past */

static uint64_t exit_label(struct fz_in *in)
{
	uint8_t s = fz_u8(in);
	if (s >= 0xf0)
		return fz_u64(in);
	return KEEL_EXIT_MMIO + s % LABELS;
}

/* MR0 of an MMIO exit, or of any exit: 0 leaves it as the input has it. */
static uint64_t exit_addr(uint8_t sel, uint64_t raw)
{
	switch (sel % 4) {
	case 1: return VGIC_GICD_BASE + raw % VGIC_GICD_SIZE;
	case 2: return VGIC_GICR_BASE + raw % (VGIC_GICR_STRIDE * (fz.vm.ncpus + 1));
	case 3: return FZ_DEV_BASE + raw % (FZ_DEV_SIZE + 8) - 4; /* and its edges */
	default: return raw;
	}
}

/* A vCPU that is on takes the exit (an off one cannot exit). */
static bool exit_cpu(uint8_t b, unsigned *cpu)
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

/* A MAINT exit reports INTIDs that were in a list register: those are
 * free now. (Others, which no kernel reports, must only be harmless.) */
static void exit_maint_lrs(unsigned cpu, const uint64_t *mr)
{
	for (uint64_t i = 0; i < mr[0] && i < 5; i++) {
		unsigned intid = (unsigned)mr[1 + i];
		if (mr[1 + i] < VGIC_NR_IRQS && fz_lr_has(cpu, intid)) {
			fz.lr[cpu][intid / 32] &= ~(1u << (intid % 32));
			fz.lr_n[cpu]--;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	fz_vm_init(1 + fz_u8(&in) % KEEL_VMM_MAX_VCPUS, 1 + fz_u8(&in) % FZ_MAX_LRS);
	while (fz_more(&in) && !fz.vm.stopped) {
		unsigned cpu;
		uint8_t cpu_sel = fz_u8(&in);
		uint64_t label = exit_label(&in), mr[6];
		uint8_t addr_sel = fz_u8(&in);
		struct keel_msg r;
		for (unsigned i = 0; i < 6; i++)
			mr[i] = fz_u64(&in);
		if (!exit_cpu(cpu_sel, &cpu))
			break;
		mr[0] = exit_addr(addr_sel, mr[0]);
		if (label == KEEL_EXIT_MAINT)
			exit_maint_lrs(cpu, mr);
		r = fz_exit(cpu, label, mr);
		if (r.label == KEEL_VCPU_STOP && !fz.vm.stopped)
			FZ_CHECK(fz.vm.power[cpu] == VMM_CPU_OFF, "stopped cpu %u still on", cpu);
		fz_vm_check();
	}
	return 0;
}
