/*
 * The control protocol, pure (device-servers/ctl/req.c): one request line
 * in, one reply line out; root is reached through struct ctl_ops.
 */
#ifndef CTL_REQ_H
#define CTL_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/abi.h>
#include <keel/ctl.h>
#include <keel/trace.h>

#include <cjson/cJSON.h>

struct ctl_ops {
	/* Root's status (KEEL_CTL_SNAPSHOT), or NULL if root gave none. */
	const struct keel_ctl_status *(*snapshot)(void);
	/* A KEEL_CTL_* action on value (KEEL_CTL_VALUE): root's answer,
	 * enum keel_ctl_result. */
	unsigned (*act)(unsigned kind, uint64_t value);
	/* KEEL_CTL_CREATE from the config text[0..len) named file. */
	unsigned (*create)(const char *text, size_t len, const char *file);
	/* The trace pages root filled for the last KEEL_CTL_TRACE_READ, or NULL. */
	const struct keel_ctl_trace *(*trace)(void);
};

/* Answer the request line[0..len) (no newline): the reply, a JSON object
 * and '\n', NUL-terminated in out[size] (size at least 64); its length. */
size_t ctl_request(const struct ctl_ops *ops, const char *line, size_t len, char *out,
		   size_t size);

/* keelctl trace (trace.c): is req {"cmd":"trace",...}; its reply, or NULL
 * with why and where (*at, NULL: the whole request) it is refused. */
bool ctl_trace_is(const cJSON *req);
cJSON *ctl_trace_request(const cJSON *req, const struct ctl_ops *ops, const cJSON **at,
			 const char **why);

#endif /* CTL_REQ_H */
