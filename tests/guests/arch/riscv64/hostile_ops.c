/*
 * The hostile guest's operations (hostile.h, storm_op). Each memory or
 * CSR operation is one instruction built here, at random, into this
 * hart's stub (its RAM is executable: the G-stage maps it RWX, and
 * fence.i makes the new word the one fetched) and called with a0 the
 * address, a1 the value:
 *
 *   OP_LOAD    lb lh lw ld lbu lhu lwu, rd any caller-saved register or
 *              x0, a 12-bit offset, aligned or not
 *   OP_STORE   sb sh sw sd of a1, x0 or a0
 *   OP_CLOAD   c.lw c.ld (rd a0..a5), OP_CSTORE c.sw c.sd (of a1)
 *   OP_FP      flw fld fsw fsd c.fld c.fsd (the kernel's decoder has no
 *              FP forms: an unknown exit, an access fault for the guest)
 *   OP_AMO     lr sc amoswap amoadd amoxor amoand amoor amomin[u]
 *              amomax[u], .w and .d, aq/rl at random
 *   OP_CSR     csrrw/s/c and their immediate forms on M-mode, H-mode,
 *              VS, debug, counter and custom CSR numbers (never the
 *              S-mode and U-mode ones the guest itself runs on)
 *   OP_PRIV    hfence.vvma/gvma, hlv/hsv, mret, dret, ebreak, c.ebreak,
 *              the all-zero and all-ones words
 *
 * at addresses in the 16550's window (its 8 registers mostly), the PLIC
 * model's registers and just outside them, empty guest-physical space,
 * just below and past RAM (loads only: a load may straddle RAM's end),
 * and anywhere in the 64-bit space. Never RAM itself: the guest must
 * survive to report.
 */
#include "hostile.h"

static volatile uint32_t stub[2][4] __attribute__((aligned(16))) = { { 1 }, { 1 } };

/* Registers an instruction may write: a call clobbers them anyway. */
static const uint8_t scratch[] = { 0, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31 };
#define REG_A0 10u
#define REG_A1 11u

static void stub_run(unsigned h, uint32_t insn, bool compressed, unsigned long a0,
		     unsigned long a1)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	volatile uint16_t *half = (volatile uint16_t *)stub[h];
	if (compressed) {
		half[0] = (uint16_t)insn;
		half[1] = 0x8082; /* c.jr ra */
	} else {
		stub[h][0] = insn;
		stub[h][1] = 0x00008067; /* jalr x0, 0(ra) */
	}
	__asm__ volatile("fence.i" : : : "memory");
	__asm__ volatile("jalr ra, 0(%2)"
			 : "+r"(r0), "+r"(r1)
			 : "r"(stub[h])
			 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a2", "a3", "a4", "a5",
			   "a6", "a7", "memory");
}

static unsigned pick_reg(struct rng *r) { return scratch[rng_below(r, sizeof(scratch))]; }

static unsigned long plic_target(struct rng *r)
{
	unsigned long ctx = rng_below(r, 4); /* two contexts exist, two do not */
	switch (rng_below(r, 7)) {
	case 0: return PLIC + 4 * rng_below(r, 128);      /* priorities (95 sources) */
	case 1: return PLIC + 0x1000 + 4 * rng_below(r, 8); /* pending */
	case 2: return PLIC + 0x2000 + 0x80 * ctx + 4 * rng_below(r, 8); /* enables */
	case 3: return PLIC + 0x200000 + 0x1000 * ctx + 4 * rng_below(r, 3);
	case 4: return PLIC + rng_below(r, PLIC_SIZE);
	case 5: return PLIC - 1 - rng_below(r, 16);
	default: return PLIC + PLIC_SIZE + rng_below(r, 64);
	}
}

static unsigned long target(struct rng *r, const struct guest_ram *ram)
{
	unsigned long a;
	switch (rng_below(r, 8)) {
	case 0:
	case 1: a = UART + (rng_below(r, 4) ? rng_below(r, 8) : rng_below(r, UART_SIZE + 64)); break;
	case 2:
	case 3: a = plic_target(r); break;
	case 4: a = ram->base + ram->size + rng_below(r, 0x10000); break;
	case 5: a = ram->base - 1 - rng_below(r, 0x1000); break;
	case 6: a = rng_next(r) & ((1ul << 40) - 1); break; /* Keel's guest-physical space */
	default: a = rng_next(r); break;
	}
	if (a - ram->base < ram->size)
		a = UART;
	if (!rng_below(r, 4))
		a += 1 + rng_below(r, 7); /* misaligned (or a byte on) */
	return a;
}

static long pick_imm(struct rng *r) { return rng_below(r, 4) ? 0 : (long)rng_below(r, 4096) - 2048; }

static uint32_t i_type(long imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
	return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t s_type(long imm, unsigned rs2, unsigned f3, unsigned op)
{
	return (uint32_t)(imm >> 5 & 0x7f) << 25 | rs2 << 20 | REG_A0 << 15 | f3 << 12 |
	       (uint32_t)(imm & 0x1f) << 7 | op;
}

/* The value a store writes: the 16550's THR gets a letter, so the
 * console sees nothing worse than letters from this VM. */
static unsigned long store_value(struct rng *r, unsigned long a)
{
	return a == UART ? 'a' + rng_below(r, 26) : rng_next(r);
}

static void op_load(unsigned h, struct rng *r, const struct guest_ram *ram)
{
	unsigned long a = target(r, ram);
	long imm = pick_imm(r);
	if (!rng_below(r, 16))
		a = ram->base + ram->size - 1 - rng_below(r, 7); /* straddles RAM's end */
	stub_run(h, i_type(imm, REG_A0, (unsigned)rng_below(r, 7), pick_reg(r), 0x03), false,
		 a - (unsigned long)imm, 0);
}

static void op_store(unsigned h, struct rng *r, const struct guest_ram *ram)
{
	static const uint8_t src[] = { REG_A1, REG_A1, REG_A1, 0, REG_A0 };
	unsigned long a = target(r, ram);
	long imm = pick_imm(r);
	unsigned rs2 = a == UART ? REG_A1 : src[rng_below(r, sizeof(src))];
	stub_run(h, s_type(imm, rs2, (unsigned)rng_below(r, 4), 0x23), false,
		 a - (unsigned long)imm, store_value(r, a));
}

/* CL/CS format: funct3, the offset's bits for a word (f3 even) or a
 * doubleword (odd), rs1' a0, rd'/rs2' (x8 + n). */
static uint32_t c_mem(unsigned f3, unsigned off, unsigned regp)
{
	uint32_t imm = (off >> 3 & 7) << 10;
	imm |= f3 & 1 ? (off >> 6 & 3) << 5 : (off >> 2 & 1) << 6 | (off >> 6 & 1) << 5;
	return f3 << 13 | imm | (REG_A0 - 8) << 7 | regp << 2;
}

static void op_cmem(unsigned h, struct rng *r, const struct guest_ram *ram, bool store)
{
	unsigned f3 = (store ? 6 : 2) + (unsigned)rng_below(r, 2);
	unsigned off = (unsigned)rng_below(r, 32) << (f3 & 1 ? 3 : 2);
	unsigned long a = target(r, ram);
	unsigned regp = store ? REG_A1 - 8 : 2 + (unsigned)rng_below(r, 6); /* a0..a5 */
	stub_run(h, c_mem(f3, off, regp), true, a - off, store_value(r, a));
}

static void op_fp(unsigned h, struct rng *r, const struct guest_ram *ram)
{
	unsigned long a = target(r, ram);
	unsigned f3 = 2 + (unsigned)rng_below(r, 2), freg = (unsigned)rng_below(r, 32);
	bool fs_off = !rng_below(r, 4); /* then an illegal instruction, not an access */
	if (fs_off)
		csr_clear(sstatus, SSTATUS_FS_INITIAL);
	switch (rng_below(r, 3)) {
	case 0: stub_run(h, i_type(0, REG_A0, f3, freg, 0x07), false, a, 0); break;
	case 1: stub_run(h, s_type(0, freg, f3, 0x27), false, a, 0); break;
	default: stub_run(h, c_mem(rng_below(r, 2) ? 1 : 5, 0, freg & 7), true, a, 0); break;
	}
	if (fs_off)
		csr_set(sstatus, SSTATUS_FS_INITIAL);
}

static void op_amo(unsigned h, struct rng *r, const struct guest_ram *ram)
{
	static const uint8_t funct5[] = { 0, 1, 2, 3, 4, 8, 12, 16, 20, 24, 28 };
	unsigned f5 = funct5[rng_below(r, sizeof(funct5))], f3 = 2 + (unsigned)rng_below(r, 2);
	unsigned long a = target(r, ram);
	uint32_t insn = (uint32_t)f5 << 27 | (uint32_t)rng_below(r, 4) << 25 |
			(f5 == 2 ? 0 : REG_A1) << 20 | REG_A0 << 15 | f3 << 12 | pick_reg(r) << 7 |
			0x2f;
	if (rng_below(r, 4))
		a &= ~((1ul << f3) - 1); /* mostly aligned: the access itself reaches the VMM */
	stub_run(h, insn, false, a, rng_next(r));
}

/* CSR numbers the guest may not touch, or that are read-only or absent */
static const struct {
	uint16_t base, n;
} csr_ranges[] = {
	{ 0x200, 0x100 }, { 0x300, 0x100 }, { 0x400, 0x100 }, { 0x5c0, 0x40 }, { 0x600, 0x100 },
	{ 0x700, 0x100 }, { 0x800, 0x100 }, { 0x9c0, 0x40 }, { 0xa00, 0x100 }, { 0xb00, 0x100 },
	{ 0xc00, 0x20 }, { 0xc80, 0x20 }, { 0xd00, 0x100 }, { 0xe00, 0x100 }, { 0xf00, 0x100 },
};

static void op_csr(unsigned h, struct rng *r)
{
	static const uint8_t f3s[] = { 1, 2, 3, 5, 6, 7 };
	unsigned i = (unsigned)rng_below(r, sizeof(csr_ranges) / sizeof(csr_ranges[0]));
	unsigned csr = csr_ranges[i].base + (unsigned)rng_below(r, csr_ranges[i].n);
	unsigned f3 = f3s[rng_below(r, sizeof(f3s))];
	unsigned rs1 = f3 >= 5 ? (unsigned)rng_below(r, 32) : rng_below(r, 2) ? REG_A1 : 0;
	unsigned rd = rng_below(r, 2) ? REG_A0 : 0;
	stub_run(h, (uint32_t)csr << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x73, false, 0,
		 rng_next(r));
}

static void op_priv(unsigned h, struct rng *r, const struct guest_ram *ram)
{
	static const uint32_t words[] = {
		0x22000073, /* hfence.vvma */
		0x62000073, /* hfence.gvma */
		0x68054573, /* hlv.w a0, (a0) */
		0x6c054573, /* hlv.d a0, (a0) */
		0x6ab54073, /* hsv.w a1, (a0) */
		0x30200073, /* mret */
		0x7b200073, /* dret */
		0x00100073, /* ebreak */
		0xffffffff,
	};
	unsigned i = (unsigned)rng_below(r, sizeof(words) / sizeof(words[0]) + 2);
	if (i == sizeof(words) / sizeof(words[0]))
		stub_run(h, 0x9002, true, 0, 0); /* c.ebreak */
	else if (i > sizeof(words) / sizeof(words[0]))
		stub_run(h, 0x0000, true, 0, 0); /* the defined illegal instruction */
	else
		stub_run(h, words[i], false, target(r, ram), rng_next(r));
}

/* Source 10 to this hart's context at a random priority, threshold 0:
 * the 16550's interrupts (IER, at random below) reach the handler. */
static void plic_arm(unsigned h, struct rng *r)
{
	*(volatile uint32_t *)(PLIC + 4 * UART_SOURCE) = 1 + (uint32_t)rng_below(r, 7);
	*(volatile uint32_t *)(PLIC + 0x2000 + 0x80 * h) = 1u << UART_SOURCE;
	*(volatile uint32_t *)(PLIC + 0x200000 + 0x1000 * h) = 0;
}

/* The divisor latch and the other registers behind LCR.DLAB, at random;
 * THR only ever gets a letter. A quarter of the time the PLIC is armed
 * first, so the interrupts the random IER asks for come in. */
static void op_uart(unsigned h, struct rng *r)
{
	volatile uint8_t *u = (volatile uint8_t *)UART;
	unsigned n = 1 + (unsigned)rng_below(r, 6);
	if (!rng_below(r, 4))
		plic_arm(h, r);
	u[3] = (uint8_t)(rng_next(r) | 0x80);
	for (unsigned i = 0; i < n; i++) {
		unsigned reg = (unsigned)rng_below(r, 8);
		if (rng_below(r, 2))
			(void)u[reg];
		else if (reg == 0)
			u[0] = (uint8_t)('a' + rng_below(r, 26)); /* DLL, or THR after a DLAB clear */
		else
			u[reg] = (uint8_t)rng_next(r);
	}
	u[3] = (uint8_t)rng_next(r);
}

/* A timer up to 2 ms ahead, then WFI with sstatus.SIE off, so the
 * timer cannot be taken (and put off by the handler) before the WFI:
 * an interrupt pending in sie ends it, and is taken once SIE is back. */
static void op_wfi(struct rng *r)
{
	csr_clear(sstatus, SSTATUS_SIE);
	sbi(EXT_TIME, 0, now() + rng_below(r, 2 * TICKS_PER_MS), 0, 0);
	for (unsigned i = 1 + (unsigned)rng_below(r, 3); i; i--)
		__asm__ volatile("wfi" : : : "memory");
	csr_set(sstatus, SSTATUS_SIE);
}

void storm_op(unsigned h, enum op_kind k, struct rng *r, const struct guest_ram *ram)
{
	counts[h].ops[k]++;
	switch (k) {
	case OP_LOAD: op_load(h, r, ram); break;
	case OP_STORE: op_store(h, r, ram); break;
	case OP_CLOAD: op_cmem(h, r, ram, false); break;
	case OP_CSTORE: op_cmem(h, r, ram, true); break;
	case OP_FP: op_fp(h, r, ram); break;
	case OP_AMO: op_amo(h, r, ram); break;
	case OP_UART: op_uart(h, r); break;
	case OP_CSR: op_csr(h, r); break;
	case OP_PRIV: op_priv(h, r, ram); break;
	case OP_SBI: storm_sbi(h, r, ram, h == 0); break;
	case OP_WFI: op_wfi(r); break;
	case OP_IPI: storm_ipi(h, r); break;
	case OP_HSM: storm_hsm(r, ram); break;
	default: break;
	}
}
