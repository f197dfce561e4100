/*
 * zdtm test program and patch target: worker threads call zdtm_value() (1 here, 2 once
 * patched), an optional busy thread stays inside zdtm_spin(), an optional tree of child
 * processes does the same. After SIGTERM each process checks that its memory and threads
 * survived and that zdtm_value() returns the expected value.
 *   target [-t THREADS] [-f CHILDREN] [-b] -e EXPECTED
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtm.h"

#define MAX_WORKERS 16
#define PATTERN_SIZE (256 << 10)

struct worker {
	pthread_t t;
	volatile unsigned long count;
	volatile int last;
};

static struct worker workers[MAX_WORKERS];
static int nr_workers = 1, busy, expected;
static unsigned char *pattern;
static unsigned int seed;
volatile int zdtm_stop_spin;

__attribute__((noinline, noipa)) int zdtm_value(void)
{
	return 1;
}

__attribute__((noinline, noipa)) void zdtm_spin(void)
{
	while (!zdtm_stop_spin)
		__asm__ volatile("pause");
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		w->last = zdtm_value();
		w->count++;
		usleep(1000);
	}
	return NULL;
}

static void *spin(void *arg)
{
	zdtm_spin();
	return arg;
}

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 7 ^ seed);
}

static int set_up(pthread_t *spinner)
{
	pattern = malloc(PATTERN_SIZE);
	if (!pattern)
		return -1;
	seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	for (size_t i = 0; i < PATTERN_SIZE; i++)
		pattern[i] = pattern_byte(i);
	for (int i = 0; i < nr_workers; i++)
		if (pthread_create(&workers[i].t, NULL, work, &workers[i]))
			return -1;
	return busy ? pthread_create(spinner, NULL, spin, NULL) : 0;
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Each worker must still run: its count moves on and its latest call saw `expected`. */
static void check_workers(void)
{
	unsigned long before[MAX_WORKERS];
	int i, tries;

	for (i = 0; i < nr_workers; i++)
		before[i] = workers[i].count;
	for (i = 0; i < nr_workers; i++) {
		for (tries = 0; workers[i].count < before[i] + 2 && tries < 2000; tries++)
			usleep(1000);
		if (workers[i].count < before[i] + 2)
			zdtm_fail("%d: worker %d stopped running", getpid(), i);
		else if (workers[i].last != expected)
			zdtm_fail("%d: worker %d sees zdtm_value() = %d, expected %d", getpid(), i,
				  workers[i].last, expected);
	}
}

static void check_self(pthread_t spinner)
{
	int want = 1 + nr_workers + busy, n = count_threads();

	for (size_t i = 0; i < PATTERN_SIZE; i++)
		if (pattern[i] != pattern_byte(i)) {
			zdtm_fail("%d: memory pattern differs at byte %zu", getpid(), i);
			break;
		}
	if (n != want)
		zdtm_fail("%d: %d threads, expected %d", getpid(), n, want);
	check_workers();
	if (zdtm_value() != expected)
		zdtm_fail("%d: zdtm_value() = %d, expected %d", getpid(), zdtm_value(), expected);
	if (busy) {
		zdtm_stop_spin = 1;
		pthread_join(spinner, NULL);
	}
}

/* A child: set up, tell the parent, wait for its SIGTERM, exit 0 when every check passed
 * (only the root prints PASS or FAIL; a child prints the reasons of its failures). */
static void run_child(int ready_fd)
{
	pthread_t spinner;

	if (set_up(&spinner)) {
		zdtm_fail("%d: set-up failed", getpid());
		_exit(1);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	zdtm_wait_signal();
	check_self(spinner);
	fflush(stdout);
	_exit(zdtm_failed());
}

static int start_children(int n, pid_t *kids)
{
	int p[2], i;
	char c;

	if (pipe(p))
		return -1;
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return -1;
		if (!kids[i]) {
			close(p[0]);
			run_child(p[1]);
		}
	}
	close(p[1]);
	for (i = 0; i < n; i++)
		if (read(p[0], &c, 1) != 1)
			return -1;
	close(p[0]);
	return 0;
}

static void stop_children(int n, const pid_t *kids)
{
	int i, status;

	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			zdtm_fail("child %d failed", kids[i]);
}

int main(int argc, char **argv)
{
	pid_t kids[64];
	pthread_t spinner;
	int opt, nr_kids = 0;

	while ((opt = getopt(argc, argv, "t:f:be:")) != -1) {
		switch (opt) {
		case 't': nr_workers = atoi(optarg); break;
		case 'f': nr_kids = atoi(optarg); break;
		case 'b': busy = 1; break;
		case 'e': expected = atoi(optarg); break;
		default: return 2;
		}
	}
	if (nr_workers < 1 || nr_workers > MAX_WORKERS || nr_kids < 0 || nr_kids > 64 || !expected)
		return 2;
	zdtm_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (start_children(nr_kids, kids) || set_up(&spinner)) {
		zdtm_fail("set-up failed");
		return zdtm_report();
	}
	zdtm_ready();
	zdtm_wait_signal();
	check_self(spinner);
	stop_children(nr_kids, kids);
	return zdtm_report();
}
