/*
 * One lock per process, held by a lup run (patch, revert) from before its checks until
 * its end: a file LUP_LOCK_DIR/PID-STARTTIME.lock under flock, holding the holder's PID.
 * The start time keeps a reused PID from meeting its predecessor's lock. The processes of
 * a tree are locked in PID order, so that two runs on overlapping trees cannot deadlock.
 * A lock dies with its holder (flock), so a killed lup never leaves one held.
 */
#ifndef LUP_LIVE_LOCK_H
#define LUP_LIVE_LOCK_H

#include <sys/types.h>

struct lup_locks {
	size_t nr;
	int *fds;
};

/*
 * Locks every process of pids (any order), waiting at most wait_ms for a held one; a
 * lock that run ours holds (the lup run whose criu takes them; 0: none) counts as taken.
 * -LUP_ELOCKED, reported naming the process and the lup run that holds it; nothing is
 * held on failure.
 */
int lup_locks_take(const pid_t *pids, size_t nr, unsigned wait_ms, pid_t ours,
		   struct lup_locks *l);
void lup_locks_release(struct lup_locks *l);

#endif
