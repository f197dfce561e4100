/* Placement of a patch image: a free, page-aligned address range within jmp rel32 reach. */
#ifndef LUP_PLACE_H
#define LUP_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LUP_USER_TOP 0x7ffffffff000ull		/* end of the 47-bit user address space */
#define LUP_STACK_GUARD (256ull * 4096)		/* kernel's stack_guard_gap below a growsdown VMA */

struct lup_place_vma {
	uint64_t start, end;
	bool grows_down;	/* keep the stack's guard gap free so the stack can still grow */
};

struct lup_place_req {
	uint64_t size;			/* bytes of the patch image, page aligned */
	const uint64_t *from;		/* addresses of the old entries (jump sites) */
	size_t nr_from;
	const uint64_t *to_off;		/* offsets of the new functions from the base */
	size_t nr_to;
	uint64_t min_addr;		/* mmap_min_addr */
};

/*
 * Finds base so that [base, base + size) overlaps none of vmas (sorted by start) and
 * every old entry's jump reaches every new function; the free address nearest to the
 * first old entry wins. -LUP_ENOSPACE when there is none (not reported: the caller
 * names the process).
 */
int lup_place(const struct lup_place_vma *vmas, size_t nr, const struct lup_place_req *req,
	      uint64_t *base);
/* mmap_min_addr of this machine (the default 65536 when it cannot be read). */
uint64_t lup_mmap_min_addr(void);

#endif
