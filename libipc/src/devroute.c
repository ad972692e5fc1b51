/*
 * A device server's side of MMIO routes (keel/vmm.h): a routed guest
 * access, a vCPU exit, served by the same handler as the VMM's requests.
 */
#include <keel/mmio.h>
#include <keel/vmm.h>

/* The VMM learns the lines from every KEEL_DEV_* reply it receives; a
 * routed access's reply goes to the vCPU instead, so the VMM is told: of
 * any change, or, for a router of edges, of a line that rose (the lines
 * a restarted server finds high count as risen: a notification its
 * predecessor raised may not have reached the VMM). */
static void route_lines(struct keel_dev_router *r, uint64_t lines, bool vmm_saw)
{
	uint64_t was = r->edges && r->told == KEEL_DEV_LINES_UNKNOWN ? 0 : r->told;
	bool tell = r->edges ? (lines & ~was) != 0 : lines != was;
	r->told = lines;
	if (tell && !vmm_saw && r->ntfn)
		keel_signal(r->ntfn);
}

void keel_dev_route_lines(struct keel_dev_router *r, uint64_t lines)
{
	route_lines(r, lines, false);
}

bool keel_dev_route_request(void *router, struct keel_msg *m)
{
	struct keel_dev_router *r = router;
	uint64_t label = m->label;
	bool reply;
	if (r->calls)
		++*r->calls;
	reply = r->request(r->ctx, m);
	if (reply && label >= KEEL_DEV_READ && label <= KEEL_DEV_INPUT &&
	    m->len >= KEEL_DEV_REPLY_LEN)
		route_lines(r, m->mr[2], true);
	return reply;
}

bool keel_dev_route_exit(void *router, struct keel_msg *m)
{
	struct keel_dev_router *r = router;
	struct keel_mmio_access a;
	bool ok;
	if (r->accesses)
		++*r->accesses;
	if (r->calls)
		++*r->calls;
	if (m->label != KEEL_EXIT_MMIO || !keel_mmio_decode(m->mr, &a)) {
		a = (struct keel_mmio_access){ .gpa = m->mr[0], .write = m->mr[1] & KEEL_MMIO_WRITE };
		ok = false;
	} else {
		m->label = a.write ? KEEL_DEV_WRITE : KEEL_DEV_READ;
		m->len = 4;
		m->mr[0] = a.gpa;
		m->mr[1] = a.width;
		m->mr[2] = a.write ? a.value : 0;
		m->mr[3] = a.seq;
		ok = r->request(r->ctx, m) && m->len >= KEEL_DEV_REPLY_LEN &&
		     m->mr[0] == KEEL_DEV_OK;
		if (m->len >= KEEL_DEV_REPLY_LEN)
			route_lines(r, m->mr[2], false);
	}
	keel_mmio_reply(&a, ok, m->mr[1], &m->label, m->mr);
	m->len = 3;
	return true;
}
