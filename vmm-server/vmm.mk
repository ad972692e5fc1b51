# The VMM (vmm-server/): one instance per VM, started by the root server
# (boot/vm.c). Host unit tests of its pure parts: vmm-server/vmm-unit.mk.
USER_PROGS += vmm
vmm_SRCS := vmm-server/main.c vmm-server/exit.c vmm-server/mmio.c vmm-server/vgic.c \
	vmm-server/irq.c vmm-server/psci.c vmm-server/image.c vmm-server/device.c \
	vmm-server/dtb.c vmm-server/console.c
vmm_LIBS := $(LIBFDT_A)
# The VMM never touches FP/SIMD registers (no compiler-made vector code
# either), so handling an exit never takes the kernel's lazy FP trap nor
# moves the guest's FP state out of the CPU: about 220 instructions of
# every exit round trip (docs/architecture.md, "vCPU switching").
$(B)/user/obj/vmm-server/%: UCFLAGS += -mgeneral-regs-only
