/*
 * The hostile guest's firmware calls (hostile.h): random extensions and
 * functions with random arguments, IPI and RFENCE floods, HSM with bad
 * arguments. Left out, so the storm goes on: hart_stop (it would stop
 * the calling hart) and SRST's valid types (0 shutdown, 1 and 2 reboot:
 * the VM would end); DBCN writes print only this file's harmless text.
 */
#include "hostile.h"

static const char harmless[] = "~~ hostile dbcn ~~";
static char sink[64];

static const unsigned long eids[] = {
	EXT_BASE, EXT_TIME, EXT_IPI, EXT_HSM, EXT_RFENCE, EXT_SRST, EXT_DBCN, EXT_PMU,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0f, /* legacy: NOT_SUPPORTED */
	0x08000000, 0x09000000, 0x0a000000, 0x0fffffff, 0xc0000000, 0xffffffff,
};

static unsigned long pick_arg(struct rng *r, const struct guest_ram *ram)
{
	switch (rng_below(r, 8)) {
	case 0: return 0;
	case 1: return ~0ul;
	case 2: return rng_below(r, 8);
	case 3: return ram->base + rng_below(r, ram->size);
	case 4: return ram->base + ram->size - rng_below(r, 16);
	case 5: return 1ul << rng_below(r, 64);
	default: return rng_next(r);
	}
}

/* What a call may not do here (the file's comment); false: skip it. */
static bool sbi_tame(unsigned long eid, unsigned long *fid, unsigned long *a,
		     const struct guest_ram *ram, bool print)
{
	if (eid == EXT_HSM && *fid == 1)
		*fid = 2;
	if (eid == EXT_SRST && *fid == 0 && a[0] <= 2)
		a[0] = a[0] & 1 ? 0xf0000000ul | a[1] : a[0] + 3 + (a[1] >> 40);
	if (eid != EXT_DBCN)
		return true;
	if (!print)
		return false; /* the other hart prints: lines would mix */
	if (*fid == 2)
		a[0] = (a[0] & ~0xfful) | '~';
	if (a[1] - ram->base < ram->size && !a[2]) {
		a[1] = *fid == 1 ? (unsigned long)sink : (unsigned long)harmless;
		a[0] = *fid == 1 ? a[0] % sizeof(sink) : a[0] % sizeof(harmless);
	}
	return true;
}

void storm_sbi(unsigned h, struct rng *r, const struct guest_ram *ram, bool print)
{
	unsigned long eid = rng_below(r, 4) ? eids[rng_below(r, sizeof(eids) / sizeof(eids[0]))]
					    : rng_below(r, 2) ? (uint32_t)rng_next(r) : rng_next(r);
	unsigned long fid = rng_below(r, 2) ? rng_below(r, 8) : rng_next(r);
	unsigned long a[3] = { pick_arg(r, ram), pick_arg(r, ram), pick_arg(r, ram) };
	struct sbiret ret;
	if (!sbi_tame(eid, &fid, a, ram, print))
		return;
	ret = sbi(eid, fid, a[0], a[1], a[2]);
	if (ret.error)
		counts[h].sbi_err++;
	else
		counts[h].sbi_ok++;
}

void storm_ipi(unsigned h, struct rng *r)
{
	static const unsigned long base[] = { 0, 0, ~0ul, 1, 2, 64 };
	unsigned long mask = rng_below(r, 2) ? 1ul << (1 - h) : rng_next(r);
	sbi(rng_below(r, 4) ? EXT_IPI : EXT_RFENCE, rng_below(r, 4) ? 0 : rng_below(r, 8), mask,
	    base[rng_below(r, sizeof(base) / sizeof(base[0]))], rng_next(r));
}

/* HSM with bad arguments: the other hart (running: ALREADY_AVAILABLE),
 * harts that do not exist, bad entry addresses, suspend, status. */
void storm_hsm(struct rng *r, const struct guest_ram *ram)
{
	static const unsigned long harts[] = { 0, 1, 2, 63, 64, ~0ul };
	unsigned long hart = harts[rng_below(r, sizeof(harts) / sizeof(harts[0]))];
	unsigned long pcs[] = { (unsigned long)guest_hart1_entry, 0, ram->base + 1,
				ram->base + ram->size, ram->base - 2, rng_next(r) };
	unsigned long fid = rng_below(r, 4) ? 0 : rng_below(r, 8);
	if (fid == 1)
		fid = 2; /* hart_stop would stop this hart */
	sbi(EXT_HSM, fid, hart, pcs[rng_below(r, sizeof(pcs) / sizeof(pcs[0]))], rng_next(r));
}
