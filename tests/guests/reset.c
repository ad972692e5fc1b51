/*
 * Guest "reset": says it started, then asks for PSCI SYSTEM_RESET (hvc #0,
 * x0 = 0x84000009). Under Keel root destroys the VM and builds it again
 * from its image, so the marker appears once per start (test=vm-reset:
 * three starts, then root destroys it). Under plain QEMU -no-reboot, QEMU
 * exits.
 */
#include "lib/guest.h"
#include "lib/smccc.h"

#define PSCI_SYSTEM_RESET 0x84000009u

const char guest_name[] = "reset";

void guest_main(const void *dtb)
{
	(void)dtb;
	test_report(true, "reset-boot", "calling PSCI SYSTEM_RESET");
	con_printf("[test] DONE reset\n");
	hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	test_report(false, "reset-returned", "SYSTEM_RESET returned");
}
