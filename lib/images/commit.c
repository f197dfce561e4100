/*
 * The images transport's commit: a plan of the core (lib/core/plan.h) becomes the new
 * VMA list of a dumped process and its changed pages (an overlay on its memory as
 * dumped), which lup_out_write_dump writes into a parent-linked directory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/plan.h"
#include "images/commit.h"
#include "images/dump.h"
#include "util/err.h"
#include "util/log.h"

#define NEW_VMA_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS)

/* Inserts a private anonymous VMA, keeping the list sorted. */
static int add_vma(MmEntry *mm, uint64_t start, uint64_t end, uint32_t prot)
{
	VmaEntry *v = malloc(sizeof(*v)), **vmas = realloc(mm->vmas, (mm->n_vmas + 1) * sizeof(*vmas));
	size_t i;

	if (vmas)
		mm->vmas = vmas;
	if (!v || !vmas) {
		free(v);
		return -ENOMEM;
	}
	vma_entry__init(v);
	v->start = start;
	v->end = end;
	v->prot = prot;
	v->flags = NEW_VMA_FLAGS;
	v->status = LUP_VMA_AREA_REGULAR | LUP_VMA_ANON_PRIVATE;
	v->fd = -1;
	for (i = mm->n_vmas; i > 0 && mm->vmas[i - 1]->start > start; i--)
		mm->vmas[i] = mm->vmas[i - 1];
	mm->vmas[i] = v;
	mm->n_vmas++;
	return 0;
}

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

static int commit_map(struct lup_proc *p, struct lup_overlay *ov, const struct lup_plan_map *m)
{
	int ret = add_vma(p->mm, m->start, m->end, m->prot);

	/* fresh pages start zeroed: the new VMA has no memory as dumped */
	return ret ? ret : lup_overlay_write(ov, m->start, m->data, m->len, true);
}

int lup_images_commit(struct lup_proc *p, struct lup_overlay *ov, const struct lup_plan *plan)
{
	size_t i;
	int ret = 0;

	if (plan->nr_calls) {
		pr_err("process %d: the patch needs code run in the process before it is used: "
		       "patch it in place, not in its images", (int)p->pid);
		return -LUP_ENOTAPPLIC;
	}
	for (i = 0; !ret && i < plan->nr_maps; i++)
		ret = commit_map(p, ov, &plan->maps[i]);
	for (i = 0; !ret && i < plan->nr_writes; i++)
		ret = lup_overlay_write(ov, plan->writes[i].addr, plan->writes[i].data,
					plan->writes[i].len, false);
	for (i = 0; !ret && i < plan->nr_unmaps; i++) {
		ret = drop_vmas(p, plan->unmaps[i].start, plan->unmaps[i].end);
		if (!ret)
			ret = drop_pages(p->pagemap, plan->unmaps[i].start, plan->unmaps[i].end);
	}
	return ret;
}
