/*
 * Guest "hostile": a bounded storm of what a misbehaving guest may do,
 * then "[test] PASS hostile-done" and a heartbeat line every second, so
 * a test can see the VM (and the system around it) still runs.
 *
 * STORM_OPS operations, fixed seed, each picked at random:
 *   1/8  HVC with a random function id and arguments (hostile_call.c)
 *   1/8  SMC, likewise
 *   3/8  a trapped or UNDEFINED system-register access (hostile_sysreg.c)
 *   2/8  an MMIO access of 1, 2, 4, 8 or 16 (LDP/STP) bytes, read or
 *        write, naturally aligned: at a random address in the 1 TiB
 *        guest-physical space, or at a random offset in the GIC
 *        distributor and redistributors, the PL011 or virtio-mmio windows
 *   1/8  an access no syndrome describes at such an address: an
 *        exclusive load or store, an LSE atomic, an unaligned load or
 *        store (hostile_soak.c)
 *
 * With "soak ops=N" on the VM's command line (tests/root/scn_hsoak.c) it
 * makes N operations instead, with a line every million, while a second
 * vCPU floods SGIs, storms WFI/WFE and makes PSCI calls with bad
 * arguments (hostile_soak.c); then it reports and powers the VM off, so
 * the VMM prints how many exits it took. No heartbeat then.
 *
 * Every exception comes back to the guest: undefined instructions and
 * data aborts are skipped, SErrors counted. Never touched, so the guest
 * survives to report: its own RAM; PL011 and virtio-mmio registers by
 * writes (its output, and a device told to DMA into it); and the QEMU
 * virt ITS and fw_cfg, which would DMA into guest RAM too.
 *
 * Afterwards the guest checks that its code and read-only data are
 * intact and that PSCI_VERSION answers as it did before.
 */
#include "hostile.h"
#include "lib/rand.h"
#include "lib/ram.h"
#include "lib/smccc.h"

const char guest_name[] = "hostile";

#define STORM_OPS 6000
#define PSCI_SYSTEM_OFF 0x84000008u
#define STORM_SEED 0x686f7374696c65UL /* "hostile" */
#define GPA_LIMIT (1UL << 40)         /* Keel's CFG_GPA_BITS, config/ */

/* QEMU virt layout; Keel's VMM puts its devices at the same places. */
#define GICD_BASE 0x08000000UL
#define GICD_SIZE 0x10000UL
#define GICR_BASE 0x080a0000UL
#define GICR_SIZE 0x40000UL /* two CPUs, RD + SGI frame each */
#define ITS_BASE 0x08080000UL
#define ITS_SIZE 0x20000UL
#define PL011_BASE 0x09000000UL
#define PL011_SIZE 0x1000UL
#define FWCFG_BASE 0x09020000UL
#define FWCFG_SIZE 0x1000UL
#define VIRTIO_BASE 0x0a000000UL
#define VIRTIO_SIZE 0x4000UL

#define CNTKCTL_EVNTEN (1UL << 2)
#define CNTKCTL_EVNTI(bit) ((uint64_t)(bit) << 4)

extern char __ro_end[]; /* guest.ld: end of .text and .rodata */

struct storm {
	uint64_t seed;
	struct ram_map ram;
	uint64_t hvc, smc, sysreg, mmio, odd, skipped, ops;
	uint64_t returned, undef, aborts, other, last_other_esr;
};

static bool in_win(uint64_t a, uint64_t base, uint64_t size)
{
	return a - base < size;
}

static void tally(struct storm *s, bool raised, const struct fault *f)
{
	if (!raised) {
		s->returned++;
	} else if (ESR_EC(f->esr) == EC_UNKNOWN) {
		s->undef++;
	} else if (ESR_EC(f->esr) == EC_DABT_CUR) {
		s->aborts++;
	} else {
		s->other++;
		s->last_other_esr = f->esr;
	}
}

static uint64_t pick_target(uint64_t r)
{
	uint64_t off = r >> 20;

	switch (r & 7) {
	case 4:
		return GICD_BASE + off % GICD_SIZE;
	case 5:
		return GICR_BASE + off % GICR_SIZE;
	case 6:
		return PL011_BASE + off % PL011_SIZE;
	case 7:
		return VIRTIO_BASE + off % VIRTIO_SIZE;
	default:
		return off % GPA_LIMIT;
	}
}

static bool forbidden(const struct storm *s, uint64_t a, bool write)
{
	/* Accesses are naturally aligned (at most 16 bytes) and RAM bounds
	 * to pages, so an access overlaps RAM iff its first byte is in RAM. */
	if (ram_contains(&s->ram, a, 1))
		return true;
	if (in_win(a, ITS_BASE, ITS_SIZE) || in_win(a, FWCFG_BASE, FWCFG_SIZE))
		return true;
	return write && (in_win(a, PL011_BASE, PL011_SIZE) ||
			 in_win(a, VIRTIO_BASE, VIRTIO_SIZE));
}

static bool pair_access(uint64_t addr, bool write, uint64_t v, struct fault *f)
{
	uint64_t a = v, b = ~v;

	probe_begin();
	if (write)
		__asm__ volatile("stp %0, %1, [%2]" : : "r"(a), "r"(b), "r"(addr)
				 : "memory");
	else
		__asm__ volatile("ldp %0, %1, [%2]" : "+r"(a), "+r"(b) : "r"(addr)
				 : "memory");
	return probe_end(f);
}

static void mmio_op(struct storm *s)
{
	uint64_t r = rand_next(&s->seed), v = rand_next(&s->seed);
	unsigned width = 1u << (r >> 4) % 5;
	bool write = r >> 8 & 1;
	uint64_t addr = pick_target(rand_next(&s->seed)) & ~(uint64_t)(width - 1);
	struct fault f;
	bool raised;

	if (forbidden(s, addr, write)) {
		s->skipped++;
		return;
	}
	s->mmio++;
	if (width == 16)
		raised = pair_access(addr, write, v, &f);
	else if (write)
		raised = probe_write(addr, width, v, &f);
	else
		raised = probe_read(addr, width, &v, &f);
	tally(s, raised, &f);
}

static void odd_op(struct storm *s)
{
	uint64_t r = rand_next(&s->seed), v = rand_next(&s->seed);
	uint64_t addr = pick_target(rand_next(&s->seed)) & ~(uint64_t)7;
	struct fault f;

	/* up to 8 bytes from addr | 1: keep 16 bytes clear of RAM */
	if (forbidden(s, addr, true) || ram_contains(&s->ram, addr, 16)) {
		s->skipped++;
		return;
	}
	s->odd++;
	tally(s, hostile_odd_access(addr, (unsigned)(r % ODD_KINDS), v, &f), &f);
}

static void call_op(struct storm *s, bool smc)
{
	uint64_t r = rand_next(&s->seed);
	uint64_t x0 = (rand_next(&s->seed) & ~0xffffffffUL) | hostile_fid(r);
	struct fault f;

	if (smc)
		s->smc++;
	else
		s->hvc++;
	tally(s, hostile_call(smc, r, x0, rand_next(&s->seed), &f), &f);
}

static void sysreg_op(struct storm *s)
{
	uint64_t r = rand_next(&s->seed);
	struct fault f;

	s->sysreg++;
	tally(s, sysreg_poke((unsigned)(r % SYSREG_OPS), rand_next(&s->seed),
			     &f), &f);
}

static void storm_run(struct storm *s, uint64_t every)
{
	for (uint64_t i = 1; i <= s->ops; i++) {
		unsigned pick = (unsigned)(rand_next(&s->seed) % 8);
		if (pick < 2)
			call_op(s, pick == 1);
		else if (pick < 5)
			sysreg_op(s);
		else if (pick < 7)
			mmio_op(s);
		else
			odd_op(s);
		if (i % every == 0)
			con_printf("[hostile] %lu operations\n", i);
	}
}

/* FNV-1a over the code and read-only data. */
static uint64_t image_sum(void)
{
	uint64_t h = 0xcbf29ce484222325UL;

	for (const volatile uint64_t *p = (const uint64_t *)__image_start;
	     p < (const uint64_t *)__ro_end; p++)
		h = (h ^ *p) * 0x100000001b3UL;
	return h;
}

/* PSCI_VERSION, or 0 if the HVC raised an exception. */
static uint64_t psci_version(void)
{
	uint64_t v;

	probe_begin();
	v = hvc_call(PSCI_VERSION, 0, 0, 0).a0;
	return probe_end(NULL) ? 0 : v;
}

static void report(const struct storm *s, bool code_ok, bool psci_ok)
{
	con_printf("[hostile] hvc %lu, smc %lu, sysreg %lu, mmio %lu, odd %lu "
		   "(%lu skipped): %lu returned, %lu undefined, %lu aborts, %lu "
		   "other, %lu SErrors\n", s->hvc, s->smc, s->sysreg, s->mmio,
		   s->odd, s->skipped, s->returned, s->undef, s->aborts, s->other,
		   exc_serror_count);
	if (!code_ok)
		test_report(false, "hostile-done", "code or rodata changed");
	else if (!psci_ok)
		test_report(false, "hostile-done", "PSCI_VERSION answers "
			    "differently after the storm");
	else if (s->other)
		test_report(false, "hostile-done", "%lu exceptions neither UNDEF "
			    "nor data abort, last ESR 0x%lx", s->other,
			    s->last_other_esr);
	else
		test_report(true, "hostile-done", "%lu operations", s->ops);
}

/* A line a second; WFE is woken by the counter's event stream (bit 15
 * of CNTVCT), so this needs no interrupt, whatever the storm did to the
 * GIC. */
static _Noreturn void heartbeat(void)
{
	uint64_t period = cntfrq();

	__asm__ volatile("msr cntkctl_el1, %0\n\tisb"
			 : : "r"(CNTKCTL_EVNTEN | CNTKCTL_EVNTI(15)));
	for (uint64_t n = 1;; n++) {
		uint64_t next = cntvct() + period;
		while (cntvct() < next)
			__asm__ volatile("wfe" ::: "memory");
		con_printf("[test] heartbeat hostile %lu\n", n);
	}
}

static struct storm storm;

/* The soak's end: CPU 1's counts, then SYSTEM_OFF (the VMM prints its
 * exit count as the VM stops). */
static void soak_end(bool cpu1)
{
	con_printf("[hostile] cpu1 %s: %lu operations, %lu SGIs, %lu waits, "
		   "%lu PSCI calls\n", cpu1 ? "ran" : "did not start",
		   hostile_cpu1_ops, hostile_cpu1_sgis, hostile_cpu1_waits,
		   hostile_cpu1_psci);
	test_done();
	hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	test_report(false, "hostile-soak", "SYSTEM_OFF returned");
	guest_halt();
}

void guest_main(const void *dtb)
{
	const char *err = fdt_ram(dtb, &storm.ram);
	bool cpu1 = false;

	if (err) {
		test_report(false, "hostile-done", "%s", err);
		return;
	}
	uint64_t sum = image_sum(), psci = psci_version();
	uint64_t soak_ops = hostile_soak_ops(fdt_bootargs(dtb));
	storm.seed = STORM_SEED;
	storm.ops = soak_ops ? soak_ops : STORM_OPS;
	if (soak_ops)
		cpu1 = hostile_cpu1_start();
	exc_serror_ok = true;
	__asm__ volatile("msr daifclr, #4" ::: "memory"); /* take SErrors */
	con_printf("[hostile] storm of %lu operations, seed 0x%lx%s\n", storm.ops,
		   storm.seed, !soak_ops ? "" : cpu1 ? ", cpu1 storming" : ", cpu1 refused");
	storm_run(&storm, soak_ops ? 1000000 : 2000);
	report(&storm, image_sum() == sum, psci_version() == psci);
	if (soak_ops)
		soak_end(cpu1);
	test_done();
	heartbeat();
}
