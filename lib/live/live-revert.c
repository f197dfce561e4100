/*
 * The check `lup revert` makes before freezing anything: from the records in live
 * memory, some process of the tree has the patch applied and the revert-order rule lets
 * it out (the core plans the revert over the live view; the plan is dropped). A second revert of the same patch is so refused without a dump.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/view.h"
#include "live/live-priv.h"
#include "live/view-live.h"
#include "util/err.h"
#include "util/log.h"

/* *nr: the patches the rule takes out of pid (its plan is dropped). */
static int plan_proc(pid_t pid, const char *id, size_t *nr)
{
	struct lup_op *op = NULL;
	struct lup_view v;
	size_t n = 0;
	int ret = lup_view_live(pid, NULL, 0, &v);

	if (ret == -ENOENT)
		pr_err("process %d: gone", (int)pid);
	if (!ret)
		ret = lup_op_open(&v, &op);
	if (!ret)
		ret = lup_op_revert(op, id, &n);
	*nr += n;
	lup_op_free(op);
	if (v.ops)
		lup_view_free(&v);
	return ret;
}

int lup_live_check_revert(const struct lup_live_tree *t, const char *id)
{
	size_t nr = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = plan_proc(t->pids[i], id, &nr);
	if (ret || nr)
		return ret;
	if (id)
		pr_err("process %d: patch %s is not applied to it or its descendants",
		       (int)t->pids[0], id);
	else
		pr_err("process %d: no patch is applied to it or its descendants", (int)t->pids[0]);
	return -LUP_ENOTAPPLIC;
}
