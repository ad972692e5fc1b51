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

/* Restart s if it has restarts left, else leave it stopped. */
static void fault_recover(struct server *s)
{
	if (s->restarts >= s->max_restarts) {
		srv_stop(s);
		kprintf("[root] server %s stopped: restart limit (%u) reached\n",
			s->name, s->max_restarts);
		return;
	}
	if (srv_restart(s))
		kprintf("[root] server %s restarted (restart %u)\n", s->name, s->restarts);
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
