/*
 * Booting a riscv64 guest (the SBI boot protocol Linux's
 * Documentation/riscv/boot.rst describes).
 *
 * A vCPU starts (the boot hart, and any HSM hart_start) in VS-mode with
 * translation off (vsatp 0: a vCPU that never ran, or was reset), its
 * interrupts off (vsstatus.SIE 0), a0 = its hart id (vCPU i is hart i),
 * a1 = the boot argument (the device tree's address, or hart_start's
 * opaque value).
 *
 * Guest images: the riscv Linux Image header
 * (Documentation/riscv/boot-image-header.rst), which the test guests use
 * too.
 *
 *   offset  field        use here
 *   0x00    code0/code1  executable: the entry point is the first byte
 *   0x08    text_offset  image goes at RAM base + text_offset (RAM base is
 *                        2 MiB aligned, checked here)
 *   0x10    image_size   bytes the image occupies, bss included (0: the
 *                        file's size)
 *   0x18    flags        bit 0: big-endian (refused)
 *   0x38    magic2       "RSC\x05"
 *
 * Every field comes from the VM's configuration and is checked first.
 */
#include "riscv64_vmm.h"

#define IMAGE_HEADER_SIZE 64u
#define IMAGE_MAGIC2 0x05435352u /* "RSC\x05" */
#define RAM_ALIGN 0x200000ull
#define PRIV_VS 1u /* KEEL_VREG_PSTATE on riscv64 */

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
	if (size < IMAGE_HEADER_SIZE || (uint32_t)le64(img + 0x38) != IMAGE_MAGIC2)
		return "not a riscv Image (no \"RSC\\x05\" magic)";
	if (le64(img + 0x18) & 1)
		return "big-endian image";
	if (ram_base % RAM_ALIGN)
		return "RAM base is not 2 MiB aligned";
	text_offset = le64(img + 0x08);
	mem_size = le64(img + 0x10);
	if (mem_size == 0)
		mem_size = size;
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
		{ KEEL_VREG_PC, entry }, { KEEL_VREG_PSTATE, PRIV_VS },
		{ RV_VREG_A0, cpu }, { RV_VREG_A1, arg },
	};
	unsigned n = sizeof(regs) / sizeof(regs[0]);
	_Static_assert(sizeof(regs) / sizeof(regs[0]) <= VMM_BOOT_REGS, "boot registers");
	for (unsigned i = 0; i < n; i++)
		out[i] = regs[i];
	return n;
}
