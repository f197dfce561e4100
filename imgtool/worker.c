/*
 * The in-place transport runs in a worker that outlives lup: while it holds a process
 * stopped (a ptrace tracer), its death would let the threads go as they are, maybe in
 * the middle of a remote call. The worker is in a session of its own, so no signal to
 * lup's process group (^C, a closed terminal) reaches it, and it ignores SIGPIPE (lup's
 * output may be gone): it finishes or undoes what it does, whatever happens to lup.
 * lup waits for it; SIGINT, SIGTERM and SIGHUP to lup become SIGUSR1 to the worker ("no
 * further try") and lup exits with the worker's status when it ends. Killed with
 * SIGKILL, lup leaves the worker to finish alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit-status.h"
#include "util/log.h"
#include "worker.h"

static volatile sig_atomic_t *worker_stop;
static pid_t worker_pid;

static void on_usr1(int sig)
{
	*worker_stop = 1;
}

static void pass_on(int sig)
{
	kill(worker_pid, SIGUSR1);
}

static int set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static int wait_worker(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			pr_err("worker %d: %s", (int)pid, strerror(errno));
			return LUP_EXIT_FAIL;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	pr_err("worker %d: killed by signal %d", (int)pid, WTERMSIG(status));
	return LUP_EXIT_FAIL;
}

static _Noreturn void worker(int (*fn)(void *arg), void *arg, volatile sig_atomic_t *stop,
			     const sigset_t *old)
{
	int status;

	worker_stop = stop;
	setsid();
	signal(SIGPIPE, SIG_IGN);
	set_handler(SIGUSR1, on_usr1);
	sigprocmask(SIG_SETMASK, old, NULL);
	status = fn(arg);
	fflush(NULL);
	_exit(status);
}

int lup_worker_run(int (*fn)(void *arg), void *arg, volatile sig_atomic_t *stop)
{
	sigset_t usr1, old;

	/* SIGUSR1 would end a worker that has no handler for it yet. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	fflush(NULL);
	worker_pid = fork();
	if (worker_pid == 0)
		worker(fn, arg, stop, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (worker_pid < 0) {
		pr_err("fork: %s", strerror(errno));
		return LUP_EXIT_FAIL;
	}
	set_handler(SIGINT, pass_on);
	set_handler(SIGTERM, pass_on);
	set_handler(SIGHUP, pass_on);
	return wait_worker(worker_pid);
}
