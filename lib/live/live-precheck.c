/*
 * What a tree must not be for lup to take it, checked before anything is frozen: it holds
 * this lup run (either transport would stop lup itself), or, for the checkpoint
 * transport, a pipe, FIFO or connected UNIX socket whose other end is held outside the
 * tree (criu restores a new one: the outside reader, writer or peer would see it closed).
 * A socket peer in another network namespace is not seen (sock_diag is per namespace).
 * Nor may the checkpoint transport take a tree whose parent would see it die at the
 * dump: only init, a subreaper or lup itself is the parent of a restored tree again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "live/freeze.h"
#include "live/live-priv.h"
#include "live/proc.h"
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

/*
 * Asks process pid whether it is a child subreaper: prctl(PR_GET_CHILD_SUBREAPER) run in
 * it while it is stopped for a moment, its answer written below the red zone of its
 * stack (what a signal frame would overwrite anyway) and put back as it was.
 */
static int is_subreaper(pid_t pid, bool *yes)
{
	struct lup_frozen *f;
	unsigned long args[6] = { PR_GET_CHILD_SUBREAPER }, ret = 0;
	uint64_t at;
	int old = 0, val = 0, err = lup_freeze(pid, &f);

	if (err)
		return err;
	at = (lup_frozen_thread(f, 0)->regs.rsp - 256) & ~7ull;
	args[1] = at;
	err = lup_frozen_read(f, at, &old, sizeof(old));
	if (!err)
		err = lup_frozen_syscall(f, SYS_prctl, &ret, args);
	if (!err && ret)
		err = -(int)ret;
	if (!err)
		err = lup_frozen_read(f, at, &val, sizeof(val));
	lup_frozen_write(f, at, &old, sizeof(old));
	err = lup_thaw(f) ?: err;
	*yes = val != 0;
	return err;
}

/*
 * The root's parent gets the restored tree back as its child only if it is lup (a
 * subreaper for its own restores), the init of its namespace or a subreaper: any other
 * parent sees its child die at the dump and never gets it back.
 */
static int check_parent(pid_t root)
{
	struct lup_proc_stat st;
	bool subreaper = false;
	char comm[64] = "?";
	int ret = lup_proc_stat(root, &st);

	if (ret)
		return 0;	/* gone: reported by what comes next */
	if (st.ppid == 0 || st.ppid == getpid() || lup_proc_ns_pid(st.ppid) == 1)
		return 0;
	ret = is_subreaper(st.ppid, &subreaper);
	if (!ret && subreaper)
		return 0;
	lup_proc_status(st.ppid, "Name", comm, sizeof(comm));
	if (ret)
		pr_err("process %d: cannot ask its parent %d (%s) whether it is a subreaper: %s; patch in place (without --checkpoint)",
		       (int)root, (int)st.ppid, comm, lup_strerror(ret));
	else
		pr_err("process %d: its parent %d (%s) is outside the tree and no subreaper: it would see its child die at the dump and never get it back; patch in place (without --checkpoint), or take the parent's tree",
		       (int)root, (int)st.ppid, comm);
	return -LUP_ETREE;
}

int lup_live_precheck(const struct lup_live_tree *t, enum lup_live_transport transport)
{
	int ret;

	if (in_tree(t, getpid())) {
		pr_err("process %d: this lup run (%d) is in its tree, and would stop itself; run lup "
		       "from outside the tree", (int)t->pids[0], (int)getpid());
		return -LUP_ETREE;
	}
	if (transport != LUP_LIVE_CHECKPOINT)
		return 0;
	ret = check_parent(t->pids[0]);		/* each reason is said */
	return check_ends(t) ?: ret;
}
