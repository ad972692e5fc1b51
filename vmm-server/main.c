/*
 * vmm: the monitor of one VM (docs/vm.md). Root maps the VM description,
 * the guest image and guest RAM into this address space (keel/vmm.h) and
 * gives it the vCPU threads, the vCPUs and the device endpoints. The VMM
 * loads the image (and the initrd), writes the guest's device tree,
 * starts vCPU 0 (the others on the guest's PSCI CPU_ON), and then
 * answers every vCPU's exits until the guest powers off.
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "device.h"
#include "dtb.h"
#include "vmm.h"
#include "vmm_console.h" /* h-console */

#define PSTATE_EL1H_MASKED 0x3c5ull /* EL1h, D, A, I, F masked */

static struct vmm vm;
static struct vmm_dev devs[KEEL_VMM_MAX_DEVICES];
static const char *self = "vmm";
static unsigned unknown_exits;
static bool stop_reported;
#define UNKNOWN_LOGGED 4u

static const struct keel_vm_info *vm_info(void)
{
	return (const struct keel_vm_info *)(uintptr_t)KEEL_VMM_INFO_VADDR;
}

/* KEEL_E_BUSY: all list registers taken; the vGIC keeps it pending. */
static bool vcpu_inject(struct vmm *v, unsigned cpu, unsigned intid, unsigned prio,
			bool notify_eoi)
{
	uint64_t mr[6] = { intid, prio, notify_eoi ? KEEL_INJECT_NOTIFY_EOI : 0, 0, 0, 0 };
	(void)v;
	return keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_INJECT_IRQ, 3, mr) == KEEL_OK;
}

static long vcpu_set(unsigned cpu, unsigned reg, uint64_t val)
{
	uint64_t mr[6] = { reg, val, 0, 0, 0, 0 };
	return keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_WRITE_REG, 2, mr);
}

static bool vcpu_reg_write(struct vmm *v, unsigned cpu, unsigned reg, uint64_t val)
{
	(void)v;
	return vcpu_set(cpu, reg, val) == KEEL_OK;
}

static bool vcpu_reg_read(struct vmm *v, unsigned cpu, unsigned reg, uint64_t *val)
{
	uint64_t mr[6] = { reg, 0, 0, 0, 0, 0 };
	(void)v;
	if (keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_READ_REG, 1, mr) != KEEL_OK)
		return false;
	*val = mr[0];
	return true;
}

/* Boot protocol (booting.rst) and PSCI CPU_ON alike: EL1h, interrupts
 * masked, MMU off (a vCPU that never ran resets so), x0 = arg (the
 * device tree, or CPU_ON's context id), x1..x3 = 0. */
static const char *vcpu_start(unsigned cpu, uint64_t entry, uint64_t arg)
{
	if (vcpu_set(cpu, KEEL_VREG_MPIDR, cpu) || vcpu_set(cpu, KEEL_VREG_PC, entry) ||
	    vcpu_set(cpu, KEEL_VREG_PSTATE, PSTATE_EL1H_MASKED) || vcpu_set(cpu, 0, arg) ||
	    vcpu_set(cpu, 1, 0) || vcpu_set(cpu, 2, 0) || vcpu_set(cpu, 3, 0))
		return "cannot set the vCPU's registers";
	if (keel_tcb_resume(KEEL_VMM_SLOT_VCPU_TCB(cpu)) != KEEL_OK)
		return "cannot resume the vCPU thread";
	return NULL;
}

/* CPU_ON: a vCPU that ran before (CPU_OFF, then on again) comes up as
 * from reset, MMU off: its EL1 state is reset, and interrupts the VMM saw
 * active on it (their list registers are gone) are forgotten. */
static bool vcpu_on(struct vmm *v, unsigned cpu, uint64_t entry, uint64_t context)
{
	uint64_t mr[6] = { 0 };
	const char *why = NULL;
	if (keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_RESET, 0, mr) != KEEL_OK)
		why = "cannot reset the vCPU";
	else
		*vgic_word(&v->gic, cpu, 0, VGIC_ACTIVE) = 0;
	if (!why)
		why = vcpu_start(cpu, entry, context);
	if (why)
		kprintf("[%s] CPU_ON of vCPU %u: %s\n", self, cpu, why);
	return !why;
}

static const struct vmm_ops vcpu_ops = {
	.inject = vcpu_inject, .cpu_on = vcpu_on, .reg_read = vcpu_reg_read,
	.reg_write = vcpu_reg_write,
};

static const char *vm_setup(const struct keel_vm_info *info)
{
	if (info->magic != KEEL_VM_INFO_MAGIC)
		return "no VM description";
	if (info->vcpu_count < 1 || info->vcpu_count > KEEL_VMM_MAX_VCPUS)
		return "vCPU count out of range";
	if (info->dev_count > KEEL_VMM_MAX_DEVICES || info->ram_size > KEEL_VMM_RAM_MAX ||
	    info->image_size > KEEL_VMM_IMAGE_MAX || info->initrd_size > KEEL_VMM_INITRD_MAX ||
	    info->dtb_size > KEEL_VMM_DTB_MAX)
		return "VM description out of range";
	vm.ncpus = info->vcpu_count;
	vm.ram_base = info->ram_base;
	vm.ram_size = info->ram_size;
	vm.ops = &vcpu_ops;
	if (!vmm_add_vgic(&vm))
		return "cannot map the vGIC";
	for (unsigned d = 0; d < info->dev_count; d++)
		if (!dev_add(&vm, &devs[d], KEEL_VMM_SLOT_DEV(d), &info->dev[d]))
			return "a device window overlaps another, or its interrupt is not an SPI";
	return NULL;
}

/* The initrd 2 MiB-aligned after the image's memory, below the device
 * tree; false if it does not fit there. */
static bool vm_load_initrd(const struct keel_vm_info *info, const struct guest_image *g,
			   struct dtb_boot *boot)
{
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	uint64_t at = (g->load_offset + g->mem_size + DTB_REGION - 1) & ~(DTB_REGION - 1);
	uint64_t limit = info->ram_size - DTB_REGION;
	if (!info->initrd_size)
		return true;
	if (at > limit || info->initrd_size > limit - at)
		return false;
	memcpy(ram + at, (const void *)(uintptr_t)KEEL_VMM_INITRD_VADDR, info->initrd_size);
	boot->initrd_start = info->ram_base + at;
	boot->initrd_end = boot->initrd_start + info->initrd_size;
	return true;
}

/* The image where its header asks, the initrd after it, the device tree
 * in the last 2 MiB. */
static const char *vm_load(const struct keel_vm_info *info, uint64_t *entry, uint64_t *dtb)
{
	struct guest_image g;
	struct dtb_boot boot = { 0, 0 };
	const uint8_t *img = (const uint8_t *)(uintptr_t)KEEL_VMM_IMAGE_VADDR;
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	const char *why = image_check(img, info->image_size, info->ram_base, info->ram_size, &g);
	if (why)
		return why;
	if (info->ram_size < 2 * DTB_REGION ||
	    g.load_offset + g.mem_size > info->ram_size - DTB_REGION)
		return "no room for the device tree above the image";
	image_load(img, &g, ram);
	if (!vm_load_initrd(info, &g, &boot))
		return "no room for the initrd between the image and the device tree";
	if (info->dtb_size) {
		if (!dtb_adopt((const void *)(uintptr_t)KEEL_VMM_DTB_VADDR, info->dtb_size, info,
			       &boot, ram + info->ram_size - DTB_REGION, DTB_REGION))
			return "the configuration's device tree is not a valid tree, or too large";
	} else if (!dtb_build(info, vm.ncpus, &boot, ram + info->ram_size - DTB_REGION,
			      DTB_REGION)) {
		return "device tree too large";
	}
	*entry = g.entry;
	*dtb = info->ram_base + info->ram_size - DTB_REGION;
	kprintf("[%s] guest image: %lu bytes at 0x%lx (%lu with bss), entry 0x%lx, "
		"%s device tree at 0x%lx, %u vCPUs\n", self, (unsigned long)g.file_size,
		(unsigned long)(info->ram_base + g.load_offset), (unsigned long)g.mem_size,
		(unsigned long)g.entry, info->dtb_size ? "supplied" : "generated",
		(unsigned long)*dtb, vm.ncpus);
	if (boot.initrd_end)
		kprintf("[%s] initrd: %lu bytes at 0x%lx\n", self,
			(unsigned long)info->initrd_size, (unsigned long)boot.initrd_start);
	return NULL;
}

static void vm_stopped(void)
{
	static const char *const why[KEEL_VM_STOP_ERROR + 1] = {
		[KEEL_VM_STOP_OFF] = "PSCI SYSTEM_OFF", [KEEL_VM_STOP_RESET] = "PSCI SYSTEM_RESET",
		[KEEL_VM_STOP_ERROR] = "error",
	};
	stop_reported = true;
	for (unsigned c = 0; c < vm.ncpus; c++) /* the others may be running */
		keel_tcb_suspend(KEEL_VMM_SLOT_VCPU_TCB(c));
	kprintf("[%s] guest stopped: %s after %u exits (%u data aborts, %u unknown, "
		"%u SGIs)\n", self, why[vm.stopped], vm.exits, vm.aborts, unknown_exits,
		vm.sgis);
	keel_report(KEEL_REPORT_VM_STOPPED, vm.stopped, "%s", why[vm.stopped]);
}

/* The first few are logged; a guest must not be able to flood the console. */
static void log_unknown(const uint64_t *mr)
{
	if (++unknown_exits <= UNKNOWN_LOGGED)
		kprintf("[%s] unknown exit: ESR 0x%lx at pc 0x%lx: undefined instruction for "
			"the guest%s\n", self, (unsigned long)mr[0], (unsigned long)mr[1],
			unknown_exits == UNKNOWN_LOGGED ? " (no more of these logged)" : "");
}

/* Exits arrive as calls from the vCPU threads (badge = vCPU + 1). A
 * message with another badge is not an exit and gets no answer. */
static long vm_run(void)
{
	uint64_t info = 0, mr[6] = { 0 };
	struct vmm_reply r;
	long err = keel_recv(KEEL_SRV_EP, &info, mr);
	while (err == KEEL_OK) {
		uint64_t badge = keel_msg_badge(info), label = keel_msg_label(info);
		if (label == KEEL_LABEL_NOTIFICATION) { /* h-console: input waits */
			vmm_console_input(&vm, vm_info(), mr[0]);
			err = keel_recv(KEEL_SRV_EP, &info, mr);
			continue;
		}
		if (badge == 0 || badge > vm.ncpus) {
			err = keel_recv(KEEL_SRV_EP, &info, mr);
			continue;
		}
		if (label == KEEL_EXIT_UNKNOWN)
			log_unknown(mr);
		exit_handle(&vm, (unsigned)badge - 1, label, mr, &r);
		if (vm.stopped)
			r.label = KEEL_VCPU_STOP; /* once off, every vCPU stays stopped */
		info = keel_msginfo(r.label, 3);
		memcpy(mr, r.mr, sizeof(r.mr));
		if (vm.stopped && !stop_reported) {
			keel_reply(info, mr); /* stop the vCPU before telling root */
			vm_stopped();
			err = keel_recv(KEEL_SRV_EP, &info, mr);
			continue;
		}
		err = keel_reply_recv(KEEL_SRV_EP, &info, mr);
	}
	return err;
}

static int vm_fail(const char *why)
{
	kprintf("[%s] %s\n", self, why);
	keel_report(KEEL_REPORT_VM_STOPPED, KEEL_VM_STOP_ERROR, "%s", why);
	return 0;
}

int main(int argc, char **argv)
{
	const struct keel_vm_info *info = vm_info();
	uint64_t entry = 0, dtb = 0;
	const char *why;
	long err;
	if (argc > 0)
		self = argv[0];
	if ((why = vm_setup(info)) || (why = vm_load(info, &entry, &dtb)) ||
	    (vm.power[0] = VMM_CPU_ON, why = vcpu_start(0, entry, dtb)))
		return vm_fail(why);
	keel_report(KEEL_REPORT_READY, entry, "guest started");
	err = vm_run();
	kprintf("[%s] receive failed (%ld)\n", self, err);
	return 1;
}
