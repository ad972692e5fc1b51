/*
 * The guest's firmware: SBI v2.0 (the RISC-V Supervisor Binary Interface
 * specification) over ecall, which the kernel sends as an HVC exit with
 * MR0 a7 (extension), MR1 a6 (function), MR2..MR5 a0..a3, the pc past
 * the ecall. The answer goes back in a0 (error) and a1 (value).
 *
 *   extension     functions                 answer
 *   BASE 0x10     0..6                      spec 2.0, implementation id
 *                                           KEEL_SBI_IMPL_ID, version 1,
 *                                           probe: 1 for the extensions
 *                                           here, machine ids 0
 *   TIME          0 set_timer(t)            the vCPU's vstimecmp = t
 *   IPI (sPI)     0 send_ipi(mask, base)    a software interrupt to each
 *   RFENCE        0 fence.i, 1 sfence.vma,  each other target vCPU that is on
 *                 2 sfence.vma.asid         gets a READ_REG, which takes its
 *                                           state off its CPU: loaded again,
 *                                           it gets hfence.vvma for its VMID
 *                                           there (arch/riscv64/vcpu.c), a
 *                                           whole-VMID fence (a superset of
 *                                           any asked-for range); the hfence
 *                                           ones NOT_SUPPORTED
 *   HSM           0 hart_start(h, pc, op)   hart h (vCPU h) starts at pc
 *                 1 hart_stop               this vCPU stops
 *                 2 hart_get_status(h)      STARTED (0) or STOPPED (1)
 *                                           (suspend: NOT_SUPPORTED)
 *   SRST          0 system_reset(type, why) shutdown (0) stops the VM,
 *                                           cold or warm reboot (1, 2)
 *                                           resets it
 *   DBCN          0 write(n, lo, hi)        bytes from guest RAM to the
 *                 1 read                    VMM's log (at most 256 a
 *                 2 write_byte(b)           call); read: none waiting
 *
 * Anything else is NOT_SUPPORTED, legacy extensions (0x00..0x0f)
 * included. Hart ids are vCPU indices.
 */
#include "riscv64_vmm.h"

enum {
	EXT_BASE = 0x10, EXT_TIME = 0x54494d45, EXT_IPI = 0x735049, EXT_RFENCE = 0x52464e43,
	EXT_HSM = 0x48534d, EXT_SRST = 0x53525354, EXT_DBCN = 0x4442434e,
};
enum {
	ERR_FAILED = -1, ERR_NOT_SUPPORTED = -2, ERR_INVALID_PARAM = -3,
	ERR_INVALID_ADDRESS = -5, ERR_ALREADY_AVAILABLE = -6,
};
#define SBI_SPEC_2_0 (2u << 24) /* major [30:24], minor [23:0] */
#define KEEL_SBI_IMPL_ID 0x4b45454cu /* "KEEL": not a registered id */
#define HART_STARTED 0u
#define HART_STOPPED 1u
#define DBCN_MAX 256u

enum sbi_stop { SBI_GO_ON, SBI_STOP_CPU, SBI_STOP_VM };

/* One call: a[0..3] its a0..a3; fills error and, where the call has
 * one, value. */
struct sbi_call {
	struct vmm *vm;
	unsigned cpu;
	uint64_t fid;
	const uint64_t *a;
	int64_t error;
	uint64_t value;
	bool has_value;
	enum sbi_stop stop;
};

typedef void sbi_fn(struct sbi_call *c);

static void sbi_value(struct sbi_call *c, uint64_t v)
{
	c->value = v;
	c->has_value = true;
}

static bool sbi_known(uint64_t eid);

static void sbi_base(struct sbi_call *c)
{
	static const uint64_t fixed[] = { SBI_SPEC_2_0, KEEL_SBI_IMPL_ID, 1 };
	if (c->fid < 3)
		sbi_value(c, fixed[c->fid]);
	else if (c->fid == 3)
		sbi_value(c, sbi_known(c->a[0]));
	else if (c->fid <= 6)
		sbi_value(c, 0); /* mvendorid, marchid, mimpid */
	else
		c->error = ERR_NOT_SUPPORTED;
}

static void sbi_time(struct sbi_call *c)
{
	if (c->fid != 0)
		c->error = ERR_NOT_SUPPORTED;
	else if (!c->vm->ops->reg_write(c->vm, c->cpu, KEEL_VREG_TIMER, c->a[0]))
		c->error = ERR_FAILED;
}

/* The harts of (mask, base): bit i is hart base + i; base -1 is all. */
static bool sbi_harts(const struct vmm *vm, uint64_t mask, uint64_t base, uint64_t *out)
{
	*out = 0;
	if (base == UINT64_MAX) {
		*out = (1ull << vm->ncpus) - 1;
		return true;
	}
	for (unsigned i = 0; i < 64; i++) {
		if (!((mask >> i) & 1))
			continue;
		if (base >= vm->ncpus || i >= vm->ncpus - base)
			return false;
		*out |= 1ull << (base + i);
	}
	return true;
}

static void sbi_ipi(struct sbi_call *c)
{
	uint64_t harts;
	if (c->fid != 0) {
		c->error = ERR_NOT_SUPPORTED;
		return;
	}
	if (!sbi_harts(c->vm, c->a[0], c->a[1], &harts)) {
		c->error = ERR_INVALID_PARAM;
		return;
	}
	for (unsigned h = 0; h < c->vm->ncpus; h++)
		if ((harts >> h) & 1 && c->vm->power[h] == VMM_CPU_ON &&
		    c->vm->ops->inject(c->vm, h, RV_IRQ_SOFT, 0, false))
			c->vm->ipis++;
}

static void sbi_rfence(struct sbi_call *c)
{
	uint64_t harts, pc;
	if (c->fid > 2) {
		c->error = ERR_NOT_SUPPORTED;
		return;
	}
	if (!sbi_harts(c->vm, c->a[0], c->a[1], &harts)) {
		c->error = ERR_INVALID_PARAM;
		return;
	}
	for (unsigned h = 0; h < c->vm->ncpus; h++)
		if ((harts >> h) & 1 && h != c->cpu && c->vm->power[h] == VMM_CPU_ON &&
		    !c->vm->ops->reg_read(c->vm, h, KEEL_VREG_PC, &pc))
			c->error = ERR_FAILED;
}

static void sbi_hart_start(struct sbi_call *c)
{
	struct vmm *vm = c->vm;
	uint64_t h = c->a[0], pc = c->a[1];
	if (h >= vm->ncpus)
		c->error = ERR_INVALID_PARAM;
	else if (vm->power[h] == VMM_CPU_ON)
		c->error = ERR_ALREADY_AVAILABLE;
	else if (pc < vm->ram_base || pc - vm->ram_base >= vm->ram_size || (pc & 1))
		c->error = ERR_INVALID_ADDRESS;
	else if (!vm->ops->cpu_on(vm, (unsigned)h, pc, c->a[2]))
		c->error = ERR_FAILED;
	else
		vm->power[h] = VMM_CPU_ON;
}

static void sbi_hsm(struct sbi_call *c)
{
	if (c->fid == 0) {
		sbi_hart_start(c);
	} else if (c->fid == 1) {
		c->vm->power[c->cpu] = VMM_CPU_OFF;
		c->stop = SBI_STOP_CPU;
	} else if (c->fid == 2) {
		if (c->a[0] >= c->vm->ncpus)
			c->error = ERR_INVALID_PARAM;
		else
			sbi_value(c, c->vm->power[c->a[0]] == VMM_CPU_ON ? HART_STARTED
									 : HART_STOPPED);
	} else {
		c->error = ERR_NOT_SUPPORTED;
	}
}

static void sbi_srst(struct sbi_call *c)
{
	if (c->fid != 0 || c->a[0] > 2) {
		c->error = c->fid != 0 ? ERR_NOT_SUPPORTED : ERR_INVALID_PARAM;
		return;
	}
	c->vm->stopped = c->a[0] == 0 ? KEEL_VM_STOP_OFF : KEEL_VM_STOP_RESET;
	c->stop = SBI_STOP_VM;
}

/* write: n bytes at guest-physical hi:lo, all in RAM; at most DBCN_MAX
 * of them go out, and the value says how many. */
static void sbi_dbcn_write(struct sbi_call *c)
{
	struct vmm *vm = c->vm;
	uint64_t n = c->a[0], gpa = c->a[1], off = gpa - vm->ram_base;
	if (c->a[2] || gpa < vm->ram_base || off >= vm->ram_size || n > vm->ram_size - off) {
		c->error = ERR_INVALID_PARAM;
		return;
	}
	n = n < DBCN_MAX ? n : DBCN_MAX;
	vm->ops->console(vm, (const char *)vm->ram + off, n);
	sbi_value(c, n);
}

static void sbi_dbcn(struct sbi_call *c)
{
	char b = (char)c->a[0];
	if (c->fid == 0) {
		sbi_dbcn_write(c);
	} else if (c->fid == 1) {
		sbi_value(c, 0);
	} else if (c->fid == 2) {
		c->vm->ops->console(c->vm, &b, 1);
	} else {
		c->error = ERR_NOT_SUPPORTED;
	}
}

static const struct {
	uint64_t eid;
	sbi_fn *fn;
} sbi_table[] = {
	{ EXT_BASE, sbi_base }, { EXT_TIME, sbi_time }, { EXT_IPI, sbi_ipi },
	{ EXT_RFENCE, sbi_rfence }, { EXT_HSM, sbi_hsm }, { EXT_SRST, sbi_srst },
	{ EXT_DBCN, sbi_dbcn },
};
#define SBI_EXTENSIONS (sizeof(sbi_table) / sizeof(sbi_table[0]))

static bool sbi_known(uint64_t eid)
{
	for (unsigned i = 0; i < SBI_EXTENSIONS; i++)
		if (sbi_table[i].eid == eid)
			return true;
	return false;
}

/* mr: the exit's MR0..MR5. An SBI call never comes at the ecall (the
 * kernel steps past it first), so at_call is ignored. */
void vmm_arch_call(struct vmm *vm, unsigned cpu, const uint64_t *mr, bool at_call,
		   struct keel_msg *r)
{
	struct sbi_call c = { .vm = vm, .cpu = cpu, .fid = mr[1], .a = mr + 2,
			      .error = ERR_NOT_SUPPORTED };
	(void)at_call;
	for (unsigned i = 0; i < SBI_EXTENSIONS; i++)
		if (sbi_table[i].eid == mr[0]) {
			c.error = 0;
			sbi_table[i].fn(&c);
		}
	if (c.stop != SBI_GO_ON) {
		r->label = KEEL_VCPU_STOP;
		return;
	}
	if (c.has_value && !vm->ops->reg_write(vm, cpu, RV_VREG_A1, c.value))
		c.error = ERR_FAILED;
	vmm_reply_resume(r, KEEL_RESUME_WRITE_REG, RV_VREG_A0, (uint64_t)c.error);
}
