/* Benchmark target: N MiB of dirty memory, T threads calling the function the bench patch replaces. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirty.h"

static volatile unsigned long calls;
volatile int bench_step = 1;

/* Large enough for the jump: it reads a global. */
__attribute__((noinline, noipa)) int bench_value(int x)
{
	return (x & 0xffff) + bench_step;
}

static void *worker(void *arg)
{
	for (;;) {
		if (bench_value((int)calls) > 0)
			__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
		usleep(1000);
	}
	return arg;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t t;
	char *mem;

	mem = dirty_memory(mib);
	if (!mem)
		return 1;
	for (int i = 1; i < threads; i++)
		pthread_create(&t, NULL, worker, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	worker(NULL);
	return 0;
}
