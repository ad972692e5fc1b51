/*
 * Faults of the servers root supervises. A VM or user fault is logged and
 * the server restarted from its image (until its restart limit), without a
 * reply: the faulting instruction would only fault again. Linux system
 * calls go to linux.c and are answered.
 */
#include <keel/abi.h>
#include <keel/print.h>

#include "root.h"

static const char *fault_vm_kind(uint64_t access)
{
	if (access & KEEL_ACC_EXEC)
		return "instruction abort";
	if (access & KEEL_ACC_WRITE)
		return "data abort (write)";
	return "data abort (read)";
}

static void fault_log(struct server *s, struct keel_msg *m)
{
	if (m->label == KEEL_FAULT_VM)
		kprintf("[root] server %s faulted: %s at address 0x%lx, pc 0x%lx\n",
			s->name, fault_vm_kind(m->mr[2]), (unsigned long)m->mr[0],
			(unsigned long)m->mr[1]);
	else
		kprintf("[root] server %s faulted: %s at address 0x%lx, pc 0x%lx "
			"(cause 0x%lx)\n", s->name, root_arch_fault_name(m->mr[1]),
			(unsigned long)m->mr[0], (unsigned long)m->mr[0],
			(unsigned long)m->mr[1]);
}

/* The back-off: root waits before the restart. It has no timer to wake
 * it, so it watches the counter; other servers' faults and calls wait
 * meanwhile, which is why back-offs are meant to be short. */
static void fault_backoff(uint32_t ms)
{
	uint64_t until = root_arch_now_ms() + ms;
	while (ms != 0 && root_arch_now_ms() < until)
		;
}

bool fault_recover(struct server *s)
{
	switch (srv_policy_decide(&s->policy, &s->pstate, root_arch_now_ms())) {
	case SRV_STAY_DOWN_NEVER:
		srv_stop(s);
		kprintf("[root] server %s stopped: restart policy is never\n", s->name);
		return false;
	case SRV_STAY_DOWN_LIMIT:
		srv_stop(s);
		if (s->policy.window_ms != 0)
			kprintf("[root] server %s stopped: restart limit (%u in %u ms) reached\n",
				s->name, s->policy.max_restarts, s->policy.window_ms);
		else
			kprintf("[root] server %s stopped: restart limit (%u) reached\n", s->name,
				s->policy.max_restarts);
		return false;
	case SRV_RESTART:
		break;
	}
	fault_backoff(s->policy.backoff_ms);
	if (!srv_restart(s))
		return false;
	kprintf("[root] server %s restarted (restart %u)\n", s->name, s->restarts);
	return true;
}

bool fault_handle(struct server *s, struct keel_msg *m)
{
	if (m->label == KEEL_FAULT_SYSCALL)
		return linux_syscall(s, m);
	s->faults++;
	s->fault_label = m->label;
	s->fault_addr = m->mr[0];
	fault_log(s, m);
	fault_recover(s);
	scenario_faulted(s);
	return false;
}
