/* pagemap-PID.img as a sorted array of ranges, with each present range's offset in pages-ID.img. */
#ifndef LUP_PAGEMAP_H
#define LUP_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86/arch.h"

#define LUP_PE_PARENT (1u << 0)
#define LUP_PE_LAZY (1u << 1)
#define LUP_PE_PRESENT (1u << 2)


struct lup_pme {
	uint64_t vaddr;
	uint64_t nr_pages;
	uint32_t flags;
	uint64_t pages_off;	/* byte offset of this range in pages-<pages_id>.img (PRESENT only) */
};

struct lup_pagemap {
	uint32_t pages_id;
	bool nr_pages_u64;	/* CRIU 4.2 style: count in field 5, 0 in field 2; written back the same way */
	size_t nr;
	struct lup_pme *e;
};

/* Reads and validates (page-aligned, sorted, non-overlapping, known flags). */
int lup_pagemap_read(int dirfd, const char *dir, pid_t pid, struct lup_pagemap **out);
int lup_pagemap_write(int dirfd, const char *dir, pid_t pid, const struct lup_pagemap *pm);
/* The range holding addr, or NULL (binary search). */
const struct lup_pme *lup_pagemap_find(const struct lup_pagemap *pm, uint64_t addr);
void lup_pagemap_free(struct lup_pagemap *pm);

#endif
