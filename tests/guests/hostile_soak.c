/*
 * The soak half of the hostile guest (hostile.c drives it):
 *
 *   - accesses a hypervisor cannot emulate from the syndrome: exclusive
 *     loads and stores, LSE atomics (load-add, swap, compare-and-swap)
 *     and unaligned loads and stores, each one instruction under a probe;
 *   - with "soak" on the VM's command line, a second vCPU (PSCI CPU_ON)
 *     that floods SGIs (to itself, to CPU 0, to all others), storms WFI
 *     and WFE and makes PSCI calls with bad arguments, until the VM is
 *     powered off. It takes no exception on purpose (the probes of
 *     guest.h are CPU 0's), so each of its operations is one that cannot
 *     fault: an emulated system-register write, a hypercall, a wait.
 */
#include "hostile.h"
#include "lib/fdt.h"
#include "lib/rand.h"
#include "lib/smccc.h"

#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define PSCI_MIGRATE_INFO_UP_CPU 0xc4000007u
#define PSCI_FEATURES 0x8400000au
#define PSCI_NODE_HW_STATE 0xc400000du
#define PSCI_STAT_RESIDENCY 0xc4000010u
#define PSCI_STAT_COUNT 0xc4000011u

#define CPU1_SEED 0x63707531UL /* "cpu1" */

/* ---- odd accesses (CPU 0, under a probe) ---------------------------------- */

static void odd_exclusive(uint64_t addr, unsigned kind, uint64_t v)
{
	uint64_t st = 0;

	switch (kind) {
	case 0:
		__asm__ volatile("ldxr %x0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 1:
		__asm__ volatile("ldaxr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("stxr %w0, %x1, [%2]" : "+r"(st) : "r"(v), "r"(addr)
				 : "memory");
		break;
	default:
		__asm__ volatile("stlxr %w0, %w1, [%2]" : "+r"(st) : "r"(v), "r"(addr)
				 : "memory");
		break;
	}
}

static void odd_atomic(uint64_t addr, unsigned kind, uint64_t v)
{
	uint64_t old = 0;

	switch (kind) {
	case 0:
		__asm__ volatile(".arch_extension lse\n\tldadd %x1, %x0, [%2]"
				 : "+r"(old) : "r"(v), "r"(addr) : "memory");
		break;
	case 1:
		__asm__ volatile(".arch_extension lse\n\tswpal %w1, %w0, [%2]"
				 : "+r"(old) : "r"(v), "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile(".arch_extension lse\n\tcas %x0, %x1, [%2]"
				 : "+r"(old) : "r"(v), "r"(addr) : "memory");
		break;
	}
}

static void odd_unaligned(uint64_t addr, unsigned kind, uint64_t v)
{
	if (kind & 1)
		__asm__ volatile("str %x0, [%1]" : : "r"(v), "r"(addr) : "memory");
	else
		__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
}

bool hostile_odd_access(uint64_t addr, unsigned kind, uint64_t v, struct fault *f)
{
	probe_begin();
	if (kind < ODD_EXCLUSIVE + 4)
		odd_exclusive(addr, kind - ODD_EXCLUSIVE, v);
	else if (kind < ODD_ATOMIC + 3)
		odd_atomic(addr, kind - ODD_ATOMIC, v);
	else
		odd_unaligned(addr | 1, kind - ODD_UNALIGNED, v);
	return probe_end(f);
}

/* ---- the second vCPU -------------------------------------------------------- */

volatile uint64_t hostile_cpu1_ops, hostile_cpu1_sgis, hostile_cpu1_waits;
volatile uint64_t hostile_cpu1_psci;
static volatile bool cpu1_up;

#define CPU1_STACK 8192
extern uint8_t hostile_cpu1_stack[CPU1_STACK];
uint8_t hostile_cpu1_stack[CPU1_STACK] __attribute__((aligned(16)));
void hostile_cpu1_entry(void);
void hostile_cpu1_main(void);

__asm__(
	"	.text\n"
	"	.balign 4\n"
	"	.globl hostile_cpu1_entry\n"
	"hostile_cpu1_entry:\n"
	"	msr daifset, #0xf\n"
	"	msr spsel, #1\n"
	"	adrp x1, hostile_cpu1_stack\n"
	"	add x1, x1, :lo12:hostile_cpu1_stack\n"
	"	add x1, x1, #8192\n"
	"	mov sp, x1\n"
	"	adrp x1, guest_vectors\n"
	"	add x1, x1, :lo12:guest_vectors\n"
	"	msr vbar_el1, x1\n"
	"	isb\n"
	"	bl hostile_cpu1_main\n"
	"1:	wfe\n"
	"	b 1b\n");

/* A burst of SGIs: INTID 0..15 to a target list of CPU 0 and/or 1, or
 * (IRM) to every CPU but this one. */
static void cpu1_sgis(uint64_t *seed)
{
	unsigned n = 1 + (unsigned)(rand_next(seed) % 32);

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = rand_next(seed);
		uint64_t v = (r & 0xf) << 24 | (r >> 8 & 3); /* INTID, targets */
		if ((r >> 16 & 7) == 0)
			v |= 1UL << 40; /* IRM: all but self */
		__asm__ volatile("msr icc_sgi1r_el1, %0\n\tisb" : : "r"(v) : "memory");
		hostile_cpu1_sgis++;
	}
}

/* WFE: the kernel yields (the event stream set below ends the wait at
 * the latest). WFI: after an SGI 0 to itself, and with the virtual timer
 * armed 100 us ahead, unmasked at the timer: the kernel does not park a
 * vCPU whose timer is due, whatever the GIC says (the storm on CPU 0
 * writes it at random), so every WFI ends. Interrupts stay masked here,
 * so what is pending stays pending. Both are storms of wait exits. */
static void cpu1_waits(uint64_t *seed)
{
	unsigned n = 1 + (unsigned)(rand_next(seed) % 16);
	uint64_t tick = cntfrq() / 10000;

	for (unsigned i = 0; i < n; i++) {
		if (rand_next(seed) & 1) {
			__asm__ volatile("wfe" ::: "memory");
		} else {
			__asm__ volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\t"
					 "msr icc_sgi1r_el1, %2\n\tisb\n\twfi"
					 : : "r"(cntvct() + tick), "r"(1UL), "r"(2UL)
					 : "memory"); /* timer on; SGI 0 to CPU 1 */
		}
		hostile_cpu1_waits++;
	}
}

/* PSCI calls that must answer an error or a fact, whatever the
 * arguments: CPU_ON of any MPIDR (both CPUs are on, so ALREADY_ON or
 * INVALID_PARAMETERS) at any entry, AFFINITY_INFO at any level, FEATURES
 * of any id, and the optional calls Keel may not implement. */
static void cpu1_psci(uint64_t *seed)
{
	uint64_t a = rand_next(seed), b = rand_next(seed), c = rand_next(seed);

	switch (rand_next(seed) % 7) {
	case 0: hvc_call(PSCI_CPU_ON, a & 1 ? (a >> 1 & 1) : a, b, c); break;
	case 1: hvc_call(PSCI_AFFINITY_INFO, a & 1 ? (a >> 1 & 1) : a, b & 3 ? b % 4 : b, c);
		break;
	case 2: hvc_call(PSCI_FEATURES, a & 1 ? 0x84000000u | (b & 0x1f) : b, c, a); break;
	case 3: hvc_call(PSCI_MIGRATE_INFO_UP_CPU, a, b, c); break;
	case 4: hvc_call(PSCI_NODE_HW_STATE, a, b, c); break;
	case 5: hvc_call(PSCI_STAT_RESIDENCY, a, b, c); break;
	default: hvc_call(PSCI_STAT_COUNT, a, b, c); break;
	}
	hostile_cpu1_psci++;
}

void hostile_cpu1_main(void)
{
	uint64_t seed = CPU1_SEED;

	/* the event stream at bit 10 of the counter (about 16 us at 62.5 MHz)
	 * wakes every WFE */
	__asm__ volatile("msr cntkctl_el1, %0\n\tisb" : : "r"(1UL << 2 | 10UL << 4));
	cpu1_up = true;
	for (;;) {
		switch (rand_next(&seed) % 4) {
		case 0: case 1: cpu1_sgis(&seed); break;
		case 2: cpu1_waits(&seed); break;
		default: cpu1_psci(&seed); break;
		}
		hostile_cpu1_ops++;
	}
}

/* CPU_ON(1) and wait until it runs; false if PSCI refused or it never
 * came (the storm goes on with one vCPU then, and the report says so). */
bool hostile_cpu1_start(void)
{
	uint64_t r = hvc_call(PSCI_CPU_ON, 1, (uint64_t)hostile_cpu1_entry, 0).a0;
	uint64_t until = cntvct() + cntfrq();

	if (r != 0)
		return false;
	while (!cpu1_up && cntvct() < until)
		__asm__ volatile("yield" ::: "memory");
	return cpu1_up;
}

/* "ops=N" in the command line, or 0. */
uint64_t hostile_soak_ops(const char *args)
{
	return bootargs_num(args, "ops=");
}
