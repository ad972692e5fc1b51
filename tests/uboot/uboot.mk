# Firmware guests (docs/firmware.md): Debian's U-Boot for QEMU arm64,
# booted from the CFI flash of a firmware_path VM and driven at its
# prompt (tests/system/uboot.sh).
#
#   make uboot-assets   build/uboot/u-boot.bin (tools/fetch-uboot.sh,
#                       from Debian's archive; fetched once)
#   make uboot-system   the test, then again while root crashes the flash
#                       server every 10 ms, then once without a vars file
#                       (also part of make test)
#
# Included by the top-level Makefile, which sets BUILD, B and SETUP_STAMP;
# LINUX_ROOTFS (tests/linux/linux.mk) is the disk U-Boot lists and
# Linux mounts; UBOOT_BOOTDISK holds the kernel and initramfs U-Boot boots.
UBOOT_BIN := $(BUILD)/uboot/u-boot.bin
.PHONY: uboot-assets uboot-system
uboot-assets: $(UBOOT_BIN)
$(UBOOT_BIN): tools/fetch-uboot.sh | $(SETUP_STAMP)
	bash tools/fetch-uboot.sh
# The boot disk U-Boot loads Debian's kernel and the initramfs from.
UBOOT_BOOTDISK := $(BUILD)/uboot/boot.ext4
$(UBOOT_BOOTDISK): $(LINUX_STAMP) tools/mkrootfs.sh
	rm -rf $(BUILD)/uboot/boot && mkdir -p $(BUILD)/uboot/boot
	cp $(LINUX_IMAGE) $(LINUX_INITRD) $(BUILD)/uboot/boot/
	bash tools/mkrootfs.sh $(BUILD)/uboot/boot $@ 48
# Its root disk is made afresh from the guest's tree for each run: the
# shared rootfs.ext4 is whatever the last Linux test left (a VM killed at
# the end of a test leaves its journal to replay, which a read-only disk
# cannot).
# make run CONFIG=config/examples/uboot.json builds a root disk once;
# uboot-system makes it afresh each time.
UBOOT_ROOTDISK := $(BUILD)/uboot/root.ext4
$(UBOOT_ROOTDISK): $(LINUX_ROOTFS) tools/mkrootfs.sh
	bash tools/mkrootfs.sh $(LINUX_B)/root $@
# Everything config/examples/uboot.json names.
UBOOT_EXAMPLE_ASSETS := $(UBOOT_BIN) $(UBOOT_BOOTDISK) $(UBOOT_ROOTDISK)
uboot-system: $(B)/keel.bin $(B)/keel-test.bin $(BUILD)/host/config/check-config \
		$(BUILD)/host/config/mkblobs $(UBOOT_BIN) $(LINUX_ROOTFS) $(UBOOT_BOOTDISK)
	bash tools/mkrootfs.sh $(LINUX_B)/root $(UBOOT_ROOTDISK)
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/uboot.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		UBOOT_CRASH=1 bash tests/system/uboot.sh $(B)/keel-test.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		UBOOT_NOVARS=1 bash tests/system/uboot.sh $(B)/keel.bin
TEST_TARGETS += uboot-system
