/*
 * lup_revert: in each process of the dump that has the patch (or, for all, any patch)
 * applied, run the revert-order rule on its records, check that no thread is inside the
 * code being removed, then write the restored entries, the spliced records and the
 * process without the patch's VMAs into a parent-linked output directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "img-out.h"
#include "log.h"
#include "mem.h"
#include "overlay.h"
#include "revert.h"
#include "stack-check.h"

struct proc_rv {
	struct lup_dump *d;
	struct lup_proc *p;
	struct lup_mem *mem;
	struct lup_overlay ov;
	struct lup_space *s;
	struct lup_chain *c;
	size_t nr_busy;
	struct lup_range *busy;		/* the images of the reverted patches */
	bool changed;
};

static int check_stacks(struct proc_rv *rv)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < rv->p->nr_threads; i++)
		ret = lup_stack_check_image(rv->d, rv->p, &rv->p->threads[i], rv->mem, rv->busy,
					    rv->nr_busy);
	return ret;
}

/* Entries and spliced records go into the overlay; the patches' VMAs go away. */
static int edit_images(struct proc_rv *rv)
{
	struct lup_chain *c = rv->c;
	int ret = 0;
	size_t i;

	for (i = 0; !ret && i < c->nr_entries; i++)
		if (c->entries[i].dirty)
			ret = lup_overlay_write(&rv->ov, c->entries[i].addr, c->entries[i].cur,
						LUP_JMP_SIZE, false);
	for (i = 0; !ret && i < c->rs.nr; i++) {
		uint8_t *buf;

		if (!c->rec_dirty[i])
			continue;
		ret = lup_record_pack(c->rs.r[i], &buf);
		if (!ret)
			ret = lup_overlay_write(&rv->ov, c->rs.r[i]->self, buf, c->rs.r[i]->self_size,
						false);
		free(buf);
	}
	if (!ret)
		ret = lup_revert_unmap(rv->p, c->unmap, c->nr_unmap);
	return ret;
}

static int revert_proc(struct proc_rv *rv, const struct lup_revert_opts *o)
{
	int ret = lup_mem_open(rv->d, rv->p, o->root, &rv->mem);

	rv->ov.mem = rv->mem;
	if (!ret)
		ret = lup_space_dump(rv->d, rv->p, rv->mem, &rv->s);
	if (!ret)
		ret = lup_chain_open(rv->s, &rv->c);
	if (!ret)
		ret = lup_chain_revert_ids(rv->c, o->id, &rv->busy, &rv->nr_busy);
	rv->changed = rv->nr_busy > 0;
	if (!ret && rv->changed)
		ret = check_stacks(rv);
	if (!ret && rv->changed)
		ret = edit_images(rv);
	return ret;
}

static void release_proc(struct proc_rv *rv)
{
	lup_chain_free(rv->c);
	lup_space_free(rv->s);
	lup_overlay_free(&rv->ov);
	if (rv->mem)
		lup_mem_close(rv->mem);
	free(rv->busy);
}

/* Something to revert in at least one process. */
static int check_found(const struct lup_revert_opts *o, size_t nr_changed)
{
	if (nr_changed)
		return 0;
	if (o->id)
		pr_err("%s: patch %s is not applied to any process", o->img_dir, o->id);
	else
		pr_err("%s: no process has a patch applied", o->img_dir);
	return -LUP_ENOTAPPLIC;
}

int lup_revert(const struct lup_revert_opts *o)
{
	struct lup_out_set set = { 0 };
	struct proc_rv *rvs;
	struct lup_dump *d;
	size_t i;
	int ret = lup_dump_open(o->img_dir, &d);

	if (ret)
		return ret;
	rvs = calloc(d->nr_procs + 1, sizeof(*rvs));
	ret = rvs ? 0 : -ENOMEM;
	for (i = 0; !ret && i < d->nr_procs; i++) {
		rvs[i] = (struct proc_rv){ .d = d, .p = &d->procs[i] };
		ret = revert_proc(&rvs[i], o);
		if (!ret && rvs[i].changed)
			ret = lup_out_set_add(&set, rvs[i].p, &rvs[i].ov);
	}
	if (!ret)
		ret = check_found(o, set.nr);
	if (!ret)
		ret = lup_out_write_dump(d, o->out_dir, &set);
	for (i = 0; rvs && i < d->nr_procs; i++)
		release_proc(&rvs[i]);
	lup_out_set_free(&set);
	free(rvs);
	lup_dump_close(d);
	return ret;
}
