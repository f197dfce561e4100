/* lup list: the patches applied to a live process and its descendants, from their records. */
#include <errno.h>

#include "core/list.h"
#include "core/view.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/view-live.h"
#include "util/log.h"

int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out)
{
	struct lup_live_tree t;
	size_t i;
	int ret = lup_live_tree_read(pid, &t);

	if (ret)
		return ret;
	lup_list_begin(out, fmt);
	for (i = 0; !ret && i < t.nr; i++) {
		struct lup_view v;

		ret = lup_view_live(t.pids[i], NULL, 0, &v);
		if (ret == -ENOENT)
			pr_err("process %d: gone", (int)t.pids[i]);
		if (!ret) {
			ret = lup_list_view(out, fmt, i == 0, &v);
			lup_view_free(&v);
		}
	}
	lup_live_tree_free(&t);
	return lup_list_end(out, fmt, ret);
}
