/* Reading a live process from /proc: its mappings, its threads, its status fields. */
#ifndef LUP_LIVE_PROC_H
#define LUP_LIVE_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lup_proc_map {
	uint64_t start, end, off;
	unsigned long dev, ino;		/* ino 0: not a file */
	char perms[5];			/* as in maps: "r-xp" */
	char *name;			/* what follows the inode (a path, "[vdso]"), or NULL */
};

struct lup_proc_maps {
	pid_t pid;
	size_t nr;
	struct lup_proc_map *m;		/* sorted by start, as the kernel lists them */
};

/* -ENOENT, not reported, when the process is gone; other errors reported. */
int lup_proc_maps_read(pid_t pid, struct lup_proc_maps *out);
void lup_proc_maps_free(struct lup_proc_maps *m);

/*
 * Calls fn for each thread of pid listed in /proc/PID/task, until it returns non-zero
 * (returned then). -ENOENT, not reported, when the process is gone; other errors
 * reported.
 */
int lup_proc_tasks(pid_t pid, int (*fn)(void *arg, pid_t pid, pid_t tid), void *arg);

/*
 * The value of field key ("Tgid", "NSpid") of /proc/PID/status, without the leading
 * blanks and the newline, in val. -ENOENT (the process is gone), -ENODATA (no such
 * field); not reported.
 */
int lup_proc_status(pid_t pid, const char *key, char *val, size_t size);

/* pid in its own pid namespace (the last of NSpid; 1: its init), or pid when unreadable. */
pid_t lup_proc_ns_pid(pid_t pid);

/*
 * The executable pid runs (/proc/PID/exe) in buf, cut at a newline (as the journal's
 * lines keep it). -errno, not reported.
 */
int lup_proc_exe(pid_t pid, char *buf, size_t size);

/* What /proc/PID/stat says of a process (the fields after its parenthesised name). */
struct lup_proc_stat {
	char state;			/* 'R', 'S', 'T' (stopped), 'Z' (zombie), ... */
	pid_t ppid;
	unsigned long long start;	/* start time, clock ticks since boot: with the pid, */
};					/* it names one process (a reused pid has another) */

/* -ENOENT (gone) or -EIO (unreadable); not reported. */
int lup_proc_stat(pid_t pid, struct lup_proc_stat *st);

#endif
