# Test and benchmark servers (tests/servers/), started by the root server's
# scenarios (tests/root/scn_*.c). Each is one program; roles come from argv.
# counter.c's arch half is picked here (style practice 3).
SRV_COUNTER := tests/servers/counter.c $(wildcard tests/servers/arch/$(ARCH)/counter.c)

USER_PROGS += pingpong hello nullderef badcap spin stress libctest bench
pingpong_SRCS := tests/servers/pingpong.c
hello_SRCS := tests/servers/hello.c
nullderef_SRCS := tests/servers/nullderef.c $(SRV_COUNTER)
badcap_SRCS := tests/servers/badcap.c
spin_SRCS := tests/servers/spin.c
stress_SRCS := tests/servers/stress.c tests/servers/stress_seq.c $(SRV_COUNTER)
libctest_SRCS := tests/servers/libctest.c
bench_SRCS := tests/servers/bench.c $(SRV_COUNTER)
# The isolation probe: started by the test root in a VM's device slot.
USER_PROGS += probe
probe_SRCS := tests/servers/probe.c
# The block driver's client (tests/root/scn_blk.c).
USER_PROGS += blkclient
blkclient_SRCS := tests/servers/blkclient.c
