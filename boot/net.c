/*
 * Root's side of the networks (docs/net.md, keel/net.h): one switch
 * server per network the config names, made the first time a VM with a
 * NIC on it is built, and one port per NIC. Root keeps every original:
 *
 *   switch   its endpoint (READ: nothing calls it), a notification bound
 *            to it, an info page (read-only: the ports' MACs, which are
 *            live), its state page, each port's shared area and a
 *            WRITE copy of each port's notification
 *   NIC      (a virtio-net device server, boot/vm.c) its port's shared
 *            area, the port's notification bound to it, and the switch's
 *            notification (WRITE, badged with its port's bit)
 *
 * Switches and ports come from root's own pool, not from a VM's carve: a
 * VM that is destroyed and built again gets the same port (same VM name
 * and device), and a switch outlives every VM on it. A switch knows
 * nothing of any other network: separate switches are the isolation.
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/config.h>
#include <keel/net.h>
#include <keel/object.h>
#include <keel/print.h>

#include "net.h"
#include "uplink.h"

#define NET_VIEW 0x3000400000ull /* root's view of each switch's info page, then of
				  * each one's state page (its counters) */
#define NET_PRIO 150u            /* as the VMs' servers */
#define NET_RW (KEEL_R_READ | KEEL_R_WRITE)

_Static_assert(CFG_NET_MAX_PORTS == KEEL_NET_PORTS, "the config's port limit is the switch's");
_Static_assert(sizeof(((struct keel_switch_info *)0)->name) == CFG_NAME_MAX, "a network's name");

struct net_port {
	bool used;
	char vm[CFG_NAME_MAX];
	unsigned dev;
	uint64_t area, ntfn; /* root's originals */
};

struct net_switch {
	char name[CFG_NAME_MAX];
	struct server *srv;
	uint64_t ntfn;      /* bound to the switch */
	struct keel_switch_info *info; /* root's view */
	struct server *uplink; /* its driver (port 0), or NULL */
	const struct keel_switch_counters *counters; /* root's view of its state page */
	struct net_port port[KEEL_NET_PORTS];
};

static struct net_switch nets[CFG_MAX_NETWORKS];
static unsigned nnets;

struct server *net_switch_server(const char *name)
{
	for (unsigned i = 0; i < nnets; i++)
		if (strcmp(nets[i].name, name) == 0)
			return nets[i].srv;
	return NULL;
}

/* A frame of root's mapped at va in s with rights (root keeps frame). */
static bool net_map_copy(uint64_t frame, struct server *s, uint64_t va, unsigned rights)
{
	uint64_t copy = root_alloc_slot();
	return copy && keel_cnode_copy(KEEL_ROOT_CNODE, copy, KEEL_ROOT_CNODE, frame, rights) ==
			       KEEL_OK &&
	       root_frame_map(copy, s->vspace, va, rights) == KEEL_OK;
}

static const char *net_switch_build(struct net_switch *sw, unsigned n, unsigned cpu)
{
	char name[SRV_NAME_MAX];
	uint64_t ep = root_alloc(KEEL_OBJ_ENDPOINT, 0), info = root_alloc(KEEL_OBJ_FRAME, 0);
	uint64_t state = root_alloc(KEEL_OBJ_FRAME, 0), view = NET_VIEW + n * ROOT_PAGE_SIZE;
	uint64_t sview = NET_VIEW + (CFG_MAX_NETWORKS + n) * ROOT_PAGE_SIZE, scopy = root_alloc_slot();
	snprintf(name, sizeof(name), "%.31s-switch", sw->name);
	sw->ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	if (!ep || !info || !state || !sw->ntfn ||
	    !(sw->srv = srv_create("switch", name, NULL, cpu, NET_PRIO)))
		return "no memory for its objects";
	if (!srv_grant_report(sw->srv) || !srv_grant_copy(sw->srv, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    keel_tcb_bind_notification(sw->srv->tcb, sw->ntfn) != KEEL_OK)
		return "cannot give it its endpoint and notification";
	if (root_frame_map(info, KEEL_ROOT_VSPACE, view, NET_RW) != KEEL_OK ||
	    !net_map_copy(info, sw->srv, KEEL_SWITCH_INFO_VADDR, KEEL_R_READ) ||
	    !net_map_copy(state, sw->srv, KEEL_SWITCH_STATE_VADDR, NET_RW) || !scopy ||
	    keel_cnode_copy(KEEL_ROOT_CNODE, scopy, KEEL_ROOT_CNODE, state, KEEL_R_READ) != KEEL_OK ||
	    root_frame_map(scopy, KEEL_ROOT_VSPACE, sview, KEEL_R_READ) != KEEL_OK)
		return "cannot map its info and state pages";
	sw->counters = (const struct keel_switch_counters *)(uintptr_t)(sview +
									 KEEL_SWITCH_COUNTERS_OFF);
	sw->info = (struct keel_switch_info *)(uintptr_t)view;
	memset(sw->info, 0, sizeof(*sw->info));
	sw->info->magic = KEEL_SWITCH_INFO_MAGIC;
	memcpy(sw->info->name, sw->name, sizeof(sw->info->name)); /* NUL-terminated */
	return srv_start(sw->srv) ? NULL : "cannot start it";
}

struct server *net_uplink_server(const char *name)
{
	for (unsigned i = 0; i < nnets; i++)
		if (strcmp(nets[i].name, name) == 0)
			return nets[i].uplink;
	return NULL;
}

static bool net_port_build(struct net_switch *sw, unsigned p);

/* Port 0 of a new switch, served by the uplink driver (boot/uplink.c):
 * no VM's, so never found by net_port_find; any unicast source. Without
 * the machine's device the port stays unconnected. */
static void net_uplink_add(struct net_switch *sw, unsigned cpu)
{
	uint64_t badged = root_alloc_slot();
	struct uplink_port up;
	if (!badged || !net_port_build(sw, 0)) {
		kprintf("[root] network %s: no memory for its uplink's port\n", sw->name);
		return;
	}
	sw->port[0].used = true;
	sw->port[0].dev = ~0u;
	up = (struct uplink_port){ .area = sw->port[0].area, .ntfn = sw->port[0].ntfn,
				   .switch_ntfn = sw->ntfn, .bit = 1 };
	if (!(sw->uplink = uplink_create(sw->name, &up, cpu, NET_PRIO)))
		return;
	sw->info->port[0].uplink = 1;
	__atomic_store_n(&sw->info->port[0].live, 1, __ATOMIC_RELEASE);
}

/* The switch of the network named name, made and started if new (with
 * its uplink if it has one). */
static struct net_switch *net_switch_get(const char *name, bool uplink, unsigned cpu)
{
	struct net_switch *sw;
	const char *why;
	for (unsigned i = 0; i < nnets; i++)
		if (strcmp(nets[i].name, name) == 0)
			return &nets[i];
	if (nnets == CFG_MAX_NETWORKS) {
		kprintf("[root] network %s: more than %u networks\n", name, CFG_MAX_NETWORKS);
		return NULL;
	}
	sw = &nets[nnets];
	memset(sw, 0, sizeof(*sw));
	snprintf(sw->name, sizeof(sw->name), "%s", name);
	if ((why = net_switch_build(sw, nnets, cpu))) {
		kprintf("[root] network %s: %s\n", name, why);
		return NULL;
	}
	kprintf("[root] network %s: switch %s started\n", name, sw->srv->name);
	if (uplink)
		net_uplink_add(sw, cpu);
	return &nets[nnets++];
}

static int net_port_find(const struct net_switch *sw, const char *vm, unsigned d)
{
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		if (sw->port[p].used && sw->port[p].dev == d && strcmp(sw->port[p].vm, vm) == 0)
			return (int)p;
	return -1;
}

/* A new port p on sw: its area and notification, given to the switch. */
static bool net_port_build(struct net_switch *sw, unsigned p)
{
	struct net_port *port = &sw->port[p];
	port->area = root_alloc(KEEL_OBJ_FRAME, KEEL_LARGE_PAGE_BITS);
	port->ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0);
	return port->area && port->ntfn &&
	       net_map_copy(port->area, sw->srv, KEEL_SWITCH_PORT_VADDR(p), NET_RW) &&
	       srv_grant_copy(sw->srv, KEEL_SWITCH_SLOT_PORT(p), port->ntfn, KEEL_R_WRITE);
}

bool net_ensure(const struct vm_spec *spec)
{
	for (unsigned d = 0; d < spec->ndev; d++) {
		const struct vm_dev_spec *dev = &spec->dev[d];
		struct net_switch *sw;
		int p;
		if (!dev->net_name)
			continue;
		if (!(sw = net_switch_get(dev->net_name, dev->uplink, spec->cpu)))
			return false;
		if ((p = net_port_find(sw, spec->name, d)) < 0) {
			for (p = 0; p < (int)KEEL_NET_PORTS && sw->port[p].used; p++)
				;
			if (p == (int)KEEL_NET_PORTS || !net_port_build(sw, (unsigned)p)) {
				kprintf("[root] network %s: no port for VM %s's device %u\n",
					sw->name, spec->name, d);
				return false;
			}
			sw->port[p].used = true;
			snprintf(sw->port[p].vm, sizeof(sw->port[p].vm), "%s", spec->name);
			sw->port[p].dev = d;
		}
		memcpy(sw->info->port[p].mac, dev->mac, 6);
		__atomic_store_n(&sw->info->port[p].live, 1, __ATOMIC_RELEASE);
	}
	return true;
}

bool net_attach(const struct vm_spec *spec, unsigned d, struct server *s)
{
	struct net_switch *sw = NULL;
	uint64_t badged = root_alloc_slot();
	int p = -1;
	for (unsigned i = 0; i < nnets && p < 0; i++)
		if (strcmp(nets[i].name, spec->dev[d].net_name) == 0)
			p = net_port_find(sw = &nets[i], spec->name, d);
	if (p < 0 || !badged)
		return false;
	return net_map_copy(sw->port[p].area, s, KEEL_NET_PORT_VADDR, NET_RW) &&
	       keel_tcb_bind_notification(s->tcb, sw->port[p].ntfn) == KEEL_OK &&
	       keel_cnode_mint(KEEL_ROOT_CNODE, badged, KEEL_ROOT_CNODE, sw->ntfn, KEEL_R_WRITE,
			       1ull << p) == KEEL_OK &&
	       srv_grant_move(s, KEEL_NET_SLOT_SWITCH, badged);
}

void net_detach(const struct vm_spec *spec)
{
	for (unsigned d = 0; d < spec->ndev; d++)
		for (unsigned i = 0; i < nnets && spec->dev[d].net_name; i++) {
			struct net_switch *sw = &nets[i];
			int p = strcmp(sw->name, spec->dev[d].net_name) == 0
					? net_port_find(sw, spec->name, d) : -1;
			if (p < 0)
				continue;
			__atomic_store_n(&sw->info->port[p].live, 0, __ATOMIC_RELEASE);
			keel_signal(sw->ntfn); /* a pass: it forgets the port's MACs */
		}
}

bool net_at(unsigned i, struct net_view *out)
{
	const struct net_switch *sw = i < nnets ? &nets[i] : NULL;
	if (!sw)
		return false;
	*out = (struct net_view){ .name = sw->name, .srv = sw->srv, .counters = sw->counters };
	for (unsigned p = 0; p < KEEL_NET_PORTS; p++)
		out->ports += __atomic_load_n(&sw->info->port[p].live, __ATOMIC_ACQUIRE) != 0;
	return true;
}
