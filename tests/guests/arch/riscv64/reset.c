/*
 * Guest "reset" (riscv64): aarch64's reset.c with SBI SRST cold reboot
 * for PSCI SYSTEM_RESET: root builds its VM again (test=vm-reset).
 */
#include "../../lib/guest.h"
#include "rv.h"

#define SRST_COLD_REBOOT 1ul

const char guest_name[] = "reset";

void guest_main(const void *dtb)
{
	(void)dtb;
	test_report(true, "reset-boot", "calling SBI SRST cold reboot");
	con_printf("[test] DONE reset\n");
	sbi(EXT_SRST, 0, SRST_COLD_REBOOT, 0, 0);
	test_report(false, "reset-returned", "SRST returned");
}
