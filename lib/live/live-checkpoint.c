/*
 * The checkpoint transport of `lup patch` and `lup revert`: rounds of dump - edit -
 * kill - restore, where the edit is lup_rewrite (patch) or lup_revert (revert).
 * With lup.so, the dump's gate refuses a busy process before anything is written (it
 * runs on, untouched); without it a busy process is restored from its original images
 * at once. Either way it is tried again after a doubling backoff; any failure after a
 * dump restores the original images. The dump leaves the tree stopped and lup kills it
 * only once it can restore it; a journal (live/journal.h) says at every step what
 * `lup recover` must do if this run ends before the restore.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/rewrite.h"
#include "live/journal.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/proc.h"
#include "util/err.h"
#include "util/log.h"

/* The state of one round: the options, the images, the round's times. */
struct round {
	const struct lup_live_opts *o;
	struct lup_criu criu;		/* o->criu, each run's pid told to the journal */
	struct lup_journal journal;
	struct lup_live_dirs *dirs;
	struct lup_live_tree tree;
	struct lup_live_try *t;
	double dump_start;
	const struct lup_gate *gate;	/* what lup.so checks before the dump; NULL: no gate */
};

/* The next step, journaled before it is taken (no criu run in progress). */
static void journal_step(struct round *r, enum lup_journal_step step)
{
	r->journal.step = step;
	r->journal.running = 0;
	lup_journal_write(&r->journal);
}

/*
 * criu-exec's started hook: the run's pid journaled before it may exec (so that lup
 * recover waits for a criu that outlived its lup, and never acts under it).
 */
static void journal_criu(void *arg, pid_t pid)
{
	struct lup_journal *j = arg;
	struct lup_proc_stat st;

	j->running = pid;
	j->running_start = lup_proc_stat(pid, &st) == 0 ? st.start : 0;
	lup_journal_write(j);
}

static int restore_from(struct round *r, const char *dir)
{
	double s = lup_live_now_ms();
	int ret = lup_criu_restore(&r->criu, dir);
	double e = lup_live_now_ms();

	r->t->restore_ms = (r->t->restore_ms < 0 ? 0 : r->t->restore_ms) + (e - s);
	r->t->frozen_ms = e - r->dump_start;
	return ret;
}

/* After a failure past the dump: the original images bring the process back. */
static enum lup_live_state fall_back(struct round *r)
{
	pid_t pid = r->o->pid;

	journal_step(r, LUP_STEP_FALLBACK);
	/* A restore that failed or was killed half-way may still hold some pids. */
	if (lup_live_wait_gone(&r->tree, r->o->criu.timeout_ms) == 0) {
		pr_info("process %d: restoring the original images %s", (int)pid, r->dirs->orig);
		if (restore_from(r, r->dirs->orig) == 0)
			return LUP_LIVE_ORIGINAL;
	}
	pr_err("process %d: LOST: not restored; once the cause is fixed: lup recover %d (or criu restore -d -D %s plus the options given after --)",
	       (int)pid, (int)pid, r->dirs->orig);
	return LUP_LIVE_LOST;
}

static int dump(struct round *r, enum lup_live_state *state)
{
	int ret = lup_criu_dump(&r->criu, r->o->pid, r->dirs->orig, r->gate);
	double s = lup_live_now_ms();

	r->t->dump_ms = s - r->dump_start;
	if (ret) {
		/* CRIU resumes the tree when a dump fails; gone all the same, the images are
		 * the only way back. */
		if (!lup_live_alive(r->o->pid)) {
			pr_err("process %d: gone after the failed dump", (int)r->o->pid);
			*state = fall_back(r);
		}
	}
	return ret;
}

/*
 * The tree the dump left stopped, read again (what the dump took), journaled, killed:
 * its pids must be free for the restore. -ETIMEDOUT when they are not.
 */
static int take_down(struct round *r)
{
	double s = lup_live_now_ms();
	struct lup_live_tree stopped;
	int ret;

	if (lup_live_tree_read(r->o->pid, &stopped) == 0) {
		lup_live_tree_free(&r->tree);
		r->tree = stopped;
	}
	/* Killed even if the journal cannot be written: the images are complete. */
	lup_journal_set_tree(&r->journal, r->tree.pids, r->tree.nr);
	journal_step(r, LUP_STEP_RESTORE);
	for (size_t i = 0; i < r->tree.nr; i++)
		kill(r->tree.pids[i], SIGKILL);
	ret = lup_live_wait_gone(&r->tree, r->o->criu.timeout_ms);
	r->t->reap_ms = lup_live_now_ms() - s;
	return ret;
}

int lup_live_edit(const struct lup_live_opts *o, const char *in, const char *out,
		  const char *root)
{
	struct lup_rewrite_opts ro = {
		.img_dir = in, .out_dir = out, .root = root,
		.patches = o->patches, .nr_patches = o->nr_patches,
	};
	struct lup_revert_opts vo = { .img_dir = in, .out_dir = out, .root = root, .id = o->revert_id };

	return o->op == LUP_LIVE_OP_PATCH ? lup_rewrite(&ro) : lup_revert(&vo);
}

static int rewrite(struct round *r)
{
	double s = lup_live_now_ms();
	int ret = lup_live_edit(r->o, r->dirs->orig, r->dirs->patched, NULL);

	r->t->rewrite_ms = lup_live_now_ms() - s;
	return ret;
}

/* One round; *state tells where the process is afterwards. */
static int one_round(void *ctx, struct lup_live_try *t, struct lup_live_result *res)
{
	struct round *r = ctx;
	enum lup_live_state *state = &res->state;
	int ret;

	r->t = t;
	ret = lup_live_dirs_reset(r->dirs);

	if (!ret)
		ret = lup_live_tree_read(r->o->pid, &r->tree);
	if (ret)
		return ret;
	journal_step(r, LUP_STEP_DUMP);
	r->dump_start = lup_live_now_ms();
	ret = dump(r, state);
	if (!ret) {
		ret = rewrite(r);
		ret = take_down(r) ?: ret;
		if (!ret)
			ret = restore_from(r, r->dirs->patched);
		*state = ret ? fall_back(r) : LUP_LIVE_PATCHED;
	}
	lup_journal_set_tree(&r->journal, NULL, 0);
	lup_live_tree_free(&r->tree);
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
		ret = path ? lup_patch_write_bytes(path, o->patch_bytes[i].buf,
						   o->patch_bytes[i].len) : -ENOMEM;
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

/* The journal of the run, before anything is frozen; the images' path said first. */
static int begin_journal(struct round *r)
{
	int ret = lup_journal_begin(&r->journal, r->o->pid, r->dirs->top, &r->o->criu);

	if (ret)
		return ret;
	r->criu.started = journal_criu;
	r->criu.started_arg = &r->journal;
	pr_info("process %d: images in %s; should this run be cut short: lup recover %d",
		(int)r->o->pid, r->dirs->top, (int)r->o->pid);
	return 0;
}

int lup_live_checkpoint(const struct lup_live_opts *o, struct lup_live_result *res)
{
	struct lup_live_dirs dirs = { 0 };
	struct lup_gate gate = { .revert = o->op == LUP_LIVE_OP_REVERT, .revert_id = o->revert_id };
	struct round r = { .o = o, .criu = o->criu, .dirs = &dirs };
	char *patch_dir = NULL;
	int ret;

	/*
	 * criu restore -d leaves the restored tree to the nearest subreaper: being one makes
	 * it our child, so that the next round reaps it at once instead of waiting for init.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ret = lup_criu_check_version(&o->criu);
	if (!ret)
		ret = lup_live_dirs_init(&dirs, o->images, o->pid);
	if (!ret && o->criu.plugin_dir && o->op == LUP_LIVE_OP_PATCH)
		ret = write_patch_dir(o, dirs.top, &patch_dir);
	gate.patch_dir = patch_dir;
	r.gate = o->criu.plugin_dir ? &gate : NULL;
	if (!ret)
		ret = begin_journal(&r);
	if (!ret) {
		ret = lup_live_rounds(o, one_round, &r, res);
		if (res->state == LUP_LIVE_LOST)
			lup_journal_free(&r.journal);	/* kept for lup recover */
		else
			lup_journal_end(&r.journal);
	}
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
	return ret;
}

