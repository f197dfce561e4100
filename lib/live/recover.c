/*
 * lup recover: brings back the processes of checkpoint runs that ended between their
 * dump and their restore, from the runs' journals (live/journal.h). What the journal
 * says is checked against what is there: a root that runs (never dumped, or resumed by
 * a failed dump) or was restored since is left alone; a root the dump left stopped, or
 * one that is gone, is restored from the original images (as it was before the run).
 * Recovering twice does nothing the second time: the journal of a recovered run is gone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "live/journal.h"
#include "live/live-priv.h"
#include "live/live.h"
#include "live/proc.h"
#include "live/run-dir.h"
#include "util/err.h"
#include "util/log.h"

static bool is_same(pid_t pid, unsigned long long start, struct lup_proc_stat *st)
{
	return lup_proc_stat(pid, st) == 0 && st->start == start && st->state != 'Z' &&
	       st->state != 'X';
}

/* Waits up to ms for pid to end; 0 when it did. */
static int wait_end(pid_t pid, unsigned ms)
{
	int fd = pidfd_open(pid, 0), ret;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return errno == ESRCH ? 0 : -errno;
	do
		ret = poll(&pfd, 1, (int)ms);
	while (ret < 0 && errno == EINTR);
	close(fd);
	return ret > 0 ? 0 : -ETIMEDOUT;
}

/* A criu run that outlived its lup: given the rest of its time, then ended. */
static void end_running(const struct lup_journal *j)
{
	struct lup_proc_stat st;

	if (!j->running || !is_same(j->running, j->running_start, &st))
		return;
	pr_info("process %d: criu %d of lup run %d still runs; waiting for it (at most %u ms)",
		(int)j->root, (int)j->running, (int)j->lup, j->criu.timeout_ms);
	if (wait_end(j->running, j->criu.timeout_ms) == 0)
		return;
	pr_warn("process %d: criu %d out of time: ending it", (int)j->root, (int)j->running);
	lup_criu_kill(j->running);
	wait_end(j->running, 1000);
}

/*
 * The dump in orig/ finished: criu writes its stats-dump only then, after leaving the
 * tree stopped (a failed dump resumes it and writes none).
 */
static bool dump_finished(const struct lup_journal *j)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/orig/stats-dump", j->images);
	return access(path, F_OK) == 0;
}

/*
 * Kills what is left of the dumped tree (each process still the one the dump took, by
 * pid and start time, a zombie too) and waits for its pids to be free.
 */
static int clear_tree(const struct lup_journal *j)
{
	struct lup_live_tree t = { .pids = calloc(j->nr_tree, sizeof(pid_t)) };
	struct lup_proc_stat st;
	int ret;

	if (j->nr_tree && !t.pids)
		return -ENOMEM;
	for (size_t i = 0; i < j->nr_tree; i++)
		if (!lup_proc_stat(j->tree[i].pid, &st) && st.start == j->tree[i].start) {
			kill(j->tree[i].pid, SIGKILL);
			t.pids[t.nr++] = j->tree[i].pid;
		}
	ret = lup_live_wait_gone(&t, j->criu.timeout_ms);
	lup_live_tree_free(&t);
	return ret;
}

/* The tree the dump left stopped, when the run died before journaling it: from /proc. */
static int read_stopped_tree(struct lup_journal *j)
{
	struct lup_live_tree t;
	int ret;

	if (j->nr_tree)
		return 0;
	ret = lup_live_tree_read(j->root, &t);
	if (!ret)
		ret = lup_journal_set_tree(j, t.pids, t.nr);
	lup_live_tree_free(&t);
	return ret;
}

static int restore_orig(struct lup_journal *j)
{
	char orig[4200];
	int ret = clear_tree(j);

	snprintf(orig, sizeof(orig), "%s/orig", j->images);
	if (!ret)
		ret = lup_criu_restore(&j->criu, orig);
	if (ret) {
		pr_err("process %d: LOST: not restored from %s; once the cause is fixed: lup recover %d",
		       (int)j->root, orig, (int)j->root);
		return -LUP_ELOST;
	}
	pr_info("process %d: brought back from %s, as it was before lup run %d (unpatched)",
		(int)j->root, orig, (int)j->lup);
	return 0;
}

/* The pid is another process's: the restored root (same executable) or a stranger. */
static int pid_taken(const struct lup_journal *j, bool *keep)
{
	char exe[4096];
	int n = lup_proc_exe(j->root, exe, sizeof(exe));

	if (n)
		exe[0] = '\0';
	if (!strcmp(exe, j->exe)) {
		pr_info("process %d: restored since lup run %d (it runs %s): nothing to bring back",
			(int)j->root, (int)j->lup, exe);
		return 0;
	}
	*keep = true;
	pr_err("process %d: LOST: its pid now belongs to another program (%s); once it is free: lup recover %d",
	       (int)j->root, n ? "?" : exe, (int)j->root);
	return -LUP_ELOST;
}

/*
 * The SIGSTOP a dump that just ended leaves its tree with, not delivered yet (a loaded
 * machine): the tree is stopped all the same, in a moment.
 */
static bool stop_pending(pid_t pid)
{
	static const char *const keys[] = { "ShdPnd", "SigPnd" };
	char val[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!lup_proc_status(pid, keys[i], val, sizeof(val)) &&
		    (strtoull(val, NULL, 16) & (1ULL << (SIGSTOP - 1))))
			return true;
	return false;
}

/* Up to a second for the root to be stopped; st: its state then. */
static void wait_stopped(const struct lup_journal *j, struct lup_proc_stat *st)
{
	for (int i = 0; i < 100 && st->state != 'T'; i++) {
		usleep(10000);
		if (!is_same(j->root, j->root_start, st))
			return;
	}
}

/* One leftover run; *keep: its journal stays (to try again). */
static int recover_run(struct lup_journal *j, bool *keep)
{
	struct lup_proc_stat st;
	char boot[40];
	int ret;

	if (lup_boot_id(boot))
		return -EIO;
	if (strcmp(boot, j->boot)) {
		pr_warn("%s: from before a reboot: process %d is not brought back (what ran it has started it again); its images stay in %s",
			j->path, (int)j->root, j->images);
		return 0;
	}
	end_running(j);
	if (is_same(j->root, j->root_start, &st)) {
		if (st.state != 'T' && dump_finished(j) && stop_pending(j->root))
			wait_stopped(j, &st);
		if (st.state != 'T' || !dump_finished(j)) {
			pr_info("process %d: runs as before lup run %d: nothing to bring back",
				(int)j->root, (int)j->lup);
			return 0;
		}
		pr_info("process %d: left stopped by the dump of lup run %d", (int)j->root, (int)j->lup);
		ret = read_stopped_tree(j);
	} else if (lup_proc_stat(j->root, &st) == 0 && st.state != 'Z') {
		return pid_taken(j, keep);
	} else if (!dump_finished(j)) {
		pr_err("process %d: LOST: gone, and the dump of lup run %d in %s/orig did not finish: nothing to restore",
		       (int)j->root, (int)j->lup, j->images);
		return -LUP_ELOST;
	} else {
		ret = 0;
	}
	ret = ret ? ret : restore_orig(j);
	*keep = ret != 0;
	return ret;
}

struct recover {
	pid_t pid;		/* 0: every leftover */
	int err;		/* the first error */
	unsigned nr;		/* journals recovered */
};

static int recover_path(void *arg, const char *path)
{
	struct recover *rc = arg;
	struct lup_journal j;
	bool keep = false;
	int ret = lup_journal_open(path, &j);

	if (ret == -ENOENT)
		return 0;
	if (ret == -LUP_ELOCKED && !rc->pid)
		return 0;	/* a run in progress: not a leftover */
	if (ret == -LUP_ELOCKED)
		pr_err("process %d: busy: a lup run holds it (%s)", (int)rc->pid, path);
	if (!ret) {
		rc->nr++;
		ret = recover_run(&j, &keep);
		if (keep)
			lup_journal_free(&j);
		else
			lup_journal_end(&j);
	}
	if (ret && !rc->err)
		rc->err = ret;
	return 0;
}

int lup_recover(pid_t pid, bool quiet)
{
	struct recover rc = { .pid = pid };
	int ret = lup_journal_each(pid, recover_path, &rc);

	if (ret) {
		pr_err("%s: %s", LUP_JOURNAL_DIR, strerror(-ret));
		return ret;
	}
	if (!rc.nr && !rc.err && !quiet) {
		if (pid)
			pr_info("process %d: no run of lup left anything to bring back", (int)pid);
		else
			pr_info("no run of lup left anything to bring back");
	}
	return rc.err;
}
