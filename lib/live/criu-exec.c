/* Runs criu as a child process: its command line, its log file, a timeout, its exit status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live/criu-exec.h"
#include "live/live-priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/run.h"
#include "core/patch-sign.h"

#define LOG_TAIL_LINES 5

/*
 * path, the fixed arguments, --libdir DIR (a gated dump only: a restore has nothing for
 * lup.so to do, and loading it would only add to the freeze), the user's options, NULL.
 */
static char **build_argv(const struct lup_criu *c, const char *const *fixed, size_t nr_fixed,
			 const struct lup_gate *gate)
{
	char **argv = calloc(1 + nr_fixed + 2 + c->nr_extra + 1, sizeof(*argv));
	size_t n = 1 + nr_fixed;

	if (!argv)
		return NULL;
	argv[0] = (char *)c->path;
	memcpy(argv + 1, fixed, nr_fixed * sizeof(*argv));
	if (gate && c->plugin_dir) {
		argv[n++] = "--libdir";
		argv[n++] = (char *)c->plugin_dir;
	}
	if (c->nr_extra)
		memcpy(argv + n, c->extra, c->nr_extra * sizeof(*argv));
	return argv;
}

/* 1 when the child exited within timeout_ms (0: no limit), 0 when the time is up. */
static int exited_in_time(pid_t pid, unsigned timeout_ms)
{
	int fd = pidfd_open(pid, 0), ret;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	siginfo_t si;

	if (fd >= 0) {
		do
			ret = poll(&pfd, 1, timeout_ms ? (int)timeout_ms : -1);
		while (ret < 0 && errno == EINTR);
		close(fd);
		return ret != 0;
	}
	/* No pidfd (an old kernel, a seccomp filter): look every millisecond instead. */
	for (unsigned ms = 0; !timeout_ms || ms < timeout_ms; ms++) {
		si.si_pid = 0;
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid)
			return 1;
		usleep(1000);
	}
	return 0;
}

/*
 * A criu run out of time, with what it started: criu is stopped first, so that a tree
 * it was restoring stays in its restorer and never runs (a half-restored process would
 * run on its own once criu is gone, e.g. repeat a write its original had begun), then its
 * descendants are killed, then criu.
 */
void lup_criu_kill(pid_t pid)
{
	struct lup_live_tree t;

	kill(pid, SIGSTOP);
	if (lup_live_tree_read(pid, &t) == 0) {
		for (size_t i = 1; i < t.nr; i++)
			kill(t.pids[i], SIGKILL);
		lup_live_tree_free(&t);
	}
	kill(pid, SIGKILL);
}

/*
 * Waits for the child up to timeout_ms (0: no limit); kills it with its descendants
 * when the time is up. Returns its wait status, or -ETIMEDOUT / a negative errno.
 */
static int wait_child(pid_t pid, unsigned timeout_ms)
{
	int in_time = exited_in_time(pid, timeout_ms), status;

	if (!in_time)
		lup_criu_kill(pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return in_time ? status : -ETIMEDOUT;
}

/*
 * The gate's environment (struct lup_gate). LUP_PATCH_DIR is always set: an empty one
 * keeps lup.so, if CRIU loads it, from applying the user's or the default
 * configuration to lup's own runs.
 */
static void set_gate_env(const struct lup_gate *g)
{
	setenv("LUP_PATCH_DIR", g && g->patch_dir ? g->patch_dir : "", 1);
	setenv("LUP_TRUSTED_KEYS", lup_trust_dir(), 1);	/* the gate trusts what lup does */
	unsetenv("LUP_REVERT_ID");
	unsetenv("LUP_REVERT_ALL");
	if (g && g->revert && g->revert_id)
		setenv("LUP_REVERT_ID", g->revert_id, 1);
	else if (g && g->revert)
		setenv("LUP_REVERT_ALL", "1", 1);
}

/*
 * Runs argv; its stdout goes to our stderr so that our stdout stays machine-readable.
 * With a started hook, the child waits for it to have run before it execs criu (and
 * never runs criu if lup ended before).
 */
static int run(const struct lup_criu *c, char **argv, const struct lup_gate *gate)
{
	int go[2] = { -1, -1 };
	pid_t pid;
	char b;

	if (c->started && pipe2(go, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	if (pid == 0) {
		close(go[1]);
		if (go[0] >= 0 && read(go[0], &b, 1) != 1)
			_exit(127);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		set_gate_env(gate);
		execvp(argv[0], argv);
		fprintf(stderr, "lup: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (c->started) {
		close(go[0]);
		c->started(c->started_arg, pid);
		if (write(go[1], "", 1) != 1)
			pr_warn("criu %d: cannot start it: %s", (int)pid, strerror(errno));
		close(go[1]);
	}
	return wait_child(pid, c->timeout_ms);
}

/* The last error lines of criu's log, to say why without opening it. */
static void show_log_errors(const char *log)
{
	char *tail[LOG_TAIL_LINES] = { 0 }, *line = NULL;
	size_t cap = 0, n = 0, i;
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (!strstr(line, "Error"))
			continue;
		free(tail[n % LOG_TAIL_LINES]);
		tail[n++ % LOG_TAIL_LINES] = strdup(line);
	}
	for (i = n > LOG_TAIL_LINES ? n - LOG_TAIL_LINES : 0; i < n; i++)
		if (tail[i % LOG_TAIL_LINES])
			lup_log(LUP_LOG_WARN, "  %s", tail[i % LOG_TAIL_LINES]);
	for (i = 0; i < LOG_TAIL_LINES; i++)
		free(tail[i]);
	free(line);
	fclose(f);
}

/* What a run's wait status means; -LUP_ECRIU for a failure, reported with the log's errors. */
static int check_status(const struct lup_criu *c, int st, const char *log, const char *what)
{
	if (st == -ETIMEDOUT)
		pr_err("criu %s: killed after %u ms (raise --timeout: a tree with many connections or much memory takes longer); log: %s",
		       what, c->timeout_ms, log);
	else if (st < 0)
		pr_err("criu %s: cannot run %s: %s", what, c->path, strerror(-st));
	else if (WIFSIGNALED(st))
		pr_err("criu %s: killed by signal %d; log: %s", what, WTERMSIG(st), log);
	else if (WEXITSTATUS(st) == 127)
		pr_err("criu %s: cannot run %s", what, c->path);
	else if (WEXITSTATUS(st))
		pr_err("criu %s: failed (exit status %d); log: %s", what, WEXITSTATUS(st), log);
	else
		return 0;
	show_log_errors(log);
	return -LUP_ECRIU;
}

/* Runs criu with fixed arguments; its wait status, or a negative errno. */
static int run_criu(const struct lup_criu *c, const char *const *fixed, size_t nr_fixed,
		    const struct lup_gate *gate)
{
	char **argv = build_argv(c, fixed, nr_fixed, gate);
	int st;

	if (!argv)
		return -ENOMEM;
	st = run(c, argv, gate);
	free(argv);
	return st;
}

/* The gate's refusals written into dir, reported; how many there were. */
static int show_refusals(pid_t pid, const char *dir)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int nr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" LUP_DUMP_REFUSED_FILE, dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[n - 1] = line[n - 1] == '\n' ? '\0' : line[n - 1];
		pr_warn("process %d: dump refused by the gate of lup.so (the process runs on): %s",
			(int)pid, line);
		nr++;
	}
	free(line);
	fclose(f);
	return nr;
}

int lup_criu_dump(const struct lup_criu *c, pid_t pid, const char *dir, const struct lup_gate *gate)
{
	char pidstr[16], what[32], log[4096];
	const char *fixed[] = { "dump", "-t", pidstr, "-D", dir, "-o", "dump.log",
				"--leave-stopped" };
	int st;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	snprintf(what, sizeof(what), "dump of %d", (int)pid);
	snprintf(log, sizeof(log), "%s/dump.log", dir);
	st = run_criu(c, fixed, sizeof(fixed) / sizeof(fixed[0]), gate);
	if (st > 0 && WIFEXITED(st) && WEXITSTATUS(st) != 127 && show_refusals(pid, dir))
		return -LUP_EBUSY;
	return check_status(c, st, log, what);
}

int lup_criu_restore(const struct lup_criu *c, const char *dir)
{
	const char *fixed[] = { "restore", "-d", "-D", dir, "-o", "restore.log" };
	char what[4200], log[4096];

	snprintf(what, sizeof(what), "restore from %s", dir);
	snprintf(log, sizeof(log), "%s/restore.log", dir);
	return check_status(c, run_criu(c, fixed, sizeof(fixed) / sizeof(fixed[0]), NULL), log,
			    what);
}

int lup_criu_version(const struct lup_criu *c, char v[32])
{
	char *argv[] = { (char *)c->path, "--version", NULL }, *out, *at;
	int st = lup_run_capture(argv, LUP_RUN_DROP_STDERR, 4096, &out);

	at = out ? strstr(out, "Version: ") : NULL;
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) || !at) {
		pr_err("%s: cannot run it or read its version%s", c->path,
		       st < 0 ? "" : " (criu --version)");
		free(out);
		return -LUP_ECRIU;
	}
	snprintf(v, 32, "%.*s", (int)strcspn(at + 9, "\n"), at + 9);
	free(out);
	return 0;
}

int lup_criu_check_version(const struct lup_criu *c)
{
	unsigned major = 0, minor = 0;
	char v[32];
	int ret = lup_criu_version(c, v);

	if (ret)
		return ret;
	if (sscanf(v, "%u.%u", &major, &minor) == 2 &&
	    (major > LUP_CRIU_MIN_MAJOR || (major == LUP_CRIU_MIN_MAJOR && minor >= LUP_CRIU_MIN_MINOR)))
		return 0;
	pr_err("%s is CRIU %s; lup needs %d.%d or later (4.1 cannot dump inet sockets on kernels >= 6.16): give --criu, criu in lup.conf, or CRIU",
	       c->path, v, LUP_CRIU_MIN_MAJOR, LUP_CRIU_MIN_MINOR);
	return -LUP_ECRIU;
}
