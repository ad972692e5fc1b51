/*
 * Runner for the host unit tests. Exits non-zero if any test fails, so
 * `make unit` fails. Check's environment variables apply: CK_RUN_SUITE,
 * CK_RUN_CASE, CK_FORK (default yes: each test in its own process, so
 * the kernel's static tables start clean), CK_VERBOSITY.
 */
#include <stdlib.h>

#include "fixture.h"

/* Here, not in fixture.c, which the kernel fuzzer (tests/fuzz/fuzz_syscall.c)
 * links without Check's runner. */
Suite *fx_suite(const char *name, TCase **tc)
{
	Suite *s = suite_create(name);
	*tc = tcase_create(name);
	tcase_add_checked_fixture(*tc, fx_setup, fx_teardown);
	tcase_set_timeout(*tc, 20);
	suite_add_tcase(s, *tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite_cap());
	int failed;
	srunner_add_suite(sr, suite_untyped());
	srunner_add_suite(sr, suite_ipc());
	srunner_add_suite(sr, suite_notify());
	srunner_add_suite(sr, suite_sched());
	srunner_add_suite(sr, suite_vspace());
	srunner_add_suite(sr, suite_syscall());
	srunner_add_suite(sr, suite_fastpath());
	srunner_add_suite(sr, suite_vcpu());
	srunner_add_suite(sr, suite_irq());
	srunner_add_suite(sr, suite_libipc());
	srunner_add_suite(sr, suite_decode());
	srunner_add_suite(sr, suite_trace());
	srunner_add_suite(sr, suite_klog());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
