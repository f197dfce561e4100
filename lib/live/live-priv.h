/* Internals of the live-patch sequence shared by lib/live*.c. */
#ifndef LUP_LIVE_PRIV_H
#define LUP_LIVE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/patch.h"
#include "live/live.h"

struct lup_file_ids;

/* The processes of a tree, root first. */
struct lup_live_tree {
	size_t nr;
	pid_t *pids;
};

/*
 * Refuses (-LUP_ETREE, reported) a tree that holds this lup run, or, for the checkpoint
 * transport, one with a pipe or FIFO whose other end is outside it (live-precheck.c).
 */
int lup_live_precheck(const struct lup_live_tree *t, enum lup_live_transport transport);

/* Collects pid and its descendants from /proc (the tree criu dump -t pid takes). */
int lup_live_tree_read(pid_t pid, struct lup_live_tree *t);
void lup_live_tree_free(struct lup_live_tree *t);

/*
 * Before anything is frozen: every patch's target (by build-id) is mapped by some process
 * of the tree with the original bytes at each replaced entry. -LUP_ENOTAPPLIC (reported:
 * other build, or already applied) or another negative error. ids: the tree's ELF files.
 */
int lup_live_check_targets(const struct lup_live_tree *t, struct lup_file_ids *ids,
			   LupPatch *const *patches, size_t nr);
/*
 * Before anything is frozen: some process of the tree has patch id applied (NULL: any
 * patch) and the revert-order rule lets it out, from the records in live memory.
 * -LUP_ENOTAPPLIC (reported) or another negative error.
 */
int lup_live_check_revert(const struct lup_live_tree *t, const char *id);

/*
 * After a dump killed the tree: waits until every pid of it is free again, reaping the
 * root when it is our child (waitpid), else polling every millisecond. -ETIMEDOUT.
 */
int lup_live_wait_gone(const struct lup_live_tree *t, unsigned timeout_ms);
/* The process exists and is not a zombie. */
bool lup_live_alive(pid_t pid);

/* The images directory: DIR/orig, DIR/patched. */
struct lup_live_dirs {
	char *top, *orig, *patched;
	bool created;			/* top was made by us (removed with the rest) */
};

/* Creates top (given or a new one under $TMPDIR or /var/tmp); orig and patched must not exist. */
int lup_live_dirs_init(struct lup_live_dirs *d, const char *top, pid_t pid);
/* Removes orig and patched, then makes orig again, empty: before each dump. */
int lup_live_dirs_reset(struct lup_live_dirs *d);
/* Removes what lup made. */
int lup_live_dirs_remove(struct lup_live_dirs *d);
void lup_live_dirs_free(struct lup_live_dirs *d);

/* Monotonic time in milliseconds. */
double lup_live_now_ms(void);

/* A round with no step run (every time -1). */
extern const struct lup_live_try lup_live_try_none;
/*
 * One round of a transport over the tree: fills t, sets res->state (and res->procs).
 * 0, -LUP_EBUSY (tried again after a backoff) or another error.
 */
typedef int (*lup_live_round_fn)(void *ctx, struct lup_live_try *t, struct lup_live_result *res);
/* Rounds while busy, with a doubling backoff bounded by o->tries and o->max_wait_ms. */
int lup_live_rounds(const struct lup_live_opts *o, lup_live_round_fn round, void *ctx,
		    struct lup_live_result *res);
/* The images of in edited into out (patch or revert, as o says), files under root. */
int lup_live_edit(const struct lup_live_opts *o, const char *in, const char *out,
		  const char *root);

/* The transports (lib/live/live-checkpoint.c, live-container.c, inplace.c). */
int lup_live_checkpoint(const struct lup_live_opts *o, struct lup_live_result *res);
int lup_live_container(const struct lup_live_opts *o, struct lup_live_result *res);
int lup_live_inplace(const struct lup_live_opts *o, struct lup_file_ids *files,
		     struct lup_live_result *res);

#endif
