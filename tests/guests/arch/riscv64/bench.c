/*
 * Guest "bench" (riscv64): VM round trips for test=vm-bench
 * (tests/root/scn_vmbench.c, which gives this guest the same devices as
 * the arm64 one, tests/guests/bench.c), timed with the time CSR. Under
 * QEMU -icount shift=0 one instruction is 1 ns, so ticks * 1e9 / the
 * device tree's timebase-frequency is an instruction count; the timebase
 * is coarse (10 MHz on QEMU virt: 100 instructions a tick), so each
 * figure is the mean of BENCH_CALLS calls. Same names, same meaning as
 * the arm64 guest's:
 *
 *   hypercall_roundtrip      an SBI call the VMM answers itself (BASE
 *                            get_spec_version: ecall, a7 = 0x10):
 *                            guest -> kernel -> VMM -> guest
 *   mmio_device_roundtrip    a read of the PL011's IMSC register at
 *                            0x09000000: guest -> kernel -> PL011 server
 *                            -> back (its MMIO route)
 *   mmio_posted_read         a read of its FR, answered by the kernel
 *                            from the route's post page (LW, as all
 *                            three loads)
 *   mmio_vmm_device_roundtrip  the IMSC read of the second PL011, at
 *                            0x09001000, which has no route: guest ->
 *                            kernel -> VMM -> PL011 server -> back
 *
 * Before timing, it waits BENCH_SETTLE_TICKS so that the PL011 server's
 * crash and restart, which root injects 1 ms after the guest starts (root
 * prints "bench device_restart"), are over: with one CPU they would
 * otherwise run inside a timed loop. Prints through SBI DBCN (the VMM's
 * log), then "[test] PASS bench-vmm-device" and "[test] PASS bench" (a
 * trap on the way fails it), and powers off with SRST; root's vm-bench
 * passes when the VMM reports the power-off.
 */
#include "rv.h"

#define BENCH_CALLS 10000u
#define BENCH_WARMUP 100u
#define BENCH_SETTLE_TICKS 50000ul /* 5 ms at 10 MHz */
/* tests/root/scn_vmbench.c's devices (the arm64 guest's addresses) */
#define PL011_IMSC ((volatile uint32_t *)0x09000038ul)
#define PL011_FR ((volatile uint32_t *)0x09000018ul)
#define PL011_VMM_IMSC ((volatile uint32_t *)0x09001038ul)

static void print_bench(const char *name, unsigned long per)
{
	out("bench ");
	out(name);
	out(" ");
	out_dec(per);
	out(" instructions");
	flush();
}

static void report(bool ok, const char *name, const char *what)
{
	out(ok ? "[test] PASS " : "[test] FAIL ");
	out(name);
	out(": ");
	out(what);
	flush();
}

/* ---- the device tree's /cpus/timebase-frequency ---- */

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

/* The walk stops at the first token it does not know (returns 0): the
 * VMM's tree is small and well-formed, and a 0 fails the benchmark. */
static unsigned long fdt_timebase(const uint8_t *fdt)
{
	const uint8_t *p, *strs;
	int depth = 0;
	bool in_cpus = false;
	if (be32(fdt) != FDT_MAGIC)
		return 0;
	p = fdt + be32(fdt + 8);
	strs = (const uint8_t *)fdt + be32(fdt + 12);
	for (;;) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			depth++;
			if (depth == 2)
				in_cpus = streq(name, "cpus");
			p += (str_len(name) + 4) & ~3ul;
		} else if (tok == FDT_END_NODE) {
			depth--;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p), off = be32(p + 4);
			if (in_cpus && depth == 2 && len == 4 &&
			    streq((const char *)strs + off, "timebase-frequency"))
				return be32(p + 8);
			p += 8 + ((len + 3) & ~3u);
		} else if (tok != FDT_NOP) {
			return 0;
		}
	}
}

/* ---- the timed loops ---- */

static unsigned long timebase_hz;
static volatile unsigned long trap_count;

static unsigned long per_call(unsigned long ticks)
{
	return ticks * 1000000000ul / timebase_hz / BENCH_CALLS;
}

static unsigned long time_sbi(void)
{
	unsigned long t0;
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		(void)sbi(EXT_BASE, 0, 0, 0, 0);
	t0 = now();
	for (unsigned i = 0; i < BENCH_CALLS; i++)
		(void)sbi(EXT_BASE, 0, 0, 0, 0);
	return per_call(now() - t0);
}

static unsigned long time_mmio(volatile uint32_t *reg)
{
	unsigned long t0;
	uint32_t acc = 0;
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		acc |= *reg; /* LW, sign-extending, as Linux's readl */
	t0 = now();
	for (unsigned i = 0; i < BENCH_CALLS; i++)
		acc |= *reg; /* LW, sign-extending, as Linux's readl */
	(void)acc;
	return per_call(now() - t0);
}

void rv_main(unsigned long hart, const void *dtb)
{
	unsigned long hvc, mmio, posted, mmio_vmm, t0 = now();
	timebase_hz = fdt_timebase(dtb);
	if (hart != 0 || timebase_hz == 0) {
		report(false, "bench", "boot hart or no timebase-frequency in the device tree");
		return;
	}
	out("[bench] start, timebase ");
	out_dec(timebase_hz);
	out(" Hz");
	flush();
	while (now() - t0 < BENCH_SETTLE_TICKS)
		;
	hvc = time_sbi();
	mmio = time_mmio(PL011_IMSC);
	posted = time_mmio(PL011_FR);
	mmio_vmm = time_mmio(PL011_VMM_IMSC);
	print_bench("hypercall_roundtrip", hvc);
	print_bench("mmio_device_roundtrip", mmio);
	print_bench("mmio_posted_read", posted);
	print_bench("mmio_vmm_device_roundtrip", mmio_vmm);
	report(mmio_vmm > 0, "bench-vmm-device", "PL011 at 0x09001000");
	report(hvc > 0 && mmio > 0 && posted > 0 && !trap_count, "bench",
	       trap_count ? "a load trapped" : "10000 calls each");
	sbi(EXT_SRST, 0, 0, 0, 0); /* shutdown */
	report(false, "bench-poweroff", "SRST returned");
}

/* head.S's second hart entry: this guest starts no other hart. */
void guest_hart1(unsigned long hart, unsigned long opaque)
{
	(void)hart;
	(void)opaque;
}

/* No interrupt is enabled and every access is to a device the scenario
 * gives: a trap is unexpected; it is counted (a FAIL) and stepped over. */
__attribute__((interrupt("supervisor"), aligned(4))) void guest_trap(void)
{
	unsigned long pc;
	trap_count++;
	__asm__ volatile("csrr %0, sepc" : "=r"(pc));
	pc += (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
	__asm__ volatile("csrw sepc, %0" : : "r"(pc));
}
