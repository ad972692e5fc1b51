/*
 * Faults of the servers root supervises. A VM or user fault is logged and
 * the server restarted from its image (until its restart limit), without a
 * reply: the faulting instruction would only fault again. Linux system
 * calls go to linux.c and are answered.
 */
#include <keel/abi.h>
#include <keel/print.h>

#include <keel/ctl.h>

#include "ctl.h"
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
		kprintf("[root] server %s faulted: %s at pc 0x%lx (cause 0x%lx)\n", s->name,
			root_arch_fault_name(m->mr[1]), (unsigned long)m->mr[0],
			(unsigned long)m->mr[1]);
}

static void fault_restart(struct server *s)
{
	if (srv_restart(s)) {
		kprintf("[root] server %s restarted (restart %u)\n", s->name, s->restarts);
		ctl_server_event(KEEL_CTL_EV_RESTARTED, s);
	}
}

/* The back-off: the server stays down until its restart is due, and root
 * goes on serving everyone else. A timer on root's notification
 * (KEEL_NTFN_SET_TIMER) wakes root then: fault_timer. */
static void fault_backoff(struct server *s, uint32_t ms)
{
	srv_stop(s);
	s->restart_due = root_arch_now_ticks() + ms * (root_boot_info()->timer_hz / 1000);
	kprintf("[root] server %s restarts in %u ms (back-off)\n", s->name, ms);
	root_timer_arm();
}

void fault_timer(void)
{
	uint64_t now = root_arch_now_ticks();
	struct server *s;
	while ((s = srv_due_restart(now))) {
		s->restart_due = 0;
		fault_restart(s);
		root_hook_faulted(s); /* the fault, now that its back-off is over */
	}
}

bool fault_recover(struct server *s)
{
	switch (srv_policy_decide(&s->policy, &s->pstate, root_arch_now_ms())) {
	case SRV_STAY_DOWN_NEVER:
		srv_stop(s);
		ctl_server_event(KEEL_CTL_EV_DOWN, s);
		kprintf("[root] server %s stopped: restart policy is never\n", s->name);
		return false;
	case SRV_STAY_DOWN_LIMIT:
		srv_stop(s);
		ctl_server_event(KEEL_CTL_EV_DOWN, s);
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
	if (s->policy.backoff_ms) {
		fault_backoff(s, s->policy.backoff_ms);
		return true;
	}
	fault_restart(s);
	return s->state == SRV_RUNNING;
}

bool fault_handle(struct server *s, struct keel_msg *m)
{
	if (m->label == KEEL_FAULT_SYSCALL)
		return linux_syscall(s, m);
	s->faults++;
	s->fault_label = m->label;
	s->fault_addr = m->mr[0];
	s->fault_pc = m->label == KEEL_FAULT_VM ? m->mr[1] : m->mr[0];
	s->fault_ticks = root_arch_now_ticks();
	s->fault_ms = root_arch_now_ms();
	fault_log(s, m);
	ctl_server_event(KEEL_CTL_EV_FAULTED, s);
	fault_recover(s);
	if (!s->restart_due)
		root_hook_faulted(s); /* else once it is restarted (fault_timer) */
	return false;
}
