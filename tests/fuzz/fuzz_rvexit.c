/*
 * libFuzzer target: the riscv64 VMM (vmm-server/exit.c, mmio.c and
 * vmm-server/arch/riscv64/'s sbi.c, plic.c, irq.c), as aarch64's
 * fuzz_exit and fuzz_vgic drive aarch64's. Arbitrary events: exits of
 * any label and registers (MMIO into the PLIC's window, a device region
 * or anywhere; SBI calls with a known or any extension, any function and
 * arguments; WFI, UNKNOWN, the rest), device lines going up and down,
 * edges, vCPU kicks. The system calls are a model of what the riscv64
 * kernel does with them: a vCPU's external line (hvip.VSEIP), a level
 * raised by INJECT_IRQ 9 and lowered by WRITE_REG EXT_IRQ 0 or a vCPU
 * reset; its registers; HSM's hart start as a reset.
 *
 * Checked after every event, besides ASan and UBSan:
 *   - each reply has the shape the kernel accepts, and only an SBI call
 *     (an HVC exit) stops a vCPU or the VM;
 *   - every injection and register write names a vCPU that exists, an
 *     interrupt the guest can take (9 external, 1 software), a register
 *     the kernel has; a hart start names a hart that is off, at an entry
 *     in RAM;
 *   - each vCPU's external line is raised exactly while its PLIC context
 *     has a source to claim (irq.c's promise: nothing lost, no retry);
 *   - a DBCN write hands the log only bytes of guest RAM.
 *
 * Input: ncpus, then records of an event selector and its bytes.
 *
 *   make fuzz-rvexit-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-rvexit         FUZZ_RUNS inputs (part of make fuzz)
 */
#include <string.h>

#include "fuzz_input.h"
#include "riscv64_vmm.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define DEV_BASE 0x10000000ull /* the 16550's place on QEMU virt */
#define DEV_SIZE 0x1000ull

static struct {
	struct vmm vm;
	uint8_t ram[RAM_SIZE];
	bool line[KEEL_VMM_MAX_VCPUS]; /* the kernel's hvip.VSEIP per vCPU */
	uint64_t regs[KEEL_VMM_MAX_VCPUS][KEEL_VREG_COUNT];
} fz;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fz_inject(struct vmm *vm, unsigned cpu, unsigned intid, unsigned prio,
		      bool notify_eoi)
{
	FZ_CHECK(cpu < vm->ncpus, "inject into cpu %u of %u", cpu, vm->ncpus);
	FZ_CHECK(intid == RV_IRQ_EXT || intid == RV_IRQ_SOFT, "inject of %u", intid);
	FZ_CHECK(prio == 0 && !notify_eoi, "inject of %u: prio %u, eoi %d", intid, prio,
		 notify_eoi);
	if (intid == RV_IRQ_EXT)
		fz.line[cpu] = true;
	return true;
}

static bool fz_cpu_on(struct vmm *vm, unsigned cpu, uint64_t entry, uint64_t context)
{
	FZ_CHECK(cpu < vm->ncpus && vm->power[cpu] == VMM_CPU_OFF, "start of hart %u", cpu);
	FZ_CHECK(entry >= vm->ram_base && entry - vm->ram_base < vm->ram_size,
		 "hart start at %#llx", (unsigned long long)entry);
	(void)context;
	fz.line[cpu] = false; /* KEEL_VCPU_RESET lowers it */
	vmm_arch_cpu_reset(vm, cpu);
	return true;
}

static bool fz_reg_read(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t *val)
{
	FZ_CHECK(cpu < vm->ncpus, "read of cpu %u", cpu);
	if (reg >= KEEL_VREG_COUNT)
		return false;
	*val = reg == KEEL_VREG_EXT_IRQ ? fz.line[cpu] : fz.regs[cpu][reg];
	return true;
}

static bool fz_reg_write(struct vmm *vm, unsigned cpu, unsigned reg, uint64_t val)
{
	FZ_CHECK(cpu < vm->ncpus, "write of cpu %u", cpu);
	if (reg >= KEEL_VREG_COUNT || reg == KEEL_VREG_SP_EL1 || reg == KEEL_VREG_MPIDR)
		return false;
	if (reg == KEEL_VREG_EXT_IRQ) {
		FZ_CHECK(val == 0, "EXT_IRQ written with %llu", (unsigned long long)val);
		fz.line[cpu] = false;
		return true;
	}
	fz.regs[cpu][reg] = val;
	return true;
}

static void fz_unknown(struct vmm *vm, unsigned cpu, const uint64_t *mr)
{
	(void)vm, (void)cpu, (void)mr;
}

/* The bytes must be guest RAM, which ASan also watches (fz.ram). */
static void fz_console(struct vmm *vm, const char *s, uint64_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	FZ_CHECK(n <= 256, "DBCN of %llu bytes", (unsigned long long)n);
	FZ_CHECK(n == 1 || (p >= vm->ram && p + n <= vm->ram + vm->ram_size),
		 "DBCN bytes outside guest RAM");
	for (uint64_t i = 0; i < n; i++)
		(void)*(volatile const uint8_t *)(p + i);
}

static const struct vmm_ops fz_ops = {
	.inject = fz_inject, .cpu_on = fz_cpu_on, .reg_read = fz_reg_read,
	.reg_write = fz_reg_write, .unknown = fz_unknown, .console = fz_console,
};

/* A device region: mmio_find hands it only accesses inside it. */
static bool fz_dev_mmio(void *ctx, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	(void)ctx;
	FZ_CHECK(width == 1 || width == 2 || width == 4 || width == 8, "width %u", width);
	FZ_CHECK(off < DEV_SIZE && width <= DEV_SIZE - off, "off %#llx width %u",
		 (unsigned long long)off, width);
	if (!write)
		*val = 0x5a;
	return off < DEV_SIZE / 2;
}

static void fz_init(unsigned ncpus)
{
	memset(&fz.vm, 0, sizeof(fz.vm));
	memset(fz.line, 0, sizeof(fz.line));
	memset(fz.regs, 0, sizeof(fz.regs));
	fz.vm.ncpus = ncpus;
	fz.vm.ram_base = RAM_BASE;
	fz.vm.ram_size = RAM_SIZE;
	fz.vm.ram = fz.ram;
	fz.vm.ops = &fz_ops;
	fz.vm.power[0] = VMM_CPU_ON;
	FZ_CHECK(vmm_arch_init(&fz.vm), "vmm_arch_init");
	FZ_CHECK(mmio_map_add(&fz.vm.map, DEV_BASE, DEV_SIZE, fz_dev_mmio, NULL), "device");
}

static void reply_check(uint64_t label, const struct keel_msg *r)
{
	FZ_CHECK(r->len == VMM_REPLY_LEN, "reply length %u", (unsigned)r->len);
	switch (r->label) {
	case KEEL_VCPU_RESUME:
		FZ_CHECK(!(r->mr[0] & ~(uint64_t)(KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG)),
			 "resume flags %#llx", (unsigned long long)r->mr[0]);
		break;
	case KEEL_VCPU_INJECT_DABT:
		FZ_CHECK(r->mr[1] <= 1, "abort write flag %llu", (unsigned long long)r->mr[1]);
		break;
	case KEEL_VCPU_INJECT_UNDEF: case KEEL_VCPU_WAIT:
		break;
	case KEEL_VCPU_STOP:
		FZ_CHECK(label == KEEL_EXIT_HVC, "stop after %#llx", (unsigned long long)label);
		break;
	default:
		FZ_CHECK(0, "reply label %llu", (unsigned long long)r->label);
	}
}

/* irq.c's promise: each line as the PLIC says, after every event. */
static void lines_check(void)
{
	for (unsigned c = 0; c < fz.vm.ncpus; c++) {
		bool want = plic_best(&fz.vm.arch.plic, c) != 0;
		FZ_CHECK(fz.line[c] == want, "cpu %u: line %d, PLIC has %u to claim", c,
			 fz.line[c], plic_best(&fz.vm.arch.plic, c));
	}
}

static const uint64_t extensions[] = {
	0x10, 0x54494d45, 0x735049, 0x52464e43, 0x48534d, 0x53525354, 0x4442434e, 0x01,
};

/* An exit's MR0: a PLIC register (priority, enable, threshold or claim,
 * anywhere in the window), the device or RAM, an extension id, or the
 * input's value: so mutations explore registers, not the empty map. */
static uint64_t exit_mr0(struct fz_in *in, uint64_t label)
{
	uint8_t sel = fz_u8(in);
	uint64_t raw = fz_u64(in), c = raw % fz.vm.ncpus, hi = raw >> 8;
	if (label == KEEL_EXIT_HVC && sel < 0xc0)
		return extensions[sel % 8];
	switch (sel % 7) {
	case 0: return PLIC_BASE + 4 * (raw % PLIC_SOURCES);
	case 1: return PLIC_BASE + 0x2000 + 0x80 * c + 4 * (hi % PLIC_WORDS);
	case 2: return PLIC_BASE + PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * c + 4 * (hi % 2);
	case 3: return PLIC_BASE + raw % PLIC_SIZE(fz.vm.ncpus + 1);
	case 4: return DEV_BASE + raw % (DEV_SIZE + 8) - 4;
	case 5: return RAM_BASE + raw % (RAM_SIZE + 16) - 8;
	default: return raw;
	}
}

/* One exit of cpu with these registers, checked. */
static void exit_of(unsigned cpu, uint64_t label, const uint64_t mr[6])
{
	struct keel_msg m = { .badge = KEEL_VMM_BADGE_VCPU(cpu), .label = label, .len = 6 };
	memcpy(m.mr, mr, sizeof(m.mr));
	exit_handle(&fz.vm, cpu, &m);
	reply_check(label, &m);
	if (m.label == KEEL_VCPU_STOP && !fz.vm.stopped)
		FZ_CHECK(fz.vm.power[cpu] == VMM_CPU_OFF, "stopped cpu %u still on", cpu);
}

static void event_exit(struct fz_in *in, unsigned cpu)
{
	uint8_t s = fz_u8(in);
	uint64_t label = s >= 0xf0 ? fz_u64(in) : KEEL_EXIT_MMIO + s % 9, mr[6];
	mr[0] = exit_mr0(in, label);
	mr[1] = fz_u8(in);
	if (label == KEEL_EXIT_MMIO && mr[1] < 0xc0) /* a 32-bit access, mostly */
		mr[1] = 2 | (mr[1] & KEEL_MMIO_WRITE);
	for (unsigned i = 2; i < 6; i++) {
		uint8_t small = fz_u8(in);
		/* hart ids, masks, RAM addresses and small counts, mostly */
		mr[i] = small < 0x40 ? small % 8 : small < 0x80 ? RAM_BASE + fz_bytes(in, 2) :
			small < 0xa0 ? ~0ull : fz_u64(in);
	}
	exit_of(cpu, label, mr);
}

/* Well-formed steps that random registers seldom make, so that sequences
 * reach deep states: a hart start or stop (SBI HSM), and a PLIC source
 * made claimable by a context (its priority, the context's enable bit). */
static void event_step(struct fz_in *in, unsigned cpu)
{
	uint8_t kind = fz_u8(in), a = fz_u8(in);
	unsigned src = 1 + a % (PLIC_SOURCES - 1), c = fz_u8(in) % fz.vm.ncpus;
	uint64_t mmio = 2 | KEEL_MMIO_WRITE;
	switch (kind % 3) {
	case 0:
		exit_of(cpu, KEEL_EXIT_HVC, (uint64_t[6]){ 0x48534d, 0, c, RAM_BASE + 2u * a, 0, 0 });
		break;
	case 1:
		exit_of(cpu, KEEL_EXIT_HVC, (uint64_t[6]){ 0x48534d, 1, 0, 0, 0, 0 });
		break;
	default:
		exit_of(cpu, KEEL_EXIT_MMIO, (uint64_t[6]){ PLIC_BASE + 4u * src, mmio,
							    KEEL_EXIT_REG_NONE, 1 + kind % 7, 0, 0 });
		exit_of(cpu, KEEL_EXIT_MMIO, (uint64_t[6]){
			PLIC_BASE + 0x2000 + 0x80u * c + 4u * (src / 32), mmio, KEEL_EXIT_REG_NONE,
			~0ull, 0, 0 });
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	fz_init(1 + fz_u8(&in) % KEEL_VMM_MAX_VCPUS);
	while (fz_more(&in) && !fz.vm.stopped) {
		uint8_t ev = fz_u8(&in);
		unsigned cpu = fz_u8(&in) % fz.vm.ncpus, src = fz_u8(&in) % (PLIC_SOURCES + 1);
		switch (ev % 5) {
		case 0: case 1: /* an exit of a vCPU that is on (an off one makes none) */
			if (fz.vm.power[cpu] == VMM_CPU_ON)
				event_exit(&in, cpu);
			break;
		case 4:
			if (fz.vm.power[cpu] == VMM_CPU_ON)
				event_step(&in, cpu);
			break;
		case 2: /* a device's line, as its server reports it */
			if (ev & 0x80)
				vmm_arch_irq_edge(&fz.vm, src);
			else
				vmm_arch_irq_line(&fz.vm, src, (ev >> 2) & 1);
			break;
		default:
			vmm_arch_irq_kick(&fz.vm, cpu);
			break;
		}
		lines_check();
	}
	return 0;
}
