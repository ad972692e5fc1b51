/* Host unit tests of the VMM's and device models' pure code (Check). */
#ifndef VMM_TEST_H
#define VMM_TEST_H

#include <check.h>

Suite *suite_mmio(void);
Suite *suite_exit(void);
Suite *suite_vgic(void);
Suite *suite_pl011(void);
Suite *suite_image(void);
Suite *suite_dtb(void);
Suite *suite_console(void);

#endif /* VMM_TEST_H */
