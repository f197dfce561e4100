/*
 * The journal of a checkpoint run: what `lup recover` needs to bring a process back when
 * the run that dumped it ended before restoring it (lup killed, the machine's OOM
 * killer). One file per run, LUP_JOURNAL_DIR/PID-STARTTIME.journal (PID and start time of
 * the tree's root), written before anything is frozen and held under flock by the run
 * for as long as it lives: a journal nobody holds is a leftover. Lines "KEY VALUE":
 *
 *   lup-journal 1
 *   boot BOOT-ID          /proc/sys/kernel/random/boot_id of the run's boot
 *   lup PID               the run
 *   root PID START EXE    the tree's root, its start time, its executable
 *   images DIR            orig/ below it: the dump, the way back
 *   step STEP             checked, dump, restore, fallback (see enum lup_journal_step)
 *   criu PATH             what restores it, with
 *   timeout MS            criu's time limit, and
 *   arg OPTION            each option given after --, in order
 *   running PID START     the criu run in progress, if any
 *   tree PID:START...     the processes the dump took, once it has taken them
 */
#ifndef LUP_LIVE_JOURNAL_H
#define LUP_LIVE_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "live/criu-exec.h"

enum lup_journal_step {
	LUP_STEP_CHECKED,		/* nothing frozen yet */
	LUP_STEP_DUMP,			/* criu dump runs: on success it leaves the tree stopped */
	LUP_STEP_RESTORE,		/* the stopped tree is killed and restored (patched) */
	LUP_STEP_FALLBACK,		/* the original images are restored */
	LUP_STEP_NR,
};

/* A process named without doubt: a pid and its start time (see struct lup_proc_stat). */
struct lup_journal_proc {
	pid_t pid;
	unsigned long long start;
};

struct lup_journal {
	int fd;				/* open and locked; -1 */
	char *path;
	char boot[40];
	pid_t lup;
	pid_t root;
	unsigned long long root_start;
	char *exe;
	char *images;
	enum lup_journal_step step;
	struct lup_criu criu;		/* path, extra options, timeout (owned) */
	pid_t running;
	unsigned long long running_start;
	struct lup_journal_proc *tree;
	size_t nr_tree;
};

/*
 * Creates, locks and writes the journal of a run on root, its images in dir, restored by
 * c (path, options after --, timeout). -EEXIST (reported) when a run on root already has
 * one.
 */
int lup_journal_begin(struct lup_journal *j, pid_t root, const char *dir, const struct lup_criu *c);
/* The processes the dump took (nr 0: none), for the next write; -ENOMEM. */
int lup_journal_set_tree(struct lup_journal *j, const pid_t *pids, size_t nr);
/* Writes the journal again with what changed (step, running, tree); reported. */
int lup_journal_write(struct lup_journal *j);
/* Removes the journal (a run that ended with its process running) and frees it. */
void lup_journal_end(struct lup_journal *j);
/* Frees it, leaving the file (a process LOST: lup recover brings it back later). */
void lup_journal_free(struct lup_journal *j);

/*
 * Opens and locks a leftover journal and reads it. -LUP_ELOCKED (not reported) when its
 * run still holds it; -LUP_EBADIMG (reported, naming the file) when it cannot be read;
 * -ENOENT when it is gone, or was empty (its run ended before writing it: removed).
 */
int lup_journal_open(const char *path, struct lup_journal *j);
/*
 * Calls fn on the path of every journal (of root pid; 0: all), until it returns non-zero
 * (returned then).
 */
int lup_journal_each(pid_t pid, int (*fn)(void *arg, const char *path), void *arg);

/* This boot's id, for comparison with a journal's. */
int lup_boot_id(char id[40]);
/* The name of a step, for messages. */
const char *lup_journal_step_name(enum lup_journal_step s);

#endif
