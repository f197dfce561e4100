/*
 * Traces a process without stopping it (PTRACE_SEIZE), as a debugger or strace would
 * hold it, until killed: test/e2e/freeze.sh checks that a freeze refuses such a
 * process and names this tracer. Prints "held PID" once attached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid = argc == 2 ? atoi(argv[1]) : 0;

	if (pid <= 0) {
		fprintf(stderr, "usage: ptrace-hold PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL)) {
		fprintf(stderr, "ptrace-hold: %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	printf("held %d\n", (int)pid);
	fflush(stdout);
	for (;;)
		pause();
}
