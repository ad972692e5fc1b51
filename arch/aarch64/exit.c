/*
 * Exit decoding (see exit.h). ESR_EL2 fields used, by exception class:
 *
 *   DABT (0x24), ISV=1:  SAS [23:22] width, SSE [21], SRT [20:16],
 *                        SF [15] 64-bit register, WnR [6]
 *                        address = HPFAR_EL2.FIPA [43:4] << 8 | FAR[11:0]
 *   HVC (0x16), SMC (0x17): function id and arguments in x0..x5
 *   WFx (0x01):          TI [0] (1 = WFE)
 *   SYSREG (0x18):       ISS [24:0] without Rt [9:5] and direction [0]
 *                        (1 = read) is the register's id
 *
 * Anything else is UNKNOWN with the raw ESR and pc; for a stage-2 abort
 * the VMM cannot emulate (no valid syndrome, e.g. a load pair, or an
 * instruction fetch) also the guest-physical address and WnR [6], so
 * that it can answer with an abort at that address. The VMM sees only
 * the fields of keel/abi.h: no ESR bit leaves this file but the raw
 * cause it logs. Register 31 (Rt, SRT) is the zero register here:
 * KEEL_EXIT_REG_NONE in the message.
 */
#include "exit.h"
#include "sysreg.h"

#define ESR_ZR 31u /* register 31 in Rt/SRT: the zero register */

/* Label and length; the caller fills every MR (the hot exits, HVC and
 * MMIO, write each once) ... */
static void exit_head(struct exit_msg *m, uint64_t label, unsigned len)
{
	m->label = label;
	m->len = len;
}

/* ... or starts from zeros and fills some. */
static void exit_set(struct exit_msg *m, uint64_t label, unsigned len)
{
	exit_head(m, label, len);
	__builtin_memset(m->mr, 0, sizeof m->mr); /* stores of zero, inline */
}

static uint64_t reg_or_zero(const struct arch_regs *r, unsigned n)
{
	return n < ESR_ZR ? r->x[n] : 0;
}

static uint64_t exit_reg(unsigned n)
{
	return n < ESR_ZR ? n : KEEL_EXIT_REG_NONE;
}

static uint64_t exit_ipa(uint64_t far, uint64_t hpfar)
{
	return (hpfar & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT | (far & 0xfff); /* page offset */
}

static void aarch64_exit_mmio(uint64_t esr, uint64_t far, uint64_t hpfar,
		      const struct arch_regs *r, struct exit_msg *m)
{
	unsigned srt = (unsigned)(esr >> ESR_DABT_SRT_SHIFT & ESR_REG_MASK);
	bool write = esr & ESR_DABT_WNR;
	exit_head(m, KEEL_EXIT_MMIO, 5);
	m->mr[0] = exit_ipa(far, hpfar);
	m->mr[1] = (esr >> ESR_DABT_SAS_SHIFT & ESR_DABT_SAS_MASK) | (write ? KEEL_MMIO_WRITE : 0) |
		   (esr & ESR_DABT_SSE ? KEEL_MMIO_SIGN_EXTEND : 0) |
		   (esr & ESR_DABT_SF ? KEEL_MMIO_REG64 : 0);
	m->mr[2] = exit_reg(srt);
	m->mr[3] = write ? reg_or_zero(r, srt) : 0;
	m->mr[4] = r->pc;
	m->mr[5] = 0;
}

void aarch64_exit_decode(uint64_t esr, uint64_t far, uint64_t hpfar,
			 const struct arch_regs *r, struct exit_msg *m)
{
	unsigned ec = (unsigned)ESR_EC(esr) & 0x3f;
	if (ec == EC_DABT_LOW && (esr & ESR_DABT_ISV)) {
		aarch64_exit_mmio(esr, far, hpfar, r, m);
	} else if (ec == EC_HVC64 || ec == EC_SMC64) {
		aarch64_exit_call(ec == EC_HVC64, r, m);
	} else if (ec == EC_WFX) {
		exit_set(m, KEEL_EXIT_WFI, 1);
		m->mr[0] = esr & ESR_WFX_TI_WFE ? KEEL_WAIT_EVENT : 0;
	} else if (ec == EC_SYSREG) {
		unsigned rt = (unsigned)(esr >> ESR_SYSREG_RT_SHIFT & ESR_REG_MASK);
		bool read = esr & ESR_SYSREG_READ;
		exit_set(m, KEEL_EXIT_SYSREG, 4);
		m->mr[0] = esr & ESR_ISS_MASK & ~(ESR_REG_MASK << ESR_SYSREG_RT_SHIFT | ESR_SYSREG_READ);
		m->mr[1] = read ? KEEL_SYSREG_READ : 0;
		m->mr[2] = exit_reg(rt);
		m->mr[3] = read ? 0 : reg_or_zero(r, rt);
	} else {
		exit_set(m, KEEL_EXIT_UNKNOWN, 4);
		m->mr[0] = esr;
		m->mr[1] = r->pc;
		if (ec == EC_DABT_LOW || ec == EC_IABT_LOW) {
			m->mr[2] = exit_ipa(far, hpfar);
			m->mr[3] = KEEL_ABORT_ADDR |
				   (ec == EC_DABT_LOW && (esr & ESR_DABT_WNR) ? KEEL_ABORT_WRITE : 0);
		}
	}
}

bool aarch64_lr_taken(uint64_t lr)
{
	return (lr >> ICH_LR_STATE_SHIFT) != 0 || (lr & (ICH_LR_HW | ICH_LR_EOI)) == ICH_LR_EOI;
}
