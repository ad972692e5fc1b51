/*
 * keel/ctl.h — the control server (device-servers/ctl/) and root
 * (boot/ctl.c): how a request from the host (keelctl, JSON lines over a
 * physical virtio console, docs/management.md) becomes an action of root.
 *
 * The control server holds its device (the transport's page, its
 * interrupt, its queue and buffer pages), a read-only view of the status
 * pages root fills, and root's endpoint (KEEL_SRV_REPORT): nothing of any
 * VM or server. Every action is a report (keel_report, keel/server.h)
 * whose kind is a KEEL_CTL_* request; root acts and answers MR0 = enum
 * keel_ctl_result.
 *
 * ---- control server capability slots and addresses ------------------------
 *
 *   KEEL_SRV_REPORT        root's endpoint, badged: every request
 *   KEEL_SRV_EP            its endpoint, READ (nothing calls it)
 *   KEEL_CTL_SLOT_IRQ      the device's IRQ handler (ACK only)
 *   (bound)                a notification: the device's interrupt
 *   KEEL_CTL_INFO_VADDR    struct keel_ctl_info, read-only
 *   KEEL_CTL_MMIO_VADDR    the page of the device's transport
 *   KEEL_CTL_QUEUE_VADDR   its virtqueue page (DMA)
 *   KEEL_CTL_BUF_VADDR     its buffers (DMA, one 2 MiB frame)
 *   KEEL_CTL_STATUS_VADDR  KEEL_CTL_STATUS_PAGES pages, read-only: what
 *                          root wrote for the last KEEL_CTL_SNAPSHOT
 */
#ifndef KEEL_CTL_H
#define KEEL_CTL_H

#include <stdint.h>

#define KEEL_CTL_SLOT_IRQ 9u
#define KEEL_CTL_INFO_VADDR 0x10000000ull
#define KEEL_CTL_MMIO_VADDR 0x10001000ull
#define KEEL_CTL_QUEUE_VADDR 0x10002000ull
#define KEEL_CTL_STATUS_VADDR 0x10010000ull
#define KEEL_CTL_STATUS_PAGES 4u
#define KEEL_CTL_BUF_VADDR 0x10200000ull
#define KEEL_CTL_BUF_BYTES 0x200000ull

/* Requests (report kinds): value = VM entry | device index << 8. */
enum keel_ctl_request {
	KEEL_CTL_SNAPSHOT = 0x180, /* fill the status pages (VMs, servers, events) */
	KEEL_CTL_START,            /* build and start a VM that is off or failed */
	KEEL_CTL_STOP,             /* destroy a VM: its memory is free */
	KEEL_CTL_RESET,            /* destroy it and build it again */
	KEEL_CTL_PAUSE,            /* its vCPUs stop (the VMM suspends them) */
	KEEL_CTL_RESUME,
	KEEL_CTL_RESTART,          /* a device server restarted from its image */
	KEEL_CTL_CRASH,            /* a device server sent to address 0: a real fault */
	KEEL_CTL_CREATE,           /* value: the address of a config's text in the
				    * control server; report text: "<bytes> <file>" */
	KEEL_CTL_REMOVE,           /* forget a VM that is off */
};
#define KEEL_CTL_VALUE(vm, dev) ((uint64_t)(vm) | (uint64_t)(dev) << 8)
/* crash at a named point of the server (keel/crashpoint.h), 0: at once */
#define KEEL_CTL_VALUE_POINT(point) ((uint64_t)(point) << 16)
/* dev for the console server, shared by every VM (restart, crash) */
#define KEEL_CTL_DEV_CONSOLE 0xfeu

enum keel_ctl_result {
	KEEL_CTL_OK = 0,
	KEEL_CTL_E_NO_VM = 1,     /* no VM entry of that number */
	KEEL_CTL_E_NO_SERVER = 2, /* the VM has no such server */
	KEEL_CTL_E_STATE = 3,     /* not in a state that allows it */
	KEEL_CTL_E_FAILED = 4,    /* root tried and could not (logged) */
	KEEL_CTL_E_CONFIG = 5,    /* create: the config is refused (status: why) */
};

/* A VMM tells root where its counters are (value: their address in the
 * VMM, struct keel_ctl_vmm_counters), once at start; root reads them
 * through its view of the VMM's pages. The VMM keeps them in its own
 * memory: nothing is counted on the exit path that was not counted before. */
#define KEEL_CTL_REPORT_COUNTERS 0x1a0u
#define KEEL_CTL_EXIT_REASONS 7u /* KEEL_EXIT_MMIO .. KEEL_EXIT_MAINT (keel/abi.h) */
#define KEEL_CTL_DEVICES 8u      /* other copy: KEEL_VMM_MAX_DEVICES (keel/vmm.h) */
struct keel_ctl_vmm_counters {
	unsigned exits, aborts, ipis; /* every exit; data aborts injected into the guest
				       * (accesses no one emulates); SGIs sent */
	unsigned reason[KEEL_CTL_EXIT_REASONS]; /* exits by label, KEEL_EXIT_MMIO first */
	unsigned irqs;                          /* interrupts injected into its vCPUs */
	unsigned mmio[KEEL_CTL_DEVICES];        /* MMIO accesses sent to device d's server */
	unsigned calls; /* calls the VMM made to the console server and to root (its
			 * calls to device servers are counted where they are taken) */
};

/* A virtio-blk or virtio-net server tells root where its counters are
 * (value: their address in the server), at each start; root reads them
 * through its view of the server's pages, and adds an instance's counts
 * to the device's total when it faults or is restarted, so the totals
 * outlive restarts. Counted where the work is done anyway: one add per
 * request or frame. */
#define KEEL_CTL_REPORT_DEV_COUNTERS 0x1a1u
struct keel_ctl_dev_counters {
	uint64_t requests;  /* done: block requests; frames sent and received */
	uint64_t bytes_in;  /* from the guest: bytes written to the disk; sent */
	uint64_t bytes_out; /* to the guest: bytes read from the disk; received */
	uint64_t mmio;      /* guest accesses it answered on its MMIO route
			     * (keel/vmm.h); the VMM counts those it sent */
	uint64_t calls;     /* IPC calls it took (the VMM's requests, routed
			     * exits: keel_dev_router.calls) and made (to the
			     * console server) */
};

/* The VMM's bound notification: root asks it to stop or start again the
 * vCPUs the guest has on (the VMM knows which; root does not). */
#define KEEL_VMM_BADGE_PAUSE (1u << 20)
#define KEEL_VMM_BADGE_RESUME (1u << 21)

/* ---- the status pages ------------------------------------------------------ */
enum keel_ctl_vm_state {
	KEEL_CTL_VM_RUNNING = 0, KEEL_CTL_VM_PAUSED = 1, KEEL_CTL_VM_OFF = 2,
	KEEL_CTL_VM_FAILED = 3,  /* built, but a server is down for good */
	KEEL_CTL_VM_REMOVED = 4, /* an entry keelctl remove forgot (not listed) */
};
enum keel_ctl_srv_kind {
	KEEL_CTL_SRV_VMM = 0, KEEL_CTL_SRV_PL011 = 1, KEEL_CTL_SRV_VIRTIO_BLK = 2,
	KEEL_CTL_SRV_BLKDRV = 3, KEEL_CTL_SRV_VIRTIO_NET = 4, KEEL_CTL_SRV_VIRTIO_CONSOLE = 5,
	KEEL_CTL_SRV_VIRTIO_RNG = 6, KEEL_CTL_SRV_FLASH = 7, KEEL_CTL_SRV_SWITCH = 8,
	KEEL_CTL_SRV_NS16550 = 9,
};
enum keel_ctl_srv_state {
	KEEL_CTL_SRV_RUNNING = 0, KEEL_CTL_SRV_BACKOFF = 1, /* restart due */
	KEEL_CTL_SRV_DOWN = 2,    /* stopped: restart limit, policy never, or exited */
	KEEL_CTL_SRV_NEW = 3,
};

#define KEEL_CTL_MAX_VMS 4u
#define KEEL_CTL_VM_SERVERS 12u
#define KEEL_CTL_MAX_EVENTS 64u
#define KEEL_CTL_CREATE_MAX 16384u /* a config's text (keelctl create) */
#define KEEL_CTL_ERRORS_TEXT 2048u

struct keel_ctl_server {
	char name[48];        /* a server's: "<VM name>-<program>" */
	uint8_t kind, state, dev, pad; /* dev: the VM's device index, 0xff: the VMM */
	uint32_t restarts;
	uint32_t faults;
	uint32_t fault_cause; /* a KEEL_FAULT_* label, 0: never faulted */
	uint64_t fault_addr;
	uint64_t fault_ms;    /* since boot */
};

struct keel_ctl_vm {
	char name[32];
	uint32_t state, vcpus;
	uint64_t ram_bytes;
	uint64_t started_ms;  /* since boot; the last build */
	uint32_t counted;     /* the VMM told where its counters are */
	uint32_t nservers;
	struct keel_ctl_vmm_counters c;
	uint32_t pad;
	struct keel_ctl_dev_counters dev[KEEL_CTL_DEVICES]; /* by device index */
	struct keel_ctl_server srv[KEEL_CTL_VM_SERVERS];
};

enum keel_ctl_event_kind {
	KEEL_CTL_EV_STARTED = 1, KEEL_CTL_EV_STOPPED, KEEL_CTL_EV_PAUSED, KEEL_CTL_EV_RESUMED,
	KEEL_CTL_EV_FAULTED, KEEL_CTL_EV_RESTARTED, KEEL_CTL_EV_DOWN, KEEL_CTL_EV_CREATED,
	KEEL_CTL_EV_REMOVED,
};

struct keel_ctl_event {
	uint64_t seq;  /* 1, 2, ...: every event root recorded since boot */
	uint64_t ms;   /* since boot */
	uint32_t kind; /* enum keel_ctl_event_kind */
	uint32_t pad;
	char vm[32];
	char server[48];
};

/* A network: its switch server and the switch's counters (other copy:
 * struct keel_switch_counters, keel/net.h). */
#define KEEL_CTL_MAX_NETS 4u /* CFG_MAX_NETWORKS */
struct keel_ctl_net {
	char name[32];
	uint32_t ports;       /* NICs connected */
	uint32_t counted;     /* the counters below are the switch's */
	uint64_t in, forwarded, flooded, bad, spoofed, full; /* frames */
	struct keel_ctl_server srv;
};

struct keel_ctl_status {
	uint64_t magic;
	uint64_t now_ms;
	uint32_t nvms;
	uint32_t nevents;     /* the last nevents events, oldest first */
	struct keel_ctl_vm vm[KEEL_CTL_MAX_VMS];
	struct keel_ctl_event ev[KEEL_CTL_MAX_EVENTS];
	/* The last KEEL_CTL_CREATE refused with E_CONFIG: where its first
	 * error is and every message, "file:line:col: key: detail" a line. */
	uint32_t err_line, err_col;
	char errors[KEEL_CTL_ERRORS_TEXT];
	uint32_t nnets, pad;
	struct keel_ctl_net net[KEEL_CTL_MAX_NETS];
};
#define KEEL_CTL_STATUS_MAGIC 0x4b45454c43544c31ull /* "KEELCTL1" */
_Static_assert(sizeof(struct keel_ctl_status) <= KEEL_CTL_STATUS_PAGES * 4096u,
	       "the status fits its pages");

#define KEEL_CTL_INFO_MAGIC 0x4b45454c4354494eull /* "KEELCTIN" */
struct keel_ctl_info {
	uint64_t magic;
	uint64_t mmio_off; /* the transport's offset in its page */
	uint64_t queue_pa; /* physical address of the virtqueue page */
	uint64_t buf_pa;   /* physical address of the buffers */
};

#endif /* KEEL_CTL_H */
