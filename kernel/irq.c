/*
 * Interrupts: the root server's IRQ control capability makes one handler
 * capability per interrupt line; a handler routes its line to a
 * notification. The kernel acknowledges the interrupt at the controller
 * and masks the line (arch), signals the notification, and unmasks when the
 * handler's holder calls KEEL_IRQ_ACK, so a level-triggered line cannot
 * storm while its driver works.
 */
#include "kernel.h"

#define MAX_IRQS 1024u

struct irq_slot {
	struct notification *ntfn;
	uint32_t badge;
	bool claimed;
};
static struct irq_slot irq_table[MAX_IRQS];

/* IRQCTL_GET: a handler capability for line MR0 in CNode MR1, slot MR2. */
static long decode_irq_control(struct tcb *t, uint64_t label, const uint64_t *mr,
			       struct cap **dst)
{
	struct cap *cn;
	uint64_t irq = mr[0];
	long err;
	if (label != KEEL_IRQCTL_GET)
		return KEEL_E_INVALID_CALL;
	if (irq >= arch_irq_count() || irq >= MAX_IRQS || arch_irq_is_reserved((unsigned)irq))
		return KEEL_E_INVALID_ARG;
	if ((err = cap_lookup_typed(t, mr[1], KEEL_OBJ_CNODE, KEEL_R_WRITE, &cn)))
		return err;
	if (!(*dst = cnode_slot(cn, mr[2])))
		return KEEL_E_BAD_ADDRESS;
	if ((*dst)->type != KEEL_OBJ_NULL)
		return KEEL_E_SLOT_IN_USE;
	if (irq_table[irq].claimed)
		return KEEL_E_BUSY;
	return KEEL_OK;
}

static void invoke_irq_control(uint64_t irq, struct cap *dst)
{
	struct cap val = { .type = KEEL_OBJ_IRQ_HANDLER, .rights = KEEL_R_ALL,
			   .flags = CAP_ORIGINAL, .obj = irq };
	irq_table[irq].claimed = true;
	cap_init_root(dst, &val);
}

long irqctl_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct cap *dst;
	long err = decode_irq_control(t, label, mr, &dst);
	(void)c;
	if (err)
		return err;
	invoke_irq_control(mr[0], dst);
	return KEEL_OK;
}

/* Line irq signals n from now on (NULL: nothing). Each notification
 * counts the lines routed to it, so that destroying one no line signals
 * (nearly all of them) need not look through the table. */
static void irq_route(unsigned irq, struct notification *n)
{
	if (irq_table[irq].ntfn)
		irq_table[irq].ntfn->irq_lines--;
	if (n)
		n->irq_lines++;
	irq_table[irq].ntfn = n;
}

/* IRQ_ACK, or IRQ_SET_NOTIFICATION to the notification in MR0 (*nc). */
static long decode_irq_handler(struct tcb *t, uint64_t label, const uint64_t *mr,
			       struct cap **nc)
{
	if (label == KEEL_IRQ_ACK)
		return KEEL_OK;
	if (label != KEEL_IRQ_SET_NOTIFICATION)
		return KEEL_E_INVALID_CALL;
	return cap_lookup_typed(t, mr[0], KEEL_OBJ_NOTIFICATION, KEEL_R_WRITE, nc);
}

static void invoke_irq_handler(unsigned irq, uint64_t label, const struct cap *nc)
{
	if (label == KEEL_IRQ_ACK) {
		arch_irq_deactivate(irq);
		return;
	}
	irq_route(irq, (struct notification *)nc->obj);
	irq_table[irq].badge = nc->badge;
	arch_irq_enable(irq);
}

long irq_handler_invocation(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct cap *nc = NULL;
	long err = decode_irq_handler(t, label, mr, &nc);
	if (err)
		return err;
	invoke_irq_handler((unsigned)c->obj, label, nc);
	return KEEL_OK;
}

void irq_handler_deleted(unsigned irq)
{
	irq_route(irq, NULL);
	irq_table[irq].claimed = false;
}

/* A notification died: no line may signal it any more. */
void irq_ntfn_destroyed(struct notification *n)
{
	for (unsigned i = 0; i < MAX_IRQS && n->irq_lines; i++)
		if (irq_table[i].ntfn == n)
			irq_route(i, NULL);
}

void irq_deliver(unsigned irq)
{
	if (irq < MAX_IRQS && irq_table[irq].ntfn)
		ntfn_signal(irq_table[irq].ntfn, irq_table[irq].badge);
}
