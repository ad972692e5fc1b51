/*
 * The control protocol on the host (device-servers/ctl/req.c): every
 * malformed or unknown request is refused with where it went wrong and
 * asks nothing of root; good ones ask root exactly what they say.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/blk.h>

#include "ctl_req.h"

static struct keel_ctl_status st;
static unsigned acts, act_kind, act_answer;
static uint64_t act_value;
static char out[65536];

static const struct keel_ctl_status *fake_snapshot(void)
{
	return &st;
}

static unsigned fake_act(unsigned kind, uint64_t value)
{
	acts++;
	act_kind = kind;
	act_value = value;
	return act_answer;
}

static unsigned creates;
static char create_text[4096], create_file[64];

static unsigned fake_create(const char *text, size_t len, const char *file)
{
	creates++;
	snprintf(create_text, sizeof(create_text), "%.*s", (int)len, text);
	snprintf(create_file, sizeof(create_file), "%s", file);
	if (act_answer == KEEL_CTL_E_CONFIG) {
		st.err_line = 3;
		st.err_col = 7;
		strcpy(st.errors, "x.json:3:7: vms[0].mem_size_mib: must be a number\n"
				  "x.json:4:2: vms[0]: another\n");
	}
	return act_answer;
}

static struct keel_ctl_trace tr;

static const struct keel_ctl_trace *fake_trace(void)
{
	return &tr;
}

static const struct ctl_ops ops = { fake_snapshot, fake_act, fake_create, fake_trace };

static void srv(struct keel_ctl_vm *vm, const char *name, unsigned kind, unsigned dev)
{
	struct keel_ctl_server *s = &vm->srv[vm->nservers++];
	strcpy(s->name, name);
	s->kind = (uint8_t)kind;
	s->dev = (uint8_t)dev;
}

/* vm1: vmm, pl011 (0), vblk (1) and its driver; vm2 off. */
static void setup(void)
{
	memset(&st, 0, sizeof(st));
	st.magic = KEEL_CTL_STATUS_MAGIC;
	st.now_ms = 10000;
	st.nvms = 2;
	strcpy(st.vm[0].name, "vm1");
	st.vm[0].vcpus = 2;
	st.vm[0].ram_bytes = 256u << 20;
	st.vm[0].started_ms = 4000;
	srv(&st.vm[0], "vm1-vmm", KEEL_CTL_SRV_VMM, 0xff);
	srv(&st.vm[0], "vm1-pl011", KEEL_CTL_SRV_PL011, 0);
	st.vm[0].srv[1].restarts = 2;
	st.vm[0].srv[1].faults = 2;
	st.vm[0].srv[1].fault_cause = KEEL_FAULT_VM;
	st.vm[0].srv[1].fault_ms = 9000;
	srv(&st.vm[0], "vm1-vblk", KEEL_CTL_SRV_VIRTIO_BLK, 1);
	srv(&st.vm[0], "vm1-blkdrv1", KEEL_CTL_SRV_BLKDRV, 1);
	strcpy(st.vm[1].name, "vm2");
	st.vm[1].state = KEEL_CTL_VM_OFF;
	st.nevents = 2;
	st.ev[0] = (struct keel_ctl_event){ .seq = 7, .ms = 100, .kind = KEEL_CTL_EV_STARTED,
					    .vm = "vm1" };
	st.ev[1] = (struct keel_ctl_event){ .seq = 8, .ms = 200, .kind = KEEL_CTL_EV_FAULTED,
					    .vm = "vm1", .server = "vm1-pl011" };
	acts = 0;
	creates = 0;
	act_answer = KEEL_CTL_OK;
}

static const char *ask(const char *req)
{
	size_t n = ctl_request(&ops, req, strlen(req), out, sizeof(out));
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_int_eq(out[n - 1], '\n');
	out[n - 1] = 0;
	return out;
}

/* A refusal: exactly this error at line 1, column col, and root not asked. */
static void refused(const char *req, const char *error, unsigned col)
{
	char want[512];
	snprintf(want, sizeof(want), "{\"error\":\"%s\",\"line\":1,\"column\":%u}", error, col);
	ck_assert_str_eq(ask(req), want);
	ck_assert_uint_eq(acts, 0);
}

START_TEST(not_json_located)
{
	refused("{\"cmd\":\"stop\",\"vm\":\"vm2\",}", "not JSON", 26);
	refused("{\"cmd\":\"list\"", "not JSON", 13); /* cJSON: its last byte */
	refused("stop vm2", "not JSON", 1);
	refused("{\"cmd\":\"list\"} x", "text after the request", 16);
	refused("[\"list\"]", "a request is a JSON object", 1);
}
END_TEST

START_TEST(unknown_located)
{
	refused("{\"cmd\": \"explode\"}",
		"unknown command (known: list, events, stats, start, stop, reset, pause, resume, "
		"restart, crash)", 2);
	refused("{\"cmd\":\"stop\",\"vmm\":\"vm2\"}",
		"unknown key (known: cmd, vm, device, at, since, id, file, text)", 15);
	refused("{\"cmd\":5}", "must be a string", 2);
	refused("{\"vm\":\"vm1\"}", "no \\\"cmd\\\"", 1);
	refused("{\"cmd\":\"stop\",\"vm\":\"vm9\"}", "no VM of that name", 15);
	refused("{\"cmd\":\"stop\"}", "this command needs \\\"vm\\\"", 1);
	refused("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"nic\"}",
		"the VM has no server of that name", 27);
	refused("{\"cmd\":\"list\",\"device\":\"pl011\"}", "this command takes no such key", 15);
}
END_TEST

START_TEST(actions_ask_root)
{
	ck_assert_str_eq(ask("{\"cmd\":\"stop\",\"vm\":\"vm2\",\"id\":42}"),
			 "{\"ok\":true,\"cmd\":\"stop\",\"vm\":\"vm2\",\"id\":42}");
	ck_assert_uint_eq(acts, 1);
	ck_assert_uint_eq(act_kind, KEEL_CTL_STOP);
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(1, 0));
	ask("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"pl011\"}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_CRASH);
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(0, 0));
	ask("{\"cmd\":\"restart\",\"vm\":\"vm1\",\"device\":\"blkdrv1\"}");
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(0, 0x81));
	ask("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vm1-vmm\"}");
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(0, 0xff));
	ask("{\"cmd\":\"crash\",\"vm\":\"vm2\",\"device\":\"console\"}"); /* shared */
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(1, KEEL_CTL_DEV_CONSOLE));
	act_answer = KEEL_CTL_E_STATE;
	ck_assert_str_eq(ask("{\"id\":\"a\",\"cmd\":\"pause\",\"vm\":\"vm2\"}"),
			 "{\"error\":\"not possible in the VM's or server's state\",\"line\":1,"
			 "\"column\":11,\"id\":\"a\"}");
	ck_assert_uint_eq(acts, 6);
}
END_TEST

/* crash --at: a point by its name, in the server that has it; each wrong
 * one refused where it is, naming what there is. */
START_TEST(crash_at_point)
{
	ck_assert_str_eq(ask("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vblk\",\"at\":\"used\"}"),
			 "{\"ok\":true,\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vblk\",\"at\":\"used\"}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_CRASH);
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(0, 1) | KEEL_CTL_VALUE_POINT(KEEL_VBLK_CP_USED));
	ask("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vm1-blkdrv1\",\"at\":\"taken\"}");
	ck_assert_uint_eq(act_value,
			  KEEL_CTL_VALUE(0, 0x81) | KEEL_CTL_VALUE_POINT(KEEL_BLKDRV_CP_TAKEN));
	ck_assert_uint_eq(acts, 2);
	acts = 0;
	refused("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vblk\",\"at\":\"later\"}",
		"no such crash point (known: notified, taken, handed, told, status, used)", 43);
	refused("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"blkdrv1\",\"at\":\"used\"}",
		"no such crash point (known: taken, notified, finished, done)", 46);
	refused("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"pl011\",\"at\":\"used\"}",
		"this server has no named crash points", 44);
	refused("{\"cmd\":\"restart\",\"vm\":\"vm1\",\"device\":\"vblk\",\"at\":\"used\"}",
		"this command takes no such key", 45);
	refused("{\"cmd\":\"crash\",\"vm\":\"vm1\",\"device\":\"vblk\",\"at\":3}",
		"must be a string", 43);
}
END_TEST

START_TEST(list_and_events)
{
	const char *r;
	st.nnets = 1;
	st.net[0] = (struct keel_ctl_net){ .name = "lan", .ports = 2, .counted = 1, .in = 9,
					   .forwarded = 7, .flooded = 2 };
	strcpy(st.net[0].srv.name, "lan-switch");
	st.net[0].srv.kind = KEEL_CTL_SRV_SWITCH;
	st.net[0].srv.dev = 0xff;
	r = ask("{\"cmd\":\"list\"}");
	ck_assert_ptr_nonnull(strstr(r, "\"networks\":[{\"name\":\"lan\",\"ports\":2,\"servers\":"
				       "[{\"name\":\"lan-switch\",\"device\":\"lan-switch\",\"kind\":"
				       "\"switch\",\"state\":\"running\",\"restarts\":0,\"faults\":0,"
				       "\"last_fault\":null}],\"frames\":{\"in\":9,\"forwarded\":7,"
				       "\"flooded\":2,\"bad\":0,\"spoofed\":0,\"full\":0}}]"));
	ck_assert_ptr_nonnull(strstr(r, "{\"name\":\"vm1\",\"state\":\"running\",\"vcpus\":2,"
				       "\"memory_mib\":256,\"uptime_ms\":6000,\"servers\":["));
	ck_assert_ptr_nonnull(strstr(r, "{\"name\":\"vm1-pl011\",\"device\":\"pl011\",\"kind\":"
				       "\"pl011\",\"state\":\"running\",\"restarts\":2,\"faults\":2,"
				       "\"last_fault\":{\"reason\":\"memory fault\",\"address\":"
				       "\"0x0\",\"ms\":9000,\"ago_ms\":1000}}"));
	ck_assert_ptr_nonnull(strstr(r, "{\"name\":\"vm2\",\"state\":\"off\",\"vcpus\":0,"
				       "\"memory_mib\":0,\"uptime_ms\":0,\"servers\":[],"
				       "\"console\":2}"));
	r = ask("{\"cmd\":\"events\",\"since\":7}");
	ck_assert_ptr_null(strstr(r, "\"seq\":7"));
	ck_assert_ptr_nonnull(strstr(r, "{\"seq\":8,\"ms\":200,\"event\":\"server-faulted\","
				       "\"vm\":\"vm1\",\"server\":\"vm1-pl011\"}"));
	ck_assert_uint_eq(acts, 0);
}
END_TEST

/* stats: the VMM's counters by reason, interrupts, and per device server
 * its MMIO accesses and (blk, net) requests and bytes; not the driver's. */
START_TEST(stats_by_reason_and_device)
{
	const char *r;
	st.vm[0].counted = 1;
	st.vm[0].c = (struct keel_ctl_vmm_counters){ .exits = 60, .reason = { 40, 12, 0, 8 },
						     .irqs = 9, .mmio = { 5, 35 }, .calls = 4 };
	st.vm[0].dev[0].calls = 7; /* the PL011's: 5 the VMM's, 2 its own to the console */
	st.vm[0].dev[1] = (struct keel_ctl_dev_counters){ 3, 4096, 512, 100, 140 }; /* 100 routed */
	r = ask("{\"cmd\":\"stats\",\"vm\":\"vm1\"}");
	/* IPC calls: the VMM's 60 exits and its own 4 calls, then what each
	 * device server counted */
	ck_assert_ptr_nonnull(strstr(r, "\"exits_by_reason\":{\"mmio\":40,\"hvc\":12,\"smc\":0,"
				       "\"wfi\":8,\"sysreg\":0,\"unknown\":0,\"maint\":0},"
				       "\"irqs_injected\":9,\"ipc_calls\":211,\"vmm_calls\":4"));
	ck_assert_ptr_nonnull(strstr(r, "\"devices\":[{\"device\":\"pl011\",\"kind\":\"pl011\","
				       "\"mmio\":5,\"ipc_calls\":7},{\"device\":\"vblk\","
				       "\"kind\":\"virtio-blk\",\"mmio\":135,\"ipc_calls\":140,"
				       "\"requests\":3,\"bytes_in\":4096,\"bytes_out\":512}]"));
	ck_assert_ptr_null(strstr(r, "blkdrv"));
	ck_assert_ptr_null(strstr(r, "not_counted"));
	ck_assert_uint_eq(acts, 0);
}
END_TEST

START_TEST(create_checked_and_located)
{
	/* the config is a string in the request: its own lines and columns */
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"x.json\",\"text\":"
			     "\"{\\n \\\"vms\\\": [ { \\\"name\\\": \\\"vm1\\\" } ]\\n}\"}"),
			 "{\"error\":\"the config is refused\",\"file\":\"x.json\",\"line\":2,"
			 "\"column\":13,\"errors\":[\"x.json:2:13: vms[0].name: a VM of that name "
			 "exists\"]}");
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"y.json\",\"text\":"
			     "\"{\\\"vms\\\":[{\\\"name\\\":\\\"vm3\\\",\\\"devices\\\":["
			     "{\\\"type\\\":\\\"pl011\\\"},{\\\"type\\\":\\\"virtio-blk\\\"}]}]}\"}"),
			 "{\"error\":\"the config is refused\",\"file\":\"y.json\",\"line\":1,"
			 "\"column\":52,\"errors\":[\"y.json:1:52: vms[0].devices[1].type: a VM made "
			 "at run time has no virtio-blk disk (the machine's disks are fixed when QEMU "
			 "starts)\"]}");
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"z.json\",\"text\":"
			     "\"{\\\"vms\\\":[{\\\"name\\\":\\\"fw\\\",\\\"firmware_vars_path\\\":\\\"v\\\"}]}\"}"),
			 "{\"error\":\"the config is refused\",\"file\":\"z.json\",\"line\":1,"
			 "\"column\":22,\"errors\":[\"z.json:1:22: vms[0].firmware_vars_path: a VM "
			 "made at run time has no vars file (the machine's disks are fixed when QEMU "
			 "starts)\"]}");
	refused("{\"cmd\":\"create\",\"file\":\"a b\",\"text\":\"{}\"}",
		"must be a file name: 1 to 63 bytes, no spaces", 17);
	refused("{\"cmd\":\"create\",\"file\":\"x.json\"}",
		"create needs \\\"file\\\" and \\\"text\\\"", 1);
	ck_assert_uint_eq(creates, 0);
	/* the loader's refusal, from root, comes back whole */
	act_answer = KEEL_CTL_E_CONFIG;
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"x.json\",\"text\":\"{\\\"vms\\\":1}\"}"),
			 "{\"error\":\"the config is refused\",\"file\":\"x.json\",\"line\":3,"
			 "\"column\":7,\"errors\":[\"x.json:3:7: vms[0].mem_size_mib: must be a "
			 "number\",\"x.json:4:2: vms[0]: another\"]}");
	ck_assert_uint_eq(creates, 1);
	ck_assert_str_eq(create_text, "{\"vms\":1}");
	ck_assert_str_eq(create_file, "x.json");
	act_answer = KEEL_CTL_OK;
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"z.json\",\"text\":"
			     "\"{\\\"vms\\\":[{\\\"name\\\":\\\"vm3\\\"}]}\"}"),
			 "{\"ok\":true,\"cmd\":\"create\",\"vm\":\"vm3\"}");
	ck_assert_uint_eq(creates, 2);
	/* a name as long as a config's (31 bytes) is root's loader's to judge */
	ck_assert_str_eq(ask("{\"cmd\":\"create\",\"file\":\"l.json\",\"text\":"
			     "\"{\\\"vms\\\":[{\\\"name\\\":\\\"a-vm-name-of-31-bytes-to-create\\\"}]}\"}"),
			 "{\"ok\":true,\"cmd\":\"create\",\"vm\":\"a-vm-name-of-31-bytes-to-create\"}");
	ck_assert_uint_eq(creates, 3);
	ask("{\"cmd\":\"remove\",\"vm\":\"vm2\"}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_REMOVE);
	ck_assert_uint_eq(act_value, KEEL_CTL_VALUE(1, 0));
	st.vm[1].state = KEEL_CTL_VM_REMOVED; /* a removed VM is not there */
	acts = 0;
	refused("{\"cmd\":\"start\",\"vm\":\"vm2\"}", "no VM of that name", 16);
	ck_assert_ptr_null(strstr(ask("{\"cmd\":\"list\"}"), "vm2"));
}
END_TEST

/* keelctl trace: its keys checked and located, start/stop/read asked of
 * root as such, and a chunk sent as root filled it. */
START_TEST(trace_asks_root)
{
	refused("{\"cmd\":\"trace\"}", "trace needs \\\"action\\\": \\\"start\\\", "
		"\\\"stop\\\" or \\\"read\\\"", 1);
	refused("{\"cmd\":\"trace\",\"action\":\"go\"}",
		"trace needs \\\"action\\\": \\\"start\\\", \\\"stop\\\" or \\\"read\\\"", 16);
	refused("{\"cmd\":\"trace\",\"action\":\"start\",\"vm\":\"vm1\"}",
		"unknown key (known for trace: cmd, action, from, id)", 33);
	refused("{\"cmd\":\"trace\",\"action\":\"stop\",\"from\":3}",
		"this command takes no such key", 32);
	refused("{\"cmd\":\"trace\",\"action\":\"read\",\"from\":-1}",
		"must be a number, 0 or more", 32);
	ck_assert_str_eq(ask("{\"cmd\":\"trace\",\"action\":\"start\",\"id\":4}"),
			 "{\"ok\":true,\"cmd\":\"trace\",\"action\":\"start\",\"id\":4}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_TRACE_START);
	act_answer = KEEL_CTL_E_STATE;
	ck_assert_str_eq(ask("{\"cmd\":\"trace\",\"action\":\"start\"}"),
			 "{\"error\":\"the trace is on already\",\"line\":1,\"column\":16}");
	act_answer = KEEL_CTL_OK;
	ask("{\"cmd\":\"trace\",\"action\":\"stop\"}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_TRACE_STOP);
	tr = (struct keel_ctl_trace){ .magic = KEEL_CTL_TRACE_MAGIC, .timer_hz = 62500000,
		.t_start = 100, .t_stop = 900, .ncpus = 2, .total = 3, .first = 2, .count = 1 };
	tr.ev[0] = (struct keel_trace_event){ .time = 500, .kind = KEEL_TRACE_EXIT, .cpu = 1,
		.vmid = 7, .badge = 2, .arg = { KEEL_EXIT_MMIO, 0x9000000 } };
	ck_assert_str_eq(ask("{\"cmd\":\"trace\",\"action\":\"read\",\"from\":2}"),
			 "{\"ok\":true,\"cmd\":\"trace\",\"action\":\"read\",\"timer_hz\":62500000,"
			 "\"t_start\":100,\"t_stop\":900,\"ncpus\":2,\"total\":3,\"lost\":0,"
			 "\"first\":2,\"events\":[[500,1,1,7,2,4112,150994944]]}");
	ck_assert_uint_eq(act_kind, KEEL_CTL_TRACE_READ);
	ck_assert_uint_eq(act_value, 2);
	tr.first = 0;
	tr.nnames = 1;
	tr.name[0] = (struct keel_ctl_trace_name){ .vmid = 7, .is_vm = 1, .name = "vm1" };
	ck_assert_ptr_nonnull(strstr(ask("{\"cmd\":\"trace\",\"action\":\"read\"}"),
				     "\"names\":[{\"vmid\":7,\"badge\":0,\"vm\":true,\"name\":\"vm1\"}]"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("req");
	SRunner *sr;
	int failed;
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, not_json_located);
	tcase_add_test(tc, unknown_located);
	tcase_add_test(tc, actions_ask_root);
	tcase_add_test(tc, crash_at_point);
	tcase_add_test(tc, list_and_events);
	tcase_add_test(tc, stats_by_reason_and_device);
	tcase_add_test(tc, create_checked_and_located);
	tcase_add_test(tc, trace_asks_root);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
