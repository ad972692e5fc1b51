/*
 * The scan guest's check (scan.c), for each architecture's entry.
 */
#ifndef GUEST_SCAN_H
#define GUEST_SCAN_H

/* Fill this VM's RAM with the secret, probe what the tree does not
 * describe, report scan-secret and scan (tests/guests/README.md). */
void scan_run(const void *dtb);

#endif
