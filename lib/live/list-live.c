/*
 * lup list: the patches applied to a live process and its descendants, from their
 * records; or, for gdb, each patch as an ELF file and the commands that load them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "core/debug-elf.h"
#include "core/list.h"
#include "core/view.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/proc.h"
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
	int ret = lup_list_view(l->out, l->fmt, first, false, v);

	return ret > 0 ? 0 : ret;
}

int lup_list_live(pid_t pid, enum lup_list_format fmt, FILE *out)
{
	struct listing l = { .out = out, .fmt = fmt };
	int ret;

	lup_list_begin(out, fmt);
	ret = each_view(pid, list_view, &l);
	return lup_list_end(out, fmt, ret);
}

/* Its maps can be read (the kernel checks at open): not another init's, not gone. */
static bool readable(pid_t pid)
{
	struct lup_proc_stat st;
	char maps[64];
	int fd;

	if (lup_proc_stat(pid, &st) || st.state == 'Z' || st.state == 'X')
		return false;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	fd = open(maps, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/*
 * Every process of the host (the tree under init, other PID namespaces included) that
 * has patches; one that ends or cannot be read meanwhile is left out.
 */
int lup_list_host(enum lup_list_format fmt, FILE *out)
{
	struct lup_live_tree t;
	size_t shown = 0;
	int ret = lup_live_tree_read(1, &t);

	lup_list_begin(out, fmt);
	for (size_t i = 0; !ret && i < t.nr; i++) {
		struct lup_view v;

		if (t.pids[i] == getpid() || !readable(t.pids[i]) ||
		    lup_view_live(t.pids[i], NULL, 0, &v))
			continue;
		ret = lup_list_view(out, fmt, shown == 0, true, &v);
		shown += ret > 0;
		ret = ret > 0 ? 0 : ret;
		lup_view_free(&v);
	}
	lup_live_tree_free(&t);
	if (!ret && !shown && fmt == LUP_LIST_TEXT)
		fputs("no process of this host has a patch\n", out);
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
