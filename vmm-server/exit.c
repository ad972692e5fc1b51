/*
 * Exits: one handler per exit label (keel/abi.h, KEEL_EXIT_*), picked
 * from a full table whose default is an undefined-instruction exception
 * for the guest. A handler only builds the reply; main.c sends it.
 */
#include "vmm.h"
#include "vmm_arch.h"

/* mr: the exit's registers; r: the same message, to become the reply
 * (written only once mr has been read). */
typedef void exit_fn(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r);

static void exit_mmio(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	struct keel_mmio_access a;
	(void)cpu;
	if (!keel_mmio_decode(mr, &a)) {
		r->label = KEEL_VCPU_INJECT_DABT;
		r->mr[0] = mr[0];
		r->mr[1] = (mr[1] & KEEL_MMIO_WRITE) != 0;
	} else {
		mmio_handle(&vm->map, &a, r);
	}
	if (r->label == KEEL_VCPU_INJECT_DABT)
		vm->aborts++;
}

/* A hypercall: its pc is already past the call. */
static void exit_hvc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	vmm_arch_call(vm, cpu, mr, false, r);
}

/* A trapped firmware call: its pc is at the call. */
static void exit_smc(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	vmm_arch_call(vm, cpu, mr, true, r);
}

/* WFI: the kernel parks the vCPU until an interrupt is pending for it (one
 * we inject, or its virtual timer), so an idle guest costs nothing. WFE
 * waits for an event, not an interrupt (a guest spinlock, the counter's
 * event stream): step past it, which the architecture allows. */
static void exit_wfi(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	(void)vm, (void)cpu;
	if (!(mr[0] & KEEL_WAIT_EVENT))
		r->label = KEEL_VCPU_WAIT;
	else
		vmm_reply_resume(r, KEEL_RESUME_SKIP, 0, 0);
}

/* Trapped system registers: the arch part knows them (a read it does not
 * fill reads as zero); the pc steps past the access. */
static void exit_sysreg(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	bool read = mr[1] & KEEL_SYSREG_READ;
	uint64_t val = read ? 0 : mr[3];
	vmm_arch_sysreg(vm, cpu, mr[0], read, &val);
	if (read)
		vmm_reply_resume(r, KEEL_RESUME_SKIP | KEEL_RESUME_WRITE_REG, mr[2], val);
	else
		vmm_reply_resume(r, KEEL_RESUME_SKIP, 0, 0);
}

static void exit_undef(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	(void)vm, (void)cpu, (void)mr;
	r->label = KEEL_VCPU_INJECT_UNDEF;
}

/* The guest finished interrupts the VMM injected (all with EOI
 * notification): MR0 = how many, MR1.. their INTIDs. Lines still high and
 * edges that came meanwhile go in again (exit_handle's kick). */
static void exit_maint(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	for (uint64_t i = 0; i < mr[0] && i < 5; i++)
		vmm_arch_irq_eoi(vm, cpu, (unsigned)mr[1 + i]);
	vmm_reply_resume(r, 0, 0, 0);
}

/* A stage-2 abort we cannot emulate (no syndrome: a load/store pair, or
 * an instruction fetch) still gets an abort at its address; anything else
 * unknown is an undefined instruction. */
static void exit_unknown(struct vmm *vm, unsigned cpu, const uint64_t *mr, struct keel_msg *r)
{
	vm->ops->unknown(vm, cpu, mr);
	if (!(mr[3] & KEEL_ABORT_ADDR)) {
		exit_undef(vm, cpu, mr, r);
		return;
	}
	r->label = KEEL_VCPU_INJECT_DABT;
	r->mr[0] = mr[2];
	r->mr[1] = (mr[3] & KEEL_ABORT_WRITE) != 0;
	vm->aborts++;
}

static exit_fn *const exit_table[] = {
	[KEEL_EXIT_MMIO - KEEL_EXIT_MMIO] = exit_mmio,
	[KEEL_EXIT_HVC - KEEL_EXIT_MMIO] = exit_hvc,
	[KEEL_EXIT_SMC - KEEL_EXIT_MMIO] = exit_smc,
	[KEEL_EXIT_WFI - KEEL_EXIT_MMIO] = exit_wfi,
	[KEEL_EXIT_SYSREG - KEEL_EXIT_MMIO] = exit_sysreg,
	[KEEL_EXIT_UNKNOWN - KEEL_EXIT_MMIO] = exit_unknown,
	[KEEL_EXIT_MAINT - KEEL_EXIT_MMIO] = exit_maint,
};
/* Full (no NULL entry to check on every exit): one handler per label. */
_Static_assert(sizeof(exit_table) / sizeof(exit_table[0]) == KEEL_EXIT_MAINT - KEEL_EXIT_MMIO + 1,
	       "every exit label has its handler");
_Static_assert(KEEL_CTL_EXIT_REASONS == KEEL_EXIT_MAINT - KEEL_EXIT_MMIO + 1,
	       "keelctl stats counts every exit label");

void exit_handle(struct vmm *vm, unsigned cpu, struct keel_msg *m)
{
	uint64_t label = m->label, i = label - KEEL_EXIT_MMIO; /* below MMIO: wraps */
	exit_fn *fn = i < sizeof(exit_table) / sizeof(exit_table[0]) ? exit_table[i] : exit_undef;
	vm->exits++;
	if (i < KEEL_CTL_EXIT_REASONS)
		vm->reason[i]++;
	fn(vm, cpu, m->mr, m);
	m->len = VMM_REPLY_LEN;
	/* a chance to deliver what found no room before, or was freed by an EOI */
	if (m->label != KEEL_VCPU_STOP &&
	    (label == KEEL_EXIT_MAINT || ((vm->irq_retry >> cpu) & 1)))
		vmm_arch_irq_kick(vm, cpu);
}
