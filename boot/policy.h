/*
 * Restart policy of a server (boot/policy.c): what root does when a
 * server faults or exits with a failure. Pure logic, no Keel calls, so the
 * host unit test (tests/unit) runs it as the root server does.
 */
#ifndef BOOT_POLICY_H
#define BOOT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct srv_policy {
	bool never;             /* leave the server down after its first failure */
	unsigned max_restarts;  /* restarts allowed within window_ms */
	uint32_t window_ms;     /* 0: the server's whole life */
	uint32_t backoff_ms;    /* wait before each restart */
};

/* Servers without a configured policy: the behaviour from before configs
 * (5 restarts in a server's life, at once). */
#define SRV_POLICY_DEFAULT ((struct srv_policy){ false, 5, 0, 0 })

struct srv_policy_state {
	uint64_t window_start_ms; /* time of the first restart in the window */
	unsigned in_window;       /* restarts since window_start_ms */
};

enum srv_decision {
	SRV_RESTART,            /* restart now (after the back-off) */
	SRV_STAY_DOWN_NEVER,    /* policy "never" */
	SRV_STAY_DOWN_LIMIT,    /* max_restarts reached within the window */
};

/* Decide for a failure at now_ms; counts the restart in st if it is one. */
enum srv_decision srv_policy_decide(const struct srv_policy *p, struct srv_policy_state *st,
				    uint64_t now_ms);

#endif /* BOOT_POLICY_H */
