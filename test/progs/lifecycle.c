/*
 * Target of test/e2e/lifecycle.sh: prints "N WORD MARK" every 10 ms, N a counter that
 * must continue across every patch, revert, dump and restore; WORD and MARK come from
 * two functions the test patches replace (one, the other, or both), with an idle thread
 * whose id must survive.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long counter;

/* noipa: gcc must call them each time, or a patch would change nothing. */
__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

__attribute__((noinline, noipa)) const char *mark(void)
{
	return "plain";
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t t;

	pthread_create(&t, NULL, idle, NULL);
	for (;;) {
		printf("%ld %s %s\n", ++counter, word(), mark());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
}
