# The VMM (vmm-server/): one instance per VM, started by the root server
# (boot/vm.c). Host unit tests of its pure parts: vmm-server/vmm-unit.mk.
USER_PROGS += vmm
vmm_SRCS := vmm-server/main.c vmm-server/exit.c vmm-server/mmio.c vmm-server/vgic.c \
	vmm-server/irq.c vmm-server/psci.c vmm-server/image.c vmm-server/device.c \
	vmm-server/dtb.c vmm-server/console.c
vmm_LIBS := $(LIBFDT_A)
