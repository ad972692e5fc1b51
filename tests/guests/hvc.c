/*
 * Guest "hvc": hypercall round trips through the SMCCC.
 *
 *   PSCI_VERSION (0x84000000)       must return a version >= 1.0
 *   vendor hyp call 0xc6001234      must return NOT_SUPPORTED (-1)
 *
 * Then it times a batch of PSCI_VERSION calls (informational only). An
 * HVC that comes back as an undefined-instruction exception is a FAIL
 * that says so.
 */
#include "lib/guest.h"
#include "lib/smccc.h"

const char guest_name[] = "hvc";

#define TIMED_CALLS 256

/* One HVC; returns false (with the exception in *f) if it was UNDEFINED. */
static bool hvc_probe(uint32_t fid, uint64_t *ret, struct fault *f)
{
	probe_begin();
	*ret = hvc_call(fid, 0, 0, 0).a0;
	return !probe_end(f);
}

static bool check_psci_version(void)
{
	struct fault f;
	uint64_t v;

	if (!hvc_probe(PSCI_VERSION, &v, &f))
		return test_report(false, "hvc-psci-version",
				   "HVC raised EC 0x%lx", ESR_EC(f.esr));
	return test_report(v >= 0x10000 && v <= 0x7fffffff, "hvc-psci-version",
			   "PSCI %lu.%lu (0x%lx)", (v >> 16) & 0x7fff,
			   v & 0xffff, v);
}

static void check_unknown(void)
{
	struct fault f;
	uint64_t v;

	if (!hvc_probe(HVC_UNKNOWN_FID, &v, &f)) {
		test_report(false, "hvc-unknown", "HVC raised EC 0x%lx",
			    ESR_EC(f.esr));
		return;
	}
	/* SMCCC return values are 32-bit for id 0xc6..: only w0 counts. */
	test_report((int32_t)v == SMCCC_NOT_SUPPORTED, "hvc-unknown",
		    "0x%x returned 0x%lx", HVC_UNKNOWN_FID, v);
}

static void time_round_trips(void)
{
	uint64_t t0 = cntvct();

	for (unsigned i = 0; i < TIMED_CALLS; i++)
		(void)hvc_call(PSCI_VERSION, 0, 0, 0);
	uint64_t ticks = cntvct() - t0;
	con_printf("[hvc] %u PSCI_VERSION calls: %lu counter ticks each "
		   "(counter %lu Hz)\n",
		   TIMED_CALLS, ticks / TIMED_CALLS, cntfrq());
}

void guest_main(const void *dtb)
{
	(void)dtb;
	bool hvc_works = check_psci_version();

	check_unknown();
	if (hvc_works) /* unprobed calls: they must not raise */
		time_round_trips();
}
