/*
 * flash-crash: the VMs of the config blob, as the shipped root builds
 * them (config/examples/uboot.json, driven by tests/system/uboot.sh with
 * UBOOT_CRASH=1), while root crashes VM 1's flash server every
 * FLASH_PERIOD_MS and, every FLASH_DRV_EVERY-th period instead, the block
 * driver of its vars file (firmware_vars_path): U-Boot's flash probe,
 * saveenv and the environment read back from bank 1 must come out as they
 * do without crashes, and the vars file must hold what saveenv wrote
 * (docs/firmware.md, "Crashes"). Reports go on to the shipped root's
 * handling; root prints each crash and restart.
 */
#include <keel/print.h>

#include "../../boot/vm.h"
#include "scenario.h"

#define FLASH_PERIOD_MS 10u
#define FLASH_CRASHES 1000000u
#define FLASH_DRV_EVERY 7u

static const struct srv_policy flash_policy = { .max_restarts = 1000000 };

static void flash_start(void)
{
	struct vm *vm;
	unsigned d = 0;
	vmrun_start();
	vm = vm_by_index(0);
	while (vm && d < vm->ndev && vm->spec.dev[d].kind != KEEL_VM_DEV_FLASH)
		d++;
	if (!vm || d == vm->ndev) {
		scn_fail("flash-crash", "VM 1 has no flash (firmware_path)");
		scn_done();
		return;
	}
	srv_set_policy(vm->dev[d], &flash_policy);
	kprintf("[root] flash-crash: crashing %s every %u ms\n", vm->dev[d]->name,
		FLASH_PERIOD_MS);
	if (!vm->drv[d]) {
		inject_crashes(vm->dev[d], FLASH_PERIOD_MS, FLASH_CRASHES);
		return;
	}
	srv_set_policy(vm->drv[d], &flash_policy);
	kprintf("[root] flash-crash: and its vars file's driver %s every %u-th time\n",
		vm->drv[d]->name, FLASH_DRV_EVERY);
	inject_crashes_two(vm->dev[d], vm->drv[d], FLASH_DRV_EVERY, FLASH_PERIOD_MS, FLASH_CRASHES);
}

static uint64_t flash_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	vmrun_report(s, kind, value, text);
	return KEEL_REPORT_CONTINUE;
}

static void flash_faulted(struct server *s)
{
	(void)s; /* logged and restarted by root; the guest's output judges */
}

const struct scenario scenario_flash_crash = { .name = "flash-crash", .start = flash_start,
					       .report = flash_report, .faulted = flash_faulted };
