/* Console input for the guest's UART (vmm-server/console.c). */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stdint.h>

#include <keel/vmm.h>

#include "vmm.h"

/* The notification bound to the VMM fired with bits: if the console
 * signalled, move its input for this VM into the PL011's RX FIFO. */
void vmm_console_input(struct vmm *vm, const struct keel_vm_info *info, uint64_t bits);

#endif /* VMM_CONSOLE_H */
