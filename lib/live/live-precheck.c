/*
 * What a tree must not be for lup to take it, checked before anything is frozen: it holds
 * this lup run (either transport would stop lup itself), or, for the checkpoint
 * transport, a pipe, FIFO or connected UNIX socket whose other end is held outside the
 * tree (criu restores a new one: the outside reader, writer or peer would see it closed).
 * A socket peer in another network namespace is not seen (sock_diag is per namespace).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/live-priv.h"
#include "live/unix-peers.h"
#include "util/err.h"
#include "util/log.h"

/* An inode the tree holds (a pipe or FIFO) or is connected to (a UNIX socket's peer). */
struct end {
	dev_t dev;
	ino_t ino;
	pid_t pid;	/* the process of the tree that holds it, or holds the socket */
	bool socket;
};

struct ends {
	size_t nr;
	struct end *e;
	const struct lup_unix_peers *peers;
};

static bool in_tree(const struct lup_live_tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

/* Calls fn on every descriptor of pid, with what it refers to, until it returns non-zero. */
static int each_fd(pid_t pid, int (*fn)(void *arg, pid_t pid, const struct stat *st), void *arg)
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
		if (!fstatat(dirfd(d), e->d_name, &st, 0))
			ret = fn(arg, pid, &st);
	closedir(d);
	return ret;
}

static int add_end(struct ends *s, dev_t dev, ino_t ino, pid_t pid, bool socket)
{
	struct end *e = realloc(s->e, (s->nr + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	s->e = e;
	s->e[s->nr++] = (struct end){ dev, ino, pid, socket };
	return 0;
}

/* A tree's pipe or FIFO, and the peer of a tree's connected UNIX socket (same sockfs). */
static int add_tree_end(void *arg, pid_t pid, const struct stat *st)
{
	struct ends *s = arg;
	uint32_t peer;

	if (S_ISFIFO(st->st_mode))
		return add_end(s, st->st_dev, st->st_ino, pid, false);
	peer = S_ISSOCK(st->st_mode) ? lup_unix_peer_of(s->peers, (uint32_t)st->st_ino) : 0;
	return peer ? add_end(s, st->st_dev, peer, pid, true) : 0;
}

static int outside_end(void *arg, pid_t pid, const struct stat *st)
{
	const struct ends *s = arg;

	for (size_t i = 0; i < s->nr; i++) {
		const struct end *e = &s->e[i];

		if (e->dev != st->st_dev || e->ino != st->st_ino)
			continue;
		pr_err("process %d: %s %lu is held by process %d outside the tree: a checkpoint "
		       "would break it; patch in place (without --checkpoint)", (int)e->pid,
		       e->socket ? "UNIX socket peer" : "pipe", (unsigned long)e->ino,
		       (int)pid);
		return -LUP_ETREE;
	}
	return 0;
}

/* Pipes, FIFOs and UNIX sockets of the tree whose other end a process outside holds. */
static int check_ends(const struct lup_live_tree *t)
{
	struct lup_unix_peers peers;
	struct ends s = { .peers = &peers };
	struct dirent *e;
	int ret = lup_unix_peers_read(&peers);
	DIR *d;

	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = each_fd(t->pids[i], add_tree_end, &s);
	d = s.nr && !ret ? opendir("/proc") : NULL;
	while (d && !ret && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && !in_tree(t, pid))
			ret = each_fd(pid, outside_end, &s);
	}
	if (d)
		closedir(d);
	free(s.e);
	lup_unix_peers_free(&peers);
	return ret;
}

int lup_live_precheck(const struct lup_live_tree *t, enum lup_live_transport transport)
{
	if (in_tree(t, getpid())) {
		pr_err("process %d: this lup run (%d) is in its tree, and would stop itself; run lup "
		       "from outside the tree", (int)t->pids[0], (int)getpid());
		return -LUP_ETREE;
	}
	return transport == LUP_LIVE_CHECKPOINT ? check_ends(t) : 0;
}
