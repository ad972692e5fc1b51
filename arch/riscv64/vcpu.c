/*
 * riscv64 vCPUs: VS-mode guests under the H extension.
 *
 * A vCPU thread's general registers, pc and privilege (sstatus.SPP: VS
 * or VU) are its TCB's, saved and restored by entry.S like any thread's;
 * it is entered with hstatus.SPV set (sret goes to V=1) and VTW (its WFI
 * traps), with satp left at the kernel's map (the guest uses vsatp and
 * hgatp; HS-mode's sscratch and stvec still lead its traps to entry.S).
 * The G-stage root is its vspace, activated as for any thread: hgatp
 * takes satp's value (mmu.c: mode 9 is Sv48 in satp, Sv48x4 in hgatp,
 * and the ASID field holds the VMID + 1).
 *
 * The VS CSRs (struct arch_vcpu) stay in a CPU while native threads run
 * there, since they affect only V=1 (lazy, as on aarch64: the CPU holds
 * them until another vCPU is loaded there or arch_vcpu_flush). The
 * guest's interrupts are VS-level ones, delegated to it (hideleg): the
 * timer is Sstc's vstimecmp (VSTIP straight from the hart), the software
 * interrupt is injected in hvip.VSSIP, and the external line (the VMM's
 * PLIC model) is hvip.VSEIP, raised and lowered by the VMM. Its own exceptions (page faults,
 * breakpoints, misaligned accesses, ecall from VU) go straight to it
 * (hedeleg); the rest come here as exits (exit.c).
 */
#include "riscv64.h"
#include "exit.h"
#include "fastpath.h"

#define HVIP_VSSIP (1ull << 2)
#define HVIP_VSEIP (1ull << 10)
#define VS_IRQS (1ull << 2 | 1ull << 6 | 1ull << 10) /* VSSIP, VSTIP, VSEIP */
#define HVIP_INJECTED (HVIP_VSSIP | HVIP_VSEIP)     /* what the VMM sets */
#define VSIE_STIE (1ull << 5)                       /* vsie as the guest sees it */
#define VS_IRQ_SOFT 1u                              /* guest cause numbers */
#define VS_IRQ_EXT 9u
/* Exceptions the guest takes itself: misaligned fetch (0), breakpoint
 * (3), misaligned load and store (4, 6), ecall from VU (8), its own page
 * faults (12, 13, 15). Illegal instructions come here: the lazy FPU. */
#define HEDELEG_GUEST (1ull << 0 | 1ull << 3 | 1ull << 4 | 1ull << 6 | 1ull << 8 | \
		       1ull << 12 | 1ull << 13 | 1ull << 15)
#define INSN_WFI 0x10500073u

static struct arch_vcpu *held[MAX_CPUS]; /* VS CSRs in this CPU */
static uint64_t cpu_hgatp[MAX_CPUS];     /* what this CPU's hgatp holds */
static bool cpu_new_vcpu[MAX_CPUS];      /* loaded since the last entry */
/* Held, but a native thread or idle runs: the guest's interrupt enables
 * (vsie, the VS bits of hie) are in memory and the CSR is 0, or the idle
 * loop's WFI would wake again and again for the guest's due timer. */
static bool cpu_native[MAX_CPUS];

#define VS_CSRS(X) X(vsstatus, CSR_VSSTATUS); X(vstvec, CSR_VSTVEC); \
	X(vsscratch, CSR_VSSCRATCH); X(vsepc, CSR_VSEPC); X(vscause, CSR_VSCAUSE);          \
	X(vstval, CSR_VSTVAL); X(vsatp, CSR_VSATP); X(vstimecmp, CSR_VSTIMECMP)
#define VS_SAVE(f, n) v->f = csrn_read(n)
#define VS_LOAD(f, n) csrn_write(n, v->f)

/* Once per CPU, after the device tree said whether guests can run. */
void rv_vcpu_cpu_init(void)
{
	if (!rv_board.guests)
		return;
	csrn_write(CSR_HEDELEG, HEDELEG_GUEST);
	csrn_write(CSR_HIDELEG, VS_IRQS);
	csrn_write(CSR_HCOUNTEREN, 2); /* the guest reads time */
	csrn_write(CSR_HENVCFG, HENVCFG_STCE);
	csrn_write(CSR_HTIMEDELTA, 0); /* guest time is the host's */
	csrn_write(CSR_HVIP, 0);
	csrn_write(CSR_HGATP, 0);
}

/* hvip reads VSTIP as Sstc's comparison sets it, and a write of hvip
 * sets or clears it (QEMU): it is not saved, and the load writes hvip
 * before vstimecmp (the last of VS_CSRS), which makes VSTIP right. The
 * CPU is left with nothing that could interrupt it (a guest timer far
 * away, no enables). */
static void vcpu_save(struct arch_vcpu *v, unsigned cpu)
{
	VS_CSRS(VS_SAVE);
	if (!cpu_native[cpu])
		v->vsie = csrn_read(CSR_VSIE);
	v->hvip = csrn_read(CSR_HVIP) & HVIP_INJECTED;
	csrn_write(CSR_HVIP, 0);
	csrn_write(CSR_VSIE, 0);
	csrn_write(CSR_VSTIMECMP, UINT64_MAX);
}

static void vcpu_load(const struct arch_vcpu *v)
{
	csrn_write(CSR_HVIP, v->hvip);
	VS_CSRS(VS_LOAD);
}

void arch_vcpu_flush(void)
{
	unsigned cpu = this_cpu()->id;
	if (!held[cpu])
		return;
	vcpu_save(held[cpu], cpu);
	held[cpu] = NULL;
	cpu_native[cpu] = false;
}

int arch_vcpu_holder(const struct arch_vcpu *v)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (held[i] == v)
			return (int)i;
	return -1;
}

/* A native thread or idle: the VS CSRs stay, unused, but masked. */
static void vcpu_to_native(unsigned cpu)
{
	if (!held[cpu] || cpu_native[cpu])
		return;
	held[cpu]->vsie = csrn_read(CSR_VSIE);
	csrn_write(CSR_VSIE, 0);
	cpu_native[cpu] = true;
}

void arch_vcpu_activate(struct arch_vcpu *v)
{
	unsigned cpu = this_cpu()->id;
	if (!v) {
		vcpu_to_native(cpu);
		return;
	}
	if (held[cpu] != v) {
		if (arch_vcpu_holder(v) >= 0)
			kpanic("vCPU loaded while another CPU holds it");
		arch_vcpu_flush();
		vcpu_load(v);
		held[cpu] = v;
		cpu_new_vcpu[cpu] = true;
		cpu_native[cpu] = true;
	}
	if (cpu_native[cpu]) {
		csrn_write(CSR_VSIE, v->vsie);
		cpu_native[cpu] = false;
	}
}

void arch_vcpu_idle(void) { arch_vcpu_activate(NULL); }

/* WFI saves the vCPU (VSIE masked for idle as for any native thread). */
bool arch_vcpu_wfi_keep(const struct arch_vcpu *v)
{
	(void)v;
	return false;
}

void arch_vcpu_forget(struct arch_vcpu *v)
{
	if (arch_vcpu_holder(v) >= 0)
		kpanic("vCPU forgotten while a CPU holds it");
}

/* Architectural reset: translation off, nothing pending, no timer. */
void arch_vcpu_init(struct arch_vcpu *v) { v->vstimecmp = UINT64_MAX; }

void arch_regs_init_guest(struct arch_regs *r)
{
	arch_regs_init_user(r, 0, 0);
	r->sstatus |= SSTATUS_SPP; /* VS-mode */
}

/* The G-stage root and VMID: what arch_vspace_activate made the thread's
 * satp (it runs after arch_vcpu_activate on the IPC fastpath). A vCPU
 * new to this CPU also drops the VS-stage translations this CPU kept for
 * its VMID: another vCPU of its VM may have changed the guest's tables
 * and fenced them on another CPU. */
static void vcpu_enter_hgatp(unsigned cpu)
{
	uint64_t hgatp = rv_tramp[cpu].user_satp;
	if (cpu_hgatp[cpu] != hgatp) {
		csrn_write(CSR_HGATP, hgatp);
		cpu_hgatp[cpu] = hgatp;
	}
	if (cpu_new_vcpu[cpu]) /* hfence.vvma: this VMID's VS-stage */
		__asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory");
	cpu_new_vcpu[cpu] = false;
}

/* Every return to a thread: guests are entered with SPV (and VTW), the
 * others without (the idle loop is S-mode too). */
void rv_vcpu_enter(struct tcb *t)
{
	static uint64_t base;
	if (!base) /* VSXL (read-only on QEMU: 64-bit guests); the rest 0 */
		base = csrn_read(CSR_HSTATUS) & HSTATUS_VSXL;
	if (t->vcpu)
		vcpu_enter_hgatp(this_cpu()->id);
	csrn_write(CSR_HSTATUS, base | (t->vcpu ? HSTATUS_SPV | HSTATUS_VTW : 0));
}

/* ---- registers (keel/abi.h: x<n + 1> is register n) ---- */

bool arch_vcpu_reg_valid(unsigned n, uint64_t val, bool write)
{
	if (n == KEEL_VREG_PSTATE)
		return !write || val <= 1;
	if (n == KEEL_VREG_EXT_IRQ) /* lowered only: a raise must wake (INJECT_IRQ) */
		return !write || val == 0;
	return n <= KEEL_VREG_PC || n == KEEL_VREG_TIMER;
}

bool arch_vcpu_reg_read(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t *val)
{
	if (n < KEEL_VREG_GENERAL) *val = rv_reg_get(r, n + 1);
	else if (n == KEEL_VREG_SP) *val = r->x[RV_REG_SP];
	else if (n == KEEL_VREG_PC) *val = r->x[RV_REG_PC];
	else if (n == KEEL_VREG_PSTATE) *val = (r->sstatus & SSTATUS_SPP) != 0;
	else if (n == KEEL_VREG_TIMER) *val = v->vstimecmp;
	else if (n == KEEL_VREG_EXT_IRQ) *val = (v->hvip & HVIP_VSEIP) != 0;
	else return false;
	return true;
}

bool arch_vcpu_reg_write(struct arch_vcpu *v, struct arch_regs *r, unsigned n, uint64_t val)
{
	if (n < KEEL_VREG_GENERAL) r->x[rv_reg_slot(n + 1)] = val;
	else if (n == KEEL_VREG_SP) r->x[RV_REG_SP] = val;
	else if (n == KEEL_VREG_PC) r->x[RV_REG_PC] = val;
	else if (n == KEEL_VREG_PSTATE && val <= 1)
		r->sstatus = (r->sstatus & ~SSTATUS_SPP) | (val ? SSTATUS_SPP : 0);
	else if (n == KEEL_VREG_TIMER) v->vstimecmp = val;
	else if (n == KEEL_VREG_EXT_IRQ && !val) v->hvip &= ~HVIP_VSEIP;
	else return false;
	return true;
}

void arch_vcpu_skip(struct arch_regs *r) { r->x[RV_REG_PC] += r->ilen ? r->ilen : 4; }

/* ---- exceptions and interrupts into the guest ---- */

/* Take an exception into VS-mode, as the hart would: vsepc, vscause,
 * vstval; vsstatus.SPP the privilege it came from, SPIE = SIE, SIE off;
 * on to vstvec's base in VS-mode. */
static void vcpu_take(struct arch_vcpu *v, struct arch_regs *r, uint64_t cause, uint64_t tval)
{
	uint64_t s = v->vsstatus & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	s |= (r->sstatus & SSTATUS_SPP) | (v->vsstatus & SSTATUS_SIE ? SSTATUS_SPIE : 0);
	v->vsstatus = s;
	v->vsepc = r->x[RV_REG_PC];
	v->vscause = cause;
	v->vstval = tval;
	r->sstatus |= SSTATUS_SPP;
	r->x[RV_REG_PC] = v->vstvec & ~3ull;
}

/* An access fault for the access that trapped: the guest's own view of
 * it has the virtual address (stval of its guest-page fault). */
void arch_vcpu_inject_dabt(struct arch_vcpu *v, struct arch_regs *r, uint64_t addr, bool write)
{
	uint64_t c = r->scause;
	bool gpf = c == EXC_LOAD_GUEST_PAGE || c == EXC_STORE_GUEST_PAGE || c == EXC_INST_GUEST_PAGE;
	vcpu_take(v, r, c == EXC_INST_GUEST_PAGE ? EXC_INST_ACCESS :
			write ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, gpf ? r->stval : addr);
}

void arch_vcpu_inject_undef(struct arch_vcpu *v, struct arch_regs *r)
{
	vcpu_take(v, r, EXC_ILLEGAL, 0);
}

/* The software interrupt (the guest clears it) and the external line (a
 * level the VMM lowers: KEEL_VREG_EXT_IRQ); the timer is the guest's own
 * (Sstc). Neither has a priority or an EOI to report. */
bool arch_vcpu_irq_room(const struct arch_vcpu *v, unsigned intid)
{
	(void)v;
	return intid == VS_IRQ_SOFT || intid == VS_IRQ_EXT;
}

void arch_vcpu_inject_irq(struct arch_vcpu *v, unsigned intid, unsigned prio, bool notify_eoi)
{
	(void)prio, (void)notify_eoi;
	v->hvip |= intid == VS_IRQ_EXT ? HVIP_VSEIP : intid == VS_IRQ_SOFT ? HVIP_VSSIP : 0;
}

/* Pending and enabled: a WFI would end (hvip's VS bits sit one above the
 * guest's own sip/sie bits). */
bool arch_vcpu_irq_pending(const struct arch_vcpu *v)
{
	return (v->hvip >> 1 & v->vsie) != 0;
}

uint64_t arch_vcpu_timer_deadline(const struct arch_vcpu *v)
{
	return v->vsie & VSIE_STIE ? v->vstimecmp : UINT64_MAX;
}

/* ---- traps from V=1 ---- */

/* The instruction at the guest's pc, read as the guest would fetch it;
 * 0 if it cannot be read. */
TRACED_INLINE uint32_t vcpu_fetch(uint64_t pc)
{
	uint64_t lo = rv_guest_fetch16(pc), hi;
	if (lo > 0xffff)
		return 0;
	if ((lo & 3) != 3)
		return (uint32_t)lo;
	hi = rv_guest_fetch16(pc + 2);
	return hi > 0xffff ? 0 : (uint32_t)(lo | hi << 16);
}

/* An exit to the VMM or a route; traced (a constant: two copies of the
 * trap, the traced one reached only while a trace runs) records it. */
TRACED_INLINE void vcpu_trap_exit(struct tcb *t, uint64_t label, const uint64_t *msg,
				  unsigned len, bool traced)
{
	(traced ? vcpu_exit_traced : vcpu_exit)(t, label, msg, len);
}

/* A WFI (virtual instruction, VTW): parked here, or an exit the VMM
 * asked for. */
TRACED_INLINE void vcpu_trap_wfi(struct tcb *t, bool traced)
{
	uint64_t msg[1] = { 0 };
	t->regs.ilen = 4;
	if (!vcpu_wfi(t))
		vcpu_trap_exit(t, KEEL_EXIT_WFI, msg, 1, traced);
}

/* A decoded exit to the VMM or a route, through the fastpath when it can,
 * as aarch64's vcpu_exit_from: the thread to return to, or NULL. */
TRACED_INLINE struct tcb *vcpu_trap_exit_fast(struct tcb *t, struct exit_msg *m, bool traced)
{
	struct cap *ep;
	struct tcb *next;
	if (traced) /* recorded before a route changes its address */
		trace_record(KEEL_TRACE_EXIT, t, m->label, m->mr[0]);
	ep = vcpu_exit_ep(t, m->label, m->mr, &m->len);
	if (!ep)
		return NULL; /* answered from a post page: back to the guest */
	next = fastpath_vcpu_exit(this_cpu(), t, ep, m->label, m->mr, m->len);
	if (!next)
		fault_raise_to(t, ep, m->label, m->mr, m->len);
	return next;
}

TRACED_INLINE __attribute__((noreturn)) void vcpu_trap(struct tcb *t, bool traced)
{
	struct tcb *next;
	struct rv_trap tr = { .cause = t->regs.scause, .stval = t->regs.stval,
			      .htval = csrn_read(CSR_HTVAL), .htinst = csrn_read(CSR_HTINST) };
	struct exit_msg m;
	bool ecall = tr.cause == EXC_ECALL_VS;
	/* A virtual instruction's stval is not used: QEMU 7.2 fills it from the
	 * last instruction it saved for a trap, not always this one (after a
	 * WFI, an hlv.d from VS-mode came with a WFI's bits and was parked as
	 * one, forever: the hostile guest, docs/riscv64.md). The instruction
	 * is read from the guest's memory instead. */
	if (tr.cause == EXC_VIRTUAL_INST || ((tr.cause == EXC_LOAD_GUEST_PAGE ||
					      tr.cause == EXC_STORE_GUEST_PAGE) && !tr.htinst))
		tr.insn = vcpu_fetch(t->regs.x[RV_REG_PC]);
	if (ecall)
		t->regs.x[RV_REG_PC] += 4; /* as aarch64's HVC: past the call */
	kernel_enter(t, ecall);
	if (!kernel_trapped_is_current(t))
		kernel_exit();
	if (tr.cause == EXC_ILLEGAL && rv_fpu_trap(t))
		kernel_exit();
	if (tr.cause == EXC_VIRTUAL_INST && tr.insn == INSN_WFI) {
		vcpu_trap_wfi(t, traced);
		kernel_exit();
	}
	rv_exit_decode(&tr, &t->regs, &m);
	t->regs.ilen = m.ilen;
	next = vcpu_trap_exit_fast(t, &m, traced);
	if (next) {
		arch_lock_release();
		arch_return_to(next);
	}
	kernel_exit();
}

_Noreturn void rv_vcpu_trap(struct tcb *t) { vcpu_trap(t, false); }
_Noreturn void rv_vcpu_trap_traced(struct tcb *t) { vcpu_trap(t, true); }

/* No H extension or no Sstc: a thread bound to a vCPU faults instead of
 * running, each time it would run. */
_Noreturn void rv_vcpu_refuse(struct tcb *t)
{
	uint64_t msg[2] = { t->regs.x[RV_REG_PC], RV_CAUSE_NO_VCPU };
	kernel_enter(t, false);
	if (kernel_trapped_is_current(t))
		kernel_fault(KEEL_FAULT_USER, msg, 2);
	kernel_exit();
}
