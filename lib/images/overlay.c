/* Changed pages of a dumped process, kept sorted; everything else reads through lup_mem. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "images/mem.h"
#include "images/overlay.h"
#include "images/pagemap.h"

#define PAGE_OF(a) ((a) & ~(LUP_PAGE_SIZE - 1))

/* Index of the page at vaddr, or where it would be inserted (with *found false). */
static size_t page_index(const struct lup_overlay *o, uint64_t vaddr, bool *found)
{
	size_t lo = 0, hi = o->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->p[mid].vaddr < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < o->nr && o->p[lo].vaddr == vaddr;
	return lo;
}

static int add_page(struct lup_overlay *o, size_t i, uint64_t vaddr, bool fresh)
{
	uint8_t *data = calloc(1, LUP_PAGE_SIZE);
	int ret;

	if (!data)
		return -ENOMEM;
	ret = fresh ? 0 : lup_mem_read(o->mem, vaddr, data, LUP_PAGE_SIZE);
	if (!ret && o->nr == o->cap) {
		struct lup_overlay_page *p = realloc(o->p, (o->cap * 2 + 16) * sizeof(*p));

		if (p) {
			o->p = p;
			o->cap = o->cap * 2 + 16;
		} else {
			ret = -ENOMEM;
		}
	}
	if (ret) {
		free(data);
		return ret;
	}
	memmove(&o->p[i + 1], &o->p[i], (o->nr - i) * sizeof(*o->p));
	o->p[i] = (struct lup_overlay_page){ vaddr, data };
	o->nr++;
	return 0;
}

int lup_overlay_write(struct lup_overlay *o, uint64_t addr, const void *buf, size_t len, bool fresh)
{
	const uint8_t *in = buf;
	bool found;
	int ret;

	while (len) {
		uint64_t page = PAGE_OF(addr), off = addr - page;
		size_t n = LUP_PAGE_SIZE - off < len ? LUP_PAGE_SIZE - off : len;
		size_t i = page_index(o, page, &found);

		if (!found) {
			ret = add_page(o, i, page, fresh);
			if (ret)
				return ret;
		}
		memcpy(o->p[i].data + off, in, n);
		in += n;
		addr += n;
		len -= n;
	}
	return 0;
}

void lup_overlay_free(struct lup_overlay *o)
{
	size_t i;

	for (i = 0; i < o->nr; i++)
		free(o->p[i].data);
	free(o->p);
	memset(o, 0, sizeof(*o));
}
