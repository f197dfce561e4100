/*
 * lup patch and lup revert on a live tree: the checks made before anything is frozen,
 * then the transport's rounds (in place, or through a checkpoint), tried again after a
 * doubling backoff while a thread is busy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live/file-ids.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/lock.h"
#include "util/err.h"
#include "util/log.h"

#define BACKOFF_FIRST_MS 10u
#define BACKOFF_MAX_MS 1000u

static struct lup_live_try *new_try(struct lup_live_result *res)
{
	struct lup_live_try *t = realloc(res->tries, (res->nr_tries + 1) * sizeof(*t));

	if (!t)
		return NULL;
	res->tries = t;
	t = &t[res->nr_tries++];
	*t = lup_live_try_none;
	return t;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Rounds while busy, with a doubling backoff bounded by tries and max_wait_ms. */
int lup_live_rounds(const struct lup_live_opts *o, lup_live_round_fn round, void *ctx,
		    struct lup_live_result *res)
{
	unsigned backoff = BACKOFF_FIRST_MS, waited = 0, delay;
	int ret = -EINVAL;

	for (unsigned i = 0; i < o->tries; i++) {
		struct lup_live_try *t = new_try(res);

		if (!t)
			return -ENOMEM;
		ret = round(ctx, t, res);
		t->err = ret;
		if (ret != -LUP_EBUSY || res->state == LUP_LIVE_LOST || i + 1 == o->tries)
			break;
		if (o->stop && *o->stop) {
			pr_err("process %d: interrupted: no further try", (int)o->pid);
			break;
		}
		delay = backoff < o->max_wait_ms - waited ? backoff : o->max_wait_ms - waited;
		if (!delay)
			break;
		pr_info("process %d: busy (try %u of %u), trying again in %u ms", (int)o->pid,
			i + 1, o->tries, delay);
		sleep_ms(delay);
		waited += delay;
		backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 : BACKOFF_MAX_MS;
	}
	if (ret == -LUP_EBUSY)
		pr_err("process %d: still busy after %u tries; it runs unchanged", (int)o->pid,
		       res->nr_tries);
	return ret;
}

/*
 * Refuses a tree lup cannot take, locks every process of it (held until the run ends,
 * in *locks), then checks what can be checked before anything is frozen; files: the tree's ELF files, opened once.
 */
static int lock_and_check(const struct lup_live_opts *o, struct lup_file_ids *files,
			  struct lup_locks *locks)
{
	struct lup_live_tree tree;
	int ret = lup_live_tree_read(o->pid, &tree);

	if (ret)
		return ret;
	ret = lup_live_precheck(&tree, o->transport);
	if (!ret)
		ret = lup_locks_take(tree.pids, tree.nr, o->lock_wait_ms, 0, locks);
	if (!ret && o->op == LUP_LIVE_OP_PATCH)
		ret = lup_live_check_targets(&tree, files, o->patches, o->nr_patches);
	else if (!ret)
		ret = lup_live_check_revert(&tree, o->revert_id);
	lup_live_tree_free(&tree);
	return ret;
}

const struct lup_live_try lup_live_try_none = {
	.dump_ms = -1, .reap_ms = -1, .rewrite_ms = -1, .restore_ms = -1,
	.stop_ms = -1, .check_ms = -1, .write_ms = -1, .resume_ms = -1, .frozen_ms = -1,
};

int lup_live_run(const struct lup_live_opts *o, struct lup_live_result *res)
{
	double start = lup_live_now_ms();
	struct lup_file_ids *files = NULL;
	struct lup_locks locks = { 0 };
	int ret;

	*res = (struct lup_live_result){ .pid = o->pid, .transport = o->transport, .op = o->op,
					 .state = LUP_LIVE_UNTOUCHED };
	/* Leftovers of an earlier run on this process first (reported; a stranger now
	 * holding the pid is this run's to take). */
	ret = lup_recover(o->pid, true);
	ret = ret == -LUP_ELOST ? 0 : ret;
	if (!ret)
		ret = lup_file_ids_new(&files);
	if (!ret)
		ret = lock_and_check(o, files, &locks);
	if (!ret)
		ret = o->transport == LUP_LIVE_INPLACE ? lup_live_inplace(o, files, res) :
		      o->transport == LUP_LIVE_CONTAINER ? lup_live_container(o, res) :
							   lup_live_checkpoint(o, res);
	lup_locks_release(&locks);
	lup_file_ids_free(files);
	res->err = ret;
	res->total_ms = lup_live_now_ms() - start;
	return ret;
}

void lup_live_result_free(struct lup_live_result *res)
{
	free(res->images);
	free(res->tries);
	free(res->procs);
	*res = (struct lup_live_result){ 0 };
}
