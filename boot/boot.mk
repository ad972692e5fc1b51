# The root server (boot/): the first user program, loaded by the kernel.
# Its arch part (exception names, ELF machine) is picked here, not by #ifdef.
# The shipped root links boot/hook_none.c (no test code); the test root
# (tests/root/) links the same core with the scenarios in its place.
USER_PROGS += root
ROOT_CORE_SRCS := $(filter-out boot/hook_none.c,$(wildcard boot/*.c)) \
	$(wildcard boot/arch/$(ARCH)/*.c)
root_SRCS := $(ROOT_CORE_SRCS) boot/hook_none.c
# boot/ctl.c: keelctl create runs the config loader (keel/config.h).
$(B)/user/obj/boot/ctl.c.o: UCFLAGS += -Iconfig/include
