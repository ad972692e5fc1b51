/*
 * keelctl trace's conversion (tools/trace/trace_json.c) on the host: ts in
 * µs from the counter, lanes named for CPUs, servers and vCPUs, a device
 * request as one "X" event from its start to its completion, every other
 * kind an "i" event on its CPU's lane and its thread's, and malformed
 * input refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_json.h"

/* timer 1 MHz (a tick is a µs); vm1 has VMID 5, vm1-vblk VMID 9 badge 3 */
static const char *header_text =
	"{\"timer_hz\":1000000,\"t_start\":1000,\"t_stop\":3000,\"ncpus\":2,\"lost\":0,"
	"\"names\":[{\"vmid\":9,\"badge\":3,\"vm\":false,\"name\":\"vm1-vblk\"},"
	"{\"vmid\":5,\"badge\":0,\"vm\":true,\"name\":\"vm1\"}]}";

static cJSON *convert(const char *events, const char **why)
{
	cJSON *h = cJSON_Parse(header_text), *e = cJSON_Parse(events), *out;
	*why = NULL;
	out = trace_to_chrome(h, e, why);
	cJSON_Delete(h);
	cJSON_Delete(e);
	return out;
}

/* The first event of phase ph named name (NULL: any name) on pid/tid. */
static const cJSON *find(const cJSON *out, const char *ph, const char *name, int pid, int tid)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(out, "traceEvents")) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "ph");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!strcmp(p->valuestring, ph) && (!name || !strcmp(n->valuestring, name)) &&
		    cJSON_GetObjectItemCaseSensitive(e, "pid")->valueint == pid &&
		    cJSON_GetObjectItemCaseSensitive(e, "tid")->valueint == tid)
			return e;
	}
	return NULL;
}

static double get(const cJSON *e, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(e, key)->valuedouble;
}

static const char *arg_name(const cJSON *m)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "args"),
						"name")->valuestring;
}

START_TEST(exit_on_cpu_and_vcpu)
{
	const char *why;
	/* vCPU 1 of vm1 (badge 2) exits for MMIO (0x1010) at tick 1500 on CPU 1 */
	cJSON *out = convert("[[1500,1,1,5,2,4112,150994944]]", &why);
	const cJSON *e;
	ck_assert_ptr_nonnull(out);
	e = find(out, "i", "exit mmio", 1, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_double_eq(get(e, "ts"), 500);
	ck_assert_ptr_nonnull(find(out, "i", "exit mmio", 8, 2)); /* pid 3 + VMID 5 */
	ck_assert_str_eq(arg_name(find(out, "M", "thread_name", 8, 2)), "vm1 vcpu1");
	ck_assert_str_eq(arg_name(find(out, "M", "process_name", 8, 0)), "vm1");
	ck_assert_str_eq(arg_name(find(out, "M", "thread_name", 1, 0)), "CPU 0");
	ck_assert_str_eq(arg_name(find(out, "M", "thread_name", 1, 1)), "CPU 1");
	cJSON_Delete(out);
}
END_TEST

START_TEST(device_request_is_a_span)
{
	const char *why;
	/* vm1-vblk: request 7 (7 << 32 in arg0, keel/trace.h), a read (type 0)
	 * of sector 64 at 1100, done at 1350 with 4096 bytes (status 0);
	 * request 8, a write (type 1), open at the same time, done first;
	 * then a restart at 2000 */
	cJSON *out = convert("[[1100,16,0,9,3,30064771072,64],[1120,16,0,9,3,34359738369,72],"
			     "[1200,17,0,9,3,34359738368,512],[1350,17,0,9,3,30064771072,4096],"
			     "[2000,18,0,9,3,1,0]]", &why);
	const cJSON *x, *r;
	ck_assert_ptr_nonnull(out);
	x = find(out, "X", "read", 2, 9 << 16 | 3);
	ck_assert_ptr_nonnull(x);
	ck_assert_double_eq(get(x, "ts"), 100);
	ck_assert_double_eq(get(x, "dur"), 250);
	ck_assert_double_eq(get(cJSON_GetObjectItemCaseSensitive(x, "args"), "sector"), 64);
	x = find(out, "X", "write", 2, 9 << 16 | 3);
	ck_assert_ptr_nonnull(x);
	ck_assert_double_eq(get(x, "ts"), 120);
	ck_assert_double_eq(get(x, "dur"), 80);
	ck_assert_double_eq(get(cJSON_GetObjectItemCaseSensitive(x, "args"), "bytes"), 512);
	x = find(out, "X", "read", 2, 9 << 16 | 3);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(x, "cat")->valuestring, "device request");
	ck_assert_str_eq(arg_name(find(out, "M", "thread_name", 2, 9 << 16 | 3)), "vm1-vblk");
	r = find(out, "i", "restart", 2, 9 << 16 | 3);
	ck_assert_ptr_nonnull(r);
	ck_assert_double_eq(get(r, "ts"), 1000);
	ck_assert_ptr_nonnull(find(out, "i", "restart", 1, 0));
	cJSON_Delete(out);
}
END_TEST

/* The other servers' requests (keel/trace.h, keel_trace_req_type) by
 * their names: a frame sent (0x100) and received (0x101), console output
 * (0x102, at stream position 80), input (0x103), entropy (0x104). */
START_TEST(other_requests_named)
{
	static const char *const names[] = { "send", "receive", "output", "input", "entropy" };
	const char *why;
	cJSON *out = convert("[[1100,16,0,9,3,4294967552,0],[1110,17,0,9,3,4294967296,98],"
			     "[1200,16,0,9,3,8589934849,0],[1210,17,0,9,3,8589934592,98],"
			     "[1300,16,0,9,3,12884902146,80],[1310,17,0,9,3,12884901888,6],"
			     "[1400,16,0,9,3,17179869443,0],[1410,17,0,9,3,17179869184,1],"
			     "[1500,16,0,9,3,21474836740,0],[1510,17,0,9,3,21474836480,64]]", &why);
	const cJSON *x, *a;
	ck_assert_ptr_nonnull(out);
	for (unsigned i = 0; i < 5; i++) {
		x = find(out, "X", names[i], 2, 9 << 16 | 3);
		ck_assert_msg(x != NULL, "a \"%s\" span", names[i]);
		ck_assert_double_eq(get(x, "ts"), 100 * (i + 1));
		ck_assert_double_eq(get(x, "dur"), 10);
		a = cJSON_GetObjectItemCaseSensitive(x, "args");
		ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a, "sector"));
	}
	a = cJSON_GetObjectItemCaseSensitive(find(out, "X", "output", 2, 9 << 16 | 3), "args");
	ck_assert_double_eq(get(a, "position"), 80);
	ck_assert_double_eq(get(a, "bytes"), 6);
	ck_assert_ptr_null(find(out, "X", "request", 2, 9 << 16 | 3));
	cJSON_Delete(out);
}
END_TEST

/* The flash server's accesses: a read (0x105) at flash offset 0x4000000
 * and a write (0x106) at 0x4000010, their offsets and bytes kept; a
 * failed one (status 1) still closes its span. */
START_TEST(flash_requests_named)
{
	const char *why;
	cJSON *out = convert("[[1100,16,0,9,3,25769804037,67108864],[1110,17,0,9,3,25769803776,4],"
			     "[1200,16,0,9,3,30064771334,67108880],[1220,17,0,9,3,30064771073,0]]",
			     &why);
	const cJSON *a;
	ck_assert_ptr_nonnull(out);
	a = cJSON_GetObjectItemCaseSensitive(find(out, "X", "flash read", 2, 9 << 16 | 3), "args");
	ck_assert_ptr_nonnull(a);
	ck_assert_double_eq(get(a, "offset"), 0x4000000);
	ck_assert_double_eq(get(a, "bytes"), 4);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a, "sector"));
	a = cJSON_GetObjectItemCaseSensitive(find(out, "X", "flash write", 2, 9 << 16 | 3), "args");
	ck_assert_ptr_nonnull(a);
	ck_assert_double_eq(get(a, "offset"), 0x4000010);
	ck_assert_double_eq(get(find(out, "X", "flash write", 2, 9 << 16 | 3), "dur"), 20);
	cJSON_Delete(out);
}
END_TEST

/* An exit timed before t_start (1000) is before the trace: left out, and
 * its lane not named for it; the one after is kept. */
START_TEST(before_the_start_left_out)
{
	const char *why;
	cJSON *out = convert("[[990,1,1,5,2,4112,0],[1010,1,0,5,1,4112,0]]", &why);
	const cJSON *e;
	int n = 0;
	ck_assert_ptr_nonnull(out);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(out, "traceEvents"))
		ck_assert(!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "ts")) ||
			  cJSON_GetObjectItemCaseSensitive(e, "ts")->valuedouble >= 0);
	ck_assert_ptr_null(find(out, "i", "exit mmio", 8, 2));
	ck_assert_ptr_null(find(out, "M", "thread_name", 8, 2));
	ck_assert_ptr_nonnull(find(out, "i", "exit mmio", 8, 1));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(out, "traceEvents"))
		n += !strcmp(cJSON_GetObjectItemCaseSensitive(e, "ph")->valuestring, "i");
	ck_assert_int_eq(n, 2); /* the kept exit, on its CPU's lane and its vCPU's */
	cJSON_Delete(out);
}
END_TEST

START_TEST(ipc_irq_fault_and_unknown_thread)
{
	const char *why;
	cJSON *out = convert("[[1010,2,0,9,3,0,4],[1020,3,1,5,1,27,0],[1030,4,0,12,6,4096,0]]", &why);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(find(out, "i", "ipc", 2, 9 << 16 | 3));
	ck_assert_ptr_nonnull(find(out, "i", "irq", 8, 1));
	ck_assert_ptr_nonnull(find(out, "i", "fault", 2, 12 << 16 | 6));
	ck_assert_str_eq(arg_name(find(out, "M", "thread_name", 2, 12 << 16 | 6)),
			 "vmid 12 badge 6");
	cJSON_Delete(out);
}
END_TEST

START_TEST(malformed_refused)
{
	const char *why;
	cJSON *h = cJSON_Parse("{\"t_start\":0,\"ncpus\":1,\"names\":[]}"), *e = cJSON_Parse("[]");
	ck_assert_ptr_null(trace_to_chrome(h, e, &why));
	ck_assert_str_eq(why, "the trace header lacks timer_hz, t_start, ncpus or names");
	cJSON_Delete(h);
	cJSON_Delete(e);
	ck_assert_ptr_null(convert("[[1,2,3]]", &why));
	ck_assert_str_eq(why, "an event is not an array of 7 numbers");
	ck_assert_ptr_null(convert("[[1,2,3,4,5,6,\"x\"]]", &why));
	ck_assert_str_eq(why, "an event is not an array of 7 numbers");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("json");
	SRunner *sr;
	int failed;
	tcase_add_test(tc, exit_on_cpu_and_vcpu);
	tcase_add_test(tc, device_request_is_a_span);
	tcase_add_test(tc, other_requests_named);
	tcase_add_test(tc, flash_requests_named);
	tcase_add_test(tc, before_the_start_left_out);
	tcase_add_test(tc, ipc_irq_fault_and_unknown_thread);
	tcase_add_test(tc, malformed_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
