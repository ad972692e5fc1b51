/* A server's crash-point word (keel/crashpoint.h). */
#include <keel/crashpoint.h>
#include <keel/server.h>

volatile uint32_t keel_crash_at;

void keel_crash_points_report(void)
{
	keel_report(KEEL_REPORT_CRASH_POINT, (uint64_t)(uintptr_t)&keel_crash_at, "crash points");
}
