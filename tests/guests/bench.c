/*
 * Guest "bench": VM round trips, timed with the virtual counter (under
 * QEMU -icount shift=0 one instruction is 1 ns, so ticks * 1e9 / CNTFRQ
 * is an instruction count; tools/bench.sh, test=vm-bench).
 *
 *   hypercall_roundtrip      HVC with an unknown vendor function id
 *                            (answered NOT_SUPPORTED by the VMM's psci.c):
 *                            guest -> kernel -> VMM -> guest
 *   mmio_device_roundtrip    a read of the PL011's IMSC register: guest ->
 *                            kernel -> PL011 server -> back (its MMIO
 *                            route, keel/vmm.h)
 *   mmio_posted_read         a read of its FR register, which the kernel
 *                            answers from the route's post page
 *                            (keel/abi.h): guest -> kernel -> guest
 *   mmio_vmm_device_roundtrip  the IMSC read of a second PL011, at
 *                            0x09001000, that test=vm-bench gives no
 *                            route: guest -> kernel -> VMM -> PL011 server
 *                            -> back. Timed only where the device
 *                            tree describes that PL011 (plain QEMU's
 *                            virt board has none: tests/guests/run-bare.sh)
 *
 * Prints "bench <name> <instructions per call> instructions" lines; the
 * marker "bench-vmm-device" when the second PL011 was timed (test=vm-bench
 * wants it, tests/system/run.sh).
 */
#include "lib/fdt.h"
#include "lib/guest.h"
#include "lib/smccc.h"

const char guest_name[] = "bench";

#define BENCH_CALLS 10000u
#define BENCH_WARMUP 100u
/* IMSC: a register only the server answers; FR: the one the post page
 * answers (the server's own answer to both is a read of its state) */
#define PL011_IMSC ((volatile uint32_t *)0x09000038ul)
#define PL011_FR ((volatile uint32_t *)0x09000018ul)
#define PL011_VMM_BASE 0x09001000ul
#define PL011_VMM_IMSC ((volatile uint32_t *)(PL011_VMM_BASE + 0x38))

static uint64_t per_call(uint64_t ticks)
{
	uint64_t f = cntfrq();
	return f ? ticks * 1000000000ull / f / BENCH_CALLS : 0;
}

static uint64_t time_hvc(void)
{
	uint64_t t0;
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		(void)hvc_call(HVC_UNKNOWN_FID, 0, 0, 0);
	t0 = cntvct();
	for (unsigned i = 0; i < BENCH_CALLS; i++)
		(void)hvc_call(HVC_UNKNOWN_FID, 0, 0, 0);
	return per_call(cntvct() - t0);
}

static uint64_t time_mmio(volatile uint32_t *reg)
{
	uint64_t t0;
	uint32_t acc = 0;
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		acc |= *reg;
	t0 = cntvct();
	for (unsigned i = 0; i < BENCH_CALLS; i++)
		acc |= *reg;
	uint64_t per = per_call(cntvct() - t0);
	(void)acc;
	return per;
}

static void find_window(void *ctx, const struct fdt_window *w)
{
	bool *found = ctx;
	if (!w->memory && w->base == PL011_VMM_BASE)
		*found = true;
}

void guest_main(const void *dtb)
{
	bool vmm_dev = false;
	const char *why = fdt_walk(dtb, find_window, &vmm_dev);
	if (why) {
		test_report(false, "bench", "device tree refused: %s", why);
		return;
	}
	con_printf("[bench] start\n");
	uint64_t hvc = time_hvc();
	uint64_t mmio = time_mmio(PL011_IMSC);
	uint64_t posted = time_mmio(PL011_FR);
	uint64_t mmio_vmm = vmm_dev ? time_mmio(PL011_VMM_IMSC) : 1;
	con_printf("bench hypercall_roundtrip %lu instructions\n", hvc);
	con_printf("bench mmio_device_roundtrip %lu instructions\n", mmio);
	con_printf("bench mmio_posted_read %lu instructions\n", posted);
	if (vmm_dev) {
		con_printf("bench mmio_vmm_device_roundtrip %lu instructions\n", mmio_vmm);
		test_report(mmio_vmm > 0, "bench-vmm-device", "PL011 at 0x%lx", PL011_VMM_BASE);
	} else
		con_printf("[bench] no device at 0x%lx: mmio_vmm_device_roundtrip not timed\n",
			   PL011_VMM_BASE);
	test_report(hvc > 0 && mmio > 0 && mmio_vmm > 0, "bench", "%u calls each", BENCH_CALLS);
}
