/*
 * Guest "uart": the emulated PL011 carries a known line intact. The runner
 * checks the line itself, so a dropped or reordered character fails too.
 */
#include "lib/guest.h"

const char guest_name[] = "uart";

void guest_main(const void *dtb)
{
	(void)dtb;
	con_printf("[uart] charset: ");
	for (char c = '!'; c <= '~'; c++)
		con_putc(c);
	con_putc('\n');
	test_report(true, "uart", NULL);
}
