/* Removing a reverted patch's VMAs and their pagemap ranges from a dumped process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "revert.h"

static int drop_vmas(struct lup_proc *p, uint64_t start, uint64_t end)
{
	MmEntry *mm = p->mm;
	size_t i, k = 0;

	for (i = 0; i < mm->n_vmas; i++) {
		VmaEntry *v = mm->vmas[i];

		if (v->end > start && v->start < end && (v->start < start || v->end > end)) {
			pr_err("process %d: VMA %#" PRIx64 "-%#" PRIx64 " straddles the reverted range "
			       "%#" PRIx64 "-%#" PRIx64, (int)p->pid, v->start, v->end, start, end);
			return -LUP_EBADIMG;
		}
	}
	for (i = 0; i < mm->n_vmas; i++) {
		VmaEntry *v = mm->vmas[i];

		if (v->start >= start && v->end <= end)
			vma_entry__free_unpacked(v, NULL);
		else
			mm->vmas[k++] = v;
	}
	mm->n_vmas = k;
	return 0;
}

/* Cuts [start, end) out of the pagemap, splitting a range that covers more. */
static int drop_pages(struct lup_pagemap *pm, uint64_t start, uint64_t end)
{
	struct lup_pme *out = calloc(pm->nr * 2 + 1, sizeof(*out));
	size_t i, k = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < pm->nr; i++) {
		struct lup_pme e = pm->e[i];
		uint64_t e_end = e.vaddr + e.nr_pages * LUP_PAGE_SIZE;

		if (e_end <= start || e.vaddr >= end) {
			out[k++] = e;
			continue;
		}
		if (e.vaddr < start)
			out[k++] = (struct lup_pme){ e.vaddr, (start - e.vaddr) / LUP_PAGE_SIZE,
						     e.flags, e.pages_off };
		if (e_end > end)	/* a present tail starts further into the pages file */
			out[k++] = (struct lup_pme){ end, (e_end - end) / LUP_PAGE_SIZE, e.flags,
						     e.pages_off + (end - e.vaddr) };
	}
	free(pm->e);
	pm->e = out;
	pm->nr = k;
	return 0;
}

int lup_revert_unmap(struct lup_proc *p, const struct lup_chain_unmap *u, size_t nr)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < nr; i++) {
		ret = drop_vmas(p, u[i].start, u[i].end);
		if (!ret)
			ret = drop_pages(p->pagemap, u[i].start, u[i].end);
	}
	return ret;
}
