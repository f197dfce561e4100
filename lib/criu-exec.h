/* Running `criu dump` and `criu restore` as child processes, with a log file and a timeout. */
#ifndef LUP_CRIU_EXEC_H
#define LUP_CRIU_EXEC_H

#include <stddef.h>
#include <sys/types.h>

struct lup_criu {
	const char *path;		/* the criu binary; searched in PATH when it has no '/' */
	char *const *extra;		/* options given to both dump and restore */
	size_t nr_extra;
	unsigned timeout_ms;		/* per run; the run is killed when it is exceeded */
};

/*
 * criu dump -t PID -D DIR -o dump.log (the tree rooted at pid; DIR must exist).
 * -LUP_ECRIU, reported with the log's path and its error lines, when criu fails,
 * is killed or times out; the process then keeps running (CRIU resumes it).
 */
int lup_criu_dump(const struct lup_criu *c, pid_t pid, const char *dir);
/* criu restore -d -D DIR -o restore.log: the tree runs again, detached. -LUP_ECRIU. */
int lup_criu_restore(const struct lup_criu *c, const char *dir);

#endif
