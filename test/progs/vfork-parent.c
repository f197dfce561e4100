/*
 * Target of test/e2e/freeze.sh: a counting thread prints "N WORD" every 10 ms while the main
 * thread waits in vfork() for a child that sleeps 30 s: the main thread is in
 * uninterruptible sleep, which no ptrace stop reaches until the child is gone.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

static void *count(void *arg)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (long n = 1;; n++) {
		printf("%ld %s\n", n, word());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, count, NULL);
	for (;;)
		if (vfork() == 0) {
			sleep(30);
			_exit(0);
		}
}
