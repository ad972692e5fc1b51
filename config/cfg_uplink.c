/*
 * cfg_uplink.c — a network's uplink to the host (docs/net.md): "uplink",
 * "subnet" and "host_forwards" of networks[i].
 *
 * make run gives QEMU a user-mode network (slirp) on the subnet, with
 * restrict=on and one hostfwd per forward; QEMU's own addresses on it
 * (cfg_uplink_addr) are at the top of the subnet, so no forward may name
 * them. One uplink network per config: make run has one such QEMU NIC.
 */
#include <string.h>

#include "cfg_internal.h"

#define PREFIX_MIN 8u  /* room below for the guests, above for QEMU's */
#define PREFIX_MAX 24u

static const char *const fwd_keys[] = { "host_port", "guest", "guest_port", NULL };

uint32_t cfg_uplink_addr(const struct cfg_network *n, unsigned which)
{
	uint32_t last = n->subnet | (UINT32_MAX >> n->prefix); /* broadcast */
	/* .254, .253 in a /24; DHCP (which Keel's guests do not use) gives
	 * its 16 addresses from .237 */
	return which == CFG_UPLINK_DHCP ? last - 18u : last - 1u - which;
}

/* "A.B.C.D" (end NULL) or "A.B.C.D/N" into *ip and *n; false if not. */
static bool parse_ipv4(const char *s, uint32_t *ip, uint32_t *n)
{
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		uint32_t b = 0, digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			b = b * 10 + (uint32_t)(*s - '0');
		if (digits == 0 || digits > 3 || b > 255 || (part < 3 && *s++ != '.'))
			return false;
		v = v << 8 | b;
	}
	*ip = v;
	if (n == NULL)
		return *s == '\0';
	if (*s++ != '/' || *s < '0' || *s > '9')
		return false;
	for (*n = 0; *s >= '0' && *s <= '9' && *n < 100; s++)
		*n = *n * 10 + (uint32_t)(*s - '0');
	return *s == '\0';
}

static void read_subnet(struct cfg_ctx *c, const cJSON *obj, struct cfg_network *n)
{
	char text[24] = "";
	const cJSON *m = cfg_member(obj, "subnet");
	size_t mark;
	uint32_t ip, len;

	if (m == NULL || cfg_get_str(c, obj, "subnet", text, sizeof(text)) != CFG_OK)
		return;
	mark = cfg_path_key(c, "subnet");
	if (!parse_ipv4(text, &ip, &len) || len < PREFIX_MIN || len > PREFIX_MAX)
		cfg_report(c, CFG_E_VALUE, m, "\"%s\": write A.B.C.D/N with N from %u to %u",
			   text, PREFIX_MIN, PREFIX_MAX);
	else if (ip & (UINT32_MAX >> len))
		cfg_report(c, CFG_E_VALUE, m, "\"%s\": the address has bits set past the"
			   " /%u prefix", text, len);
	else
		n->subnet = ip, n->prefix = len;
	cfg_path_pop(c, mark);
}

/* A forward's guest address: in the subnet, not its first address, nor
 * its broadcast, nor one of QEMU's. */
static void read_guest(struct cfg_ctx *c, const cJSON *obj, const struct cfg_network *n,
		       struct cfg_forward *f)
{
	char text[20] = "";
	const cJSON *m = cfg_member(obj, "guest");
	uint32_t ip, host = n->prefix ? UINT32_MAX >> n->prefix : 0;
	size_t mark;

	if (m == NULL || cfg_get_str(c, obj, "guest", text, sizeof(text)) != CFG_OK)
		return;
	mark = cfg_path_key(c, "guest");
	if (!parse_ipv4(text, &ip, NULL))
		cfg_report(c, CFG_E_VALUE, m, "\"%s\" is not an IPv4 address A.B.C.D", text);
	else if (n->prefix && ((ip & ~host) != n->subnet || (ip & host) == 0 ||
			       ip >= cfg_uplink_addr(n, CFG_UPLINK_DNS)))
		cfg_report(c, CFG_E_VALUE, m, "%s is not a guest's address on the subnet (QEMU"
			   " takes the last two before its broadcast)", text);
	else
		f->guest = ip;
	cfg_path_pop(c, mark);
}

static void read_forward(struct cfg_ctx *c, const cJSON *obj, struct cfg_network *n, size_t k)
{
	struct cfg_forward *f = &n->forwards[k];
	uint32_t hp = 0, gp = 0;
	size_t mark;

	if (cfg_expect(c, obj, cJSON_Object, "an object") != CFG_OK)
		return;
	cfg_check_keys(c, obj, fwd_keys);
	cfg_require(c, obj, fwd_keys);
	cfg_get_u32(c, obj, "host_port", 1, 65535, &hp);
	cfg_get_u32(c, obj, "guest_port", 1, 65535, &gp);
	f->host_port = (uint16_t)hp, f->guest_port = (uint16_t)gp;
	read_guest(c, obj, n, f);
	for (size_t j = 0; j < k && hp != 0; j++) {
		if (n->forwards[j].host_port != hp)
			continue;
		mark = cfg_path_key(c, "host_port");
		cfg_report(c, CFG_E_VALUE, cfg_member(obj, "host_port"), "host port %u is"
			   " forwarded twice (host_forwards[%zu] first)", hp, j);
		cfg_path_pop(c, mark);
		break;
	}
}

static void read_forwards(struct cfg_ctx *c, const cJSON *list, struct cfg_network *n)
{
	size_t mark = cfg_path_key(c, "host_forwards"), k = 0;
	bool is_array = cfg_expect(c, list, cJSON_Array, "an array") == CFG_OK;

	cfg_path_pop(c, mark);
	for (const cJSON *f = is_array ? list->child : NULL; f != NULL; f = f->next, k++) {
		mark = cfg_path_index(c, "host_forwards", k);
		if (k == CFG_MAX_FORWARDS) {
			cfg_report(c, CFG_E_LIMIT, f, "more than %d forwards", CFG_MAX_FORWARDS);
			cfg_path_pop(c, mark);
			break;
		}
		read_forward(c, f, n, k);
		n->forward_count = k + 1;
		cfg_path_pop(c, mark);
	}
}

/* The keys only an uplink network may have, on one that is not. */
static void refuse_uplink_keys(struct cfg_ctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "subnet", "host_forwards" };
	for (size_t i = 0; i < 2; i++) {
		const cJSON *m = cfg_member(obj, keys[i]);
		size_t mark;
		if (m == NULL)
			continue;
		mark = cfg_path_key(c, keys[i]);
		cfg_report(c, CFG_E_VALUE, m, "only the uplink network (\"uplink\": true)"
			   " has %s", keys[i]);
		cfg_path_pop(c, mark);
	}
}

void cfg_read_uplink(struct cfg_ctx *c, const cJSON *obj, size_t i)
{
	struct cfg_network *n = &c->out->networks[i];
	const cJSON *list = cfg_member(obj, "host_forwards");
	size_t mark;

	if (cfg_get_bool(c, obj, "uplink", &n->uplink) != CFG_OK || !n->uplink) {
		refuse_uplink_keys(c, obj);
		return;
	}
	for (size_t j = 0; j < i; j++) {
		if (!c->out->networks[j].uplink)
			continue;
		mark = cfg_path_key(c, "uplink");
		cfg_report(c, CFG_E_VALUE, cfg_member(obj, "uplink"), "networks[%zu] is the"
			   " uplink already: make run gives QEMU one", j);
		cfg_path_pop(c, mark);
		n->uplink = false;
		return;
	}
	if (cfg_member(obj, "subnet") == NULL) {
		mark = cfg_path_key(c, "subnet");
		cfg_report(c, CFG_E_MISSING_KEY, obj, "required key is missing (an uplink"
			   " network names its guests' subnet: QEMU's user network is made on it)");
		cfg_path_pop(c, mark);
	}
	read_subnet(c, obj, n);
	if (list != NULL)
		read_forwards(c, list, n);
}
