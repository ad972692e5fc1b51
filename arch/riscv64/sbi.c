/*
 * SBI calls to the firmware (OpenSBI, M-mode): the timer, IPIs, remote
 * TLB fences and hart start. Also the kernel's tick (the SBI timer: one
 * deadline per hart, its interrupt is STIP).
 */
#include "riscv64.h"

#define SBI_EXT_TIME 0x54494d45u
#define SBI_EXT_IPI 0x735049u
#define SBI_EXT_RFENCE 0x52464e43u
#define SBI_EXT_HSM 0x48534du
#define SBI_RFENCE_SFENCE_VMA_ASID 2u
#define SBI_RFENCE_HFENCE_GVMA_VMID 3u

static struct sbiret sbi_call5(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
			       uint64_t a2, uint64_t a3, uint64_t a4)
{
	register uint64_t r0 __asm__("a0") = a0;
	register uint64_t r1 __asm__("a1") = a1;
	register uint64_t r2 __asm__("a2") = a2;
	register uint64_t r3 __asm__("a3") = a3;
	register uint64_t r4 __asm__("a4") = a4;
	register uint64_t r6 __asm__("a6") = fid;
	register uint64_t r7 __asm__("a7") = ext;
	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
			 : "memory");
	return (struct sbiret){ (long)r0, (long)r1 };
}

struct sbiret rv_sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return sbi_call5(ext, fid, a0, a1, a2, 0, 0);
}

void rv_sbi_set_timer(uint64_t when) { rv_sbi_call(SBI_EXT_TIME, 0, when, 0, 0); }

/* hart_mask bit 0 is hart hart_mask_base. */
void rv_sbi_send_ipi(uint64_t hartid) { rv_sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0); }

long rv_sbi_hart_start(uint64_t hartid, uint64_t entry, uint64_t opaque)
{
	return rv_sbi_call(SBI_EXT_HSM, 0, hartid, entry, opaque).error;
}

/* Every other hart: hart_mask_base -1 means all harts; start 0, size -1:
 * the whole address space. */
void rv_sbi_remote_sfence_asid(unsigned asid)
{
	sbi_call5(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 0, (uint64_t)-1, 0, (uint64_t)-1,
		  asid);
}

void rv_sbi_remote_hfence_vmid(unsigned vmid)
{
	sbi_call5(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_GVMA_VMID, 0, (uint64_t)-1, 0, (uint64_t)-1,
		  vmid);
}

void arch_send_resched_ipi(unsigned cpu) { rv_sbi_send_ipi(rv_board.hartid[cpu]); }

/* ---- time: the time CSR at the device tree's timebase-frequency ---- */
uint64_t arch_timer_hz(void) { return rv_board.timebase_hz; }
uint64_t arch_timer_now(void) { return csr_read(time); }
void arch_timer_arm_at(uint64_t when) { rv_sbi_set_timer(when); }

void rv_timer_start(void)
{
	struct percpu *c = this_cpu();
	c->timer_next = arch_timer_now() + arch_timer_hz() / 1000 * KERNEL_TIMESLICE_MS;
	arch_timer_arm_at(c->timer_next);
}
