/*
 * lup list: the patches applied to a live process and its descendants, from their
 * records; or, for gdb, each patch as an ELF file and the commands that load them.
 */
#include <errno.h>

#include "core/debug-elf.h"
#include "core/list.h"
#include "core/view.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/view-live.h"
#include "util/log.h"

/* What is listed of each process of the tree: fn(arg, v, first). */
static int each_view(pid_t pid, int (*fn)(void *arg, struct lup_view *v, bool first), void *arg)
{
	struct lup_live_tree t;
	size_t i;
	int ret = lup_live_tree_read(pid, &t);

	for (i = 0; !ret && i < t.nr; i++) {
		struct lup_view v;

		ret = lup_view_live(t.pids[i], NULL, 0, &v);
		if (ret == -ENOENT)
			pr_err("process %d: gone", (int)t.pids[i]);
		if (!ret) {
			ret = fn(arg, &v, i == 0);
			lup_view_free(&v);
		}
	}
	lup_live_tree_free(&t);
	return ret;
}

struct listing {
	FILE *out;
	enum lup_list_format fmt;
	const char *gdb_dir;
};

static int list_view(void *arg, struct lup_view *v, bool first)
{
	struct listing *l = arg;

	return lup_list_view(l->out, l->fmt, first, v);
}

int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out)
{
	struct listing l = { .out = out, .fmt = fmt };
	int ret;

	lup_list_begin(out, fmt);
	ret = each_view(pid, list_view, &l);
	return lup_list_end(out, fmt, ret);
}

static int gdb_view(void *arg, struct lup_view *v, bool first)
{
	struct listing *l = arg;

	return lup_debug_gdb_script(l->out, l->gdb_dir, v);
}

int lup_list_gdb(pid_t pid, const char *dir, FILE *out)
{
	struct listing l = { .out = out, .gdb_dir = dir };
	int ret = each_view(pid, gdb_view, &l);

	return fflush(out) && !ret ? -EIO : ret;
}
