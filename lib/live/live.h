/*
 * `lup patch` and `lup revert` on a live process tree: check the live processes first
 * (some maps each patch's target; or has the patch to revert), then one of two
 * transports, retrying with backoff while a thread is busy. Each step is timed.
 * - in place (lib/live/inplace.c): each process that needs it is frozen with libcompel,
 *   the core plans over its stopped threads, the plan is written into it, it runs on;
 * - checkpoint (lib/live/live-checkpoint.c): dump the tree, edit the images (lup_rewrite
 *   or lup_revert), restore it in place; after any failure past the dump the original
 *   images are restored, so the process always comes back.
 */
#ifndef LUP_LIVE_H
#define LUP_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/list.h"
#include "live/criu-exec.h"
#include "core/patch.h"

enum lup_live_transport {
	LUP_LIVE_INPLACE,			/* the default */
	LUP_LIVE_CHECKPOINT,			/* criu dump, rewrite, criu restore */
	LUP_LIVE_CONTAINER,			/* the runtime's checkpoint, rewrite, restore */
};

enum lup_live_op {
	LUP_LIVE_OP_PATCH,			/* apply patches */
	LUP_LIVE_OP_REVERT,			/* take one patch, or all, out */
};

struct lup_live_opts {
	pid_t pid;				/* root of the process tree */
	enum lup_live_transport transport;
	enum lup_live_op op;
	LupPatch *const *patches;		/* patch: what to apply */
	const struct lup_patch_bytes *patch_bytes;	/* their files' bytes, for the dump gate */
	size_t nr_patches;
	const char *revert_id;			/* revert: the patch id; NULL: every patch */
	struct lup_criu criu;
	const char *images;			/* NULL: a new directory under $TMPDIR or /var/tmp */
	const char *container;			/* LUP_LIVE_CONTAINER: the container's name */
	bool keep;				/* keep the images after a success */
	unsigned tries;				/* dumps at most, while busy */
	unsigned max_wait_ms;			/* total backoff between tries */
	unsigned lock_wait_ms;			/* wait for another lup run's locks */
	volatile sig_atomic_t *stop;		/* set (by a signal): no further try; NULL */
};

/* What happened to the process. */
enum lup_live_state {
	LUP_LIVE_UNTOUCHED,		/* never dumped, or the dump failed and CRIU resumed it */
	LUP_LIVE_PATCHED,		/* restored from the edited images (patched or reverted) */
	LUP_LIVE_ORIGINAL,		/* restored from the original images: runs the old code */
	LUP_LIVE_LOST,			/* dumped, and no restore succeeded: it is gone */
	LUP_LIVE_PARTIAL,		/* in place: some processes of the tree changed, not all */
};

/*
 * One round; times in milliseconds, -1 for a step not run. Checkpoint: dump, reap,
 * rewrite, restore. In place, summed over the processes frozen: stop, check (the plan
 * over the stopped threads), write, resume. frozen: the longest freeze of a process.
 */
struct lup_live_try {
	int err;				/* of this round: 0, -LUP_EBUSY, ... */
	double dump_ms, reap_ms, rewrite_ms, restore_ms;
	double stop_ms, check_ms, write_ms, resume_ms;
	double frozen_ms;
};

/* In place: what happened to one process of the tree. */
struct lup_live_proc {
	pid_t pid;
	bool changed;				/* patched (or reverted) */
	int err;				/* why not, when it needed it */
};

struct lup_live_result {
	pid_t pid;
	enum lup_live_transport transport;
	enum lup_live_op op;
	int err;				/* 0 or the error that decided the outcome */
	enum lup_live_state state;
	char *images;				/* the images directory when kept, else NULL */
	unsigned nr_tries;
	struct lup_live_try *tries;		/* nr_tries rounds */
	size_t nr_procs;
	struct lup_live_proc *procs;		/* in place: the processes that needed a change */
	double total_ms;
};

/*
 * Runs the sequence; res is filled in every case (free it with lup_live_result_free).
 * The checkpoint transport makes the caller a child subreaper (PR_SET_CHILD_SUBREAPER):
 * the restored tree becomes its child until it exits.
 */
int lup_live_run(const struct lup_live_opts *o, struct lup_live_result *res);
void lup_live_result_free(struct lup_live_result *res);

/*
 * lup recover: brings back the processes of checkpoint runs that ended between their
 * dump and their restore (lib/live/recover.c): of root pid, or of every run (pid 0).
 * quiet: nothing said when there is nothing to do. -LUP_ELOST when one could not be
 * restored (its journal stays, to try again), -LUP_ELOCKED when a run still holds pid.
 */
int lup_recover(pid_t pid, bool quiet);

/*
 * lup check (lib/live/check.c): whether lup can run here (criu, /run/lup, ptrace), and
 * notes (lup.so in plugin_dir, the trust store, lup.conf), on out. -EINVAL when not.
 */
int lup_check(const struct lup_criu *c, const char *plugin_dir, FILE *out);

/*
 * lup patch --every (lib/live/live-every.c): the processes of the host that map a
 * patch's target, roots of their trees only (malloc'ed into *out).
 */
int lup_live_every(LupPatch *const *patches, size_t nr, pid_t **out, size_t *nr_out);

/* lup list (no PID): every process of the host that has patches, and its patches. */
int lup_list_host(enum lup_list_format fmt, FILE *out);

/* lup list: the patches applied to live process pid and its descendants. */
int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out);
/*
 * lup list --gdb DIR: each patch applied to pid and its descendants as an ELF file in
 * dir (code, unwind tables, replaced functions' names, from the process's memory), and
 * on out the gdb commands that load them (gdb -p PID -x <(lup list --gdb DIR PID)).
 */
int lup_list_gdb(pid_t pid, const char *dir, FILE *out);

/* Step times on one line per round, for people (stderr). */
void lup_live_print_times(FILE *f, const struct lup_live_result *res);
/* The result as one JSON object; the last round's times at the top (see lup(1)). */
void lup_live_print_json(FILE *f, const struct lup_live_result *res);

#endif
