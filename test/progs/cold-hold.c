/*
 * Target of test/e2e/inplace.sh: hot() has an unlikely part that gcc moves to hot.cold
 * (.text.unlikely). With the argument "hold", a thread blocks in that part (in pause(),
 * its return address inside hot.cold) until SIGUSR1; the main thread prints
 * "N WORD" every 10 ms, WORD from word().
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t held = 1;

static void release(int sig)
{
	held = 0;
}

__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

static volatile long negatives;

__attribute__((cold, noinline)) static void note_negative(long x)
{
	negatives += x;
}

/*
 * The branch for x < 0 calls a cold function: gcc moves it to hot.cold, and a thread
 * held in its pause() has its return address there, inside hot().
 */
__attribute__((noinline, noclone)) long hot(long x)
{
	if (x < 0) {
		note_negative(x);
		while (held)
			pause();
		return -x;
	}
	return x + 1;
}

static void *holder(void *arg)
{
	hot(-1);
	return NULL;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	sigset_t usr1;
	pthread_t t;
	long n = 0;

	signal(SIGUSR1, release);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (argc > 1 && !strcmp(argv[1], "hold"))
		pthread_create(&t, NULL, holder, NULL);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);	/* SIGUSR1 reaches the holder only */
	for (;;) {
		n = hot(n);
		printf("%ld %s\n", n, word());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
}
