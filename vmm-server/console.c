/*
 * Console input (keel/vmm.h, console protocol). The console server
 * signals the notification bound to this thread when it holds input for
 * the VM; the VMM then fetches it in batches and hands each batch to the
 * VM's PL011 server (KEEL_DEV_INPUT), which puts what fits in its RX FIFO
 * and answers its interrupt line, raised here as any device reply's is; or,
 * in a VM with a virtio-console (keel_vm_info.input_dev), to that device's
 * server, which fills a receive buffer of hvc0 (docs/devices.md).
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
#include "vmm_arch.h"
#include "vmm_console.h"

#define CON_TRIES 3u /* a fetch cancelled by the console's restart is made again
			* (a restarted console kicks every VMM it holds input for) */

/* Sequence numbers advance only when a call was answered: a call that
 * failed (its server died more often than retried) goes again with the
 * same number the next time, so the server can tell it applied it. */
static uint64_t input_seq = 1, fetch_seq = 1;
static unsigned owed; /* bytes the UART took that the console must drop */

/* Ask the console for input, telling it `owed`. false: no answer.
 * *calls counts every call made (keelctl stats). */
static bool con_fetch(uint8_t *b, unsigned *n, unsigned *calls)
{
	for (unsigned t = 0; t < CON_TRIES; t++) {
		uint64_t info = keel_msginfo(KEEL_CON_FETCH, 2);
		uint64_t mr[6] = { owed, fetch_seq, 0, 0, 0, 0 };
		long err;
		++*calls;
		err = keel_call(KEEL_VMM_SLOT_CONSOLE, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err != KEEL_OK || mr[0] > KEEL_DEV_INPUT_MAX)
			return false;
		fetch_seq++;
		owed = 0;
		memcpy(b, &mr[1], KEEL_DEV_INPUT_MAX);
		*n = (unsigned)mr[0];
		return true;
	}
	return false;
}

/* One batch to the PL011 server; how many bytes it took, or -1. A call
 * cancelled by the server's restart is made again however often that
 * happens: nothing else would offer this input again (the console kicks
 * the VMM only for new input or room), so a VMM that gave up after a few
 * left a key in the console until the next one (vm-restart-load, whose
 * server is crashed every 2 ms, lost its key that way). The restart
 * policy bounds the restarts; a server stopped for good leaves the call
 * waiting, as it leaves any. */
static int uart_input(struct vmm *vm, const struct keel_vm_dev *d, unsigned slot,
		      const uint8_t *b, unsigned n)
{
	for (;;) {
		uint64_t info = keel_msginfo(KEEL_DEV_INPUT, 6), mr[6] = { n, input_seq };
		long err;
		memcpy(&mr[2], b, KEEL_DEV_INPUT_MAX);
		err = keel_call(slot, &info, mr);
		if (err == KEEL_E_CANCELLED)
			continue;
		if (err != KEEL_OK || keel_msg_len(info) < KEEL_DEV_REPLY_LEN ||
		    mr[0] != KEEL_DEV_OK)
			return -1;
		input_seq++;
		if (d->intid && d->kind == KEEL_VM_DEV_VIRTIO && (mr[2] & 1))
			vmm_arch_irq_edge(vm, d->intid); /* input in its queue: maybe a new
							   * notification (device.c) */
		else if (d->intid && d->kind != KEEL_VM_DEV_VIRTIO)
			vmm_arch_irq_line(vm, d->intid, mr[2] & 1);
		return mr[1] < n ? (int)mr[1] : (int)n;
	}
}

void vmm_console_input(struct vmm *vm, const struct keel_vm_info *info, uint64_t bits)
{
	uint8_t b[KEEL_DEV_INPUT_MAX];
	unsigned d = 0, n;
	int taken;
	if (!(bits & KEEL_VMM_BADGE_CONSOLE))
		return;
	if (info->input_dev) /* a virtio-console (hvc0) takes the input */
		d = (unsigned)info->input_dev - 1;
	while (!info->input_dev && d < info->dev_count && !keel_vm_dev_is_uart(info->dev[d].kind))
		d++;
	if (d >= info->dev_count || d >= KEEL_VMM_MAX_DEVICES)
		return; /* no UART: the input stays with the console */
	for (;;) {
		if (!con_fetch(b, &n, &vm->calls) || !n)
			return; /* no answer: owed is told with the next fetch */
		taken = uart_input(vm, &info->dev[d], KEEL_VMM_SLOT_DEV(d), b, n);
		if (taken < 0)
			return; /* offered again next time, sent with the same seq */
		owed = (unsigned)taken;
		if ((unsigned)taken < n)
			return; /* FIFO full: the rest stays in the console, and
				 * owed goes with the fetch after its RX_SPACE */
	}
}
