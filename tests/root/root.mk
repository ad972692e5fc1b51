# The test root (tests/root/): the root server core (boot/) with the test
# scenarios linked in place of boot/hook_none.c. It is the first module of
# build/aarch64/keel-test.bin, the image tests/system/run.sh boots; the
# shipped keel.bin never holds it.
TEST_ROOT_PROGS += root-test
root-test_SRCS := $(ROOT_CORE_SRCS) $(wildcard tests/root/*.c) $(wildcard tests/root/arch/$(ARCH)/*.c)
$(B)/user/obj/tests/root/%.c.o: UCFLAGS += -Iboot
# The config loader and cJSON, as the shipped root links them (config/config.mk).
root-test_LIBS := $(root_LIBS)
$(B)/user/root-test.elf: $(CFG_TARGET_A) $(CJSON_A)
