/*
 * The live sequence of `lup patch` and `lup revert`: check the live process first (it
 * maps each patch's target; or it has the patch to revert), dump it, edit the images
 * (lup_rewrite or lup_revert), restore it in place; on a busy process restore the
 * original images and retry with backoff; after any failure past the dump restore the
 * original images, so the process always comes back. Each step is timed.
 */
#ifndef LUP_LIVE_H
#define LUP_LIVE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/list.h"
#include "live/criu-exec.h"
#include "core/patch.h"

enum lup_live_op {
	LUP_LIVE_OP_PATCH,			/* apply patches */
	LUP_LIVE_OP_REVERT,			/* take one patch, or all, out */
};

struct lup_live_opts {
	pid_t pid;				/* root of the process tree */
	enum lup_live_op op;
	LupPatch *const *patches;		/* patch: what to apply */
	size_t nr_patches;
	const char *revert_id;			/* revert: the patch id; NULL: every patch */
	struct lup_criu criu;
	const char *images;			/* NULL: a new directory under $TMPDIR or /var/tmp */
	bool keep;				/* keep the images after a success */
	unsigned tries;				/* dumps at most, while busy */
	unsigned max_wait_ms;			/* total backoff between tries */
};

/* What happened to the process. */
enum lup_live_state {
	LUP_LIVE_UNTOUCHED,		/* never dumped, or the dump failed and CRIU resumed it */
	LUP_LIVE_PATCHED,		/* restored from the edited images (patched or reverted) */
	LUP_LIVE_ORIGINAL,		/* restored from the original images: runs the old code */
	LUP_LIVE_LOST,			/* dumped, and no restore succeeded: it is gone */
};

/* One dump-rewrite-restore round; times in milliseconds, -1 for a step not run. */
struct lup_live_try {
	int err;				/* of this round: 0, -LUP_EBUSY, ... */
	double dump_ms, reap_ms, rewrite_ms, restore_ms, frozen_ms;
};

struct lup_live_result {
	pid_t pid;
	enum lup_live_op op;
	int err;				/* 0 or the error that decided the outcome */
	enum lup_live_state state;
	char *images;				/* the images directory when kept, else NULL */
	unsigned nr_tries;
	struct lup_live_try *tries;		/* nr_tries rounds */
	double total_ms;
};

/*
 * Runs the sequence; res is filled in every case (free it with lup_live_result_free).
 * Makes the caller a child subreaper (PR_SET_CHILD_SUBREAPER): the restored tree becomes
 * its child until it exits.
 */
int lup_live_run(const struct lup_live_opts *o, struct lup_live_result *res);
void lup_live_result_free(struct lup_live_result *res);

/* lup list: the patches applied to live process pid and its descendants. */
int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out);

/* Step times on one line per round, for people (stderr). */
void lup_live_print_times(FILE *f, const struct lup_live_result *res);
/* The result as one JSON object; the last round's times at the top (see lup(1)). */
void lup_live_print_json(FILE *f, const struct lup_live_result *res);

#endif
