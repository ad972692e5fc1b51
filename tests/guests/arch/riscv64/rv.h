/*
 * What the riscv64 test guests share (rv.c): SBI calls, a line of output
 * through SBI DBCN, the CSR helpers, the command line. Guests run in
 * VS-mode with translation off (head.S).
 */
#ifndef TESTS_GUESTS_RISCV64_RV_H
#define TESTS_GUESTS_RISCV64_RV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT_BASE 0x10u
#define EXT_TIME 0x54494d45u
#define EXT_IPI 0x735049u
#define EXT_HSM 0x48534du
#define EXT_RFENCE 0x52464e43u
#define EXT_SRST 0x53525354u
#define EXT_DBCN 0x4442434eu
#define EXT_PMU 0x504d55u /* not the VMM's: NOT_SUPPORTED */
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define HSM_STARTED 0
#define HSM_STOPPED 1

#define SIE_SSIE (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)
#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_FS_INITIAL (1ul << 13)
#define IRQ_BIT (1ul << 63)
#define TICKS_PER_MS 10000ul /* the device tree's timebase is 10 MHz */

#define csr_read(c) __extension__({ unsigned long v_; \
	__asm__ volatile("csrr %0, " #c : "=r"(v_)); v_; })
#define csr_write(c, v) __asm__ volatile("csrw " #c ", %0" : : "r"(v) : "memory")
#define csr_set(c, v) __asm__ volatile("csrs " #c ", %0" : : "r"(v) : "memory")
#define csr_clear(c, v) __asm__ volatile("csrc " #c ", %0" : : "r"(v) : "memory")

struct sbiret {
	long error;
	long value;
};

/* head.S's entry points (each guest defines them) */
void rv_main(unsigned long hart, const void *dtb);
void guest_hart1(unsigned long hart, unsigned long opaque);
void guest_trap(void);
extern char guest_hart1_entry[];

/* Inline: the bench guest times it (an out-of-line call adds ten
 * instructions to each hypercall_roundtrip). */
static inline struct sbiret sbi(unsigned long eid, unsigned long fid, unsigned long a0,
				unsigned long a1, unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = eid;
	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ (long)r0, (long)r1 };
}
static inline unsigned long now(void) { return csr_read(time); }

/* One line, built by out*() and written by flush() with one DBCN call
 * (one hart prints: the buffer is shared). */
void out(const char *s);
void out_hex(unsigned long v);
void out_dec(unsigned long v);
struct sbiret flush(void);

/* "key=<n>" (decimal or 0x hex) in the device tree blob's bytes, else
 * dflt: the command line (/chosen/bootargs) is the only text there that
 * holds such words, so no tree walk is needed: a key counts after a
 * space or at a property value's (4-byte aligned) start. */
/* A big-endian 32-bit word (a device tree's). */
uint32_t be32(const void *v);
unsigned long dtb_param(const void *dtb, const char *key, unsigned long dflt);

#endif
