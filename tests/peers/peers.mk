# The KVM peer measured in the same emulator (issue 11 part 5).
#
#   make bench-peers   boot Debian's arm64 kernel as a KVM host under the
#                      QEMU flags of make bench (-icount shift=0), run
#                      Debian's QEMU with -accel kvm on Keel's bench guest
#                      and on the Linux guest inside it, print
#                      "bench peer_kvm_<name> N instructions" lines beside
#                      Keel's and merge them into build/bench.json
#
# Not part of make test. tools/fetch-peers.sh builds the host's initramfs
# (build/peers/initramfs.cpio, fetched packages cached), tools/bench-peers.sh
# runs it; docs/performance.md has the method and the figures.
#
# Included by the top-level Makefile after guests.mk and linux.mk, which
# set GUEST_B, LINUX_STAMP and LINUX_ICOUNT.

$(if $(GUEST_B),,$(error peers.mk: GUEST_B is not set; include it after tests/guests/guests.mk))
$(if $(LINUX_STAMP),,$(error peers.mk: LINUX_STAMP is not set; include it after tests/linux/linux.mk))

PEERS_B := $(BUILD)/peers
PEERS_INITRD := $(PEERS_B)/initramfs.cpio
PEERS_STAMP := $(PEERS_B)/.done-v1

.PHONY: bench-peers peers-assets
peers-assets: $(PEERS_STAMP)

# The script keeps its own cache and checksums its inputs; make only
# decides when to ask it.
$(PEERS_STAMP): tools/fetch-peers.sh tests/peers/init $(GUEST_B)/bench.bin \
		$(LINUX_ICOUNT) $(LINUX_STAMP) | $(SETUP_STAMP)
	bash tools/fetch-peers.sh $(GUEST_B)/bench.bin $(LINUX_ICOUNT)

bench-peers: $(PEERS_STAMP)
	bash tools/bench-peers.sh $(PEERS_INITRD) $(BUILD)/bench.json
