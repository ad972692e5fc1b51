/*
 * vmm: the monitor of one VM (docs/vm.md). Root maps the VM description,
 * the guest image and guest RAM into this address space (keel/vmm.h) and
 * gives it the vCPU thread, the vCPU and the device endpoints. The VMM
 * loads the image, writes the guest's device tree, starts vCPU 0, and
 * then answers exits until the guest powers off.
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

/* BUSY (all list registers taken) drops the injection: the line is put
 * in again at its device's next reply (irq.c). */
static void vcpu_inject(struct vmm *v, unsigned cpu, unsigned intid, unsigned prio)
{
	uint64_t mr[6] = { intid, prio, 0, 0, 0, 0 };
	(void)v;
	keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_INJECT_IRQ, 2, mr);
}

static long vcpu_set(unsigned cpu, unsigned reg, uint64_t val)
{
	uint64_t mr[6] = { reg, val, 0, 0, 0, 0 };
	return keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_WRITE_REG, 2, mr);
}

static const char *vm_setup(const struct keel_vm_info *info)
{
	if (info->magic != KEEL_VM_INFO_MAGIC)
		return "no VM description";
	if (info->vcpu_count != 1)
		return "only one vCPU per VM so far";
	if (info->dev_count > KEEL_VMM_MAX_DEVICES || info->ram_size > KEEL_VMM_RAM_MAX ||
	    info->image_size > KEEL_VMM_IMAGE_MAX)
		return "VM description out of range";
	vm.ncpus = info->vcpu_count;
	vm.inject = vcpu_inject;
	if (!vmm_add_vgic(&vm))
		return "cannot map the vGIC";
	for (unsigned d = 0; d < info->dev_count; d++)
		if (!dev_add(&vm, &devs[d], KEEL_VMM_SLOT_DEV(d), &info->dev[d]))
			return "a device window overlaps another, or its interrupt is not an SPI";
	return NULL;
}

/* The image where its header asks, the device tree in the last 2 MiB. */
static const char *vm_load(const struct keel_vm_info *info, uint64_t *entry, uint64_t *dtb)
{
	struct guest_image g;
	const uint8_t *img = (const uint8_t *)(uintptr_t)KEEL_VMM_IMAGE_VADDR;
	uint8_t *ram = (uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	const char *why = image_check(img, info->image_size, info->ram_base, info->ram_size, &g);
	if (why)
		return why;
	if (info->ram_size < 2 * DTB_REGION ||
	    g.load_offset + g.mem_size > info->ram_size - DTB_REGION)
		return "no room for the device tree above the image";
	image_load(img, &g, ram);
	if (!dtb_build(info, vm.ncpus, ram + info->ram_size - DTB_REGION, DTB_REGION))
		return "device tree too large";
	*entry = g.entry;
	*dtb = info->ram_base + info->ram_size - DTB_REGION;
	kprintf("[%s] guest image: %lu bytes at 0x%lx (%lu with bss), entry 0x%lx, "
		"device tree at 0x%lx\n", self, (unsigned long)g.file_size,
		(unsigned long)(info->ram_base + g.load_offset), (unsigned long)g.mem_size,
		(unsigned long)g.entry, (unsigned long)*dtb);
	return NULL;
}

/* Boot protocol (booting.rst): EL1h, interrupts masked, MMU off (the vCPU
 * resets so), x0 = device tree, x1..x3 = 0. */
static const char *vcpu_start(unsigned cpu, uint64_t entry, uint64_t dtb)
{
	if (vcpu_set(cpu, KEEL_VREG_MPIDR, cpu) || vcpu_set(cpu, KEEL_VREG_PC, entry) ||
	    vcpu_set(cpu, KEEL_VREG_PSTATE, PSTATE_EL1H_MASKED) || vcpu_set(cpu, 0, dtb) ||
	    vcpu_set(cpu, 1, 0) || vcpu_set(cpu, 2, 0) || vcpu_set(cpu, 3, 0))
		return "cannot set the vCPU's registers";
	if (keel_tcb_resume(KEEL_VMM_SLOT_VCPU_TCB(cpu)) != KEEL_OK)
		return "cannot resume the vCPU thread";
	return NULL;
}

static void vm_stopped(void)
{
	static const char *const why[KEEL_VM_STOP_ERROR + 1] = {
		[KEEL_VM_STOP_OFF] = "PSCI SYSTEM_OFF", [KEEL_VM_STOP_RESET] = "PSCI SYSTEM_RESET",
		[KEEL_VM_STOP_ERROR] = "error",
	};
	stop_reported = true;
	kprintf("[%s] guest stopped: %s after %u exits (%u data aborts, %u unknown)\n",
		self, why[vm.stopped], vm.exits, vm.aborts, unknown_exits);
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
	    (why = vcpu_start(0, entry, dtb)))
		return vm_fail(why);
	keel_report(KEEL_REPORT_READY, entry, "guest started");
	err = vm_run();
	kprintf("[%s] receive failed (%ld)\n", self, err);
	return 1;
}
