/*
 * Guest "pmu": the guest's own PMU counts exactly its own instructions.
 *
 * Needs QEMU's -icount (QEMU counts retired instructions, event 0x08, only
 * then). It checks that PMCR_EL0 shows event counters and that event 0x08
 * is implemented, then counts a loop of LOOPS iterations of two
 * instructions (subs, b.ne) with event counter 0, several times: the
 * count must be 2 * LOOPS plus the one mrs between the two reads, give
 * or take SLACK. tests/system/pmu.sh runs two of these VMs on one CPU, so
 * their loops are interleaved by the scheduler: any instruction of the
 * other VM, of a server or of the kernel counted here would be millions
 * or at least hundreds off. The cycle counter must move as well.
 *
 * Then both counters are asked to count EL2 too (NSH in PMEVTYPER0_EL0
 * and PMCCFILTR_EL0) across HVC_CALLS hypercalls, each an exit to the
 * kernel and the VMM: they must still count only the guest's own few
 * instructions per call (MDCR_EL2.HPMD and HCCD), not the kernel's.
 *
 * Before any of it the PMU must be as a new vCPU's: disabled, nothing
 * enabled or overflowed, every counter, type and filter zero, so no
 * other VM's state shows (the other VM of pmu.sh runs the same program
 * on the same CPU). After it, every other event counter (1..N-1) counts
 * the loop too, reached through PMSELR_EL0 and PMXEVCNTR_EL0, whose
 * selection must survive the switches to the other VM meanwhile.
 */
#include "lib/guest.h"
#include "lib/smccc.h"

const char guest_name[] = "pmu";

#define LOOPS 10000000ull /* 20 M instructions: several scheduler ticks */
#define ROUNDS 3
#define SLACK 8
#define EV_INST_RETIRED 0x08ull
#define PMCR_E 1ull
#define PMCR_N(v) (((v) >> 11) & 0x1f)
#define PMCNT_C (1ull << 31)
#define FILTER_NSH (1ull << 27) /* PMEVTYPER, PMCCFILTR: count EL2 as well */
#define HVC_CALLS 1000u
#define HVC_MAX 64u /* per call: the guest's own instructions are a dozen */

/* The loop, counted; *cycles and *ticks: the cycle counter's and the
 * virtual counter's advance over it (the latter runs while other VMs run). */
static uint64_t counted_loop(uint64_t n, uint64_t *cycles, uint64_t *ticks)
{
	uint64_t before, after, c0, c1, t0, t1;
	__asm__ volatile("isb\n\t"
			 "mrs %4, cntvct_el0\n\t"
			 "mrs %2, pmccntr_el0\n\t"
			 "mrs %0, pmevcntr0_el0\n\t"
			 "1: subs %6, %6, #1\n\t"
			 "b.ne 1b\n\t"
			 "mrs %1, pmevcntr0_el0\n\t"
			 "mrs %3, pmccntr_el0\n\t"
			 "mrs %5, cntvct_el0\n\t"
			 : "=&r"(before), "=&r"(after), "=&r"(c0), "=&r"(c1), "=&r"(t0), "=&r"(t1),
			   "+r"(n)
			 : : "cc");
	*cycles = c1 - c0;
	*ticks = t1 - t0;
	return (after - before) & 0xffffffffull; /* event counters are 32-bit */
}

/* Counting EL2 asked for (NSH), across HVC_CALLS exits: per call, the
 * instructions and cycles counted must be the guest's alone. */
static bool el2_not_counted(void)
{
	uint64_t i0, i1, c0, c1, per_i, per_c;
	__asm__ volatile("msr pmevtyper0_el0, %0\n\tmsr pmccfiltr_el0, %1\n\tisb"
			 : : "r"(EV_INST_RETIRED | FILTER_NSH), "r"(FILTER_NSH));
	__asm__ volatile("mrs %0, pmevcntr0_el0\n\tmrs %1, pmccntr_el0" : "=r"(i0), "=r"(c0));
	for (unsigned k = 0; k < HVC_CALLS; k++)
		(void)hvc_call(HVC_UNKNOWN_FID, 0, 0, 0);
	__asm__ volatile("mrs %0, pmevcntr0_el0\n\tmrs %1, pmccntr_el0" : "=r"(i1), "=r"(c1));
	__asm__ volatile("msr pmevtyper0_el0, %0\n\tmsr pmccfiltr_el0, xzr\n\tisb"
			 : : "r"(EV_INST_RETIRED));
	per_i = ((i1 - i0) & 0xffffffffull) / HVC_CALLS;
	per_c = (c1 - c0) / HVC_CALLS;
	con_printf("[pmu] %u hypercalls counting EL2 too: %lu instructions and %lu cycles"
		   " counted per call\n", HVC_CALLS, (unsigned long)per_i, (unsigned long)per_c);
	return per_i > 0 && per_i < HVC_MAX && per_c > 0 && per_c < HVC_MAX;
}

/* The PMU as a vCPU starts: nothing of another VM's. */
static bool pmu_fresh(unsigned n)
{
	uint64_t pmcr, en, ovs, ccnt, cfilt, v, t, bad = 0;
	__asm__ volatile("mrs %0, pmcr_el0\n\tmrs %1, pmcntenset_el0\n\tmrs %2, pmovsset_el0\n\t"
			 "mrs %3, pmccntr_el0\n\tmrs %4, pmccfiltr_el0"
			 : "=r"(pmcr), "=r"(en), "=r"(ovs), "=r"(ccnt), "=r"(cfilt));
	for (unsigned k = 0; k < n; k++) {
		__asm__ volatile("msr pmselr_el0, %2\n\tisb\n\tmrs %0, pmxevcntr_el0\n\t"
				 "mrs %1, pmxevtyper_el0" : "=r"(v), "=r"(t) : "r"((uint64_t)k));
		bad |= v | t;
	}
	__asm__ volatile("msr pmselr_el0, xzr\n\tisb");
	con_printf("[pmu] at start: PMCR.E %lu, enabled 0x%lx, overflows 0x%lx, cycles %lu,"
		   " filter 0x%lx, counters and types %s\n", (unsigned long)(pmcr & PMCR_E),
		   (unsigned long)en, (unsigned long)ovs, (unsigned long)ccnt,
		   (unsigned long)cfilt, bad ? "NOT all zero" : "all zero");
	return !(pmcr & PMCR_E) && !en && !ovs && !ccnt && !cfilt && !bad;
}

/* Event counter k (through PMSELR_EL0) counts a loop of n iterations:
 * 2n and the one mrs between the reads, as counter 0 does. */
static uint64_t counted_loop_sel(unsigned k, uint64_t n)
{
	uint64_t before, after;
	__asm__ volatile("msr pmselr_el0, %3\n\t"
			 "msr pmxevtyper_el0, %4\n\t"
			 "msr pmcntenset_el0, %5\n\t"
			 "isb\n\t"
			 "mrs %0, pmxevcntr_el0\n\t"
			 "1: subs %2, %2, #1\n\t"
			 "b.ne 1b\n\t"
			 "mrs %1, pmxevcntr_el0\n\t"
			 : "=&r"(before), "=&r"(after), "+r"(n)
			 : "r"((uint64_t)k), "r"(EV_INST_RETIRED), "r"(1ull << k)
			 : "cc");
	return (after - before) & 0xffffffffull;
}

void guest_main(const void *dtb)
{
	uint64_t pmcr, ceid, cycles, ticks, freq, got, want = 2 * LOOPS + 1;
	bool ok = true;
	(void)dtb;
	__asm__ volatile("mrs %0, pmcr_el0\n\tmrs %1, pmceid0_el0" : "=r"(pmcr), "=r"(ceid));
	if (!test_report(PMCR_N(pmcr) >= 3 && (ceid & (1ull << EV_INST_RETIRED)), "pmu-present",
			 "PMCR_EL0 0x%lx (%lu event counters), PMCEID0 0x%lx",
			 (unsigned long)pmcr, (unsigned long)PMCR_N(pmcr), (unsigned long)ceid))
		return;
	ok = test_report(pmu_fresh((unsigned)PMCR_N(pmcr)), "pmu-fresh",
			 "a new vCPU's PMU: off, zero, nothing of the other VM's");
	__asm__ volatile("msr pmevtyper0_el0, %0\n\t"  /* EL1 and EL0, not EL2 */
			 "msr pmccfiltr_el0, xzr\n\t"
			 "msr pmcntenset_el0, %1\n\t"
			 "msr pmcr_el0, %2\n\tisb"
			 : : "r"(EV_INST_RETIRED), "r"(PMCNT_C | 1ull), "r"(PMCR_E | 6ull));
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	for (unsigned r = 0; r < ROUNDS; r++) {
		got = counted_loop(LOOPS, &cycles, &ticks);
		/* under -icount shift=0 an instruction takes 1 ns of virtual time:
		 * elapsed-ns well above the count means others ran meanwhile */
		con_printf("[pmu] round %u: %lu instructions counted for %lu, %lu cycles,"
			   " elapsed-ns %lu\n", r, (unsigned long)got, (unsigned long)want,
			   (unsigned long)cycles, (unsigned long)(ticks * 1000000000ull / freq));
		ok = ok && got + SLACK >= want && got <= want + SLACK && cycles > 0;
	}
	ok = el2_not_counted() && ok;
	for (unsigned k = 1; k < PMCR_N(pmcr); k++) {
		got = counted_loop_sel(k, LOOPS);
		con_printf("[pmu] counter %u: %lu instructions counted for %lu\n", k,
			   (unsigned long)got, (unsigned long)want);
		ok = ok && got + SLACK >= want && got <= want + SLACK;
	}
	test_report(ok, "pmu", "%u rounds of %lu instructions counted exactly by counter 0, once"
		    " by each of counters 1..%lu, no EL2 counted", ROUNDS, (unsigned long)want,
		    (unsigned long)PMCR_N(pmcr) - 1);
}
