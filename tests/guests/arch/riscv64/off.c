/*
 * Guest "off" (riscv64): aarch64's off.c with SBI SRST shutdown for PSCI
 * SYSTEM_OFF: its VM stops, and only it (test=vm-poweroff).
 */
#include "../../lib/guest.h"
#include "rv.h"

#define SRST_SHUTDOWN 0ul

const char guest_name[] = "off";

void guest_main(const void *dtb)
{
	(void)dtb;
	test_report(true, "poweroff", "calling SBI SRST shutdown");
	con_printf("[test] DONE off\n");
	sbi(EXT_SRST, 0, SRST_SHUTDOWN, 0, 0);
	test_report(false, "poweroff-returned", "SRST returned");
}
