/*
 * The in-place transport of `lup patch` and `lup revert`: no dump, no kill. Each process
 * of the tree that needs a change is planned first while it runs (a dry run: it fills
 * the caches of ELF files and symbols, and refuses what cannot apply before anything is
 * stopped), then frozen with libcompel: the core plans again over its stopped threads
 * (the stack check sees them), the plan is committed into it (lib/live/inplace-commit.c)
 * and it runs on, with every register and interrupted call as it was. A busy process is
 * let go at once and tried again after the backoff; each process ends changed or not.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/view.h"
#include "live/file-ids.h"
#include "live/freeze.h"
#include "live/inplace.h"
#include "live/live-priv.h"
#include "live/view-live.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"

struct inplace {
	const struct lup_live_opts *o;
	struct lup_live_tree tree;
	struct lup_file_ids *files;	/* the tree's ELF files, opened once (the caller's) */
	bool *done;			/* per process of the tree: nothing left to do */
	uint64_t *base;			/* per patch: where the last plan put its image */
};

/*
 * The operation planned over v: 1 when it changes the process, 0 when not, or an error.
 * base: per patch, where its image goes (0: not planned).
 */
static int plan(const struct lup_live_opts *o, struct lup_op *op, uint64_t *base)
{
	size_t nr;
	int ret = 0;

	if (o->op == LUP_LIVE_OP_REVERT)
		ret = lup_op_revert(op, o->revert_id, &nr);
	for (size_t i = 0; ret >= 0 && o->op == LUP_LIVE_OP_PATCH && i < o->nr_patches; i++) {
		base[i] = 0;
		ret = lup_op_apply(op, o->patches[i], &base[i]);
	}
	return ret < 0 ? ret : !lup_plan_empty(&op->plan);
}

/* The view of pid (with its frozen threads when f), the core's operation and its plan. */
static int plan_view(struct inplace *ip, pid_t pid, struct lup_frozen *f, struct lup_view *v,
		     struct lup_op **op)
{
	int ret = lup_view_live(pid, ip->files, 0, v);

	for (size_t i = 0; !ret && f && i < lup_frozen_nr_threads(f); i++) {
		const struct lup_frozen_thread *t = lup_frozen_thread(f, i);

		ret = lup_view_live_add_thread(v, t->tid, &t->regs);
	}
	if (!ret)
		ret = lup_op_open(v, op);
	return ret ? ret : plan(ip->o, *op, ip->base);
}

static void free_view(struct lup_view *v, struct lup_op *op)
{
	lup_op_free(op);
	if (v->ops)
		lup_view_free(v);
}

/* Before freezing: 1 when pid needs a change (reported errors otherwise). */
static int dry_run(struct inplace *ip, pid_t pid)
{
	struct lup_op *op = NULL;
	struct lup_view v = { 0 };
	int ret = plan_view(ip, pid, NULL, &v, &op);

	free_view(&v, op);
	return ret;
}

/* No thread may stand inside the bytes a write replaces (past their first one). */
static int check_ips(struct lup_frozen *f, const struct lup_plan *p)
{
	for (size_t i = 0; i < lup_frozen_nr_threads(f); i++) {
		const struct lup_frozen_thread *t = lup_frozen_thread(f, i);

		for (size_t k = 0; k < p->nr_writes; k++) {
			const struct lup_plan_write *w = &p->writes[k];

			if (t->resume_ip > w->addr && t->resume_ip < w->addr + w->len) {
				pr_err("process %d thread %d is at %#" PRIx64 ", inside bytes to be replaced",
				       (int)lup_frozen_pid(f), (int)t->tid, t->resume_ip);
				return -LUP_EBUSY;
			}
		}
	}
	return 0;
}

static void add_ms(double *sum, double ms)
{
	*sum = (*sum < 0 ? 0 : *sum) + ms;
}

/* The start of the executable's text: a place for remote calls that no plan removes. */
static uint64_t call_site(const struct lup_view *v)
{
	for (size_t i = 0; i < v->nr_maps; i++)
		if (v->maps[i].file >= 0 && v->maps[i].file == v->exe && (v->maps[i].prot & PROT_EXEC))
			return v->maps[i].start;
	return 0;
}

/*
 * Frozen: plan over the stopped threads, check, commit. 1 when committed, 0 when the
 * process needs nothing any more (changed since the dry run), or an error.
 */
static int change_frozen(struct inplace *ip, struct lup_frozen *f, struct lup_live_try *t)
{
	struct lup_op *op = NULL;
	struct lup_view v = { 0 };
	double s = lup_live_now_ms(), w;
	int ret = plan_view(ip, lup_frozen_pid(f), f, &v, &op);

	if (ret > 0)
		ret = check_ips(f, &op->plan) ?: 1;
	w = lup_live_now_ms();
	add_ms(&t->check_ms, w - s);
	if (ret > 0) {
		lup_frozen_set_call_site(f, call_site(&v));
		ret = lup_inplace_commit(f, &op->plan) ?: 1;
		add_ms(&t->write_ms, lup_live_now_ms() - w);
	}
	free_view(&v, op);
	return ret;
}

static void report_placed(const struct inplace *ip, pid_t pid)
{
	for (size_t i = 0; ip->o->op == LUP_LIVE_OP_PATCH && i < ip->o->nr_patches; i++)
		if (ip->base[i])
			pr_info("process %d: patch %s placed at 0x%" PRIx64, (int)pid,
				ip->o->patches[i]->id, ip->base[i]);
}

/*
 * One process: 1 when changed, 0 when it needs nothing, else an error (a thaw that
 * failed after the change too: reported, the process may not run on).
 */
static int change_proc(struct inplace *ip, pid_t pid, struct lup_live_try *t)
{
	struct lup_frozen *f;
	double s, r, e;
	int ret = dry_run(ip, pid), thawed;

	if (ret <= 0)
		return ret;
	s = lup_live_now_ms();
	ret = lup_freeze(pid, &f);
	r = lup_live_now_ms();
	add_ms(&t->stop_ms, r - s);
	if (ret)
		return ret;
	ret = change_frozen(ip, f, t);
	r = lup_live_now_ms();
	thawed = lup_thaw(f);
	e = lup_live_now_ms();
	add_ms(&t->resume_ms, e - r);
	if (e - s > t->frozen_ms)
		t->frozen_ms = e - s;
	if (ret > 0)
		report_placed(ip, pid);
	return ret >= 0 && thawed ? thawed : ret;
}

static bool gone(int err)
{
	return err == -ESRCH || err == -ENOENT;
}

/* Changed, partly changed or not, from what the processes did so far. */
static enum lup_live_state settle(const struct lup_live_result *res, bool unfinished)
{
	size_t changed = 0;

	for (size_t i = 0; i < res->nr_procs; i++)
		changed += res->procs[i].changed;
	if (!changed)
		return LUP_LIVE_UNTOUCHED;
	return unfinished ? LUP_LIVE_PARTIAL : LUP_LIVE_PATCHED;
}

/*
 * One round over the processes not done yet. A busy one is left for the next round; any
 * other error ends the round (the processes changed so far stay changed). A descendant
 * that ended meanwhile is done.
 */
static int one_round(void *ctx, struct lup_live_try *t, struct lup_live_result *res)
{
	struct inplace *ip = ctx;
	size_t pending = 0;
	int ret = 0, r;

	for (size_t i = 0; !ret && i < ip->tree.nr; i++) {
		pid_t pid = ip->tree.pids[i];

		if (ip->done[i])
			continue;
		r = change_proc(ip, pid, t);
		ip->done[i] = r >= 0 || (i && gone(r));
		if (r > 0 || (r < 0 && !ip->done[i] && r != -LUP_EBUSY))
			ret = LUP_ARRAY_PUSH(res->procs, res->nr_procs,
					     (struct lup_live_proc){ pid, r > 0, r > 0 ? 0 : r });
		if (!ret && r < 0 && !ip->done[i] && r != -LUP_EBUSY)
			ret = r;
		pending += r == -LUP_EBUSY;
	}
	res->state = settle(res, pending || ret);
	return ret ? ret : pending ? -LUP_EBUSY : 0;
}

int lup_live_inplace(const struct lup_live_opts *o, struct lup_file_ids *files,
		     struct lup_live_result *res)
{
	struct inplace ip = { .o = o, .files = files };
	int ret = lup_live_tree_read(o->pid, &ip.tree);

	if (ret)
		return ret;
	ip.done = calloc(ip.tree.nr + 1, sizeof(*ip.done));
	ip.base = calloc(o->nr_patches + 1, sizeof(*ip.base));
	ret = ip.done && ip.base ? lup_live_rounds(o, one_round, &ip, res) : -ENOMEM;
	free(ip.base);
	free(ip.done);
	lup_live_tree_free(&ip.tree);
	return ret;
}
