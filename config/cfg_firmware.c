/*
 * cfg_firmware.c — firmware_path (docs/firmware.md): a VM that boots
 * firmware from the CFI flash at guest-physical 0, as QEMU's virt board
 * does with -bios. The firmware loads the kernel itself, so the keys that
 * tell Keel's loader about a kernel do not go with it; the flash's two
 * banks take [0, CFG_FLASH_END), so RAM and devices must lie above, and
 * one of the VM's device slots.
 *
 * firmware_vars_path goes only with it: the host file that keeps bank 1
 * (U-Boot's environment). It need not exist (make run makes it), so it has
 * no file check; its size is checked where sizes are known (cfg_machine.c).
 */
#include "cfg_internal.h"

/* Keys for Keel's kernel loader, which a firmware VM does not use. */
static const char *const kernel_only[] = {
	"kernel_image_path", "initrd_path", "boot_args", "kernel_load_addr", "entry_point",
};

static void report_at(struct cfg_ctx *c, const cJSON *at, const char *key, enum cfg_err e,
		      const char *what)
{
	size_t mark = cfg_path_key(c, key);

	cfg_report(c, e, at, "%s", what);
	cfg_path_pop(c, mark);
}

bool cfg_read_firmware(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	const cJSON *vars = cfg_member(obj, "firmware_vars_path");

	if (cfg_member(obj, "firmware_path") == NULL) {
		if (cfg_member(obj, "kernel_image_path") == NULL)
			report_at(c, obj, "kernel_image_path", CFG_E_MISSING_KEY,
				  "required key is missing (or firmware_path, for firmware"
				  " that boots the kernel)");
		/* Left "": without a flash it is no disk (cfg_disk_index). */
		if (vars != NULL)
			report_at(c, vars, "firmware_vars_path", CFG_E_VALUE,
				  "only with firmware_path: it keeps the flash's bank 1");
		return false;
	}
	vm->firmware = true;
	cfg_get_path(c, obj, "firmware_path", vm->kernel_image_path);
	cfg_get_path(c, obj, "firmware_vars_path", vm->firmware_vars_path);
	return true;
}

void cfg_check_firmware(struct cfg_ctx *c, const cJSON *obj, struct cfg_vm *vm)
{
	const cJSON *at;

	if (!vm->firmware)
		return;
	for (size_t i = 0; i < sizeof(kernel_only) / sizeof(kernel_only[0]); i++)
		if ((at = cfg_member(obj, kernel_only[i])) != NULL)
			report_at(c, at, kernel_only[i], CFG_E_VALUE, "not with firmware_path: "
				  "the firmware loads the kernel (from a disk, say)");
	vm->raw_image = false;
	if (!c->ram_bad[c->vm] && vm->mem_base < CFG_FLASH_END)
		report_at(c, cfg_member(obj, "mem_base") ? cfg_member(obj, "mem_base") : obj,
			  "mem_base", CFG_E_OVERLAP, "RAM overlaps the flash banks at"
			  " 0x00000000..0x07ffffff (firmware_path)");
	for (size_t d = 0; d < vm->device_count; d++) {
		const cJSON *dev = c->dev_node[c->vm][d];
		size_t mark;

		if (c->dev_bad[c->vm][d] || vm->devices[d].base >= CFG_FLASH_END)
			continue;
		mark = cfg_path_index(c, "devices", d);
		report_at(c, cfg_member(dev, "base"), "base", CFG_E_OVERLAP,
			  "window overlaps the flash banks at 0x00000000..0x07ffffff"
			  " (firmware_path)");
		cfg_path_pop(c, mark);
	}
	if (vm->device_count >= CFG_MAX_DEVICES)
		report_at(c, cfg_member(obj, "devices"), "devices", CFG_E_LIMIT,
			  "a firmware VM has room for 7 devices: the flash is the 8th");
}
