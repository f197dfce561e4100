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
	return ret;
}
