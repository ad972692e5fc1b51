/* The riscv64 VMM part's suites: SBI calls through exit.c, the riscv
 * Image header and boot registers, the PLIC model, the device tree. */
#include "vmm_test.h"

void vmm_test_arch_suites(SRunner *sr)
{
	srunner_add_suite(sr, suite_sbi());
	srunner_add_suite(sr, suite_plic());
	srunner_add_suite(sr, suite_dtb());
}
