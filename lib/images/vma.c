/* Lookups in a dumped process's VMA list. */
#include <stddef.h>

#include "images/dump.h"
#include "images/vma.h"

const VmaEntry *lup_vma_find(const MmEntry *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const VmaEntry *v = mm->vmas[mid];

		if (addr < v->start)
			hi = mid;
		else if (addr >= v->end)
			lo = mid + 1;
		else
			return v;
	}
	return NULL;
}

bool lup_vma_is_file(const VmaEntry *v)
{
	return (v->status & LUP_VMA_AREA_REGULAR) &&
	       (v->status & (LUP_VMA_FILE_PRIVATE | LUP_VMA_FILE_SHARED));
}
