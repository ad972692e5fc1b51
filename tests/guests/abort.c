/*
 * Guest "abort": an access to guest-physical space with nothing behind it
 * comes back as a synchronous external abort the guest catches.
 *
 * The address is ABORT_HOLE, 0x7f000000: Keel leaves it unbacked for a
 * VM whose RAM ends below it (mem_base 0x40000000, at most 1008 MiB), and
 * on QEMU virt with -m 256M it is unassigned as well. The guest refuses to
 * probe it if the device tree says it is RAM.
 *
 * Expected: EC 0x25 (data abort, same EL), DFSC 0x10 (synchronous
 * external abort), ELR = the faulting instruction, FAR = ABORT_HOLE
 * when ESR.FnV is clear; and the guest carries on afterwards.
 */
#include "lib/fdt.h"
#include "lib/guest.h"

const char guest_name[] = "abort";

#define ABORT_HOLE 0x7f000000UL

/* One 8-byte read or 4-byte write of ABORT_HOLE; *pc = its address. */
static bool access_hole(bool write, uint64_t *val, uint64_t *pc, struct fault *f)
{
	uint64_t v = *val, at;

	probe_begin();
	if (write)
		__asm__ volatile("1: str %w1, [%2]\n\tadr %0, 1b"
				 : "=r"(at) : "r"(v), "r"(ABORT_HOLE) : "memory");
	else
		__asm__ volatile("1: ldr %1, [%2]\n\tadr %0, 1b"
				 : "=r"(at), "+r"(v) : "r"(ABORT_HOLE) : "memory");
	bool hit = probe_end(f);
	*val = v;
	*pc = at;
	return hit;
}

/* NULL if the fault is the expected one, else what was wrong with it. */
static const char *judge_fault(const struct fault *f, uint64_t pc)
{
	if (ESR_EC(f->esr) != EC_DABT_CUR)
		return "not a data abort";
	if (ESR_DFSC(f->esr) != DFSC_SEA)
		return "not a synchronous external abort (DFSC 0x10)";
	if (f->elr != pc)
		return "ELR is not the faulting instruction";
	if (!(f->esr & ESR_FNV) && f->far != ABORT_HOLE)
		return "FAR is not the faulting address";
	return NULL;
}

static void check_access(bool write)
{
	const char *name = write ? "abort-write" : "abort-read";
	uint64_t val = 0x5eed, pc;
	struct fault f;

	if (!access_hole(write, &val, &pc, &f)) {
		if (write)
			test_report(false, name, "write to 0x%lx did not abort",
				    ABORT_HOLE);
		else
			test_report(false, name, "read of 0x%lx returned 0x%lx "
				    "instead of aborting", ABORT_HOLE, val);
		return;
	}
	const char *why = judge_fault(&f, pc);
	if (why)
		test_report(false, name, "%s: ESR 0x%lx ELR 0x%lx FAR 0x%lx",
			    why, f.esr, f.elr, f.far);
	else
		test_report(true, name, "ESR 0x%lx", f.esr);
}

static bool hole_is_ram(const void *dtb)
{
	struct ram_map ram;

	if (fdt_ram(dtb, &ram))
		return false; /* no tree: trust the documented layout */
	for (unsigned i = 0; i < ram.n; i++)
		if (ABORT_HOLE - ram.r[i].base < ram.r[i].size)
			return true;
	return false;
}

void guest_main(const void *dtb)
{
	if (hole_is_ram(dtb)) {
		test_report(false, "abort-read", "0x%lx is RAM in this VM",
			    ABORT_HOLE);
		return;
	}
	check_access(false);
	check_access(true);
	/* Still alive and still able to use memory after two aborts. */
	static volatile uint64_t after;
	after = 0xabcd;
	test_report(after == 0xabcd, "abort-resume", NULL);
}
