/*
 * What a tree must not be for lup to take it, checked before anything is frozen: it holds
 * this lup run (either transport would stop lup itself), or, for the checkpoint
 * transport, a pipe or FIFO whose other end is held outside the tree (criu restores a
 * new pipe: the outside reader or writer would see it closed).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/live-priv.h"
#include "util/err.h"
#include "util/log.h"

struct fifo {
	dev_t dev;
	ino_t ino;
	pid_t pid;	/* the process of the tree that holds it */
};

struct fifos {
	size_t nr;
	struct fifo *f;
};

static bool in_tree(const struct lup_live_tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

/* Calls fn on every pipe or FIFO that pid has open, until it returns non-zero. */
static int each_fifo(pid_t pid, int (*fn)(void *arg, pid_t pid, const struct stat *st),
		     void *arg)
{
	char path[64];
	struct dirent *e;
	struct stat st;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;	/* gone, or not ours to read: nothing it holds is seen */
	while (!ret && (e = readdir(d)))
		if (!fstatat(dirfd(d), e->d_name, &st, 0) && S_ISFIFO(st.st_mode))
			ret = fn(arg, pid, &st);
	closedir(d);
	return ret;
}

static int add_fifo(void *arg, pid_t pid, const struct stat *st)
{
	struct fifos *s = arg;
	struct fifo *f = realloc(s->f, (s->nr + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	s->f = f;
	s->f[s->nr++] = (struct fifo){ st->st_dev, st->st_ino, pid };
	return 0;
}

static int outside_peer(void *arg, pid_t pid, const struct stat *st)
{
	const struct fifos *s = arg;

	for (size_t i = 0; i < s->nr; i++) {
		if (s->f[i].dev != st->st_dev || s->f[i].ino != st->st_ino)
			continue;
		pr_err("process %d: pipe %lu is shared with process %d outside the tree: a "
		       "checkpoint would break it; patch in place (without --checkpoint)",
		       (int)s->f[i].pid, (unsigned long)st->st_ino, (int)pid);
		return -LUP_ETREE;
	}
	return 0;
}

static int check_pipes(const struct lup_live_tree *t)
{
	struct fifos s = { 0 };
	struct dirent *e;
	int ret = 0;
	DIR *d;

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = each_fifo(t->pids[i], add_fifo, &s);
	d = s.nr && !ret ? opendir("/proc") : NULL;
	while (d && !ret && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && !in_tree(t, pid))
			ret = each_fifo(pid, outside_peer, &s);
	}
	if (d)
		closedir(d);
	free(s.f);
	return ret;
}

int lup_live_precheck(const struct lup_live_tree *t, enum lup_live_transport transport)
{
	if (in_tree(t, getpid())) {
		pr_err("process %d: this lup run (%d) is in its tree, and would stop itself; run lup "
		       "from outside the tree", (int)t->pids[0], (int)getpid());
		return -LUP_ETREE;
	}
	return transport == LUP_LIVE_CHECKPOINT ? check_pipes(t) : 0;
}
