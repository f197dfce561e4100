/*
 * Target of test/e2e/multi.sh: an executable linked with libmulti.so. It forks
 * CHILDREN children (0-4) that run the same loop as itself; each process has an idle
 * thread and appends "pid=P n=N exe=WORD lib=WORD" to OUTFILE every 10 ms, N a counter
 * that must continue across every patch, WORD from a function of the executable and
 * one of the library.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "multi.h"

#define MAX_CHILDREN 4

__attribute__((noinline, noipa)) const char *multi_exe_word(void)
{
	return "old";
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* One write per line: the processes share OUTFILE (O_APPEND), lines never interleave. */
static void report(int fd, long n)
{
	char line[128];
	int len;

	len = snprintf(line, sizeof(line), "pid=%d n=%ld exe=%s lib=%s\n", getpid(), n,
		       multi_exe_word(), multi_lib_word());
	if (write(fd, line, len) != len)
		exit(1);
}

static void run(int fd)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t t;
	long n = 0;
	int err;

	err = pthread_create(&t, NULL, idle, NULL);
	if (err) {
		fprintf(stderr, "pthread_create: %s\n", strerror(err));
		exit(1);
	}
	for (;;) {
		report(fd, ++n);
		nanosleep(&tick, NULL);
	}
}

int main(int argc, char **argv)
{
	int fd, i, children;

	if (argc != 3 || (children = atoi(argv[2])) < 0 || children > MAX_CHILDREN) {
		fprintf(stderr, "usage: %s OUTFILE CHILDREN(0-%d)\n", argv[0], MAX_CHILDREN);
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < children; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			break;
	}
	run(fd);
}
