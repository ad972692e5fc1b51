/* Host unit tests of the VMM's and device models' pure code (Check). */
#ifndef VMM_TEST_H
#define VMM_TEST_H

#include <check.h>

#include "vmm.h"
#include "vmm_arch.h"

Suite *suite_mmio(void);
Suite *suite_pl011(void);
Suite *suite_ns16550(void);
Suite *suite_flash(void); /* device-servers/flash/model.c */
Suite *suite_console(void);
/* The arch part's suites (tests/vmm/arch/$(ARCH)/suites.c). */
void vmm_test_arch_suites(SRunner *sr);
Suite *suite_exit(void);
Suite *suite_vgic(void);
Suite *suite_image(void);
Suite *suite_dtb(void);
Suite *suite_irq(void);
Suite *suite_psci(void);
Suite *suite_sbi(void);  /* riscv64 */
Suite *suite_plic(void); /* riscv64 */

/* fake_vm.c: a VM whose vmm_ops record what they were asked */
#define FAKE_MAX 64u
struct fake_inj {
	unsigned cpu, intid, prio;
	bool notify;
};
struct fake_log {
	unsigned n;                       /* injections recorded */
	struct fake_inj inj[FAKE_MAX];
	unsigned lr_max, lr_used[KEEL_VMM_MAX_VCPUS]; /* list registers */
	unsigned on_n, on_cpu;            /* CPU_ON calls */
	unsigned unknown_n;               /* UNKNOWN exits reported */
	uint64_t on_entry, on_ctx;
	uint64_t regs[KEEL_VMM_MAX_VCPUS][KEEL_VREG_COUNT];
	char out[512];                    /* firmware console output */
	unsigned out_n;
};
extern struct fake_log fake;
void fake_vm_init(struct vmm *vm, unsigned ncpus);
struct keel_msg fake_exit(struct vmm *vm, unsigned cpu, uint64_t label, uint64_t a0,
			   uint64_t a1, uint64_t a2, uint64_t a3);
void fake_mmio_write32(struct vmm *vm, unsigned cpu, uint64_t gpa, uint32_t v);
uint32_t fake_mmio_read32(struct vmm *vm, unsigned cpu, uint64_t gpa);
void fake_eoi(struct vmm *vm, unsigned cpu, unsigned intid);

#endif /* VMM_TEST_H */
