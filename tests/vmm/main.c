/*
 * Runner for the VMM and device-model unit tests (vmm-server/vmm-unit.mk).
 * Exits non-zero if any test fails. Check's CK_RUN_SUITE / CK_RUN_CASE /
 * CK_FORK apply.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmm_test.h"

/* keel/abi.h's wrappers trap through this on the host; the pure code
 * under test never calls them. */
long fake_keel_trap(unsigned num, uint64_t cptr, uint64_t *info, uint64_t *mr);
long fake_keel_trap(unsigned num, uint64_t cptr, uint64_t *info, uint64_t *mr)
{
	(void)num, (void)cptr, (void)info, (void)mr;
	return 1; /* KEEL_E_INVALID_CALL */
}

int main(void)
{
	SRunner *sr = srunner_create(suite_mmio());
	int failed;
	srunner_add_suite(sr, suite_pl011());
	srunner_add_suite(sr, suite_ns16550());
	srunner_add_suite(sr, suite_flash());
	srunner_add_suite(sr, suite_console());
	vmm_test_arch_suites(sr);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
