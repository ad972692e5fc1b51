/*
 * Console input (keel/vmm.h, console protocol). The console server
 * signals the notification bound to this thread when it holds input for
 * the VM; the VMM then fetches it in batches and hands each batch to the
 * VM's PL011 server (KEEL_DEV_INPUT), which puts what fits in its RX FIFO
 * and answers its interrupt line, raised here as any device reply's is.
 *
 * Nothing is lost or doubled: the console drops bytes only when the next
 * fetch says they were delivered; a batch the PL011 server took carries
 * a sequence number, so the call retried after its crash takes nothing
 * twice. When the FIFO is full the rest stays in the console, which
 * signals again once the PL011 server says the guest made room
 * (KEEL_CON_RX_SPACE).
 *
 * The console is a leaf (it calls no one), so calling it here while a
 * PL011 server may be calling it too cannot deadlock.
 */
#include <string.h>

#include <keel/abi.h>
#include <keel/print.h>
#include <keel/vmm.h>

#include "vmm.h"
#include "vmm_console.h"

#define CON_TRIES 3u /* a call cancelled by a server's restart is made again */

static uint64_t input_seq;

/* Ask the console for input, reporting `delivered` of the last batch. */
static unsigned con_fetch(unsigned delivered, bool commit_only, uint8_t *b)
{
	for (unsigned t = 0; t < CON_TRIES; t++) {
		uint64_t info = keel_msginfo(KEEL_CON_FETCH, 2);
		uint64_t mr[6] = { delivered, commit_only, 0, 0, 0, 0 };
		long err = keel_call(KEEL_VMM_SLOT_CONSOLE, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err != KEEL_OK || mr[0] > KEEL_DEV_INPUT_MAX)
			return 0;
		memcpy(b, &mr[1], KEEL_DEV_INPUT_MAX);
		return (unsigned)mr[0];
	}
	return 0;
}

/* One batch to the PL011 server; returns how many bytes it took. */
static unsigned uart_input(struct vmm *vm, const struct keel_vm_dev *d, unsigned slot,
			   const uint8_t *b, unsigned n)
{
	uint64_t seq = ++input_seq;
	for (unsigned t = 0; t < CON_TRIES; t++) {
		uint64_t info = keel_msginfo(KEEL_DEV_INPUT, 6), mr[6] = { n, seq };
		long err;
		memcpy(&mr[2], b, KEEL_DEV_INPUT_MAX);
		err = keel_call(slot, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err != KEEL_OK || keel_msg_len(info) < KEEL_DEV_REPLY_LEN ||
		    mr[0] != KEEL_DEV_OK)
			return 0;
		if (d->intid)
			vmm_irq_line(vm, d->intid, mr[2] & 1);
		return mr[1] < n ? (unsigned)mr[1] : n;
	}
	return 0;
}

void vmm_console_input(struct vmm *vm, const struct keel_vm_info *info, uint64_t bits)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned d = 0, n, taken = 0;
	if (!(bits & KEEL_VMM_BADGE_CONSOLE))
		return;
	while (d < info->dev_count && info->dev[d].kind != KEEL_VM_DEV_PL011)
		d++;
	if (d == info->dev_count)
		return; /* no UART: the input stays with the console */
	for (;;) {
		n = con_fetch(taken, false, b);
		if (!n)
			return;
		taken = uart_input(vm, &info->dev[d], KEEL_VMM_SLOT_DEV(d), b, n);
		if (taken < n) /* FIFO full: the console keeps the rest */
			break;
	}
	con_fetch(taken, true, b);
}
