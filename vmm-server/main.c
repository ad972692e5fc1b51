/*
 * vmm: the monitor of one VM (docs/vm.md). Root maps the VM description,
 * the guest image and guest RAM into this address space (keel/vmm.h) and
 * gives it the vCPU threads, the vCPUs and the device endpoints. The VMM
 * loads the image (and the initrd), writes the guest's device tree,
 * starts vCPU 0 (the others when the guest asks, as its firmware call
 * CPU_ON), and then serves as every server does (keel/server.h's loop):
 * a vCPU's exit is a fault message from that vCPU's thread (badge
 * KEEL_VMM_BADGE_VCPU(i)), answered by the reply; the bound notification
 * says console input waits.
 */
#include <stddef.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/ctl.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/vmm.h>

#include "device.h"
#include "loader.h"
#include "vmm.h"
#include "vmm_arch.h"
#include "vmm_console.h" /* h-console */

static struct vmm vm;
/* Root reads vm.exits on as struct keel_ctl_vmm_counters (keelctl stats). */
_Static_assert(offsetof(struct vmm, aborts) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, aborts) &&
	       offsetof(struct vmm, ipis) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, ipis) &&
	       offsetof(struct vmm, reason) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, reason) &&
	       offsetof(struct vmm, irqs) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, irqs) &&
	       offsetof(struct vmm, mmio) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, mmio) &&
	       offsetof(struct vmm, calls) == offsetof(struct vmm, exits) +
		       offsetof(struct keel_ctl_vmm_counters, calls) &&
	       KEEL_VMM_MAX_DEVICES == KEEL_CTL_DEVICES,
	       "the counters root reads are laid out as keel/ctl.h says");
_Static_assert(KEEL_VMM_BADGE_DEV(KEEL_VMM_MAX_DEVICES - 1) < KEEL_VMM_BADGE_PAUSE &&
		       KEEL_VMM_BADGE_CONSOLE < KEEL_VMM_BADGE_PAUSE,
	       "root's pause and resume bits are no device's or the console's");
static struct vmm_dev devs[KEEL_VMM_MAX_DEVICES];
static const char *self = "vmm";
static unsigned unknown_exits;
static bool stop_reported;
static uint64_t vm_entry; /* the guest's entry point, for the READY report */
#define UNKNOWN_LOGGED 4u

static const struct keel_vm_info *vm_info(void)
{
	return (const struct keel_vm_info *)(uintptr_t)KEEL_VMM_INFO_VADDR;
}

/* KEEL_E_BUSY: no room in the vCPU; the arch's model keeps it pending,
 * and the guest's next WFI comes here as an exit (KEEL_VCPU_WFI_EXIT) so
 * it is tried again before the vCPU sleeps: a list register may free
 * without a MAINT exit (the virtual timer's). */
static bool vmm_vcpu_inject(struct vmm *v, unsigned cpu, unsigned intid, unsigned prio,
			bool notify_eoi)
{
	uint64_t mr[6] = { intid, prio, notify_eoi ? KEEL_INJECT_NOTIFY_EOI : 0, 0, 0, 0 };
	if (keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_INJECT_IRQ, 3, mr) != KEEL_OK) {
		keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_WFI_EXIT, 0, mr);
		return false;
	}
	v->irqs++; /* keelctl stats: interrupts injected */
	return true;
}

static long vmm_vcpu_set(unsigned cpu, unsigned reg, uint64_t val)
{
	uint64_t mr[6] = { reg, val, 0, 0, 0, 0 };
	return keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_WRITE_REG, 2, mr);
}

static bool vmm_vcpu_reg_write(struct vmm *v, unsigned cpu, unsigned reg, uint64_t val)
{
	(void)v;
	return vmm_vcpu_set(cpu, reg, val) == KEEL_OK;
}

static bool vmm_vcpu_reg_read(struct vmm *v, unsigned cpu, unsigned reg, uint64_t *val)
{
	uint64_t mr[6] = { reg, 0, 0, 0, 0, 0 };
	(void)v;
	if (keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_READ_REG, 1, mr) != KEEL_OK)
		return false;
	*val = mr[0];
	return true;
}

/* The boot CPU and CPU_ON alike: the registers the arch's boot protocol
 * gives (vmm_arch_boot_regs), arg being the device tree or CPU_ON's
 * context id; the MMU is off (a vCPU that never ran resets so). */
static const char *vmm_vcpu_start(unsigned cpu, uint64_t entry, uint64_t arg)
{
	struct vmm_reg_value regs[VMM_BOOT_REGS];
	unsigned n = vmm_arch_boot_regs(cpu, entry, arg, regs);
	for (unsigned i = 0; i < n; i++)
		if (vmm_vcpu_set(cpu, regs[i].reg, regs[i].val))
			return "cannot set the vCPU's registers";
	if (keel_tcb_resume(KEEL_VMM_SLOT_VCPU_TCB(cpu)) != KEEL_OK)
		return "cannot resume the vCPU thread";
	return NULL;
}

/* CPU_ON: a vCPU that ran before (CPU_OFF, then on again) comes up as
 * from reset, MMU off: its state in the kernel is reset, and interrupts
 * the VMM saw in flight on it are forgotten (vmm_arch_cpu_reset). */
static bool vmm_vcpu_on(struct vmm *v, unsigned cpu, uint64_t entry, uint64_t context)
{
	uint64_t mr[6] = { 0 };
	const char *why = NULL;
	if (keel_invoke(KEEL_VMM_SLOT_VCPU(cpu), KEEL_VCPU_RESET, 0, mr) != KEEL_OK)
		why = "cannot reset the vCPU";
	else
		vmm_arch_cpu_reset(v, cpu);
	if (!why)
		why = vmm_vcpu_start(cpu, entry, context);
	if (why)
		kprintf("[%s] CPU_ON of vCPU %u: %s\n", self, cpu, why);
	return !why;
}

/* Firmware console output (riscv64's SBI DBCN), a line at a time with
 * the VMM's name: a guest cannot make it write more than it wrote. */
static void vmm_console(struct vmm *v, const char *s, uint64_t n)
{
	static char line[120];
	static unsigned len;
	(void)v;
	for (uint64_t i = 0; i < n; i++) {
		if (s[i] != '\n' && len < sizeof(line) - 1) {
			line[len++] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
			continue;
		}
		line[len] = 0;
		kprintf("[%s] %s\n", self, line);
		len = 0;
		if (s[i] != '\n')
			line[len++] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
	}
}

static void vmm_vcpu_unknown(struct vmm *v, unsigned cpu, const uint64_t *mr);

static const struct vmm_ops vcpu_ops = {
	.inject = vmm_vcpu_inject, .cpu_on = vmm_vcpu_on, .reg_read = vmm_vcpu_reg_read,
	.reg_write = vmm_vcpu_reg_write, .unknown = vmm_vcpu_unknown, .console = vmm_console,
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
	vm.ram = (const uint8_t *)(uintptr_t)KEEL_VMM_RAM_VADDR;
	vm.ops = &vcpu_ops;
	if (!vmm_arch_init(&vm))
		return "cannot map the interrupt controller";
	for (unsigned d = 0; d < info->dev_count; d++)
		if (!dev_add(&vm, &devs[d], KEEL_VMM_SLOT_DEV(d), &info->dev[d]))
			return "a device window overlaps another, or its interrupt cannot be a "
			       "device's line";
	for (unsigned c = 0; c < vm.ncpus; c++)
		for (unsigned d = 0; d < info->dev_count; d++)
			if (!info->dev[d].via_vmm && !dev_route(c, d, &info->dev[d]))
				return "cannot route a device's window to its server";
	return NULL;
}

static void vm_loaded(const struct keel_vm_info *info, const struct loader_out *l)
{
	const struct guest_image *g = &l->image;
	if (info->firmware) {
		kprintf("[%s] firmware: %lu bytes in flash bank 0, entry 0x%lx, %s device tree "
			"at 0x%lx, %u vCPUs\n", self, (unsigned long)info->image_size,
			(unsigned long)g->entry, info->dtb_size ? "supplied" : "generated",
			(unsigned long)l->dtb, vm.ncpus);
		return;
	}
	kprintf("[%s] guest image: %lu bytes at 0x%lx (%lu with bss), entry 0x%lx, "
		"%s device tree at 0x%lx, %u vCPUs\n", self, (unsigned long)g->file_size,
		(unsigned long)(info->ram_base + g->load_offset), (unsigned long)g->mem_size,
		(unsigned long)g->entry, info->dtb_size ? "supplied" : "generated",
		(unsigned long)l->dtb, vm.ncpus);
	if (l->initrd)
		kprintf("[%s] initrd: %lu bytes at 0x%lx\n", self,
			(unsigned long)info->initrd_size, (unsigned long)l->initrd);
}

static void vm_stopped(void)
{
	static const char *const why[KEEL_VM_STOP_ERROR + 1] = {
		[KEEL_VM_STOP_OFF] = "power off", [KEEL_VM_STOP_RESET] = "reset",
		[KEEL_VM_STOP_ERROR] = "error",
	};
	const struct keel_vm_info *info = vm_info();
	stop_reported = true;
	for (unsigned c = 0; c < vm.ncpus; c++) /* the others may be running */
		keel_tcb_suspend(KEEL_VMM_SLOT_VCPU_TCB(c));
	/* Any request makes a device server take what the kernel queued on
	 * its post page first (a PL011's last lines, written just before the
	 * guest powered off): it must go out before root destroys the VM. A
	 * disk's queue (acknowledgements) has nothing that must. */
	for (unsigned d = 0; d < info->dev_count && d < KEEL_VMM_MAX_DEVICES; d++)
		if (info->dev[d].post && keel_vm_dev_is_uart(info->dev[d].kind))
			dev_lines(&devs[d]);
	kprintf("[%s] guest stopped: %s after %u exits (%u data aborts, %u unknown, "
		"%u IPIs)\n", self, why[vm.stopped], vm.exits, vm.aborts, unknown_exits,
		vm.ipis);
	vm.calls++;
	keel_report(KEEL_REPORT_VM_STOPPED, vm.stopped, "%s", why[vm.stopped]);
}

/* The first few are logged; a guest must not be able to flood the console. */
static void vmm_vcpu_unknown(struct vmm *v, unsigned cpu, const uint64_t *mr)
{
	(void)v, (void)cpu;
	if (++unknown_exits <= UNKNOWN_LOGGED)
		kprintf("[%s] unknown exit: cause 0x%lx at pc 0x%lx: undefined instruction for "
			"the guest%s\n", self, (unsigned long)mr[0], (unsigned long)mr[1],
			unknown_exits == UNKNOWN_LOGGED ? " (no more of these logged)" : "");
}

/* The VM is off: every vCPU stays stopped. The vCPU that stopped it is
 * stopped (this reply) before root hears of it, so that reply goes here
 * and the library sends none. Out of line: the exit path stays short. */
static __attribute__((noinline)) bool vm_stop(struct keel_msg *m)
{
	m->label = KEEL_VCPU_STOP;
	if (stop_reported)
		return true;
	keel_reply(keel_msginfo(m->label, m->len), m->mr);
	vm_stopped();
	return false;
}

/* An exit of vCPU badge - 1 (the library let only vCPU badges through):
 * m becomes the reply. */
static bool vm_exit(void *ctx, struct keel_msg *m)
{
	(void)ctx;
	exit_handle(&vm, (unsigned)m->badge - 1, m);
	return vm.stopped ? vm_stop(m) : true;
}

/* keelctl pause / resume (root signals, keel/ctl.h): the vCPUs the guest
 * has on stop or go on. Between two exits, so none is half handled: one
 * whose exit waits on the endpoint is taken off it and traps again when
 * it resumes; a parked one wakes as from WFI (which may wake anyway). */
static void vm_pause(bool pause)
{
	for (unsigned c = 0; c < vm.ncpus; c++)
		if (vm.power[c] == VMM_CPU_ON && !vm.stopped)
			(void)(pause ? keel_tcb_suspend(KEEL_VMM_SLOT_VCPU_TCB(c))
				     : keel_tcb_resume(KEEL_VMM_SLOT_VCPU_TCB(c)));
}

/* The bound notification: the console has input (h-console), or devices
 * changed their lines on their own. */
static void vm_notified(void *ctx, uint64_t bits)
{
	const struct keel_vm_info *info = vm_info();
	(void)ctx;
	if (bits & (KEEL_VMM_BADGE_PAUSE | KEEL_VMM_BADGE_RESUME))
		vm_pause(bits & KEEL_VMM_BADGE_PAUSE);
	for (unsigned d = 0; d < info->dev_count && d < KEEL_VMM_MAX_DEVICES; d++)
		if (bits & KEEL_VMM_BADGE_DEV(d))
			dev_lines(&devs[d]);
	vmm_console_input(&vm, info, bits);
}

static void vm_serving(void *ctx)
{
	(void)ctx;
	vm.calls += 2; /* both reports below: counted before root can read them */
	keel_report(KEEL_REPORT_READY, vm_entry, "guest started");
	keel_report(KEEL_CTL_REPORT_COUNTERS, (uint64_t)(uintptr_t)&vm.exits, "counters");
}

static int vm_fail(const char *why)
{
	kprintf("[%s] %s\n", self, why);
	vm.calls++;
	keel_report(KEEL_REPORT_VM_STOPPED, KEEL_VM_STOP_ERROR, "%s", why);
	return 0;
}

int main(int argc, char **argv)
{
	const struct keel_vm_info *info = vm_info();
	struct keel_server loop = {
		.ep = KEEL_SRV_EP, .init = vm_serving, .notified = vm_notified,
		.fault = vm_exit, .fault_badge_min = KEEL_VMM_BADGE_VCPU(0),
	};
	struct loader_out l;
	const char *why;
	long err;
	if (argc > 0)
		self = argv[0];
	if ((why = vm_setup(info)) || (why = loader_load(info, vm.ncpus, &l)))
		return vm_fail(why);
	vm_loaded(info, &l);
	vm_entry = l.image.entry;
	vm.power[0] = VMM_CPU_ON;
	if ((why = vmm_vcpu_start(0, vm_entry, l.dtb)))
		return vm_fail(why);
	loop.fault_badge_count = vm.ncpus;
	err = keel_server_loop(&loop); /* inline: direct calls on the exit path */
	kprintf("[%s] receive failed (%ld)\n", self, err);
	return 1;
}
