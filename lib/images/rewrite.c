/*
 * The images transport: each process of the dump gets its view (lib/images/view-images.c)
 * and the core plans the operation over it (apply patches, or revert); each plan is
 * committed into the process's images (lib/images/commit.c) and the changed processes
 * are written into a parent-linked output directory (lib/images/img-out.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/view.h"
#include "images/commit.h"
#include "images/img-out.h"
#include "images/rewrite.h"
#include "images/view-images.h"
#include "util/err.h"
#include "util/log.h"

/* One process of the dump: its view, the core's operation on it, its changed pages. */
struct proc_rw {
	struct lup_view v;
	struct lup_op *op;
	struct lup_overlay ov;
};

/* The operation on one process: plans into op, counts what it did per item in counts. */
typedef int (*plan_fn)(struct lup_op *op, const void *opts, size_t *counts);

static int plan_patches(struct lup_op *op, const void *opts, size_t *hits)
{
	const struct lup_rewrite_opts *o = opts;
	uint64_t base;
	int ret = 0;

	for (size_t i = 0; ret >= 0 && i < o->nr_patches; i++) {
		ret = lup_op_apply(op, o->patches[i], &base);
		hits[i] += ret > 0;
		if (ret > 0)
			pr_info("%s: patch %s placed at 0x%" PRIx64, op->v->who, o->patches[i]->id,
				base);
	}
	return ret < 0 ? ret : 0;
}

static int plan_revert(struct lup_op *op, const void *opts, size_t *reverted)
{
	const struct lup_revert_opts *o = opts;
	size_t nr;
	int ret = lup_op_revert(op, o->id, &nr);

	*reverted += nr;
	return ret;
}

static int rewrite_proc(struct lup_dump *d, struct lup_proc *p, const char *root, plan_fn plan,
			const void *opts, size_t *counts, struct proc_rw *rw)
{
	int ret = lup_view_images(d, p, root, &rw->v);

	if (ret)
		return ret;
	rw->ov.mem = lup_view_images_mem(&rw->v);
	ret = lup_op_open(&rw->v, &rw->op);
	if (!ret)
		ret = plan(rw->op, opts, counts);
	if (!ret)
		ret = lup_images_commit(p, &rw->ov, &rw->op->plan);
	return ret;
}

static void release_proc(struct proc_rw *rw)
{
	lup_op_free(rw->op);
	lup_overlay_free(&rw->ov);
	if (rw->v.ops)
		lup_view_free(&rw->v);
}

/*
 * Plans and commits the operation in every process of img_dir, then runs check over the
 * counts and writes out_dir with the processes whose plan changes something.
 */
static int rewrite_dump(const char *img_dir, const char *out_dir, const char *root, plan_fn plan,
			const void *opts, size_t *counts, int (*check)(const void *, const size_t *))
{
	struct lup_out_set set = { 0 };
	struct proc_rw *rws;
	struct lup_dump *d;
	size_t i;
	int ret = lup_dump_open(img_dir, &d);

	if (ret)
		return ret;
	rws = calloc(d->nr_procs + 1, sizeof(*rws));
	ret = rws ? 0 : -ENOMEM;
	for (i = 0; !ret && i < d->nr_procs; i++) {
		ret = rewrite_proc(d, &d->procs[i], root, plan, opts, counts, &rws[i]);
		if (!ret && !lup_plan_empty(&rws[i].op->plan))
			ret = lup_out_set_add(&set, &d->procs[i], &rws[i].ov);
	}
	if (!ret)
		ret = check(opts, counts);
	if (!ret)
		ret = lup_out_write_dump(d, out_dir, &set);
	for (i = 0; rws && i < d->nr_procs; i++)
		release_proc(&rws[i]);
	lup_out_set_free(&set);
	free(rws);
	lup_dump_close(d);
	return ret;
}

static int check_hits(const void *opts, const size_t *hits)
{
	const struct lup_rewrite_opts *o = opts;

	for (size_t i = 0; i < o->nr_patches; i++) {
		if (!hits[i]) {
			pr_err("%s: no process maps %s, the target of patch %s", o->img_dir,
			       o->patches[i]->target_name, o->patches[i]->id);
			return -LUP_ENOTAPPLIC;
		}
	}
	return 0;
}

int lup_rewrite(const struct lup_rewrite_opts *o)
{
	size_t *hits = calloc(o->nr_patches + 1, sizeof(*hits));
	int ret = hits ? rewrite_dump(o->img_dir, o->out_dir, o->root, plan_patches, o, hits,
				      check_hits) : -ENOMEM;

	free(hits);
	return ret;
}

/* Something to revert in at least one process. */
static int check_found(const void *opts, const size_t *reverted)
{
	const struct lup_revert_opts *o = opts;

	if (*reverted)
		return 0;
	if (o->id)
		pr_err("%s: patch %s is not applied to any process", o->img_dir, o->id);
	else
		pr_err("%s: no process has a patch applied", o->img_dir);
	return -LUP_ENOTAPPLIC;
}

int lup_revert(const struct lup_revert_opts *o)
{
	size_t reverted = 0;

	return rewrite_dump(o->img_dir, o->out_dir, o->root, plan_revert, o, &reverted, check_found);
}
