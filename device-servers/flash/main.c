/*
 * flash: the CFI flash of one firmware VM (keel/flash.h, flash.h). The
 * VMM calls with each guest access to the flash window that trapped: a
 * write anywhere (the banks are mapped read-only), and a read while a
 * bank is out of read-array mode (then its pages are unmapped) or of a
 * part of bank 0 the firmware does not fill (never mapped). After each
 * request the bank's mapping follows its mode: read-array maps its
 * frames read-only into the guest's stage-2 space, any other mode
 * unmaps them, so the guest reads status or query data from here.
 *
 * Crash-proof as the PL011 server: the modes live in the state page,
 * each request works on a copy made current in one store, the VMM's
 * retry of an access already applied is answered from the copy; a
 * program or erase done again writes the same bytes. Bank 1's contents
 * are frames root keeps, so they outlive a restart; a restarted server
 * maps or unmaps each bank as its mode says before serving.
 *
 *   argv[1]   VM name
 *   argv[2]   "vars": bank 1 is kept on a vars file (vars.c), read at the
 *             VM's first start, every change written before it is answered
 */
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/flash.h>
#include <keel/object.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/ctl.h>
#include <keel/trace.h>
#include <keel/arch_counter.h>
#include <keel/vmm.h>

#include "flash.h"
#include "vars.h"

#define VARS_STEP 0x200000ull /* bank 1 bytes read from the vars file at a time */

struct flash {
	struct flash_page *page;
	struct flash_mem mem;
	unsigned frames[KEEL_FLASH_BANKS]; /* frames each bank has */
	bool mapped[KEEL_FLASH_BANKS];     /* as far as this instance knows */
	uint64_t vars_bytes;               /* bank 1's bytes on the vars file; 0: none */
	const char *self;
};

static uint64_t bank_slot(unsigned bank, unsigned i)
{
	return bank ? KEEL_FLASH_SLOT_BANK1(i) : KEEL_FLASH_SLOT_BANK0(i);
}

static long bank_frame_map(unsigned bank, unsigned i)
{
	uint64_t gpa = KEEL_FLASH_BASE + bank * KEEL_FLASH_BANK_SIZE + i * KEEL_FLASH_FRAME_SIZE;
	unsigned rights = KEEL_R_READ | (bank == 0 ? KEEL_R_EXEC : 0);
	return keel_frame_map(bank_slot(bank, i), KEEL_FLASH_SLOT_S2, gpa, rights);
}

/* Map or unmap a bank's frames in the guest. Mapping a frame that is
 * mapped already (a restarted server) is no error; nor is unmapping
 * one that is not. */
static void bank_set_mapped(struct flash *f, unsigned bank, bool map)
{
	for (unsigned i = 0; i < f->frames[bank]; i++) {
		long err = map ? bank_frame_map(bank, i) : keel_frame_unmap(bank_slot(bank, i));
		if (err != KEEL_OK && err != KEEL_E_MAPPED)
			kprintf("[%s] %smap of bank %u frame %u failed (%ld)\n", f->self,
				map ? "" : "un", bank, i, err);
	}
	f->mapped[bank] = map;
}

static void flash_follow_modes(struct flash *f, const struct flash_state *s, bool always)
{
	for (unsigned b = 0; b < KEEL_FLASH_BANKS; b++)
		if (always || f->mapped[b] != flash_bank_is_array(s, b))
			bank_set_mapped(f, b, flash_bank_is_array(s, b));
}

/* The frames root gave: bank 0 has as many as the firmware fills. */
static unsigned count_frames(unsigned bank, unsigned max)
{
	unsigned n = 0;
	uint64_t pa;
	while (n < max && keel_frame_address(bank_slot(bank, n), &pa) == KEEL_OK)
		n++;
	return n;
}

static bool width_ok(uint64_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

static bool flash_is_retry(const struct flash_state *c, const struct keel_msg *m)
{
	return (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) && m->len >= 4 &&
	       m->mr[3] != 0 && m->mr[3] == c->acc_seq;
}

static bool flash_apply(struct flash *f, struct flash_state *w, const struct keel_msg *m,
			uint64_t *val)
{
	if (m->label == KEEL_DEV_READ && width_ok(m->mr[1]))
		return flash_read(w, &f->mem, m->mr[0], (unsigned)m->mr[1], val);
	if (m->label == KEEL_DEV_WRITE && width_ok(m->mr[1]))
		return flash_write(w, &f->mem, m->mr[0], (unsigned)m->mr[1], m->mr[2]);
	return m->label == KEEL_DEV_LINES;
}

/* Each access the guest made (not the VMM's retry of one), for a trace
 * (keel/trace.h): one request, the flash offset, the bytes. */
static struct keel_dev_log flash_log;
static uint32_t flash_logged;

static void flash_log_access(const struct keel_msg *m, uint64_t t0, bool ok)
{
	uint64_t n = flash_logged++;
	uint32_t type = m->label == KEEL_DEV_WRITE ? KEEL_TRACE_REQ_FLASH_WRITE
						   : KEEL_TRACE_REQ_FLASH_READ;
	keel_dev_log_add(&flash_log, t0, KEEL_TRACE_DEV_REQ, n << 32 | type, m->mr[0]);
	keel_dev_log_add(&flash_log, keel_arch_counter(), KEEL_TRACE_DEV_DONE, n << 32 | !ok,
			 ok ? m->mr[1] : 0);
}

/* With a vars file: what the last program or erase changed goes to it
 * before the guest hears of it; if it cannot, the status says the
 * program failed (the bytes stay in bank 1 for this VM's life). */
static void flash_vars_sync(struct flash *f)
{
	uint64_t lo, hi;
	struct flash_state *w;
	bool ok;
	if (!f->vars_bytes || !flash_dirty(flash_page_resume(f->page), &lo, &hi))
		return;
	ok = vars_store(f->vars_bytes, lo, hi);
	w = flash_begin(f->page);
	flash_clean(w);
	if (!ok) {
		w->bank[FLASH_VARS_BANK].status |= FLASH_SR_PROG_ERR;
		kprintf("[%s] writing bank 1 bytes 0x%llx..0x%llx to the vars file failed\n",
			f->self, (unsigned long long)lo, (unsigned long long)hi);
	}
	flash_commit(f->page);
}

/* Bank 1 from the vars file, once per VM (a restarted server goes on
 * where the last one got to), and what a crashed instance had not yet
 * written out. */
static void flash_vars_start(struct flash *f)
{
	struct flash_state *w;
	uint64_t at;
	f->vars_bytes = vars_attach(f->self, f->mem.size[FLASH_VARS_BANK]);
	while (f->vars_bytes && (at = flash_page_resume(f->page)->vars_loaded) < f->vars_bytes) {
		uint64_t n = f->vars_bytes - at < VARS_STEP ? f->vars_bytes - at : VARS_STEP;
		if (!vars_load(at, at + n)) {
			kprintf("[%s] reading bank 1 from the vars file failed: it is not kept\n",
				f->self);
			f->vars_bytes = 0;
			return;
		}
		w = flash_begin(f->page);
		w->vars_loaded = at + n;
		flash_commit(f->page);
		if (at + n == f->vars_bytes)
			kprintf("[%s] bank 1: %llu KiB from the vars file\n", f->self,
				(unsigned long long)(f->vars_bytes >> 10));
	}
	flash_vars_sync(f);
}

static bool flash_request(void *ctx, struct keel_msg *m)
{
	uint64_t t0 = keel_arch_counter();
	struct flash *f = ctx;
	struct flash_state *c = flash_page_resume(f->page), *w;
	uint64_t val = 0;
	bool ok;
	if (flash_is_retry(c, m)) {
		ok = c->acc_ok;
		val = c->acc_val;
	} else {
		w = flash_begin(f->page);
		ok = flash_apply(f, w, m, &val);
		if (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE) {
			w->acc_seq = m->len >= 4 ? m->mr[3] : 0;
			w->acc_val = val;
			w->acc_ok = ok;
		}
		flash_commit(f->page);
		c = w;
		if (m->label == KEEL_DEV_READ || m->label == KEEL_DEV_WRITE)
			flash_log_access(m, t0, ok);
		flash_vars_sync(f);
		c = flash_page_resume(f->page);
	}
	/* before the reply: the guest's next read sees the new mode (and,
	 * with a vars file, the change is on it) */
	flash_follow_modes(f, c, false);
	m->label = 0;
	m->len = KEEL_DEV_REPLY_LEN;
	m->mr[0] = ok ? KEEL_DEV_OK : KEEL_DEV_ABORT;
	m->mr[1] = val;
	m->mr[2] = 0; /* no interrupt line */
	return true;
}

/* keelctl stats: the guest accesses this instance answered (root keeps
 * the totals across restarts, keel/ctl.h). */
static struct keel_ctl_dev_counters counters;

int main(int argc, char **argv)
{
	static struct flash f;
	static struct keel_dev_router router = { .request = flash_request, .ctx = &f, .ntfn = 0,
						 .told = KEEL_DEV_LINES_UNKNOWN, .accesses = &counters.mmio,
						 .calls = &counters.calls };
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	f.self = argv[0];
	_Static_assert(sizeof(struct flash_page) <= 4096, "state page layout");
	f.page = (struct flash_page *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	if (f.page->copy[f.page->current & 1].magic == FLASH_STATE_MAGIC)
		kprintf("[%s] resuming the flash's modes\n", argv[0]);
	f.frames[0] = count_frames(0, KEEL_FLASH_BANK0_MAX);
	f.frames[1] = count_frames(1, KEEL_FLASH_BANK_FRAMES);
	f.mem = (struct flash_mem){
		.data = { (uint8_t *)(uintptr_t)KEEL_FLASH_BANK0_VADDR,
			  (uint8_t *)(uintptr_t)KEEL_FLASH_BANK1_VADDR },
		.size = { f.frames[0] * KEEL_FLASH_FRAME_SIZE, f.frames[1] * KEEL_FLASH_FRAME_SIZE },
		.writable = { false, true },
	};
	if (argc > 2 && strcmp(argv[2], "vars") == 0)
		flash_vars_start(&f); /* before bank 1 is mapped into the guest */
	flash_follow_modes(&f, flash_page_resume(f.page), true);
	flash_log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&flash_log, "trace log");
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&counters, "counters");
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed (%ld)\n", argv[0], err);
	return 1;
}
