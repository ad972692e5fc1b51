/*
 * pingpong: call/reply with checked payloads and badges.
 *
 *   pingpong serve [k]             answer calls on KEEL_SRV_EP; with k,
 *                                  fault (NULL load) while handling call k,
 *                                  so root restarts it (test=nullderef)
 *   pingpong call <badge> <n>      make n calls on KEEL_SRV_PEER, report
 *   pingpong call <badge> loop     calls forever, progress every PP_ROUND
 *   ... [retry]                    a call cancelled because the server died
 *                                  is made again (else it is a failure)
 *
 * A request fills all PP_LEN message registers: MR0 = the badge the client
 * believes it has, MR1 = sequence number, MR2..MR5 (registers) and
 * MR6..MR9 (IPC buffer) = pp_word(badge, seq, k). The server checks them
 * and that the kernel-delivered badge equals MR0, then answers with the
 * badge it saw and every word inverted; the client checks all of it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/server.h>

#define PP_LEN 10u
#define PP_LABEL 0x50u
#define PP_LABEL_BAD 0x51u
#define PP_ROUND 200u

static uint64_t pp_word(uint64_t badge, uint64_t seq, unsigned k)
{
	uint64_t x = badge * 0x9e3779b97f4a7c15ull ^ seq * 0xbf58476d1ce4e5b9ull ^ k;
	return x ^ (x >> 29);
}

static uint64_t *pp_buf(void)
{
	return keel_ipcbuf()->mr;
}

/* 0 if the request is right, else the number of the first wrong check. */
static unsigned pp_check_request(const struct keel_msg *m)
{
	const uint64_t *buf = pp_buf();
	if (m->label != PP_LABEL || m->len != PP_LEN)
		return 1;
	if (m->mr[0] != m->badge)
		return 2;
	for (unsigned k = 2; k < KEEL_MSG_REG_MRS; k++)
		if (m->mr[k] != pp_word(m->badge, m->mr[1], k))
			return 3;
	for (unsigned k = KEEL_MSG_REG_MRS; k < PP_LEN; k++)
		if (buf[k] != pp_word(m->badge, m->mr[1], k))
			return 4;
	return 0;
}

/* volatile, so the compiler emits the load this crash is about */
static volatile uintptr_t pp_nowhere;

static bool pp_protected(void *ctx, struct keel_msg *m)
{
	uint64_t *buf = pp_buf(), *crash_countdown = ctx;
	unsigned bad = pp_check_request(m);
	if (*crash_countdown && --*crash_countdown == 0)
		(void)*(volatile int *)pp_nowhere;
	if (bad) {
		m->label = PP_LABEL_BAD;
		m->len = 2;
		m->mr[0] = bad;
		m->mr[1] = m->badge;
		return true;
	}
	m->mr[0] = m->badge;
	for (unsigned k = 2; k < KEEL_MSG_REG_MRS; k++)
		m->mr[k] = ~m->mr[k];
	for (unsigned k = KEEL_MSG_REG_MRS; k < PP_LEN; k++)
		buf[k] = ~buf[k];
	return true;
}

static int pp_serve(uint64_t crash_at)
{
	struct keel_server s = { .ep = KEEL_SRV_EP, .protected = pp_protected,
				 .ctx = &crash_at };
	long err = keel_server_run(&s);
	keel_report(KEEL_REPORT_FAIL, (uint64_t)err, "receive failed: %ld", err);
	return 1;
}

/* Report a failed call; returns 1 for the caller to pass on. */
static int pp_fail(uint64_t seq, const char *fmt, ...)
{
	char why[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	keel_report(KEEL_REPORT_FAIL, seq, "call %lu: %s", (unsigned long)seq, why);
	return 1;
}

static int pp_check_reply(uint64_t badge, uint64_t seq, uint64_t info, const uint64_t *mr)
{
	const uint64_t *buf = pp_buf();
	if (keel_msg_label(info) != PP_LABEL || keel_msg_len(info) != PP_LEN)
		return pp_fail(seq, "reply label 0x%lx len %lu (server check %lu, "
			       "badge 0x%lx)", (unsigned long)keel_msg_label(info),
			       (unsigned long)keel_msg_len(info), (unsigned long)mr[0],
			       (unsigned long)mr[1]);
	if (mr[0] != badge || mr[1] != seq)
		return pp_fail(seq, "server saw badge 0x%lx seq %lu",
			       (unsigned long)mr[0], (unsigned long)mr[1]);
	for (unsigned k = 2; k < PP_LEN; k++)
		if ((k < KEEL_MSG_REG_MRS ? mr[k] : buf[k]) != ~pp_word(badge, seq, k))
			return pp_fail(seq, "reply MR%u wrong", k);
	return 0;
}

static uint64_t pp_cancelled;

/* One checked call: 0, or 1 after reporting what went wrong. */
static int pp_call_one(uint64_t badge, uint64_t seq, bool retry)
{
	uint64_t mr[6], *buf = pp_buf(), info;
	long err;
	do {
		info = keel_msginfo(PP_LABEL, PP_LEN);
		mr[0] = badge;
		mr[1] = seq;
		for (unsigned k = 2; k < PP_LEN; k++)
			*(k < KEEL_MSG_REG_MRS ? &mr[k] : &buf[k]) = pp_word(badge, seq, k);
		err = keel_call(KEEL_SRV_PEER, &info, mr);
	} while (err == KEEL_E_CANCELLED && retry && ++pp_cancelled);
	if (err != KEEL_OK)
		return pp_fail(seq, "status %ld", err);
	return pp_check_reply(badge, seq, info, mr);
}

static int pp_call(uint64_t badge, const char *count, bool retry)
{
	bool loop = strcmp(count, "loop") == 0;
	uint64_t n = loop ? PP_ROUND : strtoull(count, NULL, 0);
	for (uint64_t seq = 0;; seq++) {
		if (seq == n && !loop)
			break;
		if (pp_call_one(badge, seq, retry))
			return 1;
		if (loop && (seq + 1) % PP_ROUND == 0 &&
		    keel_report(KEEL_REPORT_PROGRESS, seq + 1, "calls") != KEEL_REPORT_CONTINUE)
			return 0;
	}
	keel_report(KEEL_REPORT_PASS, n, "badge 0x%lx, %u MRs per message, %lu retried",
		    (unsigned long)badge, PP_LEN, (unsigned long)pp_cancelled);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return pp_serve(argc >= 3 ? strtoull(argv[2], NULL, 0) : 0);
	if (argc >= 4 && strcmp(argv[1], "call") == 0)
		return pp_call(strtoull(argv[2], NULL, 0), argv[3],
			       argc >= 5 && strcmp(argv[4], "retry") == 0);
	keel_report(KEEL_REPORT_FAIL, 0, "usage: pingpong serve [k] | "
		    "call <badge> <n|loop> [retry]");
	return 2;
}
