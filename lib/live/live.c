/*
 * The live sequence: check, then rounds of dump - reap - edit - restore, where the edit
 * is lup_rewrite (patch) or lup_revert (revert).
 * With lup.so, the dump's gate refuses a busy process before anything is written (it
 * runs on, untouched); without it a busy process is restored from its original images
 * at once. Either way it is tried again after a doubling backoff; any failure after a
 * dump restores the original images.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "util/log.h"
#include "images/rewrite.h"

#define BACKOFF_FIRST_MS 10u
#define BACKOFF_MAX_MS 1000u

/* The state of one round: the options, the images, the round's times. */
struct round {
	const struct lup_live_opts *o;
	struct lup_live_dirs *dirs;
	struct lup_live_tree tree;
	struct lup_live_try *t;
	double dump_start;
	const struct lup_gate *gate;	/* what lup.so checks before the dump; NULL: no gate */
};

static int restore_from(struct round *r, const char *dir)
{
	double s = lup_live_now_ms();
	int ret = lup_criu_restore(&r->o->criu, dir);
	double e = lup_live_now_ms();

	r->t->restore_ms = (r->t->restore_ms < 0 ? 0 : r->t->restore_ms) + (e - s);
	r->t->frozen_ms = e - r->dump_start;
	return ret;
}

/* After a failure past the dump: the original images bring the process back. */
static enum lup_live_state fall_back(struct round *r)
{
	pid_t pid = r->o->pid;

	/* A restore that failed or was killed half-way may still hold some pids. */
	if (lup_live_wait_gone(&r->tree, r->o->criu.timeout_ms) == 0) {
		pr_info("process %d: restoring the original images %s", (int)pid, r->dirs->orig);
		if (restore_from(r, r->dirs->orig) == 0)
			return LUP_LIVE_ORIGINAL;
	}
	pr_err("process %d: LOST: not restored; once the cause is fixed: criu restore -d -D %s (plus the options given after --)",
	       (int)pid, r->dirs->orig);
	return LUP_LIVE_LOST;
}

static int dump(struct round *r, enum lup_live_state *state)
{
	int ret = lup_criu_dump(&r->o->criu, r->o->pid, r->dirs->orig, r->gate);
	double s = lup_live_now_ms();

	r->t->dump_ms = s - r->dump_start;
	if (ret) {
		/*
		 * CRIU resumes the tree when a dump fails, unless it failed (or was killed)
		 * after killing it: then the images it wrote are the only way back.
		 */
		if (!lup_live_alive(r->o->pid)) {
			pr_err("process %d: gone after the failed dump", (int)r->o->pid);
			*state = fall_back(r);
		}
		return ret;
	}
	ret = lup_live_wait_gone(&r->tree, r->o->criu.timeout_ms);
	r->t->reap_ms = lup_live_now_ms() - s;
	return ret;
}

/* The images of orig edited into patched. */
static int edit(const struct lup_live_opts *o, const struct lup_live_dirs *dirs)
{
	struct lup_rewrite_opts ro = {
		.img_dir = dirs->orig,
		.out_dir = dirs->patched,
		.patches = o->patches,
		.nr_patches = o->nr_patches,
	};
	struct lup_revert_opts vo = {
		.img_dir = dirs->orig,
		.out_dir = dirs->patched,
		.id = o->revert_id,
	};

	return o->op == LUP_LIVE_OP_PATCH ? lup_rewrite(&ro) : lup_revert(&vo);
}

static int rewrite(struct round *r)
{
	double s = lup_live_now_ms();
	int ret = edit(r->o, r->dirs);

	r->t->rewrite_ms = lup_live_now_ms() - s;
	return ret;
}

/* One round; *state tells where the process is afterwards. */
static int one_round(struct round *r, enum lup_live_state *state)
{
	int ret = lup_live_dirs_reset(r->dirs);

	if (!ret)
		ret = lup_live_tree_read(r->o->pid, &r->tree);
	if (ret)
		return ret;
	r->dump_start = lup_live_now_ms();
	ret = dump(r, state);
	if (ret && ret != -ETIMEDOUT)
		return ret;
	if (!ret)
		ret = rewrite(r);
	if (!ret)
		ret = restore_from(r, r->dirs->patched);
	if (!ret) {
		*state = LUP_LIVE_PATCHED;
		return 0;
	}
	*state = fall_back(r);
	return ret;
}

static struct lup_live_try *new_try(struct lup_live_result *res)
{
	struct lup_live_try *t = realloc(res->tries, (res->nr_tries + 1) * sizeof(*t));

	if (!t)
		return NULL;
	res->tries = t;
	t = &t[res->nr_tries++];
	*t = (struct lup_live_try){ .dump_ms = -1, .reap_ms = -1, .rewrite_ms = -1,
				    .restore_ms = -1, .frozen_ms = -1 };
	return t;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Rounds while busy, with a doubling backoff bounded by tries and max_wait_ms. */
static int rounds(const struct lup_live_opts *o, struct lup_live_dirs *dirs,
		  const struct lup_gate *gate, struct lup_live_result *res)
{
	unsigned backoff = BACKOFF_FIRST_MS, waited = 0, delay;
	struct round r = { .o = o, .dirs = dirs, .gate = gate };
	int ret = -EINVAL;

	for (unsigned i = 0; i < o->tries; i++) {
		r.t = new_try(res);
		if (!r.t)
			return -ENOMEM;
		ret = one_round(&r, &res->state);
		r.t->err = ret;
		lup_live_tree_free(&r.tree);
		if (ret != -LUP_EBUSY || res->state == LUP_LIVE_LOST || i + 1 == o->tries)
			break;
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

/* What is checked before anything is frozen. */
static int check(const struct lup_live_opts *o)
{
	struct lup_live_tree tree;
	int ret = lup_live_tree_read(o->pid, &tree);

	if (ret)
		return ret;
	if (o->op == LUP_LIVE_OP_PATCH)
		ret = lup_live_check_targets(&tree, o->patches, o->nr_patches);
	else
		ret = lup_live_check_revert(&tree, o->revert_id);
	lup_live_tree_free(&tree);
	return ret;
}

/* DIR/NNNN.lup, the i-th patch of the gate's directory; NULL without memory. */
static char *patch_path(const char *dir, size_t i)
{
	char *path;

	return asprintf(&path, "%s/%04zu.lup", dir, i) < 0 ? NULL : path;
}

/*
 * The gate's configuration, private to this run: DIR/patches holding exactly the
 * patches being applied (named in their order), given to the dump as LUP_PATCH_DIR.
 */
static int write_patch_dir(const struct lup_live_opts *o, const char *top, char **out)
{
	char *dir, *path;
	int ret = 0;

	if (asprintf(&dir, "%s/patches", top) < 0)
		return -ENOMEM;
	if (mkdir(dir, 0700)) {
		ret = -errno;
		pr_err("%s: cannot create: %s", dir, strerror(errno));
		free(dir);
		return ret;
	}
	*out = dir;
	for (size_t i = 0; !ret && i < o->nr_patches; i++) {
		path = patch_path(dir, i);
		ret = path ? lup_patch_write(path, o->patches[i]) : -ENOMEM;
		free(path);
	}
	return ret;
}

static void remove_patch_dir(char *dir, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		char *path = patch_path(dir, i);

		if (path)
			unlink(path);
		free(path);
	}
	rmdir(dir);
	free(dir);
}

int lup_live_run(const struct lup_live_opts *o, struct lup_live_result *res)
{
	double start = lup_live_now_ms();
	struct lup_live_dirs dirs = { 0 };
	struct lup_gate gate = { .revert = o->op == LUP_LIVE_OP_REVERT, .revert_id = o->revert_id };
	char *patch_dir = NULL;
	int ret;

	*res = (struct lup_live_result){ .pid = o->pid, .op = o->op, .state = LUP_LIVE_UNTOUCHED };
	/*
	 * criu restore -d leaves the restored tree to the nearest subreaper: being one makes
	 * it our child, so that the next round reaps it at once instead of waiting for init.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ret = check(o);
	if (!ret)
		ret = lup_live_dirs_init(&dirs, o->images, o->pid);
	if (!ret && o->criu.plugin_dir && o->op == LUP_LIVE_OP_PATCH)
		ret = write_patch_dir(o, dirs.top, &patch_dir);
	gate.patch_dir = patch_dir;
	if (!ret)
		ret = rounds(o, &dirs, o->criu.plugin_dir ? &gate : NULL, res);
	if (patch_dir)
		remove_patch_dir(patch_dir, o->nr_patches);
	if (!ret || res->nr_tries) {
		/* Kept after a failure (to look into, or to restore by hand) and on request. */
		if (ret || o->keep || lup_live_dirs_remove(&dirs))
			res->images = strdup(dirs.top);
	} else if (dirs.created) {
		rmdir(dirs.top);
	}
	lup_live_dirs_free(&dirs);
	res->err = ret;
	res->total_ms = lup_live_now_ms() - start;
	return ret;
}

void lup_live_result_free(struct lup_live_result *res)
{
	free(res->images);
	free(res->tries);
	*res = (struct lup_live_result){ 0 };
}
