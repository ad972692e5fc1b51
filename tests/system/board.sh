# Sourced by the scripts that boot Keel on either architecture (run.sh,
# linux.sh, tools/bench.sh, tools/bench-wall.sh): for $ARCH (default
# aarch64), KEEL_QEMU, the emulator, and KEEL_MACHINE, the board Keel runs
# on (`make run`'s: aarch64 virt with EL2 and GICv3, riscv64 virt with the
# H extension and OpenSBI). An unknown ARCH stops the script.
ARCH=${ARCH:-aarch64}
case $ARCH in
aarch64)
	KEEL_QEMU=qemu-system-aarch64
	KEEL_MACHINE=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off) ;;
riscv64)
	KEEL_QEMU=qemu-system-riscv64
	KEEL_MACHINE=(-M virt -cpu rv64,h=true) ;;
*)
	echo "$0: ARCH=$ARCH: aarch64 or riscv64" >&2
	exit 2 ;;
esac
