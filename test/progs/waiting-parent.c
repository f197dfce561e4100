/*
 * Target of test/e2e/inplace.sh: a parent that runs argv[1..] as its child and polls
 * waitpid() for it every 5 ms, as a supervisor does, printing "waitpid: ..." for any
 * change it reports (stop, continue, exit, signal). A patch made in place reports none.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	pid_t child, got;
	int status;

	if (argc < 2)
		return 2;
	child = fork();
	if (child == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	printf("child %d\n", (int)child);
	fflush(stdout);
	for (;;) {
		got = waitpid(child, &status, WNOHANG | WUNTRACED | WCONTINUED);
		if (got == child) {
			printf("waitpid: status %#x\n", status);
			fflush(stdout);
			if (WIFEXITED(status) || WIFSIGNALED(status))
				return 1;
		}
		nanosleep(&tick, NULL);
	}
}
