/* Placement of a patch image in the gaps of a process's address space. */
#include <stdio.h>

#include "util/err.h"
#include "arch/x86/arch.h"
#include "core/place.h"
#include "arch/x86/jump.h"

#define PAGE_DOWN(x) ((x) & ~(LUP_PAGE_SIZE - 1))
#define PAGE_UP(x) PAGE_DOWN((x) + LUP_PAGE_SIZE - 1)

/* [lo, hi]: the bases from which every new function is in reach of every old entry. */
static int reach_window(const struct lup_place_req *req, int64_t *lo, int64_t *hi)
{
	size_t i, j;

	*lo = (int64_t)PAGE_UP(req->min_addr);
	*hi = (int64_t)LUP_USER_TOP - (int64_t)req->size;
	for (i = 0; i < req->nr_from; i++) {
		for (j = 0; j < req->nr_to; j++) {
			int64_t next = (int64_t)req->from[i] + LUP_JMP_SIZE - (int64_t)req->to_off[j];

			if (next + INT32_MIN > *lo)
				*lo = next + INT32_MIN;
			if (next + INT32_MAX < *hi)
				*hi = next + INT32_MAX;
		}
	}
	*lo = (int64_t)PAGE_UP((uint64_t)*lo);
	*hi = (int64_t)PAGE_DOWN((uint64_t)*hi);
	return *lo <= *hi ? 0 : -LUP_ENOSPACE;
}

/* The base in the free gap [gs, ge) and the window nearest to hint, if any. */
static bool best_in_gap(int64_t gs, int64_t ge, int64_t lo, int64_t hi, int64_t size,
			int64_t hint, int64_t *base)
{
	int64_t a = gs > lo ? gs : lo, b = ge - size < hi ? ge - size : hi;

	a = (int64_t)PAGE_UP((uint64_t)a);
	b = (int64_t)PAGE_DOWN((uint64_t)b);
	if (a > b)
		return false;
	*base = hint < a ? a : hint > b ? b : (int64_t)PAGE_DOWN((uint64_t)hint);
	return true;
}

static int64_t dist(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

int lup_place(const struct lup_place_vma *vmas, size_t nr, const struct lup_place_req *req,
	      uint64_t *base)
{
	int64_t lo, hi, hint = req->nr_from ? (int64_t)req->from[0] : 0;
	int64_t gs = 0, best = -1, cand;
	size_t i;

	if (reach_window(req, &lo, &hi))
		return -LUP_ENOSPACE;
	for (i = 0; i <= nr; i++) {
		int64_t ge = i < nr ? (int64_t)vmas[i].start : (int64_t)LUP_USER_TOP;

		if (i < nr && vmas[i].grows_down)
			ge -= (int64_t)LUP_STACK_GUARD;
		if (ge > gs && best_in_gap(gs, ge, lo, hi, (int64_t)req->size, hint, &cand) &&
		    (best < 0 || dist(cand, hint) < dist(best, hint)))
			best = cand;
		if (i < nr && (int64_t)vmas[i].end > gs)
			gs = (int64_t)vmas[i].end;
	}
	if (best < 0)
		return -LUP_ENOSPACE;
	*base = (uint64_t)best;
	return 0;
}

uint64_t lup_mmap_min_addr(void)
{
	unsigned long long v = 65536;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 65536;
		fclose(f);
	}
	return v;
}
