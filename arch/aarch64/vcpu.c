/*
 * aarch64 vCPUs: the guest runs at EL1/EL0 with HCR_EL2 set for a guest
 * (stage 2 on, interrupts to EL2, WFI/SMC/sysreg traps).
 *
 * Lazy switching (rules: docs/architecture.md, "vCPU switching"). A CPU
 * *holds* at most one vCPU: its EL1 system registers, virtual timer and
 * GIC list registers are in this CPU's registers, not in memory. While the
 * vCPU's thread runs the CPU is in guest mode. When it switches to a
 * native thread or idle, only what EL0 under HCR_EL2.TGE (or EL2's own
 * traps) depends on is swapped for native values (vcpu_to_native); the
 * rest stays in the hardware, so an exit to a VMM on this CPU and the
 * reply cost a few registers instead of the whole state. Only loading
 * another vCPU, or arch_vcpu_flush (which the kernel calls before it reads
 * or changes the memory copy), saves the rest.
 *
 * Exit decoding turns ESR_EL2 into one keel/abi.h exit message.
 */
#include "aarch64.h"
#include "exit.h"
#include "fastpath.h"

#define VTIMER_PPI 27u
#define VTIMER_LR_PRIO 0xa0ull /* virtual priority of the guest's timer */


static struct arch_vcpu *held[MAX_CPUS]; /* state in this CPU's registers */
static bool in_guest[MAX_CPUS];          /* ... and set up for the guest */

#define EL1_SAVE(i, reg) v->el1[i] = sysreg_read(reg)
#define EL1_LOAD(i, reg) sysreg_write(reg, v->el1[i])
/* What still governs EL0 under TGE=1 (E2H=0): SCTLR_EL1's EL0 controls
 * (sctlr_to_native), CPACR_EL1, CNTKCTL_EL1, and TPIDRRO_EL0, which EL0
 * reads. */
#define EL1_EL0_REGS(X) X(0, sctlr_el1); X(9, tpidrro_el0); \
	X(18, cpacr_el1); X(19, cntkctl_el1)
/* Only the guest sees these. TCR_EL1 too: with stage 1 off its only
 * effect on a native thread would be TBI0 letting tagged pointers into
 * the thread's own stage-2 space, and on QEMU every TCR_EL1 write
 * flushes the TLB (docs/performance.md). */
#define EL1_GUEST_REGS(X) X(1, ttbr0_el1); X(2, ttbr1_el1); \
	X(4, mair_el1); X(5, amair_el1); X(6, vbar_el1);                    \
	X(7, contextidr_el1); X(8, tpidr_el1);                              \
	X(10, esr_el1); X(11, far_el1); X(12, afsr0_el1); X(13, afsr1_el1); \
	X(14, par_el1); X(15, sp_el1); X(16, elr_el1); X(17, spsr_el1)
enum { V_SCTLR = 0, V_TCR = 3, V_VBAR = 6, V_ESR = 10, V_FAR = 11, V_SP_EL1 = 15,
       V_ELR = 16, V_SPSR = 17, V_CPACR = 18, V_CNTKCTL = 19 };

/* Number of list registers (ICH_VTR_EL2.ListRegs + 1), read once. */
static unsigned vcpu_nlr(void)
{
	static unsigned nlr;
	if (!nlr) {
		unsigned n = (unsigned)(sysreg_read(ICH_VTR_EL2) & ICH_VTR_LISTREGS_MASK) + 1;
		nlr = n > ARCH_MAX_LRS ? ARCH_MAX_LRS : n;
	}
	return nlr;
}

static uint64_t lr_read(unsigned i);
static void lr_write(unsigned i, uint64_t v);

/*
 * The guest's PMU. In guest mode the guest uses it directly (MDCR_EL2 lets
 * it, HPMN gives it pmu_n event counters, HPMD keeps them from counting
 * EL2, HCCD the cycle counter where the CPU has it); in native mode
 * every PMU access traps again and counting stops
 * (PMCNTENCLR), so a guest counts only while its vCPU runs and no other
 * program sees or changes its counters. The rest of the state moves with
 * the vCPU's other guest-only registers. No overflow interrupt yet.
 */
static unsigned pmu_n;                   /* counters the guest gets */
static uint64_t mdcr_guest, mdcr_native;
/* SCTLR_EL1_NATIVE_SET, as a variable: a load, where the constant takes
 * three instructions on every switch to native mode (set at CPU start) */
static uint64_t sctlr_native_set;
enum { P_PMCR, P_PMSELR, P_PMCCNTR, P_PMCCFILTR, P_PMCNTEN, P_PMINTEN, P_PMOVS, P_PMUSERENR };
#define PMU_ALL (~0ull >> 32)           /* counter enables: 31 events + cycle */

static void pmu_stop(struct arch_vcpu *v)
{
	v->pmu[P_PMCNTEN] = sysreg_read(pmcntenset_el0);
	sysreg_write(pmcntenclr_el0, PMU_ALL);
	sysreg_write(mdcr_el2, mdcr_native);
}

static void pmu_go(const struct arch_vcpu *v)
{
	sysreg_write(mdcr_el2, mdcr_guest);
	sysreg_write(pmcntenset_el0, v->pmu[P_PMCNTEN]);
}

/* Counting is stopped (native mode): save the rest, leave the PMU reset. */
static void pmu_save(struct arch_vcpu *v)
{
	v->pmu[P_PMSELR] = sysreg_read(pmselr_el0);
	for (unsigned i = 0; i < pmu_n; i++) {
		sysreg_write(pmselr_el0, i);
		isb();
		v->pmevcnt[i] = sysreg_read(pmxevcntr_el0);
		v->pmevtyper[i] = sysreg_read(pmxevtyper_el0);
	}
	v->pmu[P_PMCR] = sysreg_read(pmcr_el0);
	v->pmu[P_PMCCNTR] = sysreg_read(pmccntr_el0);
	v->pmu[P_PMCCFILTR] = sysreg_read(pmccfiltr_el0);
	v->pmu[P_PMINTEN] = sysreg_read(pmintenset_el1);
	v->pmu[P_PMOVS] = sysreg_read(pmovsset_el0);
	v->pmu[P_PMUSERENR] = sysreg_read(pmuserenr_el0);
	sysreg_write(pmintenclr_el1, PMU_ALL);
	sysreg_write(pmovsclr_el0, PMU_ALL);
}

static void pmu_load(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < pmu_n; i++) {
		sysreg_write(pmselr_el0, i);
		isb();
		sysreg_write(pmxevcntr_el0, v->pmevcnt[i]);
		sysreg_write(pmxevtyper_el0, v->pmevtyper[i]);
	}
	sysreg_write(pmselr_el0, v->pmu[P_PMSELR]);
	sysreg_write(pmcr_el0, v->pmu[P_PMCR]);
	sysreg_write(pmccntr_el0, v->pmu[P_PMCCNTR]);
	sysreg_write(pmccfiltr_el0, v->pmu[P_PMCCFILTR]);
	sysreg_write(pmintenset_el1, v->pmu[P_PMINTEN]);
	sysreg_write(pmovsset_el0, v->pmu[P_PMOVS]);
	sysreg_write(pmuserenr_el0, v->pmu[P_PMUSERENR]);
}

/* Native threads need stage 1 off (M: under TGE the architecture treats
 * it as 0, but QEMU walks stage 1 for EL0 when stage 2 is on and DC is
 * not), little-endian data, no alignment checks, and DC ZVA, CTR_EL0 and
 * cache maintenance at EL0 (musl's string functions). Every other
 * SCTLR_EL1 bit governs only EL1 or stage 1, or only makes an EL0
 * instruction trap to EL2, where trap.c handles it for any thread; those
 * keep the guest's value, so the register is written only when the guest's
 * differs (on QEMU every change flushes the TLB). */
#define SCTLR_EL1_NATIVE_MASK (SCTLR_M | SCTLR_EL1_A | SCTLR_EL1_E0E | SCTLR_EL1_DZE | \
			       SCTLR_EL1_UCT | SCTLR_EL1_UCI)
#define SCTLR_EL1_NATIVE_SET (SCTLR_EL1_DZE | SCTLR_EL1_UCT | SCTLR_EL1_UCI)

static void sctlr_to_native(uint64_t guest)
{
	uint64_t native = (guest & ~SCTLR_EL1_NATIVE_MASK) | sctlr_native_set;
	if (native != guest)
		sysreg_write(sctlr_el1, native);
}

/* Guest mode -> native: save what EL0 depends on, give EL0 and EL2 the
 * native values. The guest's other registers stay where they are. */
static void vcpu_to_native(struct arch_vcpu *v)
{
	EL1_EL0_REGS(EL1_SAVE);
	sctlr_to_native(v->el1[V_SCTLR]);
	sysreg_write(tpidrro_el0, 0);
	sysreg_write(cpacr_el1, CPACR_FPEN_NONE);
	sysreg_write(cntkctl_el1, CNTKCTL_EL0PCTEN | CNTKCTL_EL0VCTEN);
	sysreg_write(ICH_HCR_EL2, 0); /* no maintenance interrupts for a guest
				 * that is not running */
	pmu_stop(v);
	sysreg_write(hcr_el2, aarch64_hcr_native);
	isb();
}

/* The reverse: the held vCPU's thread runs again. */
static void vcpu_to_guest(const struct arch_vcpu *v)
{
	EL1_EL0_REGS(EL1_LOAD);
	sysreg_write(ICH_HCR_EL2, ICH_HCR_EN);
	pmu_go(v);
	sysreg_write(hcr_el2, aarch64_hcr_guest);
	isb();
}

/* Save the rest of a held vCPU that is not in guest mode. */
static void vcpu_save_rest(struct arch_vcpu *v)
{
	EL1_GUEST_REGS(EL1_SAVE);
	v->el1[V_TCR] = sysreg_read(tcr_el1);
	v->cntv_ctl = sysreg_read(cntv_ctl_el0);
	v->cntv_cval = sysreg_read(cntv_cval_el0);
	sysreg_write(cntv_ctl_el0, 0); /* must not fire for the next thread */
	uint64_t empty = sysreg_read(ICH_ELRSR_EL2);
	for (unsigned i = 0, n = vcpu_nlr(); i < n; i++) {
		uint64_t lr;
		if (empty & BIT64(i)) { /* nothing there: no need to read or clear */
			v->lr[i] = 0;
			continue;
		}
		lr = lr_read(i);
		if (lr & ICH_LR_HW) { /* unlink from the physical timer */
			lr &= ~(ICH_LR_HW | ICH_LR_PINTID_MASK);
			arch_irq_deactivate(VTIMER_PPI);
		}
		v->lr[i] = lr;
		lr_write(i, 0);
	}
	v->vmcr = sysreg_read(ICH_VMCR_EL2);
	v->ap0r = sysreg_read(ICH_AP0R0_EL2);
	v->ap1r = sysreg_read(ICH_AP1R0_EL2);
	pmu_save(v);
}

static void vcpu_load_rest(const struct arch_vcpu *v)
{
	EL1_GUEST_REGS(EL1_LOAD);
	/* QEMU flushes its TLB on every TCR_EL1 write, even of the same
	 * value: the vCPU saved and loaded again on this CPU (an injection
	 * from another CPU) finds its own value still there */
	if (sysreg_read(tcr_el1) != v->el1[V_TCR])
		sysreg_write(tcr_el1, v->el1[V_TCR]);
	sysreg_write(cntv_cval_el0, v->cntv_cval);
	sysreg_write(cntv_ctl_el0, v->cntv_ctl);
	/* every list register is 0 here: zeroed at CPU start, and the save
	 * of the vCPU that had them clears what it used */
	for (unsigned i = 0, n = vcpu_nlr(); i < n; i++)
		if (v->lr[i])
			lr_write(i, v->lr[i]);
	sysreg_write(ICH_VMCR_EL2, v->vmcr);
	sysreg_write(ICH_AP0R0_EL2, v->ap0r);
	sysreg_write(ICH_AP1R0_EL2, v->ap1r);
	sysreg_write(vmpidr_el2, v->vmpidr);
	pmu_load(v);
}

/* Whatever this CPU holds goes to memory; the CPU is left native. */
static void vcpu_flush_cpu(unsigned cpu)
{
	struct arch_vcpu *v = held[cpu];
	if (!v)
		return;
	if (in_guest[cpu])
		vcpu_to_native(v);
	vcpu_save_rest(v);
	isb();
	held[cpu] = NULL;
	in_guest[cpu] = false;
}

void arch_vcpu_flush(void)
{
	vcpu_flush_cpu(this_cpu()->id);
}

int arch_vcpu_holder(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (held[i] == v)
			return (int)i;
	return -1;
}

/* Another vCPU comes to this CPU: what the CPU holds goes to memory
 * first. Out of line: arch_vcpu_activate's common cases (an exit to a VMM
 * and its reply) then need no stack frame. */
static __attribute__((noinline)) void vcpu_load(unsigned cpu, struct arch_vcpu *v)
{
	if (arch_vcpu_holder(v) >= 0) /* the kernel's rules forbid this: the
				       * memory copy would be stale */
		kpanic("vCPU loaded while another CPU holds it");
	vcpu_flush_cpu(cpu);
	vcpu_load_rest(v);
	held[cpu] = v;
	in_guest[cpu] = true;
	vcpu_to_guest(v);
}

void arch_vcpu_activate(struct arch_vcpu *v)
{
	unsigned cpu = this_cpu()->id;
	struct arch_vcpu *h = held[cpu];
	if (h == v) { /* also NULL == NULL */
		if (v && !in_guest[cpu]) {
			in_guest[cpu] = true;
			vcpu_to_guest(v);
		}
	} else if (!v) { /* a native thread or idle: keep the guest's state here */
		if (in_guest[cpu]) {
			in_guest[cpu] = false;
			vcpu_to_native(h);
		}
	} else {
		vcpu_load(cpu, v);
	}
}

/* Idle stays in whatever mode the CPU is in. It runs at EL2, which none
 * of a guest's EL1 registers, HCR_EL2's guest bits or its PMU setup
 * governs (HPMD, and HCCD where the CPU has it, as QEMU's max does:
 * nothing counts at EL2). So a vCPU that waits (WFI, or an exit its VMM
 * answers from another CPU) stays in guest mode, and its wake-up writes
 * nothing: a switch to native mode and back changes SCTLR_EL1.M and
 * HCR_EL2, which QEMU pays for with two TLB flushes and its global lock
 * (docs/performance.md). Interrupts for the held vCPU that come
 * meanwhile: aarch64_vtimer_irq, maintenance_irq. */
void arch_vcpu_idle(void) {}

/* WFI: the vCPU stays held, its thread parked (kernel/vcpu.c). */
bool arch_vcpu_wfi_keep(const struct arch_vcpu *v)
{
	unsigned cpu = this_cpu()->id;
	return held[cpu] == v && in_guest[cpu];
}

/* A vCPU object or binding goes away. The kernel made its memory copy
 * current first (vcpu_hold_release), so no CPU may hold it now. */
void arch_vcpu_forget(struct arch_vcpu *v)
{
	if (arch_vcpu_holder(v) >= 0)
		kpanic("vCPU forgotten while a CPU holds it");
}

/* List registers reset to UNKNOWN values: clear them once per CPU. */
void aarch64_vcpu_cpu_init(void)
{
	unsigned counters = (unsigned)(sysreg_read(pmcr_el0) >> PMCR_N_SHIFT & PMCR_N_MASK);
	uint64_t pmuver = ID_DFR0_PMUVER(sysreg_read(id_aa64dfr0_el1));
	pmu_n = counters < ARCH_PMU_COUNTERS ? counters : ARCH_PMU_COUNTERS;
	/* HCCD: a guest that sets PMCCFILTR_EL0.NSH would otherwise count
	 * the kernel's cycles from its exit until the counters stop */
	sctlr_native_set = SCTLR_EL1_NATIVE_SET;
	mdcr_native = MDCR_DEBUG_TRAPS | MDCR_TPM | MDCR_TPMCR | pmu_n;
	mdcr_guest = MDCR_DEBUG_TRAPS | MDCR_HPMD | pmu_n |
		     (pmuver >= ID_DFR0_PMUV3P5 && pmuver != 0xf ? MDCR_HCCD : 0);
	for (unsigned i = 0, n = vcpu_nlr(); i < n; i++)
		lr_write(i, 0);
	sysreg_write(ICH_HCR_EL2, 0);
}

void arch_vcpu_init(struct arch_vcpu *v)
{
	v->el1[V_SCTLR] = SCTLR_EL1_RES1; /* architectural reset: MMU off */
	v->el1[V_SPSR] = SPSR_EL1H_MASKED;
}

void arch_regs_init_guest(struct arch_regs *r)
{
	arch_regs_init_user(r, 0, 0);
	r->spsr = SPSR_EL1H_MASKED;
}

/* Only AArch64 EL0t, EL1t and EL1h may be entered: anything else would
 * let a VMM make the kernel's eret land in EL2. */
static bool pstate_ok(uint64_t v)
{
	unsigned m = (unsigned)(v & (SPSR_MODE_AARCH32 | SPSR_MODE_MASK));
	return (m == SPSR_MODE_EL0T || m == SPSR_MODE_EL1T || m == SPSR_MODE_EL1H) &&
	       (v >> 32) == 0;
}

bool arch_vcpu_reg_valid(unsigned n, uint64_t val, bool write)
{
	if (n == KEEL_VREG_PSTATE)
		return !write || pstate_ok(val);
	return n < 31 || n == KEEL_VREG_SP || n == KEEL_VREG_PC || n == KEEL_VREG_SP_EL1 ||
	       n == KEEL_VREG_MPIDR;
}

bool arch_vcpu_reg_read(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t *val)
{
	if (n < 31) *val = r->x[n];
	else if (n == KEEL_VREG_SP) *val = r->sp;
	else if (n == KEEL_VREG_PC) *val = r->pc;
	else if (n == KEEL_VREG_PSTATE) *val = r->spsr;
	else if (n == KEEL_VREG_SP_EL1) *val = v->el1[V_SP_EL1];
	else if (n == KEEL_VREG_MPIDR) *val = v->vmpidr;
	else return false;
	return true;
}

bool arch_vcpu_reg_write(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t val)
{
	if (n < 31) r->x[n] = val;
	else if (n == KEEL_VREG_SP) r->sp = val;
	else if (n == KEEL_VREG_PC) r->pc = val;
	else if (n == KEEL_VREG_PSTATE && pstate_ok(val)) r->spsr = val;
	else if (n == KEEL_VREG_SP_EL1) v->el1[V_SP_EL1] = val;
	else if (n == KEEL_VREG_MPIDR) v->vmpidr = (val & MPIDR_AFF_MASK) | MPIDR_RES1;
	else return false;
	return true;
}

void arch_vcpu_skip(struct arch_regs *r) { r->pc += 4; }

/* The saved copy, or this CPU's registers if it holds v (arch.h). */
uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v)
{
	bool here = held[this_cpu()->id] == v;
	uint64_t ctl = here ? sysreg_read(cntv_ctl_el0) : v->cntv_ctl;
	bool armed = (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK);
	if (!armed)
		return UINT64_MAX;
	return here ? sysreg_read(cntv_cval_el0) : v->cntv_cval;
}

bool arch_vcpu_irq_pending(const struct arch_vcpu *v)
{
	bool here = held[this_cpu()->id] == v;
	uint64_t empty = here ? sysreg_read(ICH_ELRSR_EL2) : 0;
	for (unsigned i = 0; i < vcpu_nlr(); i++) {
		if (here && (empty & BIT64(i)))
			continue;
		if ((here ? lr_read(i) : v->lr[i]) & ICH_LR_PENDING)
			return true;
	}
	return false;
}

/* Take a synchronous exception to the guest's EL1, as the CPU would. */
static void vcpu_take_exception(struct arch_vcpu *v, struct arch_regs *r, uint64_t esr)
{
	unsigned m = (unsigned)(r->spsr & SPSR_MODE_MASK);
	uint64_t off = m == SPSR_MODE_EL0T ? VBAR_SYNC_LOWER_A64 :
		       m == SPSR_MODE_EL1H ? VBAR_SYNC_CUR_SPX : VBAR_SYNC_CUR_SP0;
	v->el1[V_ESR] = esr;
	v->el1[V_ELR] = r->pc;
	v->el1[V_SPSR] = r->spsr;
	r->spsr = SPSR_EL1H_MASKED;
	r->pc = v->el1[V_VBAR] + off;
}

void arch_vcpu_inject_dabt(struct arch_vcpu *v, struct arch_regs *r, uint64_t addr,
			   bool write)
{
	uint64_t ec = (r->spsr & SPSR_MODE_MASK) == SPSR_MODE_EL0T ? EC_DABT_LOW : EC_DABT_CUR;
	v->el1[V_FAR] = addr;
	/* synchronous external abort, WnR as the access was */
	vcpu_take_exception(v, r, ec << ESR_EC_SHIFT | ESR_IL | (write ? ESR_DABT_WNR : 0) |
					  ESR_DFSC_SYNC_EXT);
}

void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r)
{
	vcpu_take_exception(v, r, ESR_IL); /* EC 0: unknown reason */
}

/* The list register intid goes in: the one that holds it pending or active
 * already, else a free one; -1 if neither. */
static int vcpu_lr_for(const struct arch_vcpu *v, unsigned intid)
{
	for (unsigned i = 0; i < vcpu_nlr(); i++)
		if ((v->lr[i] & ICH_LR_VINTID_MASK) == intid && (v->lr[i] >> ICH_LR_STATE_SHIFT))
			return (int)i;
	for (unsigned i = 0; i < vcpu_nlr(); i++)
		if (!aarch64_lr_taken(v->lr[i]))
			return (int)i;
	return -1;
}

bool arch_vcpu_irq_room(const struct arch_vcpu *v, unsigned intid)
{
	return vcpu_lr_for(v, intid) >= 0;
}

void arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio,
			  bool notify_eoi)
{
	int i = vcpu_lr_for(v, intid);
	if (i < 0)
		return; /* no room (decode checked) */
	/* Held active without an EOI request (an edge the VMM does not track:
	 * an SGI, a virtio device's SPI), it becomes pending and active, as on
	 * a GIC: taken again after its EOI. Already pending, or tracked by the
	 * VMM: unchanged. */
	if (v->lr[i] >> ICH_LR_STATE_SHIFT) {
		if (!(v->lr[i] & (ICH_LR_PENDING | ICH_LR_EOI | ICH_LR_HW)))
			v->lr[i] |= ICH_LR_PENDING;
		return;
	}
	v->lr[i] = ICH_LR_PENDING | ICH_LR_GROUP1 |
		   (uint64_t)(prio & ICH_LR_PRIO_MASK) << ICH_LR_PRIO_SHIFT | intid |
		   (notify_eoi ? ICH_LR_EOI : 0);
}

/* The virtual timer fired. While the CPU is in guest mode (its vCPU
 * runs, or idle runs for it: arch_vcpu_idle), hand it to the guest as
 * virtual PPI 27 linked to the physical one (HW), which stays active until
 * the guest deactivates it; a thread parked in WFI goes on. Otherwise the
 * vCPU is only held here (a native thread runs): save it, which disarms
 * the timer, and let the memory copy speak (a parked vCPU's deadline, or
 * the timer firing again as soon as the vCPU is loaded). */
void aarch64_vtimer_irq(struct tcb *t)
{
	unsigned cpu = this_cpu()->id;
	if (!held[cpu] || !in_guest[cpu]) {
		if (held[cpu])
			vcpu_flush_cpu(cpu);
		else
			sysreg_write(cntv_ctl_el0, 0);
		arch_irq_deactivate(VTIMER_PPI);
		return;
	}
	bool idle = !t->vcpu || &t->vcpu->arch != held[cpu]; /* arch_vcpu_idle */
	if (idle)
		vcpu_held_irq(held[cpu]);
	for (unsigned i = 0; i < vcpu_nlr(); i++) {
		uint64_t lr = lr_read(i);
		if (aarch64_lr_taken(lr) && (lr & ICH_LR_VINTID_MASK) != VTIMER_PPI)
			continue;
		lr_write(i, ICH_LR_PENDING | ICH_LR_HW | ICH_LR_GROUP1 | VTIMER_LR_PRIO << ICH_LR_PRIO_SHIFT |
			 (uint64_t)VTIMER_PPI << ICH_LR_PINTID_SHIFT | VTIMER_PPI);
		return;
	}
	/* No room: it fires again, when the guest runs; idle must not take
	 * it again and again meanwhile, so there the vCPU is saved as for a
	 * native thread (which disarms the timer) */
	if (idle)
		vcpu_flush_cpu(cpu);
	arch_irq_deactivate(VTIMER_PPI);
}

/* Maintenance interrupt: the guest deactivated interrupts injected with an
 * EOI request. Report their INTIDs to the VMM as an exit and free the list
 * registers (they are invalid already; the INTID field is what is left). */
TRACED_INLINE void maintenance_irq(struct tcb *t, bool traced)
{
	uint64_t msg[6] = { 0 };
	uint64_t eisr = sysreg_read(ICH_EISR_EL2);
	unsigned n = 0;
	unsigned cpu = this_cpu()->id;
	if (!t->vcpu || held[cpu] != &t->vcpu->arch || !in_guest[cpu]) {
		/* idle in guest mode (arch_vcpu_idle): native mode turns the
		 * interrupt off until the vCPU runs and takes it */
		if (in_guest[cpu]) {
			in_guest[cpu] = false;
			vcpu_to_native(held[cpu]);
		}
		return;
	}
	for (unsigned i = 0; i < vcpu_nlr(); i++) {
		if (!(eisr & BIT64(i)))
			continue;
		if (n < 5)
			msg[1 + n++] = lr_read(i) & ICH_LR_VINTID_MASK;
		lr_write(i, 0);
	}
	msg[0] = n;
	if (n)
		(traced ? vcpu_exit_traced : vcpu_exit)(t, KEEL_EXIT_MAINT, msg, 6);
}

void aarch64_maintenance_irq(struct tcb *t) { maintenance_irq(t, false); }
void aarch64_maintenance_irq_traced(struct tcb *t) { maintenance_irq(t, true); }

/* ---- exit decoding ---- */

/* Trap state in, one exit message out (exit.c, pure so it is unit-tested),
 * through the fastpath when it can: the thread to return to, or NULL.
 * traced (a constant: two copies): the exit is recorded, before a route
 * changes its address. */
TRACED_INLINE struct tcb *vcpu_exit_from(struct tcb *t, uint64_t esr, bool traced)
{
	struct exit_msg m;
	struct tcb *next;
	struct cap *ep;
	unsigned ec = (unsigned)ESR_EC(esr) & 0x3f;
	if (ec == EC_HVC64 || ec == EC_SMC64)
		aarch64_exit_call(ec == EC_HVC64, &t->regs, &m);
	else
		aarch64_exit_decode(esr, sysreg_read(far_el2), sysreg_read(hpfar_el2), &t->regs, &m);
	if (traced)
		trace_record(KEEL_TRACE_EXIT, t, m.label, m.mr[0]);
	ep = vcpu_exit_ep(t, m.label, m.mr, &m.len);
	if (!ep)
		return NULL; /* answered from a post page: back to the guest */
	next = fastpath_vcpu_exit(this_cpu(), t, ep, m.label, m.mr, m.len);
	if (!next)
		fault_raise_to(t, ep, m.label, m.mr, m.len);
	return next;
}

struct tcb *aarch64_vcpu_exit(struct tcb *t, uint64_t esr) { return vcpu_exit_from(t, esr, false); }
struct tcb *aarch64_vcpu_exit_traced(struct tcb *t, uint64_t esr)
{
	return vcpu_exit_from(t, esr, true);
}

/* ICH_LR<n>_EL2 are sixteen separate registers (S3_4_C12_C12_<n>, then
 * S3_4_C12_C13_<n-8>); there is no indexed access. */
#define LR_CASE(n, op2, crm)                                          \
	case n: if (wr) sysreg_write(S3_4_C12_##crm##_##op2, val);    \
		else val = sysreg_read(S3_4_C12_##crm##_##op2);       \
		break
static uint64_t lr_access(unsigned i, bool wr, uint64_t val)
{
	switch (i) {
	LR_CASE(0, 0, C12); LR_CASE(1, 1, C12); LR_CASE(2, 2, C12); LR_CASE(3, 3, C12);
	LR_CASE(4, 4, C12); LR_CASE(5, 5, C12); LR_CASE(6, 6, C12); LR_CASE(7, 7, C12);
	LR_CASE(8, 0, C13); LR_CASE(9, 1, C13); LR_CASE(10, 2, C13); LR_CASE(11, 3, C13);
	LR_CASE(12, 4, C13); LR_CASE(13, 5, C13); LR_CASE(14, 6, C13); LR_CASE(15, 7, C13);
	default: break;
	}
	return val;
}
static uint64_t lr_read(unsigned i) { return lr_access(i, false, 0); }
static void lr_write(unsigned i, uint64_t v) { lr_access(i, true, v); }
