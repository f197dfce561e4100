/*
 * The check `lup revert` makes before freezing anything: from the records in live
 * memory (/proc/PID/mem), some process of the tree has the patch applied and the
 * revert-order rule lets it out (the rule runs on a copy of the records; nothing is
 * written). A second revert of the same patch is so refused without a dump.
 */
#include <errno.h>
#include <stdlib.h>

#include "err.h"
#include "live-priv.h"
#include "log.h"
#include "record-chain.h"

/* *nr: the patches the rule takes out of pid. */
static int plan_proc(pid_t pid, const char *id, size_t *nr)
{
	struct lup_range *busy = NULL;
	struct lup_chain *c = NULL;
	int ret = lup_chain_open_live(pid, &c);

	if (!ret)
		ret = lup_chain_revert_ids(c, id, &busy, nr);
	free(busy);
	lup_chain_free(c);
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
