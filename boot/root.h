/*
 * The root server's internals: the first user program. It owns every
 * resource at boot (keel/abi.h, struct keel_bootinfo), starts servers from
 * the boot modules, handles their faults and Linux system calls, and runs
 * the VMs the configuration blob describes (docs/root-server.md).
 *
 * Root address space (what the kernel made, kernel/boot.c, plus ours):
 *
 *   0x0000_0040_0000  root's ELF segments
 *   0x0000_7ff0_0000  stack top (128 KiB below) / IPC buffer
 *   0x0001_0000_0000  boot modules, read-only (KEEL_MODULES_VADDR)
 *   0x0007_f000_0000  boot info, read-only (KEEL_BOOTINFO_VADDR)
 *   0x0040_0000_0000  server windows: server id n sees its memory at
 *                     ROOT_WINDOW_BASE + (n - 1) * ROOT_WINDOW_SIZE + vaddr
 */
#ifndef BOOT_ROOT_H
#define BOOT_ROOT_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/abi.h>
#include <keel/alloc.h>
#include <keel/server.h>

#define ROOT_WINDOW_BASE 0x4000000000ull
#define ROOT_WINDOW_SIZE 0x100000000ull /* a server's vaddrs stay below this */
#define ROOT_MAX_SERVERS 32u
#define ROOT_PAGE_SIZE (1ull << KEEL_PAGE_BITS)
#define ROOT_PRIO 255u

#define SRV_MAX_PAGES 160u
#define SRV_MAX_ARGS 6u
#define SRV_ARGBUF 128u

/* One page of a server: root's own capability to it is mapped in root's
 * window (the server maps a copy), so root can read the server's memory
 * (Linux write) and rewrite it (restart). */
struct srv_page {
	uint64_t vaddr;
	uint64_t view;  /* root's frame cptr, mapped at window + vaddr */
	uint8_t rights; /* as the server maps it */
};

enum srv_state { SRV_NEW, SRV_RUNNING, SRV_STOPPED, SRV_EXITED, SRV_GONE };

#include "policy.h"

/* "<VM name>-<program>": a VM's name is up to 31 bytes (CFG_NAME_MAX) */
#define SRV_NAME_MAX 48u

struct server {
	char name[SRV_NAME_MAX];
	unsigned id;     /* badge of its fault/report endpoint, 1.. */
	unsigned vmid;   /* its address space's (names it in a trace) */
	unsigned cpu, prio;
	enum srv_state state;
	const uint8_t *image; /* ELF boot module */
	uint64_t image_size;
	uint64_t tcb, cnode, vspace, ipcbuf, fault_ep; /* root's cptrs */
	uint64_t window;
	uint64_t entry, phdr, phnum;
	unsigned argc;
	const char *argv[SRV_MAX_ARGS + 1];
	char argbuf[SRV_ARGBUF];
	struct srv_page page[SRV_MAX_PAGES];
	unsigned npages;
	unsigned restarts, faults;
	struct srv_policy policy;      /* what a fault or failing exit leads to */
	struct srv_policy_state pstate;
	uint64_t fault_label, fault_addr; /* the last fault: label, address */
	uint64_t fault_pc;
	uint64_t fault_ms;                /* and when (root_arch_now_ms) */
	uint64_t fault_ticks;             /* the same in timer ticks */
	int exit_code;
	bool out_midline;    /* Linux stdout: a line is open, no prefix due */
	unsigned unemulated; /* distinct Linux calls answered ENOSYS */
	uint64_t restart_due; /* a back-off restart: when (ticks), 0: none */
	uint64_t crash_va;    /* its crash-point word (keel/crashpoint.h), 0: none */
	uint64_t enosys_seen[8]; /* bitmap of those numbers (below 512) */
};

/* ---- root.c: resources and markers ---- */
const struct keel_bootinfo *root_boot_info(void);
/* A new object in root's CNode (0 if out of memory or slots). */
uint64_t root_alloc(unsigned type, unsigned size_bits);
uint64_t root_alloc_slot(void);
/* RAM (bytes) the kernel handed root as untyped at boot. */
uint64_t root_ram_bytes(void);
/* One object into slot index of cnode; KEEL_OK or the retype's error. */
long root_alloc_at(unsigned type, unsigned size_bits, uint64_t cnode, uint64_t index);
/* Map frame at vaddr in vspace, making page tables as needed. */
long root_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr, unsigned rights);

/* A carve: memory and slots set apart from root's pool for one VM, so
 * that everything made for the VM can be destroyed at once (revoking its
 * untyped) and the memory used again. root_pool_use(&c->pool) makes the
 * root_alloc* and root_frame_map calls that follow take from it; NULL goes back
 * to root's own pool; returns the pool in use before. */
#define ROOT_CARVE_MAX 32u
struct root_carve {
	struct keel_alloc pool;
	uint64_t ut[ROOT_CARVE_MAX]; /* root's slots of its untyped */
	unsigned nut;
	uint64_t slot_first, slot_end;
};
bool root_pool_carve(struct root_carve *c, uint64_t bytes, unsigned nslots);
void root_carve_reset(struct root_carve *c);
void root_carve_clear(struct root_carve *c);
struct keel_alloc *root_pool_use(struct keel_alloc *p);
/* Root's endpoint: faults and reports arrive here. */
uint64_t root_endpoint(void);
const char *root_arch_fault_name(uint64_t cause);
unsigned root_arch_elf_machine(void);
/* The board's machine profile (keel/config.h): the interrupts, RAM and
 * servers the config loader holds VMs to (boot/vmconfig.c). */
struct cfg_arch;
const struct cfg_arch *root_arch_cfg(void);

/* The board's devices root hands to servers (boot/arch/<arch>/board.c):
 * the physical UART the console server drives, and QEMU virt's window of
 * virtio-mmio transports the driver servers' devices sit in. Interrupt
 * numbers are the kernel's (GIC INTIDs on aarch64, PLIC sources on
 * riscv64). */
enum root_uart_kind { ROOT_UART_PL011, ROOT_UART_16550 };
struct root_board {
	uint64_t uart_pa;
	unsigned uart_irq;
	enum root_uart_kind uart_kind;
	uint64_t virtio_pa;      /* transport t at virtio_pa + t * the stride */
	unsigned virtio_irq0;    /* transport t raises virtio_irq0 + t */
	/* how many transports, how far apart: root_arch_cfg()'s (keel/config.h) */
};
const struct root_board *root_arch_board(void);
uint64_t root_device_frame(uint64_t pa);

/* ---- server.c: life cycle ---- */
/* Load prog (a boot module) as a new server named name with argv
 * {name, args...} (args NULL-terminated); not started. NULL on failure
 * (logged). */
struct server *srv_create(const char *prog, const char *name,
			  const char *const *args, unsigned cpu, unsigned prio);
bool srv_grant_copy(struct server *s, unsigned slot, uint64_t src, unsigned rights);
bool srv_grant_mint(struct server *s, unsigned slot, uint64_t src, unsigned rights,
		    uint64_t badge);
bool srv_grant_move(struct server *s, unsigned slot, uint64_t src);
/* Report capability: root's endpoint with the server's badge. */
bool srv_grant_report(struct server *s);
/* One new frame mapped at KEEL_SHARED_VADDR in both a and b. */
bool srv_share_page(struct server *a, struct server *b);
bool srv_start(struct server *s);
/* Rewrite data, bss and stack from the image and start again. */
bool srv_restart(struct server *s);
void srv_stop(struct server *s);
void srv_stop_all(void);
void srv_forget(struct server *s);
bool srv_crash(struct server *s);
/* A crash at one of its named points (keel/crashpoint.h): armed, it
 * faults when it passes the point next. False: it is not running, or
 * told root of no crash-point word. */
bool srv_crash_at(struct server *s, uint32_t point);
/* A report only the server machinery handles (KEEL_REPORT_CRASH_POINT);
 * false: not one of those. */
bool srv_report(struct server *s, unsigned kind, uint64_t value);
struct server *srv_by_badge(uint64_t badge);
/* The boot module named prog, or NULL. */
const struct keel_boot_module *srv_module(const char *prog);
/* Root's pointer to [vaddr, vaddr + len) of s, or NULL if any of it is
 * not mapped in s. */
void *srv_view(struct server *s, uint64_t vaddr, uint64_t len);

/* ---- elf.c: images ---- */
/* Check that img is a static executable we can load below vmax. */
bool elf_check(const uint8_t *img, uint64_t size, uint64_t vmax);
/* Call fn for every page the image's loadable segments touch. */
bool elf_each_page(const uint8_t *img, bool (*fn)(void *ctx, uint64_t vaddr,
						  unsigned rights), void *ctx);
/* Fill one page at vaddr with what the image puts there (zero elsewhere). */
void elf_fill_page(const uint8_t *img, uint64_t vaddr, uint8_t *page);
uint64_t elf_entry(const uint8_t *img);
/* Where the program headers are in the loaded image (auxv AT_PHDR), or 0. */
uint64_t elf_phdr_vaddr(const uint8_t *img, uint64_t *phnum);

/* ---- fault.c / linux.c: what servers send to root ---- */
bool fault_handle(struct server *s, struct keel_msg *m);
/* After a fault or failing exit: restart s or leave it stopped, as its
 * policy says (logged either way). True if it was restarted. */
bool fault_recover(struct server *s);
/* Set s's restart policy (NULL: SRV_POLICY_DEFAULT). */
void srv_set_policy(struct server *s, const struct srv_policy *p);
/* Milliseconds since boot (boot/arch). */
uint64_t root_arch_now_ms(void);
uint64_t root_arch_now_ticks(void); /* the generic timer's count */
/* Wake root at the earliest due restart or hook deadline (none: never);
 * call after changing either. */
void root_timer_arm(void);
/* A restart's back-off is over (root's timer fired). */
void fault_timer(void);
/* The earliest due restart (ticks, 0: none); a server whose restart is
 * due by now, or NULL. */
uint64_t srv_next_restart(void);
struct server *srv_due_restart(uint64_t now);
bool linux_syscall(struct server *s, struct keel_msg *m);

/* ---- hooks: what a test root adds (tests/root/), chosen at link time ----
 * The shipped root links boot/hook_none.c, where each hook does nothing
 * and answers "not mine"; the test root (build/aarch64/keel-test.bin)
 * links tests/root/scenario.c instead, which runs the test= scenario. */
/* Boot: true if a test took over (root then starts no configured VMs). */
bool root_hook_start(const char *cmdline);
/* A server's report; true (and *answer set) if the hook handled it. */
bool root_hook_report(struct server *s, unsigned kind, uint64_t value, const char *text,
		      uint64_t *answer);
/* A server faulted, after root restarted it or left it down. */
void root_hook_faulted(struct server *s);
/* A server called exit (root has logged it and applied its policy). */
void root_hook_exited(struct server *s, int code);
/* The hook's own timer deadline (ticks, 0: none), and its expiry. */
uint64_t root_hook_deadline(void);
void root_hook_timer(uint64_t now);

/* ---- vmrun.c: the VMs of the configuration QEMU delivered ---- */
/* Start them, or say that no configuration came. */
void vmrun_start(void);
/* A VMM's report (READY, VM_STOPPED); false if s is not a VMM of ours. */
bool vmrun_report(struct server *s, unsigned kind, uint64_t value, const char *text);
/* Console key Ctrl-] s on VM entry index: build and start it again if it
 * is off or one of its servers is down for good (restart limit); else
 * say it runs. */
void vmrun_start_again(uint64_t index);
/* keelctl stop / reset (boot/ctl.c): destroy VM entry index, or destroy it
 * and build it again; false if it is off (stop) or cannot be built. */
bool vmrun_stop(uint64_t index);
bool vmrun_reset(uint64_t index);
/* keelctl create: vm (built and started) is one of the VMs vmrun runs. */
struct vm;
void vmrun_add(struct vm *vm);

#endif /* BOOT_ROOT_H */
