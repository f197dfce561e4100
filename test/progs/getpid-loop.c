/*
 * Target of test/e2e/inplace.sh for a patch of libc itself: prints "N PID" every 10 ms,
 * N a counter, PID what getpid() returns.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (long n = 1;; n++) {
		printf("%ld %d\n", n, (int)getpid());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
}
