/*
 * The server loop: receive, decode the badge and label, call back, reply.
 * A reply and the next receive are one kernel call (reply_recv).
 */
#include <keel/abi.h>
#include <keel/server.h>

/* A thread's fault, or a vCPU thread's exit (its kind of fault). */
static bool label_is_fault(uint64_t label)
{
	return label == KEEL_FAULT_VM || label == KEEL_FAULT_SYSCALL ||
	       label == KEEL_FAULT_USER ||
	       (label >= KEEL_EXIT_MMIO && label < KEEL_EXIT_LABEL_END);
}

static bool server_fault_badge_ok(const struct keel_server *s, uint64_t badge)
{
	return (!s->fault_badge_min && !s->fault_badge_max) ||
	       (badge >= s->fault_badge_min && badge <= s->fault_badge_max);
}

static bool server_dispatch(const struct keel_server *s, struct keel_msg *m)
{
	if (m->label == KEEL_LABEL_NOTIFICATION) {
		if (s->notified)
			s->notified(s->ctx, m->mr[0]);
		return false;
	}
	if (label_is_fault(m->label))
		return s->fault && server_fault_badge_ok(s, m->badge) ? s->fault(s->ctx, m) : false;
	return s->protected ? s->protected(s->ctx, m) : false;
}

static void msg_decode(struct keel_msg *m, uint64_t info)
{
	m->badge = keel_msg_badge(info);
	m->label = keel_msg_label(info);
	m->len = keel_msg_len(info);
}

long keel_server_run(const struct keel_server *s)
{
	struct keel_msg m = { 0 };
	uint64_t info = 0;
	long err;
	if (s->init)
		s->init(s->ctx);
	err = keel_recv(s->ep, &info, m.mr);
	while (err == KEEL_OK) {
		msg_decode(&m, info);
		if (server_dispatch(s, &m)) {
			info = keel_msginfo(m.label, m.len);
			err = keel_reply_recv(s->ep, &info, m.mr);
		} else {
			err = keel_recv(s->ep, &info, m.mr);
		}
	}
	return err;
}
