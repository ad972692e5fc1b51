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

static long irqctl_get(struct tcb *t, uint64_t *mr)
{
	struct cap *cn, *dst;
	uint64_t irq = mr[0];
	long err;
	if (irq >= arch_irq_count() || irq >= MAX_IRQS || arch_irq_is_reserved((unsigned)irq))
		return KEEL_E_INVALID_ARG;
	if ((err = cap_lookup_typed(t, mr[1], KEEL_OBJ_CNODE, KEEL_R_WRITE, &cn)))
		return err;
	if (!(dst = cnode_slot(cn, mr[2])))
		return KEEL_E_BAD_ADDRESS;
	if (dst->type != KEEL_OBJ_NULL)
		return KEEL_E_SLOT_IN_USE;
	if (irq_table[irq].claimed)
		return KEEL_E_BUSY;
	struct cap val = { .type = KEEL_OBJ_IRQ_HANDLER, .rights = KEEL_R_ALL,
			   .flags = CAP_ORIGINAL, .obj = irq };
	irq_table[irq].claimed = true;
	cap_init_root(dst, &val);
	return KEEL_OK;
}

long decode_irq_control(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	(void)c;
	if (label != KEEL_IRQCTL_GET)
		return KEEL_E_INVALID_CALL;
	return irqctl_get(t, mr);
}

long decode_irq_handler(struct tcb *t, struct cap *c, uint64_t label, uint64_t *mr)
{
	struct irq_slot *s = &irq_table[c->obj];
	struct cap *nc;
	long err;
	if (label == KEEL_IRQ_ACK) {
		arch_irq_deactivate((unsigned)c->obj);
		return KEEL_OK;
	}
	if (label != KEEL_IRQ_SET_NOTIFICATION)
		return KEEL_E_INVALID_CALL;
	if ((err = cap_lookup_typed(t, mr[0], KEEL_OBJ_NOTIFICATION, KEEL_R_WRITE, &nc)))
		return err;
	s->ntfn = (struct notification *)nc->obj;
	s->badge = nc->badge;
	arch_irq_enable((unsigned)c->obj);
	return KEEL_OK;
}

void irq_handler_deleted(unsigned irq)
{
	irq_table[irq].ntfn = NULL;
	irq_table[irq].claimed = false;
}

/* A notification died: no line may signal it any more. */
void irq_ntfn_destroyed(struct notification *n)
{
	for (unsigned i = 0; i < MAX_IRQS; i++)
		if (irq_table[i].ntfn == n)
			irq_table[i].ntfn = NULL;
}

void irq_deliver(unsigned irq)
{
	if (irq < MAX_IRQS && irq_table[irq].ntfn)
		ntfn_signal(irq_table[irq].ntfn, irq_table[irq].badge);
}
