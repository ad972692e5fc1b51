# The root server (boot/): the first user program, loaded by the kernel.
# Its arch part (exception names, ELF machine) is picked here, not by #ifdef.
USER_PROGS += root
root_SRCS := $(wildcard boot/*.c) $(wildcard boot/arch/$(ARCH)/*.c)
