/*
 * A page cache in front of a slow memory source (one pread or process_vm_readv per
 * read): direct-mapped by page number, pages filled whole on first use. libunwind reads
 * a thread's stack and the .eh_frame of its code 8 bytes at a time, hundreds of times
 * per frame, from a handful of pages.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/page-cache.h"
#include "arch/x86/arch.h"

#define CACHE_PAGES 128

/*
 * The slots' state apart from their pages: a new cache touches none of its pages (they
 * are half a megabyte, and a view is made inside a freeze).
 */
struct lup_page_cache {
	lup_page_fill_fn fill;
	void *arg;
	uint64_t vaddr[CACHE_PAGES];
	bool valid[CACHE_PAGES];
	uint8_t (*data)[LUP_PAGE_SIZE];		/* CACHE_PAGES pages, malloc'ed */
};

int lup_page_cache_new(lup_page_fill_fn fill, void *arg, struct lup_page_cache **out)
{
	struct lup_page_cache *c = calloc(1, sizeof(*c));

	if (c)
		c->data = malloc(CACHE_PAGES * sizeof(*c->data));
	if (!c || !c->data) {
		free(c);
		return -ENOMEM;
	}
	c->fill = fill;
	c->arg = arg;
	*out = c;
	return 0;
}

/* The page at vaddr (page aligned), from the cache or filled into it. */
static int get_page(struct lup_page_cache *c, uint64_t vaddr, const uint8_t **data)
{
	size_t i = (vaddr / LUP_PAGE_SIZE) % CACHE_PAGES;
	int ret;

	if (!c->valid[i] || c->vaddr[i] != vaddr) {
		c->valid[i] = false;
		ret = c->fill(c->arg, vaddr, c->data[i]);
		if (ret)
			return ret;
		c->vaddr[i] = vaddr;
		c->valid[i] = true;
	}
	*data = c->data[i];
	return 0;
}

int lup_page_cache_read(struct lup_page_cache *c, uint64_t addr, void *buf, size_t len)
{
	while (len) {
		uint64_t off = addr % LUP_PAGE_SIZE;
		size_t n = len < LUP_PAGE_SIZE - off ? len : LUP_PAGE_SIZE - off;
		const uint8_t *page;
		int ret = get_page(c, addr - off, &page);

		if (ret)
			return ret;
		memcpy(buf, page + off, n);
		addr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

void lup_page_cache_free(struct lup_page_cache *c)
{
	if (c)
		free(c->data);
	free(c);
}
