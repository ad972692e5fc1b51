/*
 * Guest "seq": a long deterministic stream through the PL011, for the
 * restart test (test=vm-restart, tests/root/scn_vmbench.c): SEQ_LINES lines
 * "seq NNNN <checksum>", the checksum (n * 2654435761) mod 2^32 in hex.
 * tests/system/check-seq.sh checks every line is there once, in order and
 * intact, while root crashes and restarts the PL011 server under it.
 */
#include "lib/guest.h"

const char guest_name[] = "seq";

#define SEQ_LINES 400u

void guest_main(const void *dtb)
{
	(void)dtb;
	for (uint32_t n = 1; n <= SEQ_LINES; n++)
		con_printf("seq %04u %08x\n", n, (uint32_t)(n * 2654435761u));
	test_report(true, "seq", "%u lines", SEQ_LINES);
}
