/*
 * The checkpoint transport of a container (`lup patch --checkpoint --container ID`):
 * through its runtime's own checkpoint and restore, so that the runtime keeps the
 * container, its monitor its parent and its state its own (lib/live/container.c):
 * podman's checkpoint, or runc's into lup's images directory; the images patched in
 * place (the originals in lup-orig/, lib/images/swap.c); the runtime's restore. A
 * failed restore of the patched images puts the originals back and restores them; a
 * busy process is tried again after the backoff, as the other transports do.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/swap.h"
#include "live/container.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "util/err.h"
#include "util/log.h"

#define NEW_DIR ".lup-new"

struct round {
	const struct lup_live_opts *o;
	struct lup_container *p;
};

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

/* The checkpoint's images edited (patch or revert) and swapped in place. */
static int edit_in_place(const struct round *r)
{
	char out[4200];
	int dfd, ret;

	snprintf(out, sizeof(out), "%s/" NEW_DIR, r->p->ckdir);
	nftw(out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	ret = lup_live_edit(r->o, r->p->ckdir, out, r->p->rootfs);
	dfd = ret ? -1 : open(r->p->ckdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ret && dfd < 0)
		ret = -errno;
	if (!ret)
		ret = lup_swap_in(dfd, r->p->ckdir, NEW_DIR);
	if (dfd >= 0)
		close(dfd);
	nftw(out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}

/* After a failed restore of the patched images: the originals back, restored. */
static enum lup_live_state fall_back(const struct round *r)
{
	int dfd = open(r->p->ckdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = dfd < 0 ? -errno : lup_swap_out(dfd, r->p->ckdir);

	if (dfd >= 0)
		close(dfd);
	if (!ret)
		ret = lup_container_restore(r->p, r->o->criu.timeout_ms);
	return ret ? LUP_LIVE_LOST : LUP_LIVE_ORIGINAL;	/* LOST: said by the caller */
}

static int one_round(void *ctx, struct lup_live_try *t, struct lup_live_result *res)
{
	const struct round *r = ctx;
	double s = lup_live_now_ms(), e;
	int ret = lup_container_checkpoint(r->p, r->o->criu.timeout_ms);

	t->dump_ms = (e = lup_live_now_ms()) - s;
	if (ret)
		return ret;	/* podman leaves the container running */
	ret = edit_in_place(r);
	t->rewrite_ms = lup_live_now_ms() - e;
	e = lup_live_now_ms();
	if (ret) {
		/* Nothing swapped in (or rolled back): the originals, as checkpointed. */
		res->state = lup_container_restore(r->p, r->o->criu.timeout_ms) ? fall_back(r) :
									       LUP_LIVE_ORIGINAL;
	} else if (lup_container_restore(r->p, r->o->criu.timeout_ms)) {
		ret = -LUP_ECRIU;
		res->state = fall_back(r);
	} else {
		res->state = LUP_LIVE_PATCHED;
	}
	t->restore_ms = lup_live_now_ms() - e;
	t->frozen_ms = lup_live_now_ms() - s;
	return ret;
}

int lup_live_container(const struct lup_live_opts *o, struct lup_live_result *res)
{
	struct lup_live_dirs dirs = { 0 };
	struct lup_container c;
	struct round r = { .o = o, .p = &c };
	char cmd[8192];
	int ret = lup_live_dirs_init(&dirs, o->images, o->pid);

	if (!ret)
		ret = lup_live_dirs_reset(&dirs);	/* orig/: runc's images */
	if (!ret)
		ret = lup_container_open(o->container, dirs.orig, &c);
	if (ret) {
		lup_live_dirs_free(&dirs);
		return ret;
	}
	lup_container_restore_cmd(&c, cmd, sizeof(cmd));
	pr_info("container %s: images in %s; should this run be cut short: %s", o->container,
		c.ckdir, cmd);
	ret = lup_live_rounds(o, one_round, &r, res);
	if (res->state == LUP_LIVE_LOST)
		pr_err("container %s: LOST: not restored; once the cause is fixed: %s", c.id, cmd);
	lup_container_close(&c);
	if (ret || o->keep || lup_live_dirs_remove(&dirs))
		res->images = strdup(dirs.top);
	lup_live_dirs_free(&dirs);
	return ret;
}
