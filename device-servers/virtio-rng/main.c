/*
 * The virtio-rng device server: one per virtio-rng device of a VM, on the
 * shared virtio-mmio transport (device-servers/virtio/). The request core
 * is rng.c (rng.h); the random bytes come from the CPU's random number
 * instruction (rndr.h), which root checked the CPU has (boot/vm.c).
 *
 * Crash safety: the transport's state is the whole state page; a
 * restarted server resumes it (finishing the journalled step) and answers
 * every request still in flight again (docs/devices.md).
 *
 *   argv: its name, the VM's name, guest RAM base and size (hex)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <keel/abi.h>
#include <keel/arch_counter.h>
#include <keel/print.h>
#include <keel/server.h>
#include <keel/ctl.h>
#include <keel/trace.h>
#include <keel/vmm.h>

#include "rndr.h"
#include "rng.h"

static struct virtio_mmio_state *st;
static struct virtio_dev dev;
static struct vrng rng = { .dev = &dev, .rand = vrng_rndr };
static const char *self;

static bool vrng_config_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	(void)ctx, (void)off, (void)width;
	*val = 0; /* virtio-rng has no config space */
	return true;
}

static bool vrng_config_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx, (void)off, (void)width, (void)val;
	return true;
}

/* keelctl stats: the guest accesses and IPC calls this instance answered
 * (root keeps the totals across restarts, keel/ctl.h). */
static struct keel_ctl_dev_counters counters;
/* For a trace (keel/trace.h): the requests one notify found, as one. */
static struct keel_dev_log vrng_log;
static uint32_t vrng_logged;

static void vrng_notify(void *ctx, unsigned q)
{
	uint64_t t0 = keel_arch_counter(), bytes = rng.bytes, n;
	(void)ctx;
	if (q != 0)
		return;
	n = vrng_logged++;
	keel_dev_log_add(&vrng_log, t0, KEEL_TRACE_DEV_REQ, n << 32 | KEEL_TRACE_REQ_ENTROPY, 0);
	vrng_serve(&rng);
	keel_dev_log_add(&vrng_log, keel_arch_counter(), KEEL_TRACE_DEV_DONE, n << 32,
			 rng.bytes - bytes);
}

static const struct virtio_dev_ops vrng_ops = {
	.config_read = vrng_config_read, .config_write = vrng_config_write,
	.notify = vrng_notify,
};

static bool vrng_request(void *ctx, struct keel_msg *m)
{
	uint64_t val, failed = rng.failed;
	bool ok = virtio_dev_call(&dev, m, &val);
	(void)ctx;
	if (rng.failed != failed && rng.failed < 10)
		kprintf("[%s] RNDR gave no number %u times in a row: request answered empty\n",
			self, VRNG_TRIES);
	virtio_dev_reply(&dev, m, ok, val);
	return true;
}

/* A (re)start: resume the transport, answer what is in flight, and let
 * the VMM read the line if that raised it. */
static void vrng_init(void *ctx)
{
	bool resumed = st->magic == VIRTIO_STATE_MAGIC;
	(void)ctx;
	virtio_mmio_resume(&dev, &vrng_id);
	if (resumed)
		kprintf("[%s] resuming: %u requests answered\n", self, vrng_resume(&rng));
	else
		vrng_resume(&rng);
	if (virtio_mmio_irq_level(st))
		keel_signal(KEEL_SRV_NTFN); /* maybe lost with the last instance: an edge */
}

int main(int argc, char **argv)
{
	static struct keel_dev_router router = { .request = vrng_request, .ctx = NULL, .ntfn = KEEL_SRV_NTFN,
						 .told = KEEL_DEV_LINES_UNKNOWN, .edges = true, /* a notification */
						 .accesses = &counters.mmio,
						 .calls = &counters.calls };
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = &router, .init = vrng_init,
				    .protected = keel_dev_route_request,
				    .fault = keel_dev_route_exit };
	long err;
	if (argc < 4)
		return 1;
	self = argv[0];
	st = (struct virtio_mmio_state *)(uintptr_t)KEEL_DEV_STATE_VADDR;
	_Static_assert(sizeof(*st) <= 4096, "one state page");
	dev = (struct virtio_dev){ .s = st, .ops = &vrng_ops,
		.mem = { .base = (uint8_t *)(uintptr_t)KEEL_DEV_RAM_VADDR,
			 .gpa = strtoull(argv[2], NULL, 16), .size = strtoull(argv[3], NULL, 16) } };
	keel_report(KEEL_CTL_REPORT_DEV_COUNTERS, (uint64_t)(uintptr_t)&counters, "counters");
	vrng_log.magic = KEEL_DEV_LOG_MAGIC;
	keel_report(KEEL_REPORT_TRACE_LOG, (uint64_t)(uintptr_t)&vrng_log, "trace log");
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", self, err);
	return 1;
}
