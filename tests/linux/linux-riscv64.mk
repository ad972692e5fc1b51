# The riscv64 Linux guest (issue 14): built at set-up time from Debian's
# source packages (linux-source-6.1, busybox) by tools/fetch-linux-riscv64.sh,
# and booted under plain QEMU as the reference (docs/riscv64.md, "The
# riscv64 Linux guest"). Included by tests/linux/linux.mk for ARCH=riscv64.
#
#   make ARCH=riscv64 linux-assets   build/linux-riscv64/{Image,initramfs.cpio}
#   make ARCH=riscv64 linux-bare     boot them under plain QEMU and check the
#                                    shell (tests/linux/run-bare-riscv64.sh)
#   make ARCH=riscv64 linux-bench    the same boot under -icount shift=0

LINUX_B := $(BUILD)/linux-riscv64
LINUX_IMAGE := $(LINUX_B)/Image
LINUX_INITRD := $(LINUX_B)/initramfs.cpio
LINUX_STAMP := $(LINUX_B)/.done-v1
# /bin/icount reads riscv64's time CSR (icount-riscv64.c); sigdfl is the
# same program as on aarch64.
LINUX_PROGS := $(LINUX_B)/icount $(LINUX_B)/sigdfl
LINUX_CFLAGS := $(WARN) -O2 -nostdinc -isystem $(SYSROOT)/usr/include/$(MUSL_TRIPLE) \
	-isystem $(shell $(CC) -print-file-name=include 2>/dev/null) -fno-pie
LINUX_LINK = $(CC) -static -nostdlib -no-pie -o $@ $(MUSL)/crt1.o $(MUSL)/crti.o \
	$@.o $(MUSL)/libc.a $(shell $(CC) -print-libgcc-file-name) $(MUSL)/crtn.o

.PHONY: linux-assets linux-bare linux-bench
linux-assets: $(LINUX_STAMP)

$(LINUX_B)/icount: tests/linux/icount-riscv64.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_CFLAGS) -c $< -o $@.o
	$(LINUX_LINK)
$(LINUX_B)/sigdfl: tests/linux/sigdfl.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_CFLAGS) -c $< -o $@.o
	$(LINUX_LINK)

# The script keeps its own cache and checksums its inputs; make only
# decides when to ask it. The set-up script first: it installs the kernel
# build's tools on a machine set up before they joined its list.
$(LINUX_STAMP): tools/fetch-linux-riscv64.sh tools/linux-riscv64.config \
		tools/busybox-riscv64.config tests/linux/init $(LINUX_PROGS) | $(SETUP_STAMP)
	bash $(SETUP_SCRIPT)
	bash tools/fetch-linux-riscv64.sh $(LINUX_PROGS)

linux-bare: linux-assets
	bash tests/linux/run-bare-riscv64.sh
	bash tests/linux/run-bare-riscv64.sh --icount

linux-bench: linux-assets
	bash tests/linux/run-bare-riscv64.sh --bench

# The guest's tree as an ext4 disk image: VM 1's root disk in
# config/default-riscv64.json, as build/linux/rootfs.ext4 is on aarch64.
LINUX_ROOTFS := $(LINUX_B)/rootfs.ext4
$(LINUX_ROOTFS): $(LINUX_STAMP) tools/mkrootfs.sh
	bash tools/mkrootfs.sh $(LINUX_B)/root $@
.PHONY: rootfs linux-system
rootfs: $(LINUX_ROOTFS)

# Two riscv64 Linux VMs from config/default-riscv64.json under Keel, driven
# at the console as a user would (tests/system/linux.sh with ARCH=riscv64):
# the aarch64 session's steps but CPU hotplug (the guest's configuration
# has no HOTPLUG_CPU); VM 1's write to its root disk reaches the host file.
# Then a VM with a virtio-console (tests/linux/vdev-riscv64.json): its
# shell on hvc0 while root crashes the virtio-console and console servers
# (test=vdev-crash), as aarch64's vdev.json run without the virtio-rng.
# Then aarch64's disk-crash run (tests/linux/disk-riscv64.json, a fresh
# copy of the tree as vm1's disk): eight files written and read back
# while root crashes the disk's device server and block driver every
# 5 ms, every second crash at one of their named points (docs/blk.md);
# the host finds the image e2fsck-clean with the guest's checksums.
LINUX_SYSTEM_STEPS := shell root persist ping web cpus sleep command interrupt paste dmesg \
	vm2 paste2 back crash poweroff alive nokey again
linux-system: $(B)/keel.bin $(B)/keel-test.bin $(BUILD)/host/config/check-config \
		$(BUILD)/host/config/mkblobs linux-assets $(LINUX_ROOTFS)
	ARCH=riscv64 CHECK_CONFIG=$(BUILD)/host/config/check-config \
		MKBLOBS=$(BUILD)/host/config/mkblobs LINUX_TEST_STEPS="$(LINUX_SYSTEM_STEPS)" \
		bash tests/system/linux.sh $(B)/keel.bin
	bash tests/linux/persist-check.sh $(LINUX_ROOTFS) $(B)/system/linux.log
	ARCH=riscv64 CHECK_CONFIG=$(BUILD)/host/config/check-config \
		MKBLOBS=$(BUILD)/host/config/mkblobs LINUX_TEST_CONFIG=tests/linux/vdev-riscv64.json \
		LINUX_TEST_LOG=vdev LINUX_TEST_APPEND=test=vdev-crash \
		LINUX_TEST_STEPS="shell hvc hvcpaste vcrashes" bash tests/system/linux.sh $(B)/keel-test.bin
	bash tools/mkrootfs.sh $(LINUX_B)/root $(LINUX_B)/disk-rw.ext4
	ARCH=riscv64 CHECK_CONFIG=$(BUILD)/host/config/check-config \
		MKBLOBS=$(BUILD)/host/config/mkblobs LINUX_TEST_CONFIG=tests/linux/disk-riscv64.json \
		LINUX_TEST_LOG=diskcrash LINUX_TEST_APPEND=test=disk-crash \
		LINUX_TEST_STEPS="shell mount diskload unmount noioerr crashes" \
		bash tests/system/linux.sh $(B)/keel-test.bin
	bash tests/linux/disk-check.sh $(LINUX_B)/disk-rw.ext4 $(B)/system/linux-diskcrash.log
