/* The process tree under a pid, read from /proc, and waiting for its pids to be free after a dump. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live/live-priv.h"
#include "live/proc.h"
#include "util/log.h"

static int tree_add(struct lup_live_tree *t, pid_t pid)
{
	pid_t *p = realloc(t->pids, (t->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	t->pids = p;
	t->pids[t->nr++] = pid;
	return 0;
}

/* Adds to the tree arg the children listed in /proc/PID/task/TID/children. */
static int add_children_of_task(void *arg, pid_t pid, pid_t tid)
{
	char path[64];
	long child;
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* the thread just ended */
	while (!ret && fscanf(f, "%ld", &child) == 1)
		ret = tree_add(arg, (pid_t)child);
	fclose(f);
	return ret;
}

static int add_children(struct lup_live_tree *t, pid_t pid)
{
	return lup_proc_tasks(pid, add_children_of_task, t);
}

int lup_live_tree_read(pid_t pid, struct lup_live_tree *t)
{
	size_t i;
	int ret;

	t->nr = 0;
	t->pids = NULL;
	ret = tree_add(t, pid);
	for (i = 0; !ret && i < t->nr; i++)
		ret = add_children(t, t->pids[i]);
	if (ret == -ENOENT && t->nr == 1)
		pr_err("process %d: no such process", (int)pid);
	else if (ret)
		pr_err("process %d: cannot read its process tree: %s", (int)pid, strerror(-ret));
	if (ret)
		lup_live_tree_free(t);
	return ret;
}

void lup_live_tree_free(struct lup_live_tree *t)
{
	free(t->pids);
	t->pids = NULL;
	t->nr = 0;
}

double lup_live_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A pid is free when not even a zombie holds it. */
static bool pid_free(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int lup_live_wait_gone(const struct lup_live_tree *t, unsigned timeout_ms)
{
	const struct timespec tick = { 0, 1000000 };
	double end = lup_live_now_ms() + timeout_ms;
	size_t i = 0;
	struct lup_proc_stat st;

	while (i < t->nr) {
		/*
		 * What is our child, we (the subreaper) kill and reap: a process dumped after an
		 * earlier round restored it, or what a restore killed half-way left behind.
		 * Nothing else can hold the tree's pids between the dump and the restore.
		 */
		if (lup_proc_stat(t->pids[i], &st) == 0 && st.ppid == getpid()) {
			kill(t->pids[i], SIGKILL);
			waitpid(t->pids[i], NULL, WNOHANG);
		}
		if (pid_free(t->pids[i])) {
			i++;
			continue;
		}
		if (lup_live_now_ms() > end) {
			pr_err("process %d: still exists %u ms after the dump; its parent does not reap it",
			       (int)t->pids[i], timeout_ms);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

bool lup_live_alive(pid_t pid)
{
	struct lup_proc_stat st;

	return lup_proc_stat(pid, &st) == 0 && st.state != 'Z' && st.state != 'X';
}
