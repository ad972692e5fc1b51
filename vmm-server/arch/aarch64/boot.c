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

#define PSTATE_EL1H_MASKED 0x3c5ull /* EL1h, D, A, I, F masked */

#define IMAGE_HEADER_SIZE 64u
#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define IMAGE_OLD_TEXT_OFFSET 0x80000u
#define RAM_ALIGN 0x200000ull

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const char *vmm_arch_image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
				 uint64_t ram_size, struct guest_image *out)
{
	uint64_t text_offset, mem_size;
	if (size < IMAGE_HEADER_SIZE || (uint32_t)le64(img + 0x38) != IMAGE_MAGIC)
		return "not an arm64 Image (no \"ARM\\x64\" magic)";
	if (le64(img + 0x18) & 1)
		return "big-endian image";
	if (ram_base % RAM_ALIGN)
		return "RAM base is not 2 MiB aligned";
	text_offset = le64(img + 0x08);
	mem_size = le64(img + 0x10);
	if (mem_size == 0) {
		text_offset = IMAGE_OLD_TEXT_OFFSET;
		mem_size = size;
	}
	if (mem_size < size)
		return "image_size is smaller than the file";
	if (text_offset % 4096 || text_offset >= ram_size || mem_size > ram_size - text_offset)
		return "image does not fit in the VM's RAM";
	out->load_offset = text_offset;
	out->file_size = size;
	out->mem_size = mem_size;
	out->entry = ram_base + text_offset;
	return NULL;
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
