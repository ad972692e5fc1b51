/*
 * perfcount: count this process's CPU cycles over a busy loop with the
 * guest's PMU, through Linux's perf events (the armv8_pmuv3 driver, which
 * probes the "arm,armv8-pmuv3" node Keel's VMM puts in the device tree),
 * and print "perfcount cycles <N>". Nothing sampled: Keel does not deliver
 * the PMU's overflow interrupt, so Linux counts but cannot sample.
 *
 * A normal static Linux program (musl), like icount.c. musl has no
 * <linux/perf_event.h>; the first version of the attribute block (64
 * bytes, PERF_ATTR_SIZE_VER0) is all this needs, and Linux takes it.
 */
#define _GNU_SOURCE /* syscall() */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PERF_TYPE_HARDWARE 0u
#define PERF_COUNT_HW_CPU_CYCLES 0u
#define PERF_ATTR_SIZE_VER0 64u
#define ATTR_DISABLED (1ull << 0)
#define ATTR_EXCLUDE_KERNEL (1ull << 5)
#define ATTR_EXCLUDE_HV (1ull << 6)
#define PERF_EVENT_IOC_ENABLE 0x2400u
#define PERF_EVENT_IOC_DISABLE 0x2401u
#define LOOPS 10000000u

struct perf_attr_v0 {
	uint32_t type, size;
	uint64_t config, sample_period, sample_type, read_format, flags;
	uint32_t wakeup_events, bp_type;
	uint64_t config1;
};
_Static_assert(sizeof(struct perf_attr_v0) == PERF_ATTR_SIZE_VER0, "PERF_ATTR_SIZE_VER0");

int main(void)
{
	struct perf_attr_v0 a;
	uint64_t count = 0;
	long fd;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.flags = ATTR_DISABLED | ATTR_EXCLUDE_KERNEL | ATTR_EXCLUDE_HV;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) {
		perror("perfcount: perf_event_open");
		return 1;
	}
	ioctl((int)fd, PERF_EVENT_IOC_ENABLE, 0);
	for (volatile uint32_t i = 0; i < LOOPS; i++)
		;
	ioctl((int)fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read((int)fd, &count, sizeof(count)) != (ssize_t)sizeof(count)) {
		perror("perfcount: read");
		return 1;
	}
	printf("perfcount cycles %" PRIu64 "\n", count);
	return count ? 0 : 1;
}
