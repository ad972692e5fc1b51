/*
 * Guest "off": says so, then powers off with PSCI SYSTEM_OFF (hvc #0,
 * x0 = 0x84000008). Under plain QEMU, QEMU exits; under Keel the VMM
 * stops the vCPU and root stops this VM only (test=vm-poweroff). It prints
 * its own "[test] DONE off" first, since guest_main does not return.
 */
#include "lib/guest.h"
#include "lib/smccc.h"

#define PSCI_SYSTEM_OFF 0x84000008u

const char guest_name[] = "off";

void guest_main(const void *dtb)
{
	(void)dtb;
	test_report(true, "poweroff", "calling PSCI SYSTEM_OFF");
	con_printf("[test] DONE off\n");
	hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	test_report(false, "poweroff-returned", "SYSTEM_OFF returned");
}
