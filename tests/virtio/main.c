/*
 * Runner for the virtio transport's unit tests (device-servers/virtio/
 * virtio.mk). Exits non-zero if any test fails. Check's CK_RUN_SUITE /
 * CK_RUN_CASE / CK_FORK apply.
 */
#include <stdlib.h>

#include "vt.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_mmio());
	int failed;
	srunner_add_suite(sr, suite_virtq());
	srunner_add_suite(sr, suite_resume());
	srunner_add_suite(sr, suite_netrx());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
