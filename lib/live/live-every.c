/*
 * lup patch --every: the processes of the host that run a patch's target (a mapped file
 * of its build-id), each once: a process whose ancestor is one of them is patched with
 * that ancestor's tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/target.h"
#include "core/view.h"
#include "live/file-ids.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/proc.h"
#include "live/view-live.h"

/* It maps the target of one of the patches. */
static bool runs_target(pid_t pid, struct lup_file_ids *ids, LupPatch *const *patches, size_t nr)
{
	struct lup_proc_stat st;
	struct lup_target t;
	struct lup_view v;
	bool yes = false;

	if (pid == getpid() || getppid() == pid || lup_proc_stat(pid, &st) || st.state == 'Z' ||
	    lup_view_live(pid, ids, 0, &v))
		return false;
	for (size_t i = 0; !yes && i < nr; i++)
		yes = lup_target_find(&v, patches[i], &t) > 0;
	lup_view_free(&v);
	return yes;
}

/* Whether an ancestor of pid is among the first n of pids. */
static bool under(pid_t pid, const pid_t *pids, size_t n)
{
	struct lup_proc_stat st;

	for (int depth = 0; depth < 4096 && pid > 1 && !lup_proc_stat(pid, &st); depth++) {
		pid = st.ppid;
		for (size_t i = 0; i < n; i++)
			if (pids[i] == pid)
				return true;
	}
	return false;
}

int lup_live_every(LupPatch *const *patches, size_t nr, pid_t **out, size_t *nr_out)
{
	struct lup_file_ids *ids = NULL;
	struct lup_live_tree t;
	size_t n = 0, k = 0;
	pid_t *found, *roots;
	int ret = lup_live_tree_read(1, &t);

	*out = NULL;
	*nr_out = 0;
	if (ret)
		return ret;
	found = calloc(t.nr ? t.nr : 1, sizeof(*found));
	roots = calloc(t.nr ? t.nr : 1, sizeof(*roots));
	ret = found && roots ? lup_file_ids_new(&ids) : -ENOMEM;
	for (size_t i = 0; !ret && i < t.nr; i++)
		if (runs_target(t.pids[i], ids, patches, nr))
			found[n++] = t.pids[i];
	/* Tree roots only: the tree of each is patched with it. */
	for (size_t i = 0; !ret && i < n; i++)
		if (!under(found[i], found, n))
			roots[k++] = found[i];
	lup_file_ids_free(ids);
	lup_live_tree_free(&t);
	free(found);
	if (ret) {
		free(roots);
		return ret;
	}
	*out = roots;
	*nr_out = k;
	return 0;
}
