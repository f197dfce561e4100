/*
 * Main of the scenario targets: N worker threads (or the main thread alone when N is 0)
 * call scn_step() every millisecond while SIGUSR1 is counted; every 50 ms a line
 * "gen=G counter=C v=V checks=0xX sig=S" is appended to OUTFILE.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

#define MAX_WORKERS 16
#define STEP_NS 1000000L
#define REPORT_NS 50000000L

static struct scn_ctx ctx[MAX_WORKERS];
static long signals;

static void on_usr1(int sig)
{
	__atomic_add_fetch(&signals, 1, __ATOMIC_RELAXED);
}

static void step(struct scn_ctx *c)
{
	scn_step(c);
	__atomic_store_n(&c->calls, c->calls + 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	struct timespec ts = { 0, STEP_NS };

	for (;;) {
		step(arg);
		nanosleep(&ts, NULL);	/* a signal may cut it short: that is fine */
	}
	return NULL;
}

/* Check bits passed by every thread in its last call: all must run version 2. */
static long all_checks(int n)
{
	long checks = -1;
	int i;

	for (i = 0; i < n; i++)
		checks &= __atomic_load_n(&ctx[i].checks, __ATOMIC_RELAXED);
	return checks;
}

static void report(int fd, long gen, int n)
{
	dprintf(fd, "gen=%ld counter=%ld v=%d checks=%#lx sig=%ld\n", gen,
		__atomic_load_n(&scn_counter, __ATOMIC_RELAXED), scn_version(), all_checks(n),
		__atomic_load_n(&signals, __ATOMIC_RELAXED));
}

static long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int start_workers(int n)
{
	pthread_t t;
	int i, err;

	for (i = 0; i < n; i++) {
		err = pthread_create(&t, NULL, worker, &ctx[i]);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	long gen = 0, last;
	char *out;
	int fd, n;

	if (argc != 3 || (n = atoi(argv[2])) < 0 || n > MAX_WORKERS) {
		fprintf(stderr, "usage: %s OUTFILE WORKERS(0-%d)\n", argv[0], MAX_WORKERS);
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	/* realpath links into the static target what its patch calls (call-versioned) */
	out = fd < 0 ? NULL : realpath(argv[1], NULL);
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	free(out);
	sigaction(SIGUSR1, &sa, NULL);
	if (start_workers(n))
		return 1;
	last = now_ns();
	for (;;) {
		struct timespec ts = { 0, n ? REPORT_NS : STEP_NS };

		if (!n)
			step(&ctx[0]);
		nanosleep(&ts, NULL);
		if (now_ns() - last >= REPORT_NS) {
			last = now_ns();
			report(fd, ++gen, n ? n : 1);
		}
	}
}
