/*
 * libFuzzer target: a user-supplied device tree (config dtb_path) through
 * the VMM's adoption code (vmm-server/dtb.c, dtb_adopt), with ASan and
 * UBSan. Whatever the bytes, the tree is adopted or refused; nothing faults.
 *
 *   make fuzz-dtb-smoke   a fixed number of inputs (part of make test)
 *   make fuzz-dtb         FUZZ_RUNS inputs (part of make fuzz)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dtb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[64 * 1024];
	static struct keel_vm_info info;
	const struct dtb_boot boot = { 0x44000000, 0x44200000 };
	info.ram_base = 0x40000000;
	info.ram_size = 256u << 20;
	strcpy(info.cmdline, "console=ttyAMA0");
	strcpy(info.name, "fuzz");
	/* the data at an odd address too: the VMM must not load misaligned */
	(void)dtb_adopt(data, size, &info, &boot, out, sizeof(out));
	return 0;
}
