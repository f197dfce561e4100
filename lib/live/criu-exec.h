/* Running `criu dump` and `criu restore` as child processes, with a log file and a timeout. */
#ifndef LUP_CRIU_EXEC_H
#define LUP_CRIU_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Written into the images directory by lup.so's dump gate when it refuses a dump, one
 * line per refusal: "PID busy: WHY". CRIU ignores it; lup reads it to tell a busy
 * process from a failed dump.
 */
#define LUP_DUMP_REFUSED_FILE "lup-dump.status"
#define LUP_PLUGIN_FILE "lup.so"

struct lup_criu {
	const char *path;		/* the criu binary; searched in PATH when it has no '/' */
	char *const *extra;		/* options given to both dump and restore */
	size_t nr_extra;
	unsigned timeout_ms;		/* per run; the run is killed when it is exceeded */
	const char *plugin_dir;		/* --libdir of a gated dump; NULL: CRIU's own */
	void (*started)(void *arg, pid_t pid);	/* told each criu run's pid; NULL */
	void *started_arg;
};

/*
 * What lup.so's dump gate is to check, passed to it through the environment of the
 * dump: LUP_PATCH_DIR, the patches being applied ("" for none: the plugin then applies
 * nothing of the user's configuration to lup's own runs), and for a revert
 * LUP_REVERT_ID (or LUP_REVERT_ALL=1), the patches being taken out.
 */
struct lup_gate {
	const char *patch_dir;
	bool revert;
	const char *revert_id;		/* NULL: every patch */
};

/*
 * criu dump -t PID -D DIR -o dump.log --leave-stopped (the tree rooted at pid; DIR must
 * exist), gated by lup.so as gate says (NULL: no gate). After a dump the tree is stopped,
 * not killed: the caller kills it once it can restore it, so that no criu whose lup has
 * gone ever kills a tree (the tree stays, stopped, for lup recover).
 * -LUP_EBUSY when the gate refused the dump (its reasons are reported); -LUP_ECRIU,
 * reported with the log's path and its error lines, when criu fails, is killed or times
 * out. In both cases the process keeps running (CRIU resumes it).
 */
int lup_criu_dump(const struct lup_criu *c, pid_t pid, const char *dir, const struct lup_gate *gate);
/*
 * criu restore -d -D DIR -o restore.log: the tree runs again, detached. LUP_PATCH_DIR is
 * empty: lup.so never patches what lup restores. -LUP_ECRIU.
 */
int lup_criu_restore(const struct lup_criu *c, const char *dir);

/*
 * Ends a criu run (also one of another lup): criu is stopped first, so that a tree it was
 * restoring stays in its restorer and never runs, then its descendants are killed, then
 * criu.
 */
void lup_criu_kill(pid_t pid);

/* The oldest CRIU lup works with: 4.1 cannot dump inet sockets on kernels >= 6.16. */
#define LUP_CRIU_MIN_MAJOR 4
#define LUP_CRIU_MIN_MINOR 2

/* What `criu --version` says: its version in *v ("4.2.1"). -LUP_ECRIU (reported). */
int lup_criu_version(const struct lup_criu *c, char v[32]);
/* The version is at least LUP_CRIU_MIN_*; else -LUP_ECRIU, reported with what to do. */
int lup_criu_check_version(const struct lup_criu *c);

#endif
