/*
 * The server loop, out of line (keel/server.h has it inline as
 * keel_server_loop, for the servers that call it so).
 */
#include <keel/abi.h>
#include <keel/server.h>

long keel_server_run(const struct keel_server *s)
{
	return keel_server_loop(s);
}
