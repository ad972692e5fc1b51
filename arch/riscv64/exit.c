/*
 * Exit decoding (see exit.h). A trap from VS-mode or VU-mode that the
 * kernel does not handle itself becomes one keel/abi.h exit:
 *
 *   ecall from VS (10)         HVC: MR0 a7 (SBI extension), MR1 a6
 *                              (function), MR2..MR5 a0..a3; pc past it
 *   load / store guest-page    MMIO: GPA = htval << 2 | stval[1:0]; the
 *   fault (21, 23)             access from htinst when the hart gives a
 *                              transformed instruction (bit 0 set; bit 1
 *                              clear: the original was compressed), else
 *                              from the instruction read at the pc
 *   anything else              UNKNOWN: MR0 scause, MR1 pc, and for a
 *                              guest-page fault MR2 the GPA, MR3
 *                              KEEL_ABORT_ADDR (| WRITE for a store)
 *
 * An htinst that is neither 0 nor a transformed instruction is a
 * pseudo-instruction: the fault was the hart's own access to the guest's
 * page tables, which no device emulates. Registers are numbered for the
 * exit as keel/abi.h has it for riscv64: x<n> is n - 1, x0 is
 * KEEL_EXIT_REG_NONE.
 */
#include "exit.h"

/* scause codes, as riscv64.h has them (it is not pure: kernel.h) */
#define EXIT_ECALL_VS 10u
#define EXIT_INST_GUEST_PAGE 20u
#define EXIT_LOAD_GUEST_PAGE 21u
#define EXIT_STORE_GUEST_PAGE 23u

#define OP_LOAD 0x03u
#define OP_STORE 0x23u

/* Slots of struct arch_regs: by number, with a7 and t0 swapped (machine.h). */
unsigned rv_reg_slot(unsigned n)
{
	return n == 5 ? RV_REG_T0_SLOT : n == 17 ? RV_REG_A7_SLOT : n;
}

uint64_t rv_reg_get(const struct arch_regs *r, unsigned n)
{
	return n && n < 32 ? r->x[rv_reg_slot(n)] : 0;
}

static bool decode_32(uint32_t insn, struct rv_access *a)
{
	unsigned f3 = insn >> 12 & 7;
	a->len = 4;
	a->width_log2 = f3 & 3;
	if ((insn & 0x7f) == OP_LOAD && f3 != 7) {
		a->write = false;
		a->reg = insn >> 7 & 31;
		a->sign = f3 < 3; /* LB, LH, LW; LBU, LHU, LWU and LD are not */
		return true;
	}
	if ((insn & 0x7f) == OP_STORE && f3 < 4) {
		a->write = true;
		a->reg = insn >> 20 & 31;
		a->sign = false;
		return true;
	}
	return false;
}

/* Quadrant 0: C.LW, C.LD, C.SW, C.SD (x8..x15 in bits 4:2); quadrant 2:
 * C.LWSP, C.LDSP (rd in 11:7), C.SWSP, C.SDSP (rs2 in 6:2). */
static bool decode_16(uint32_t insn, struct rv_access *a)
{
	unsigned f3 = insn >> 13 & 7, q = insn & 3;
	if ((f3 & 3) < 2 || (q != 0 && q != 2))
		return false; /* FP forms (f3 1, 5) and everything else */
	a->len = 2;
	a->write = f3 >= 6;
	a->width_log2 = f3 & 1 ? 3 : 2;
	a->sign = !a->write && a->width_log2 == 2;
	if (q == 0)
		a->reg = 8 + (insn >> 2 & 7);
	else
		a->reg = a->write ? insn >> 2 & 31 : insn >> 7 & 31;
	return q == 0 || a->write || a->reg != 0; /* C.LWSP/C.LDSP to x0: reserved */
}

bool rv_decode_access(uint32_t insn, struct rv_access *a)
{
	return (insn & 3) == 3 ? decode_32(insn, a) : decode_16(insn & 0xffff, a);
}

static bool exit_access(const struct rv_trap *tr, struct rv_access *a)
{
	bool ok;
	if (tr->htinst & 1) {
		ok = rv_decode_access((uint32_t)tr->htinst | 2, a);
		a->len = tr->htinst & 2 ? 4 : 2;
	} else {
		ok = !tr->htinst && tr->insn && rv_decode_access(tr->insn, a);
	}
	return ok && a->write == (tr->cause == EXIT_STORE_GUEST_PAGE);
}

static void exit_set(struct exit_msg *m, uint64_t label, unsigned len, unsigned ilen)
{
	m->label = label;
	m->len = len;
	m->ilen = ilen;
	for (unsigned i = 0; i < 6; i++)
		m->mr[i] = 0;
}

static uint64_t exit_gpa(const struct rv_trap *tr)
{
	return tr->htval << 2 | (tr->stval & 3);
}

static void rv_exit_mmio(const struct rv_trap *tr, const struct rv_access *a,
			 const struct arch_regs *r, struct exit_msg *m)
{
	exit_set(m, KEEL_EXIT_MMIO, 5, a->len);
	m->mr[0] = exit_gpa(tr);
	m->mr[1] = a->width_log2 | KEEL_MMIO_REG64 | (a->write ? KEEL_MMIO_WRITE : 0) |
		   (a->sign ? KEEL_MMIO_SIGN_EXTEND : 0);
	m->mr[2] = a->reg ? a->reg - 1 : KEEL_EXIT_REG_NONE;
	m->mr[3] = a->write ? rv_reg_get(r, a->reg) : 0;
	m->mr[4] = r->pc;
}

void rv_exit_decode(const struct rv_trap *tr, const struct arch_regs *r, struct exit_msg *m)
{
	struct rv_access a;
	bool gpf = tr->cause == EXIT_LOAD_GUEST_PAGE || tr->cause == EXIT_STORE_GUEST_PAGE ||
		   tr->cause == EXIT_INST_GUEST_PAGE;
	if (tr->cause == EXIT_ECALL_VS) {
		exit_set(m, KEEL_EXIT_HVC, 6, 4);
		m->mr[0] = rv_reg_get(r, 17);
		m->mr[1] = rv_reg_get(r, 16);
		for (unsigned i = 0; i < 4; i++)
			m->mr[2 + i] = rv_reg_get(r, 10 + i);
	} else if (tr->cause != EXIT_INST_GUEST_PAGE && gpf && exit_access(tr, &a)) {
		rv_exit_mmio(tr, &a, r, m);
	} else {
		exit_set(m, KEEL_EXIT_UNKNOWN, 4, (tr->insn & 3) == 3 ? 4 : 2);
		m->mr[0] = tr->cause;
		m->mr[1] = r->pc;
		if (gpf) {
			m->mr[2] = exit_gpa(tr);
			m->mr[3] = KEEL_ABORT_ADDR |
				   (tr->cause == EXIT_STORE_GUEST_PAGE ? KEEL_ABORT_WRITE : 0);
		}
	}
}
