/*
 * Guest "smp": two CPUs, brought up and down with PSCI, talking through
 * SGIs, each with its own virtual timer. CPU 0 drives and prints; CPU 1
 * only records what it saw in shared variables (the MMU is off, so all
 * memory is Device memory and every access is seen by the other CPU at
 * once).
 *
 *   marker              checks
 *   smp-psci            FEATURES(CPU_ON) = 0, MIGRATE_INFO_TYPE = 2,
 *                       AFFINITY_INFO(1) = OFF, CPU_ON(no such CPU) =
 *                       INVALID_PARAMETERS
 *   smp-cpu-on          CPU_ON(1) = SUCCESS; CPU 1 starts at the entry
 *                       with x0 = the context id and MPIDR Aff0 = 1;
 *                       AFFINITY_INFO(1) = ON; CPU_ON(1) again = ALREADY_ON
 *   smp-sgi             SGI 1 from CPU 0 wakes CPU 1 in WFI; its handler's
 *                       SGI 2 reaches CPU 0's handler
 *   smp-sgi-broadcast   SGI 3 with IRM = 1 (all but self) reaches CPU 1
 *                       and not CPU 0
 *   smp-timer           both CPUs' virtual timers wake their WFI
 *   smp-cpu-off         CPU 1's CPU_OFF: AFFINITY_INFO(1) turns OFF
 *   smp-cpu-on-again    CPU 1 comes back with a second CPU_ON and goes off
 *                       again
 *   smp                 all of the above
 *
 * Then CPU 0 prints "[test] DONE smp" and powers off with SYSTEM_OFF.
 */
#include "lib/gic.h"
#include "lib/guest.h"
#include "lib/smccc.h"

const char guest_name[] = "smp";

#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_FEATURES 0x8400000au
#define PSCI_INVALID_PARAMS ((uint64_t)-2)
#define PSCI_ALREADY_ON ((uint64_t)-4)
#define AFF_ON 0
#define AFF_OFF 1

#define SGI_PING 1
#define SGI_PONG 2
#define SGI_BCAST 3
#define SGI_IRM (1UL << 40)
#define VTIMER_INTID 27
#define CTX_FIRST 0x5eed0001UL
#define CTX_AGAIN 0x5eed0002UL
#define GICR_SGI_IGROUPR0 (GICR_BASE + 0x10080UL)
#define GICR_SGI_ISENABLER0 (GICR_BASE + 0x10100UL)
#define GICR_STRIDE 0x20000UL
#define SGI_BITS (1u << SGI_PING | 1u << SGI_PONG | 1u << SGI_BCAST)

/* CPU 1's progress, written by it, read by CPU 0 */
enum { ST_OFF, ST_UP, ST_PONGED, ST_BCAST, ST_TIMER, ST_AGAIN, ST_ERROR };

struct cpu_seen {
	volatile unsigned sgi[16];
	volatile unsigned timer, stray;
};
static struct cpu_seen seen[2];
static volatile unsigned stage;
static volatile uint64_t sec_ctx, sec_mpidr;
static volatile const char *sec_err;

/* CPU 1's stack; the entry below sets it up (head.S only sets CPU 0's) */
#define SEC_STACK 8192
extern uint8_t smp_sec_stack[SEC_STACK];
uint8_t smp_sec_stack[SEC_STACK] __attribute__((aligned(16)));
void smp_sec_entry(void);
void smp_sec_main(uint64_t ctx);

__asm__(
	"	.text\n"
	"	.balign 4\n"
	"	.globl smp_sec_entry\n"
	"smp_sec_entry:\n"
	"	msr daifset, #0xf\n"
	"	msr spsel, #1\n"
	"	adrp x1, smp_sec_stack\n"
	"	add x1, x1, :lo12:smp_sec_stack\n"
	"	add x1, x1, #8192\n"
	"	mov sp, x1\n"
	"	adrp x1, guest_vectors\n"
	"	add x1, x1, :lo12:guest_vectors\n"
	"	msr vbar_el1, x1\n"
	"	isb\n"
	"	bl smp_sec_main\n"
	"1:	wfi\n"
	"	b 1b\n");

static uint64_t mpidr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v;
}

static unsigned my_cpu(void)
{
	return (unsigned)(mpidr() & 0xff);
}

static void sgi_send(uint64_t v)
{
	__asm__ volatile("msr icc_sgi1r_el1, %0\n\tisb" : : "r"(v) : "memory");
}

static void cntv_arm(uint64_t cval)
{
	__asm__ volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
			 : : "r"(cval), "r"(1UL) : "memory");
}

static void cntv_disable(void)
{
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
}

static void smp_irq(struct exc_frame *f)
{
	struct cpu_seen *s = &seen[my_cpu() & 1];
	uint32_t intid = gic_ack();

	(void)f;
	if (intid >= GIC_SPURIOUS)
		return;
	if (intid == VTIMER_INTID) {
		cntv_disable();
		s->timer++;
	} else if (intid < 16) {
		s->sgi[intid]++;
	} else {
		s->stray++;
	}
	gic_eoi(intid);
}

/* Sleep in WFI until *v >= want, taking interrupts between WFIs (masked
 * around the check, so a wakeup is not lost). No timeout: CPU 0 has one. */
static void wait_irq(volatile unsigned *v, unsigned want)
{
	while (*v < want) {
		__asm__ volatile("wfi" ::: "memory");
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
}

/* Spin with interrupts taken until *v >= want or one second passes. */
static bool wait_until(volatile unsigned *v, unsigned want)
{
	uint64_t until = cntvct() + cntfrq();
	bool ok;

	__asm__ volatile("msr daifclr, #2" ::: "memory");
	while (*v < want && cntvct() < until)
		;
	__asm__ volatile("msr daifset, #2" ::: "memory");
	ok = *v >= want;
	return ok;
}

/* This CPU's redistributor: SGIs 1..3 group 1 and on, and the timer. */
static const char *gic_this_cpu(void)
{
	uint64_t rd = my_cpu() * GICR_STRIDE;
	const char *err = gic_init();

	if (err)
		return err;
	*(volatile uint32_t *)(GICR_SGI_IGROUPR0 + rd) |= SGI_BITS;
	*(volatile uint32_t *)(GICR_SGI_ISENABLER0 + rd) = SGI_BITS;
	return gic_enable_ppi(VTIMER_INTID, 0xa0);
}

static bool timer_once(struct cpu_seen *s)
{
	uint64_t t0 = cntvct(), delta = cntfrq() / 100;
	unsigned before = s->timer;

	cntv_arm(t0 + delta);
	wait_irq(&s->timer, before + 1);
	return cntvct() - t0 >= delta;
}

static void sec_fail(const char *why)
{
	sec_err = why;
	stage = ST_ERROR;
}

/* CPU 1, from smp_sec_entry with x0 = CPU_ON's context id. */
void smp_sec_main(uint64_t ctx)
{
	struct cpu_seen *s = &seen[1];
	const char *err;

	sec_ctx = ctx;
	sec_mpidr = mpidr();
	if (ctx == CTX_AGAIN) { /* the second start: say so and go */
		stage = ST_AGAIN;
		hvc_call(PSCI_CPU_OFF, 0, 0, 0);
		sec_fail("CPU_OFF returned (second time)");
		return;
	}
	if ((err = gic_this_cpu())) {
		sec_fail(err);
		return;
	}
	stage = ST_UP;
	wait_irq(&s->sgi[SGI_PING], 1);
	sgi_send((uint64_t)SGI_PONG << 24 | 1u << 0);
	stage = ST_PONGED;
	wait_irq(&s->sgi[SGI_BCAST], 1);
	sgi_send((uint64_t)SGI_PONG << 24 | 1u << 0);
	stage = ST_BCAST;
	if (!timer_once(s)) {
		sec_fail("CPU 1's timer fired early");
		return;
	}
	stage = ST_TIMER;
	hvc_call(PSCI_CPU_OFF, 0, 0, 0);
	sec_fail("CPU_OFF returned");
}

static bool wait_stage(unsigned want)
{
	uint64_t until = cntvct() + 2 * cntfrq();

	while (stage < want && cntvct() < until)
		;
	return stage >= want && stage != ST_ERROR;
}

static bool wait_off(void)
{
	uint64_t until = cntvct() + cntfrq();

	while (cntvct() < until)
		if (hvc_call(PSCI_AFFINITY_INFO, 1, 0, 0).a0 == AFF_OFF)
			return true;
	return false;
}

static bool check_psci(void)
{
	uint64_t feat = hvc_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0).a0;
	uint64_t mig = hvc_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0).a0;
	uint64_t aff = hvc_call(PSCI_AFFINITY_INFO, 1, 0, 0).a0;
	uint64_t bad = hvc_call(PSCI_CPU_ON, 7, (uint64_t)smp_sec_entry, 0).a0;

	return test_report(feat == 0 && mig == 2 && aff == AFF_OFF &&
			   bad == PSCI_INVALID_PARAMS, "smp-psci",
			   "FEATURES(CPU_ON) %ld, MIGRATE_INFO_TYPE %ld, "
			   "AFFINITY_INFO(1) %ld, CPU_ON(7) %ld", (long)feat,
			   (long)mig, (long)aff, (long)bad);
}

static bool check_cpu_on(void)
{
	uint64_t r = hvc_call(PSCI_CPU_ON, 1, (uint64_t)smp_sec_entry, CTX_FIRST).a0;
	uint64_t aff, again;

	if (r != 0)
		return test_report(false, "smp-cpu-on", "CPU_ON(1) = %ld", (long)r);
	if (!wait_stage(ST_UP))
		return test_report(false, "smp-cpu-on", "CPU 1 not up (stage %u: %s)",
				   stage, sec_err ? (const char *)sec_err : "-");
	aff = hvc_call(PSCI_AFFINITY_INFO, 1, 0, 0).a0;
	again = hvc_call(PSCI_CPU_ON, 1, (uint64_t)smp_sec_entry, CTX_FIRST).a0;
	return test_report(sec_ctx == CTX_FIRST && (sec_mpidr & 0xff00ffffffUL) == 1 &&
			   aff == AFF_ON && again == PSCI_ALREADY_ON, "smp-cpu-on",
			   "context 0x%lx, MPIDR 0x%lx, AFFINITY_INFO %ld, CPU_ON again %ld",
			   (uint64_t)sec_ctx, (uint64_t)sec_mpidr, (long)aff, (long)again);
}

static bool check_sgis(void)
{
	bool ok;

	sgi_send((uint64_t)SGI_PING << 24 | 1u << 1);
	ok = wait_until(&seen[0].sgi[SGI_PONG], 1) && wait_stage(ST_PONGED);
	if (!test_report(ok && seen[1].sgi[SGI_PING] == 1, "smp-sgi",
			 "CPU 1 got %u ping(s), CPU 0 %u pong(s)", seen[1].sgi[SGI_PING],
			 seen[0].sgi[SGI_PONG]))
		return false;
	sgi_send(SGI_IRM | (uint64_t)SGI_BCAST << 24);
	ok = wait_until(&seen[0].sgi[SGI_PONG], 2) && wait_stage(ST_BCAST);
	return test_report(ok && seen[1].sgi[SGI_BCAST] == 1 && seen[0].sgi[SGI_BCAST] == 0,
			   "smp-sgi-broadcast", "CPU 1 got %u, CPU 0 (the sender) %u",
			   seen[1].sgi[SGI_BCAST], seen[0].sgi[SGI_BCAST]);
}

static bool check_timers(void)
{
	bool mine = timer_once(&seen[0]);

	return test_report(mine && wait_stage(ST_TIMER), "smp-timer",
			   "CPU 0 %u, CPU 1 %u timer interrupts", seen[0].timer,
			   seen[1].timer);
}

static bool check_off_and_again(void)
{
	uint64_t r;

	if (!test_report(wait_off(), "smp-cpu-off", "AFFINITY_INFO(1) is OFF"))
		return false;
	r = hvc_call(PSCI_CPU_ON, 1, (uint64_t)smp_sec_entry, CTX_AGAIN).a0;
	return test_report(r == 0 && wait_stage(ST_AGAIN) && sec_ctx == CTX_AGAIN &&
			   wait_off(), "smp-cpu-on-again", "CPU_ON %ld, stage %u",
			   (long)r, stage);
}

void guest_main(const void *dtb)
{
	const char *err = gic_this_cpu();
	bool ok;

	(void)dtb;
	if (err) {
		test_report(false, "smp", "%s", err);
		return;
	}
	exc_set_irq_handler(smp_irq);
	ok = check_psci() && check_cpu_on() && check_sgis() && check_timers() &&
	     check_off_and_again();
	test_report(ok && seen[0].stray == 0 && seen[1].stray == 0, "smp",
		    "%u stray interrupts", seen[0].stray + seen[1].stray);
	con_printf("[test] DONE smp\n");
	hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
