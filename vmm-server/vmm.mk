# The VMM (vmm-server/): one instance per VM, started by the root server
# (boot/vm.c). Generic files here, the architecture's part in
# vmm-server/arch/$(ARCH)/ behind vmm-server/vmm_arch.h (docs/architecture.md,
# "vmm-server/"). Host unit tests of its pure parts: vmm-server/vmm-unit.mk.
USER_PROGS += vmm
SHIPPED_PROGS += vmm
VMM_GENERIC_SRCS := $(addprefix vmm-server/,main.c loader.c place.c exit.c mmio.c device.c dtb.c \
	console.c)
VMM_ARCH_SRCS := $(wildcard vmm-server/arch/$(ARCH)/*.c)
vmm_SRCS := $(VMM_GENERIC_SRCS) $(VMM_ARCH_SRCS)
vmm_LIBS := $(LIBFDT_A)
# Generic and arch files include each other's headers by name: vmm.h
# finds the arch's arch_vmm.h, the arch's files find vmm.h.
$(B)/user/obj/vmm-server/%: UCFLAGS += -Ivmm-server -Ivmm-server/arch/$(ARCH)
# The VMM never touches FP/SIMD registers (no compiler-made vector code
# either), so handling an exit never takes the kernel's lazy FP trap nor
# moves the guest's FP state out of the CPU: about 220 instructions of
# every exit round trip (docs/architecture.md, "vCPU switching").
$(B)/user/obj/vmm-server/%: UCFLAGS += $(UNOFP_FLAGS)
