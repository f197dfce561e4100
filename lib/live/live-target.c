/*
 * The check made before freezing anything: some process of the tree maps each patch's
 * target (matched by build-id) and holds, in its live memory, the original bytes at each
 * entry to replace, or the jumps of recorded patches it may go on top of (the stacking
 * rule): the core's entry check over the live view of each process.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/target.h"
#include "core/view.h"
#include "live/file-ids.h"
#include "live/live-priv.h"
#include "live/view-live.h"
#include "util/err.h"
#include "util/log.h"

/* Per patch: what the processes showed. */
struct patch_seen {
	bool mapped;
	bool refused;			/* by the stacking rule in some process (reported) */
};

static int check_patch(struct lup_view *v, struct lup_op **op, const LupPatch *p,
		       struct patch_seen *seen)
{
	struct lup_target t;
	int ret = lup_target_find(v, p, &t);

	if (ret <= 0)
		return ret;
	seen->mapped = true;
	ret = *op ? 0 : lup_op_open(v, op);
	if (!ret && lup_op_check_entries(*op, p, t.bias) == -LUP_ENOTAPPLIC)
		seen->refused = true;	/* reported */
	return ret;
}

/* A process of the tree other than its root may just have ended. */
static int check_proc(pid_t pid, bool root, struct lup_file_ids *ids, LupPatch *const *patches,
		      size_t nr, struct patch_seen *seen)
{
	struct lup_op *op = NULL;
	struct lup_view v;
	int ret = lup_view_live(pid, ids, 0, &v);

	if (ret == -ENOENT && !root)
		return 0;
	if (ret == -ENOENT)
		pr_err("process %d: no such process", (int)pid);
	for (size_t k = 0; !ret && k < nr; k++)
		ret = check_patch(&v, &op, patches[k], &seen[k]);
	lup_op_free(op);
	if (v.ops)
		lup_view_free(&v);
	return ret;
}

static int report(const struct lup_live_tree *t, LupPatch *const *patches, size_t nr,
		  const struct patch_seen *seen)
{
	int ret = 0;

	for (size_t k = 0; k < nr; k++) {
		const LupPatch *p = patches[k];

		if (!seen[k].mapped)
			pr_err("patch %s: no process of tree %d maps its target %s (this build-id)",
			       p->id, (int)t->pids[0], p->target_name);
		else if (!seen[k].refused)
			continue;
		ret = -LUP_ENOTAPPLIC;
	}
	return ret;
}

int lup_live_check_targets(const struct lup_live_tree *t, struct lup_file_ids *ids,
			   LupPatch *const *patches, size_t nr)
{
	struct patch_seen *seen = calloc(nr ? nr : 1, sizeof(*seen));
	int ret = seen ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = check_proc(t->pids[i], i == 0, ids, patches, nr, seen);
	if (!ret)
		ret = report(t, patches, nr, seen);
	free(seen);
	return ret;
}
