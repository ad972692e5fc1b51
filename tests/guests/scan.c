/*
 * Guest "scan" (aarch64): lib/scan.c's check of guest-physical space.
 */
#include "lib/guest.h"
#include "lib/scan.h"

const char guest_name[] = "scan";

void guest_main(const void *dtb)
{
	scan_run(dtb);
}
