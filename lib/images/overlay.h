/* The pages of a dumped process changed by the rewrite, on top of its memory as dumped. */
#ifndef LUP_OVERLAY_H
#define LUP_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lup_mem;

struct lup_overlay_page {
	uint64_t vaddr;
	uint8_t *data;		/* one page */
};

struct lup_overlay {
	struct lup_mem *mem;
	size_t nr, cap;
	struct lup_overlay_page *p;	/* sorted by vaddr */
};

/* Writes; untouched pages start from the dumped memory, or zeroed when fresh (a new VMA). */
int lup_overlay_write(struct lup_overlay *o, uint64_t addr, const void *buf, size_t len, bool fresh);
void lup_overlay_free(struct lup_overlay *o);

#endif
