/* A VM for the unit tests: the vmm_ops main.c implements with system
 * calls, here recorded, with list registers that can fill up. */
#include <string.h>

#include "vmm_test.h"

struct fake_log fake;

static bool fake_inject(struct vmm *v, unsigned cpu, unsigned intid, unsigned prio,
			bool notify_eoi)
{
	(void)v;
	if (fake.lr_used[cpu] >= fake.lr_max)
		return false; /* KEEL_E_BUSY */
	fake.lr_used[cpu]++;
	if (fake.n < FAKE_MAX) {
		fake.inj[fake.n] = (struct fake_inj){ cpu, intid, prio, notify_eoi };
		fake.n++;
	}
	return true;
}

static bool fake_cpu_on(struct vmm *v, unsigned cpu, uint64_t entry, uint64_t context)
{
	(void)v;
	fake.on_n++;
	fake.on_cpu = cpu;
	fake.on_entry = entry;
	fake.on_ctx = context;
	return true;
}

static bool fake_reg_read(struct vmm *v, unsigned cpu, unsigned reg, uint64_t *val)
{
	(void)v;
	if (cpu >= KEEL_VMM_MAX_VCPUS || reg >= KEEL_VREG_COUNT)
		return false;
	*val = fake.regs[cpu][reg];
	return true;
}

static bool fake_reg_write(struct vmm *v, unsigned cpu, unsigned reg, uint64_t val)
{
	(void)v;
	if (cpu >= KEEL_VMM_MAX_VCPUS || reg >= KEEL_VREG_COUNT)
		return false;
	fake.regs[cpu][reg] = val;
	return true;
}

static void fake_unknown(struct vmm *v, unsigned cpu, const uint64_t *mr)
{
	(void)v, (void)cpu, (void)mr;
	fake.unknown_n++;
}

static void fake_console(struct vmm *v, const char *s, uint64_t n)
{
	(void)v;
	for (uint64_t i = 0; i < n && fake.out_n < sizeof(fake.out); i++)
		fake.out[fake.out_n++] = s[i];
}

static const struct vmm_ops fake_ops = {
	.inject = fake_inject, .cpu_on = fake_cpu_on, .reg_read = fake_reg_read,
	.reg_write = fake_reg_write, .unknown = fake_unknown, .console = fake_console,
};

void fake_vm_init(struct vmm *vm, unsigned ncpus)
{
	memset(vm, 0, sizeof(*vm));
	memset(&fake, 0, sizeof(fake));
	fake.lr_max = 4; /* QEMU's GICv3 has four list registers */
	vm->ncpus = ncpus;
	vm->ram_base = 0x40000000;
	vm->ram_size = 0x4000000;
	vm->ops = &fake_ops;
	vm->power[0] = VMM_CPU_ON;
	ck_assert(vmm_arch_init(vm));
}

struct keel_msg fake_exit(struct vmm *vm, unsigned cpu, uint64_t label, uint64_t a0,
			   uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct keel_msg m = {
		.badge = KEEL_VMM_BADGE_VCPU(cpu), .label = label, .len = 6,
		.mr = { a0, a1, a2, a3, 0, 0 },
	};
	exit_handle(vm, cpu, &m);
	ck_assert_uint_eq(m.len, 3); /* every reply: label and MR0..MR2 */
	return m;
}

void fake_mmio_write32(struct vmm *vm, unsigned cpu, uint64_t gpa, uint32_t v)
{
	struct keel_msg r = fake_exit(vm, cpu, KEEL_EXIT_MMIO, gpa, 2 | KEEL_MMIO_WRITE, 1, v);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
}

uint32_t fake_mmio_read32(struct vmm *vm, unsigned cpu, uint64_t gpa)
{
	struct keel_msg r = fake_exit(vm, cpu, KEEL_EXIT_MMIO, gpa, 2, 1, 0);
	ck_assert_uint_eq(r.label, KEEL_VCPU_RESUME);
	return (uint32_t)r.mr[2];
}

/* The guest finished intid on cpu: the kernel's MAINT exit. */
void fake_eoi(struct vmm *vm, unsigned cpu, unsigned intid)
{
	ck_assert_uint_gt(fake.lr_used[cpu], 0);
	fake.lr_used[cpu]--;
	ck_assert_uint_eq(fake_exit(vm, cpu, KEEL_EXIT_MAINT, 1, intid, 0, 0).label,
			  KEEL_VCPU_RESUME);
}
