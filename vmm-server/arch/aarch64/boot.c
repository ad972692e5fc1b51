/*
 * Booting an aarch64 guest (Linux Documentation/arch/arm64/booting.rst).
 *
 * A vCPU starts (the boot CPU, and any CPU_ON) in EL1h with D, A, I, F
 * masked, MMU off (a vCPU that never ran, or was reset, is so), x0 = the
 * boot argument (the device tree's address, or CPU_ON's context id),
 * x1..x3 = 0, and MPIDR affinity Aff0 = its index (the device tree's
 * cpu@n reg, psci.c's CPU_ON target).
 *
 * Guest images: the arm64 Linux Image format, which the test guests use
 * too.
 *
 *   offset  field        use here
 *   0x00    code0/code1  executable: the entry point is the first byte
 *   0x08    text_offset  image goes at RAM base + text_offset (RAM base is
 *                        2 MiB aligned, checked here)
 *   0x10    image_size   bytes the image occupies, bss included; 0 means an
 *                        old kernel: text_offset 0x80000, size = file size
 *   0x18    flags        bit 0: big-endian (refused)
 *   0x38    magic        "ARM\x64"
 *
 * The image file comes from the VM's configuration: every field is
 * checked before it is used.
 */
#include "aarch64_vmm.h"
#include "loader.h"

#define PSTATE_EL1H_MASKED 0x3c5ull /* EL1h, D, A, I, F masked */

#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define IMAGE_OLD_TEXT_OFFSET 0x80000u

const char *vmm_arch_image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
				 uint64_t ram_size, struct guest_image *out)
{
	static const struct loader_image_format arm64 = {
		.magic = IMAGE_MAGIC, .no_magic = "not an arm64 Image (no \"ARM\\x64\" magic)",
		.zero_size_offset = IMAGE_OLD_TEXT_OFFSET, /* images before Linux 3.17 */
	};
	return loader_image_header(&arm64, img, size, ram_base, ram_size, out);
}

unsigned vmm_arch_boot_regs(unsigned cpu, uint64_t entry, uint64_t arg,
			    struct vmm_reg_value *out)
{
	const struct vmm_reg_value regs[] = {
		{ KEEL_VREG_MPIDR, cpu }, { KEEL_VREG_PC, entry },
		{ KEEL_VREG_PSTATE, PSTATE_EL1H_MASKED }, { 0, arg }, { 1, 0 }, { 2, 0 }, { 3, 0 },
	};
	unsigned n = sizeof(regs) / sizeof(regs[0]);
	_Static_assert(sizeof(regs) / sizeof(regs[0]) <= VMM_BOOT_REGS, "boot registers");
	for (unsigned i = 0; i < n; i++)
		out[i] = regs[i];
	return n;
}
