/* A few pages of a memory source kept after a read: the unwinder reads it a word at a time. */
#ifndef LUP_PAGE_CACHE_H
#define LUP_PAGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct lup_page_cache;

/* Reads the whole page at vaddr (page aligned) into page: 0 or a negative error. */
typedef int (*lup_page_fill_fn)(void *arg, uint64_t vaddr, uint8_t *page);

int lup_page_cache_new(lup_page_fill_fn fill, void *arg, struct lup_page_cache **out);
/* Copies len bytes at addr, filling the pages it lacks; the first fill error otherwise. */
int lup_page_cache_read(struct lup_page_cache *c, uint64_t addr, void *buf, size_t len);
void lup_page_cache_free(struct lup_page_cache *c);

#endif
