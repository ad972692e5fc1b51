/*
 * The kernel log (keel/abi.h, "kernel log"): the bytes threads write with
 * KEEL_SYS_DEBUG_WRITE. Until root's KLOG object has a notification the
 * kernel writes them to the UART itself. With one, it keeps them in a ring
 * the console server reads and prints between guest lines, so the UART
 * has one writer once that server runs. A write that finds the ring full
 * (its reader down or gone) writes out the ring and then itself: in order,
 * and nothing lost. All of it runs under the kernel lock.
 */
#include "kernel.h"

#define KLOG_MASK (KEEL_KLOG_BYTES - 1u)
_Static_assert((KEEL_KLOG_BYTES & KLOG_MASK) == 0, "the ring is a power of two");

static struct {
	char ring[KEEL_KLOG_BYTES];
	uint64_t head, tail; /* stream positions: written; the oldest kept */
	uint64_t lent;       /* the end of what the last READ gave out */
	struct notification *ntfn;
	uint64_t badge;
} klog;

/* Out with the ring. Bytes past tail that a READ gave out may be half
 * printed (the reader stopped mid-line): they go again, on a new line. */
static void klog_drain(void)
{
	if (klog.lent > klog.tail)
		arch_putc('\n');
	for (; klog.tail != klog.head; klog.tail++)
		arch_putc(klog.ring[klog.tail & KLOG_MASK]);
}

static void klog_put(const char *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		klog.ring[klog.head++ & KLOG_MASK] = s[i];
}

/* na bytes at a, then nb at b: one write, kept whole. */
void klog_write(const char *a, uint64_t na, const char *b, uint64_t nb)
{
	if (!klog.ntfn || klog.head - klog.tail + na + nb > KEEL_KLOG_BYTES) {
		klog_drain();
		for (uint64_t i = 0; i < na + nb; i++)
			arch_putc(i < na ? a[i] : b[i - na]);
		return;
	}
	klog_put(a, na);
	klog_put(b, nb);
	ntfn_signal(klog.ntfn, klog.badge);
}

static void klog_bind(struct notification *n, uint64_t badge)
{
	klog.ntfn = n;
	klog.badge = badge;
	if (!n)
		klog_drain();
}

void klog_ntfn_destroyed(struct notification *n)
{
	if (klog.ntfn == n)
		klog_bind(NULL, 0);
}

void klog_direct(void)
{
	klog_bind(NULL, 0);
}

/* READ from p: forget what is before it, then copy what follows, MR2's
 * memory first and the IPC buffer's after MR5 (32 bytes without one). */
static void klog_read(struct tcb *t, uint64_t *mr)
{
	uint64_t *buf = tcb_ipcbuf(t), from = mr[0], n = 0;
	uint64_t max = KEEL_KLOG_READ_REGS + (buf ? 8u * (KEEL_MSG_MAX_MRS - KEEL_MSG_REG_MRS) : 0);
	char *regs = (char *)&mr[2], *rest = buf ? (char *)&buf[KEEL_MSG_REG_MRS] : NULL;
	if (from > klog.tail)
		klog.tail = from;
	for (; klog.tail + n < klog.head && n < max; n++) {
		char c = klog.ring[(klog.tail + n) & KLOG_MASK];
		if (n < KEEL_KLOG_READ_REGS)
			regs[n] = c;
		else
			rest[n - KEEL_KLOG_READ_REGS] = c;
	}
	klog.lent = klog.tail + n;
	mr[0] = klog.tail;
	mr[1] = n;
}

long klog_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct cap *nc = NULL;
	long err;
	if (label == KEEL_KLOG_READ) {
		if (!(c->rights & KEEL_R_READ))
			return KEEL_E_NO_RIGHTS;
		if (mr[0] > klog.head)
			return KEEL_E_INVALID_ARG;
		klog_read(t, mr);
		return KEEL_OK;
	}
	if (label != KEEL_KLOG_SET_NOTIFICATION)
		return KEEL_E_INVALID_CALL;
	if (!(c->rights & KEEL_R_WRITE))
		return KEEL_E_NO_RIGHTS;
	if (mr[0] && (err = cap_lookup_typed(t, mr[0], KEEL_OBJ_NOTIFICATION, KEEL_R_WRITE, &nc)))
		return err;
	klog_bind(nc ? (struct notification *)nc->obj : NULL, nc ? nc->badge : 0);
	return KEEL_OK;
}
