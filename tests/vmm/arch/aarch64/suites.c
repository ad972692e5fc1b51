/* The aarch64 VMM part's suites: whole exits through the aarch64 part
 * (HVC, SMC and system registers included), the vGIC and its interrupt
 * delivery, PSCI, the arm64 Image, the Arm device tree. */
#include "vmm_test.h"

void vmm_test_arch_suites(SRunner *sr)
{
	srunner_add_suite(sr, suite_exit());
	srunner_add_suite(sr, suite_vgic());
	srunner_add_suite(sr, suite_image());
	srunner_add_suite(sr, suite_dtb());
	srunner_add_suite(sr, suite_irq());
	srunner_add_suite(sr, suite_psci());
}
