/*
 * Target of test/e2e/rewrite.sh: a worker thread prints "COUNTER VALUE" lines where VALUE
 * is compute(COUNTER); a patch changes compute(). Modes: "busy" keeps a thread inside
 * busy_loop() forever; "fill" reserves every free address within 2.5 GiB of the text
 * with PROT_NONE mappings, so no patch can be placed; "mem N" first fills N MiB of
 * private anonymous memory (the rewrite must not cost more for it).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define REACH (5ull << 29)	/* 2.5 GiB */

static volatile int stop;
long calls;			/* patches count their calls here and in tls_calls */
__thread long tls_calls;

__attribute__((noinline, noipa)) long compute(long x)
{
	return x + 1;
}

__attribute__((noinline, noipa)) void busy_loop(void)
{
	while (!stop)
		;
}

static void *busy_thread(void *arg)
{
	busy_loop();
	return NULL;
}

static void *worker(void *arg)
{
	long counter = 0;

	for (;;) {
		counter++;
		printf("%ld %ld\n", counter, compute(counter));
		fflush(stdout);
		usleep(20000);
	}
	return NULL;
}

/* PROT_NONE over every gap of /proc/self/maps between lo and hi. */
static void fill_gaps(uint64_t lo, uint64_t hi)
{
	unsigned long long s, e, prev = lo;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t gaps[256][2];
	int n = 0, i;

	while (f && n < 255 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		if (s > prev && prev < hi)
			gaps[n][0] = prev, gaps[n++][1] = s < hi ? s : hi;
		if (e > prev)
			prev = e;
	}
	if (prev < hi)
		gaps[n][0] = prev, gaps[n++][1] = hi;
	if (f)
		fclose(f);
	for (i = 0; i < n; i++)
		if (gaps[i][1] > gaps[i][0] && gaps[i][1] > lo)
			mmap((void *)(uintptr_t)gaps[i][0], gaps[i][1] - gaps[i][0], PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
}

int main(int argc, char **argv)
{
	pthread_t t, b;
	uint64_t text = (uintptr_t)compute & ~0xfffull;

	if (argc > 1 && !strcmp(argv[1], "fill"))
		fill_gaps(text > REACH ? text - REACH : 0x10000, text + REACH);
	if (argc > 2 && !strcmp(argv[1], "mem")) {
		size_t len = strtoul(argv[2], NULL, 0) << 20;
		char *mem = malloc(len);

		if (!mem)
			return 1;
		memset(mem, 0x5a, len);
	}
	if (argc > 1 && !strcmp(argv[1], "busy"))
		pthread_create(&b, NULL, busy_thread, NULL);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	return 0;
}
