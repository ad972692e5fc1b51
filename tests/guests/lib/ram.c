#include "ram.h"

#include "guest.h"

static void add_span(struct spans *sp, uint64_t base, uint64_t end)
{
	base = (base + 7) & ~7UL;
	end &= ~7UL;
	if (base >= end)
		return;
	sp->s[sp->n++] = (struct region){ base, end - base };
	sp->bytes += end - base;
}

void ram_spans(const struct ram_map *ram, struct spans *sp)
{
	uint64_t img0 = (uint64_t)__image_start, img1 = (uint64_t)__image_end;

	sp->n = 0;
	sp->bytes = 0;
	for (unsigned i = 0; i < ram->n; i++) {
		uint64_t b = ram->r[i].base, e = b + ram->r[i].size;
		if (img1 <= b || img0 >= e) {
			add_span(sp, b, e);
			continue;
		}
		add_span(sp, b, img0 > b ? img0 : b);
		add_span(sp, img1 < e ? img1 : e, e);
	}
}

bool ram_contains(const struct ram_map *ram, uint64_t addr, uint64_t len)
{
	for (unsigned i = 0; i < ram->n; i++)
		if (addr - ram->r[i].base < ram->r[i].size &&
		    len <= ram->r[i].size - (addr - ram->r[i].base))
			return true;
	return false;
}
