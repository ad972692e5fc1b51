# The Linux guest (issue 5): Debian's arm64 kernel and a busybox initramfs,
# and their boot under plain QEMU as the reference Keel is measured against.
#
#   make linux-assets   build/linux/Image and build/linux/initramfs.cpio
#                       (tools/fetch-linux.sh; fetched once, then cached)
#   make linux-bare     boot them under plain QEMU and check the shell
#                       (tests/linux/run-bare.sh; also part of make test)
#   make linux-bench    the same boot under -icount shift=0: prints
#                       "bench linux_boot_bare N instructions"
#
# Included by the top-level Makefile, which sets BUILD, CC, WARN, SYSROOT,
# MUSL and SETUP_STAMP. docs/linux.md says how it all fits.

$(if $(BUILD),,$(error linux.mk: BUILD is not set; include it from the top-level Makefile))
$(if $(MUSL),,$(error linux.mk: MUSL is not set (the musl library directory)))

# riscv64's guest is built from source instead: tests/linux/linux-riscv64.mk
# (the same targets; no root disk image yet).
ifeq ($(ARCH),riscv64)
include tests/linux/linux-riscv64.mk
else

LINUX_B := $(BUILD)/linux
LINUX_IMAGE := $(LINUX_B)/Image
LINUX_INITRD := $(LINUX_B)/initramfs.cpio
LINUX_STAMP := $(LINUX_B)/.done-v1
LINUX_ICOUNT := $(LINUX_B)/icount
LINUX_SIGDFL := $(LINUX_B)/sigdfl
LINUX_BLKBENCH := $(LINUX_B)/blkbench
LINUX_PERFCOUNT := $(LINUX_B)/perfcount
LINUX_PROGS := $(LINUX_ICOUNT) $(LINUX_SIGDFL) $(LINUX_BLKBENCH) $(LINUX_PERFCOUNT)

# A normal static Linux program against Debian's arm64 musl (not libkeel:
# it runs under Linux, not on Keel).
LINUX_CFLAGS := $(WARN) -O2 -nostdinc \
	-isystem $(SYSROOT)/usr/include/aarch64-linux-musl \
	-isystem $(shell $(CC) -print-file-name=include 2>/dev/null) \
	-fno-pie -mno-outline-atomics

.PHONY: linux-assets linux-bare linux-bench
linux-assets: $(LINUX_STAMP)

# The guest's own programs (/bin/icount, /bin/sigdfl, /bin/blkbench,
# /bin/perfcount), one source each.
$(LINUX_B)/%: tests/linux/%.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_CFLAGS) -c $< -o $@.o
	$(CC) -static -nostdlib -no-pie -o $@ $(MUSL)/crt1.o $(MUSL)/crti.o \
		$@.o $(MUSL)/libc.a $(shell $(CC) -print-libgcc-file-name) $(MUSL)/crtn.o

# The script keeps its own cache and checksums its inputs; make only
# decides when to ask it.
$(LINUX_STAMP): tools/fetch-linux.sh tests/linux/init $(LINUX_PROGS) | $(SETUP_STAMP)
	bash tools/fetch-linux.sh $(LINUX_PROGS)

linux-bare: linux-assets
	bash tests/linux/run-bare.sh

# The guest's tree as an ext4 disk image (tools/mkrootfs.sh), checked on
# the host (tests/linux/rootfs-test.sh); a VM boots from it once the
# virtio-blk device server exists (docs/blk.md).
LINUX_ROOTFS := $(LINUX_B)/rootfs.ext4
$(LINUX_ROOTFS): $(LINUX_STAMP) tools/mkrootfs.sh
	bash tools/mkrootfs.sh $(LINUX_B)/root $@
.PHONY: rootfs rootfs-test
rootfs: $(LINUX_ROOTFS)
rootfs-test: $(LINUX_ROOTFS)
	bash tests/linux/rootfs-test.sh $(LINUX_B)/root $(LINUX_ROOTFS)
TEST_TARGETS += rootfs-test

linux-bench: linux-assets
	bash tests/linux/run-bare.sh --bench

TEST_TARGETS += linux-bare
endif
