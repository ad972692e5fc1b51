/*
 * Guest "seq": a long deterministic stream through the PL011, for the
 * restart tests (test=vm-restart, vm-restart-load and vm-restart-post,
 * tests/root/scn_vmbench.c): SEQ_LINES lines, or "lines=N" on its command
 * line (the device tree's bootargs), each "seq NNNN <checksum>", the
 * checksum (n * 2654435761) mod 2^32 in hex, then "[test] PASS seq: <n>
 * lines". tests/system/check-seq.sh checks every line is there once, in
 * order and intact, while root crashes and restarts the PL011 server
 * under it. With "key=1" a byte typed at the console ends the stream
 * early (after the line it follows; run.sh types one once root has
 * crashed the server often enough), and with "off=1" the guest then
 * powers off (guest_power_off), which tells root it is done. riscv64's
 * build writes through the 16550 (arch/riscv64/ns16550.c).
 */
#include "lib/fdt.h"
#include "lib/guest.h"

const char guest_name[] = "seq";

#define SEQ_LINES 400u

void guest_main(const void *dtb)
{
	const char *args = fdt_bootargs(dtb);
	uint64_t lines = bootargs_num(args, "lines="), n = 0;
	bool until_key = bootargs_num(args, "key=") != 0;
	char c;

	if (!lines)
		lines = SEQ_LINES;
	while (n < lines) {
		n++;
		con_printf("seq %04u %08x\n", (uint32_t)n, (uint32_t)(n * 2654435761u));
		if (until_key && con_getc(&c))
			break;
	}
	test_report(true, "seq", "%lu lines", n);
	if (bootargs_num(args, "off=")) {
		test_done(); /* guest_main does not return */
		guest_power_off();
		test_report(false, "seq-off", "the power-off call returned");
	}
}
