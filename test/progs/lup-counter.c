/*
 * Target of test/e2e/lup-patch.sh: prints "N WORD" every 10 ms (N a counter that must
 * continue across a patch, WORD from word()), with two idle threads whose ids must
 * survive. With the argument "busy" a third thread stays inside stuck() for ever, so a
 * patch replacing stuck() never finds the process clear.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long counter;

/* noipa: gcc must call it each time, or a patch would change nothing. */
__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

__attribute__((noinline, noipa)) void stuck(void)
{
	for (;;)
		pause();
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *busy(void *arg)
{
	stuck();
	return NULL;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t t;

	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, idle, NULL);
	if (argc > 1 && !strcmp(argv[1], "busy"))
		pthread_create(&t, NULL, busy, NULL);
	for (;;) {
		printf("%ld %s\n", ++counter, word());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
}
