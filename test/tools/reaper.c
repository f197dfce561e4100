/*
 * Runs a test as a child subreaper and reaps every orphan at once: a test target killed
 * by `criu dump` must be reaped before its PID can be restored, and this machine's init
 * reaps orphans only every second or two. Exits with the test's status. The test gets
 * only descriptors 0-2: a pipe leaked by whatever started `make check` would otherwise
 * reach every target (and be refused as an outside pipe by lup patch --checkpoint).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t test, pid;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fprintf(stderr, "reaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 1;
	}
	test = fork();
	if (test < 0) {
		fprintf(stderr, "reaper: fork: %s\n", strerror(errno));
		return 1;
	}
	if (test == 0) {
		close_range(3, ~0u, 0);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "reaper: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	/* Orphans still alive when the test ends go on to init. */
	do
		pid = waitpid(-1, &status, 0);
	while (pid != test && (pid > 0 || errno == EINTR));
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
