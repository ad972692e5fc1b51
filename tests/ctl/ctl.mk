# The control protocol (device-servers/ctl/req.c) on the host, with the
# config loader's locator and Debian's cJSON (tests/ctl/test_req.c); and
# keelctl against Keel in QEMU (tests/system/ctl.sh). docs/management.md.
.PHONY: ctl-unit ctl-system
CTL_UNIT := $(BUILD)/host/ctl/test_req
$(CTL_UNIT): tests/ctl/test_req.c device-servers/ctl/req.c device-servers/ctl/trace.c \
		device-servers/ctl/ctl_req.h libipc/include/keel/ctl.h libipc/include/keel/trace.h $(CFG_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(CFG_CFLAGS) -Idevice-servers/ctl -Iconfig -Ilibipc/include -Ilibipc/arch/fake \
		tests/ctl/test_req.c device-servers/ctl/req.c device-servers/ctl/trace.c $(CFG_OBJS) $(CFG_CHECK_PKG) -lcjson -o $@
ctl-unit: $(CTL_UNIT)
	$(CTL_UNIT)
# keelctl by its path: this file is included before the Makefile sets KEELCTL.
# ARCH=riscv64 boots config/default-riscv64.json (ctl.sh says what differs).
ctl-system: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		$(BUILD)/host/keelctl $(BUILD)/host/trace-svg linux-assets $(LINUX_ROOTFS)
	ARCH=$(ARCH) CHECK_CONFIG=$(BUILD)/host/config/check-config \
		MKBLOBS=$(BUILD)/host/config/mkblobs bash tests/system/ctl.sh $(B)/keel.bin $(KEELCTL)
TEST_TARGETS += ctl-unit ctl-system
