/*
 * Running the VMs a configuration describes (docs/config.md). When QEMU
 * delivered boot blobs (tools/mkblobs, kernel/boot.c), root reads the first blob as the JSON
 * configuration, refuses the VMs it cannot start (with located messages,
 * boot/vmconfig.c) and starts the others, VM i on physical CPU i mod the
 * number of CPUs (its vCPU j on CPU i + j mod that number). The console
 * server runs in switch mode: the first VM has the terminal, Ctrl-] n
 * gives it to VM n.
 *
 * Each VM then lives on its own: PSCI SYSTEM_OFF destroys it (its servers,
 * vCPUs and RAM; the memory is free again), SYSTEM_RESET destroys it and
 * builds it again from the same configuration, and a VMM that cannot go
 * on ends its VM only. The other VMs never notice.
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include <keel/ctl.h>

#include "console.h"
#include "ctl.h"
#include "vm.h"
#include "vmconfig.h"

#define VMRUN_MAX VM_MAX

static struct vm_spec run_spec[VMRUN_MAX];
static struct vm *run_vm[VMRUN_MAX];
static unsigned run_count, run_live;

/* The configuration: the first boot blob (the manifest's blob 0). */
static const struct keel_boot_module *vmrun_config(void)
{
	const struct keel_bootinfo *bi = root_boot_info();
	for (uint32_t i = 0; i < bi->module_count && i < KEEL_BOOT_MAX_MODULES; i++)
		if (bi->module[i].frame_count)
			return &bi->module[i];
	return NULL;
}

void vmrun_start(void)
{
	const struct keel_boot_module *m = vmrun_config();
	const struct keel_bootinfo *bi = root_boot_info();
	unsigned n;
	if (!m) {
		kprintf("[root] no VM config given; see make run CONFIG=... (docs/config.md)\n");
		return;
	}
	n = vmconfig_load(m->name, (const char *)(uintptr_t)m->vaddr, m->size, root_ram_bytes(),
			  run_spec, VMRUN_MAX);
	/* one VM at a time on the terminal, Ctrl-] n to switch (docs/vm.md) */
	if (!console_start(CONSOLE_SWITCH, 0))
		kprintf("[root] no console server: VM output goes to the kernel console\n");
	ctl_start(0); /* keelctl's control server, if the machine has its device */
	for (unsigned i = 0; i < n; i++) {
		run_spec[i].cpu = i % bi->ncpus;
		run_vm[run_count] = vm_create(&run_spec[i]);
		if (!run_vm[run_count] || !vm_start(run_vm[run_count])) {
			kprintf("[root] VM %s not started: cannot build it\n", run_spec[i].name);
			continue;
		}
		run_count++;
		run_live++;
	}
	kprintf("[root] %u VM%s running\n", run_live, run_live == 1 ? "" : "s");
}

static void vmrun_stopped(struct vm *vm, uint64_t why, const char *text)
{
	ctl_event(KEEL_CTL_EV_STOPPED, vm->name, NULL);
	if (why == KEEL_VM_STOP_RESET) {
		kprintf("[root] VM %s asked for a reset: building it again\n", vm->name);
		if (vm_reset(vm))
			return;
		kprintf("[root] VM %s could not be built again\n", vm->name);
	} else {
		kprintf("[root] VM %s stopped: %s\n", vm->name, text);
		vm_destroy(vm);
	}
	run_live--;
	kprintf("[root] %u VM%s still running\n", run_live, run_live == 1 ? "" : "s");
}

bool vmrun_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	for (unsigned i = 0; i < run_count; i++) {
		struct vm *vm = run_vm[i];
		if (!vm->live || s != vm->vmm)
			continue;
		if (kind == KEEL_REPORT_READY) {
			kprintf("[root] VM %s started at 0x%lx\n", vm->name, (unsigned long)value);
			ctl_vm_started(vm);
		}
		else if (kind == KEEL_REPORT_VM_STOPPED)
			vmrun_stopped(vm, value, text);
		return true;
	}
	return false;
}

void vmrun_start_again(uint64_t index)
{
	struct vm *vm = index < VM_MAX ? vm_entry_at((unsigned)index) : NULL;
	bool was_live;
	if (!vm || !run_count) {
		kprintf("[root] no configured VM %lu to start\n", (unsigned long)index + 1);
		return;
	}
	if (vm_servers_up(vm)) {
		kprintf("[root] VM %s is running (Ctrl-] s starts a VM that is off)\n", vm->name);
		return;
	}
	was_live = vm->live;
	kprintf("[root] VM %s: starting it again (Ctrl-] s)\n", vm->name);
	if (!vm_reset(vm)) {
		kprintf("[root] VM %s could not be built again\n", vm->name);
		run_live -= was_live;
	} else {
		run_live += !was_live;
	}
	kprintf("[root] %u VM%s running\n", run_live, run_live == 1 ? "" : "s");
}

bool vmrun_stop(uint64_t index)
{
	struct vm *vm = index < VM_MAX ? vm_by_index((unsigned)index) : NULL;
	if (!vm)
		return false;
	kprintf("[root] VM %s: stopping it (keelctl)\n", vm->name);
	ctl_event(KEEL_CTL_EV_STOPPED, vm->name, NULL);
	vm_destroy(vm);
	run_live--;
	kprintf("[root] %u VM%s still running\n", run_live, run_live == 1 ? "" : "s");
	return true;
}

bool vmrun_reset(uint64_t index)
{
	struct vm *vm = index < VM_MAX ? vm_by_index((unsigned)index) : NULL;
	if (!vm)
		return false;
	kprintf("[root] VM %s: building it again (keelctl reset)\n", vm->name);
	ctl_event(KEEL_CTL_EV_STOPPED, vm->name, NULL);
	if (vm_reset(vm))
		return true;
	kprintf("[root] VM %s could not be built again\n", vm->name);
	run_live--;
	return false;
}

void vmrun_add(struct vm *vm)
{
	unsigned i = 0;
	while (i < run_count && run_vm[i] != vm)
		i++;
	if (i == run_count && run_count < VMRUN_MAX)
		run_vm[run_count++] = vm;
	run_live++;
	kprintf("[root] %u VM%s running\n", run_live, run_live == 1 ? "" : "s");
}
