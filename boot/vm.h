/*
 * Virtual machines, root's side (boot/vm.c): build one VM from a spec —
 * its guest RAM and stage-2 space, a thread per vCPU, the VMM and a device
 * server per device — and stop it. docs/vm.md has the picture.
 */
#ifndef BOOT_VM_H
#define BOOT_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/blk.h>
#include <keel/vmm.h>

#include "root.h"

#define VM_MAX 4u

struct vm_dev_spec {
	const char *prog;    /* device server program (boot module) */
	enum keel_vm_dev_kind kind;
	uint64_t base, size; /* guest-physical window */
	unsigned intid;      /* guest interrupt (SPI), 0: none */
	const struct srv_policy *restart; /* its server's, or NULL: the default */
	int disk;            /* virtio-blk: the machine's disk it stands on
			      * (boot/blkdrv.c counts them), else -1 */
	bool read_only;      /* virtio-blk: offer VIRTIO_BLK_F_RO */
	bool rng;            /* virtio-rng: needs KEEL_CPU_F_RNG */
	bool hvc;            /* virtio-console: the VM's console (docs/devices.md) */
	const char *net_name; /* virtio-net: its network (boot/net.c), else
			       * NULL (a spec zeroed by a test scenario too) */
	uint8_t mac[6];      /* virtio-net: the guest's MAC */
	bool via_vmm;        /* every access through the VMM, no MMIO route
			      * (test root's benchmark of both routes) */
	bool no_post;        /* routed, but no post page: every access a
			      * request (test root's crashes under load) */
	bool uplink;         /* virtio-net: its network has the host's uplink
			      * (boot/uplink.c) */
};

struct vm_spec {
	const char *name;    /* also the console prefix */
	const char *image;   /* boot module holding the guest's arm64 Image */
	const char *initrd;  /* boot module holding its initrd, or NULL */
	const char *cmdline; /* the guest kernel's command line, or NULL */
	const char *dtb;     /* boot module holding a device tree to use, or
			      * NULL: the VMM writes one */
	uint64_t ram_base, ram_size;
	bool raw_image;      /* image is a raw binary: load it at raw_load, */
	uint64_t raw_load, raw_entry; /* start at raw_entry (guest-physical) */
	bool firmware;       /* image is firmware for the CFI flash at 0: one
			      * device is the flash (boot/vmflash.c) */
	unsigned cpu;        /* the VMM, its device servers and vCPU 0 run on
			      * this CPU; vCPU i on (cpu + i) % CPUs */
	unsigned vcpus;      /* 1..KEEL_VMM_MAX_VCPUS; 0 means 1 */
	const struct srv_policy *restart; /* the VMM's, or NULL: the default */
	unsigned ndev;
	struct vm_dev_spec dev[KEEL_VMM_MAX_DEVICES];
};

struct vm {
	char name[32]; /* CFG_NAME_MAX: a config's names are up to 31 bytes */
	unsigned index;
	struct server *vmm;
	struct server *dev[KEEL_VMM_MAX_DEVICES];
	unsigned ndev;
	struct server *drv[KEEL_VMM_MAX_DEVICES]; /* a virtio-blk's block driver */
	uint64_t ntfn;        /* bound to the VMM: console input, device lines */
	uint64_t s2;          /* the guest's stage-2 vspace */
	unsigned vmid;        /* its VMID (names its vCPUs in a trace) */
	uint64_t exit_ep;     /* the VMM receives exits on it */
	unsigned nvcpus;
	uint64_t vcpu[KEEL_VMM_MAX_VCPUS], vcpu_tcb[KEEL_VMM_MAX_VCPUS];
	uint64_t store;       /* CNode with the RAM and image frame capabilities */
	uint64_t store_next;  /* its first free slot */
	uint64_t info;        /* frame: struct keel_vm_info */
	uint64_t dev_state[KEEL_VMM_MAX_DEVICES]; /* frames root keeps */
	uint64_t view;        /* root's address for this VM's info and image */
	uint64_t ram_pa_lo, ram_pa_hi; /* physical range of its RAM frames */
	struct keel_blk_ram_table ram; /* guest- to host-physical, for its block drivers */
	bool ram_split;       /* ... which did not fit there: no disk for this VM */
	struct vm_spec spec;  /* what it was made from (a reset makes it again) */
	struct root_carve carve; /* everything above comes from here */
	uint64_t carve_bytes;
	bool live;
	bool kept;            /* off, its entry still its own (keelctl: until remove) */
};

#define VM_PRIO 150u   /* VMM and device servers (and their drivers) */

/* boot/vmflash.c: the flash server's banks and capabilities (device d,
 * kind KEEL_VM_DEV_FLASH), and with a vars file its block driver in
 * vm->drv[d]; the 2 MiB frames firmware of size bytes takes. */
bool vm_flash_device(struct vm *vm, const struct vm_spec *spec, unsigned d, struct server *s);
uint64_t vm_flash_frames(uint64_t firmware_size);

/* Build every object of the VM; nothing runs yet. NULL on failure (logged). */
struct vm *vm_create(const struct vm_spec *spec);
/* Start the device servers and the VMM (which starts the guest). */
bool vm_start(struct vm *vm);
/* Stop the guest and the VM's servers. */
void vm_stop(struct vm *vm);
/* Stop it and destroy every object made for it (servers, vCPUs, RAM): the
 * memory goes back for the next VM root creates. */
void vm_destroy(struct vm *vm);
/* The live VM in entry index (struct vm.index), or NULL. */
struct vm *vm_by_index(unsigned index);
/* The entry index, live or destroyed (it keeps its spec), or NULL. */
struct vm *vm_entry_at(unsigned index);
/* Its VMM and device servers run (or wait out a restart back-off). */
bool vm_servers_up(const struct vm *vm);
/* Destroy it (if live) and build it again from the same spec in the same
 * entry, and start it. */
bool vm_reset(struct vm *vm);

#endif /* BOOT_VM_H */
