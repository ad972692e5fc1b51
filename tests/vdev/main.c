/* Runner for the virtio-rng and virtio-console core tests
 * (device-servers/vdev.mk). Exits non-zero if any test fails. */
#include <stdlib.h>

#include "vd.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_rng());
	int failed;
	srunner_add_suite(sr, suite_vcon());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
