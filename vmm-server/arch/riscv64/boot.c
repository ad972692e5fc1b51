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
#include "loader.h"

#define IMAGE_MAGIC2 0x05435352u /* "RSC\x05" */
#define PRIV_VS 1u /* KEEL_VREG_PSTATE on riscv64 */

const char *vmm_arch_image_check(const uint8_t *img, uint64_t size, uint64_t ram_base,
				 uint64_t ram_size, struct guest_image *out)
{
	static const struct loader_image_format riscv = {
		.magic = IMAGE_MAGIC2, .no_magic = "not a riscv Image (no \"RSC\\x05\" magic)",
	};
	return loader_image_header(&riscv, img, size, ram_base, ram_size, out);
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
