/*
 * Freezes a live process with lib/live/freeze.c, optionally maps, writes and unmaps a
 * page in it by remote calls, holds the freeze, and thaws it: the driver of
 * test/e2e/freeze.sh and of the freeze floor figures in Documentation/compel.md.
 * Prints "frozen NS threads N", "thawing NS", "thawed NS" (CLOCK_MONOTONIC) per round.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exit-status.h"
#include "live/freeze.h"
#include "util/log.h"

#define PAGE 4096UL

struct opts {
	pid_t pid;
	bool show, map, bench;
	unsigned hold_ms, rounds, pause_ms;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: freeze-probe [-s] [-m] [-b] [-H HOLD_MS] [-n ROUNDS] [-P PAUSE_MS] PID\n"
		"  -s  print each thread as stopped: tid, call, rax, resume ip, rewound, stopped\n"
		"  -m  map a page by remote mmap, write it, make it r-x, write it again, unmap it\n"
		"  -b  time each round (freeze, mmap, munmap, thaw) and print the spread\n"
		"  -H  hold each freeze that long (after the mapping, before the unmap)\n"
		"  -n  rounds (1), -P  pause between rounds (0 ms)\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .rounds = 1 };
	while ((c = getopt(argc, argv, "smbH:n:P:")) != -1) {
		switch (c) {
		case 's': o->show = true; break;
		case 'm': o->map = true; break;
		case 'b': o->bench = o->map = true; break;
		case 'H': o->hold_ms = (unsigned)atoi(optarg); break;
		case 'n': o->rounds = (unsigned)atoi(optarg); break;
		case 'P': o->pause_ms = (unsigned)atoi(optarg); break;
		default: return -1;
		}
	}
	if (optind + 1 != argc || (o->pid = atoi(argv[optind])) <= 0 || !o->rounds)
		return -1;
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void show_threads(struct lup_frozen *f)
{
	size_t i;

	for (i = 0; i < lup_frozen_nr_threads(f); i++) {
		const struct lup_frozen_thread *t = lup_frozen_thread(f, i);

		printf("thread %d call %lld rax %lld resume %#" PRIx64 " rewound %d stopped %d\n", (int)t->tid,
		       (long long)t->regs.orig_rax, (long long)t->regs.rax, t->resume_ip, t->rewound, t->stopped);
	}
}

static int remote(struct lup_frozen *f, long nr, unsigned long *ret, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3)
{
	const unsigned long a[6] = { a0, a1, a2, a3, (unsigned long)-1, 0 };
	int err = lup_frozen_syscall(f, nr, ret, a);

	if (!err && *ret > -4096UL) {
		fprintf(stderr, "freeze-probe: remote call %ld: %s\n", nr, strerror((int)-*ret));
		return (int)*ret;
	}
	return err;
}

/* The first mapping of the process, 64 MiB steps below it: near the program, free. */
static int map_page(struct lup_frozen *f, uint64_t *addr)
{
	char path[64];
	unsigned long start = 0, ret = 0;
	FILE *fp;
	int i, err = -EEXIST;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)lup_frozen_pid(f));
	fp = fopen(path, "r");
	if (!fp || fscanf(fp, "%lx", &start) != 1)
		return fp ? (fclose(fp), -EIO) : -errno;
	fclose(fp);
	for (i = 1; i <= 16 && err == -EEXIST; i++) {
		*addr = start - (uint64_t)i * (64UL << 20);
		err = remote(f, __NR_mmap, &ret, *addr, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	}
	if (!err && ret != *addr) {
		fprintf(stderr, "freeze-probe: mmap gave %#lx, not %#" PRIx64 "\n", ret, *addr);
		err = -EIO;
	}
	return err;
}

/* Writes pattern at addr and reads it back. */
static int write_check(struct lup_frozen *f, uint64_t addr, const char *pattern)
{
	char back[64];
	size_t len = strlen(pattern);
	int err = lup_frozen_write(f, addr, pattern, len);

	if (!err)
		err = lup_frozen_read(f, addr, back, len);
	if (!err && memcmp(back, pattern, len)) {
		fprintf(stderr, "freeze-probe: %#" PRIx64 " does not hold what was written\n", addr);
		err = -EIO;
	}
	return err;
}

/* mmap, write, mprotect r-x, write into the r-x page (as the jumps need), hold, munmap. */
static int map_round(struct lup_frozen *f, const struct opts *o)
{
	unsigned long ret;
	uint64_t addr = 0;
	int err = map_page(f, &addr);

	if (!err && !o->bench)
		err = write_check(f, addr, "lup freeze-probe rw");
	if (!err && !o->bench)
		err = remote(f, __NR_mprotect, &ret, addr, PAGE, PROT_READ | PROT_EXEC, 0);
	if (!err && !o->bench)
		err = write_check(f, addr, "lup freeze-probe r-x");
	if (!err && !o->bench) {
		printf("mapped %#" PRIx64 "\n", addr);
		fflush(stdout);
	}
	if (!err && o->hold_ms)
		sleep_ms(o->hold_ms);
	if (!err)
		err = remote(f, __NR_munmap, &ret, addr, PAGE, 0, 0);
	return err;
}

/* Microseconds of one round: in all, and its three parts. */
struct times {
	double total, freeze, calls, thaw;
};

static int round_once(const struct opts *o, struct times *us)
{
	struct lup_frozen *f;
	long long t0 = now_ns(), t1, t2;
	int err = lup_freeze(o->pid, &f), err2;

	if (err)
		return err;
	t1 = now_ns();
	if (!o->bench)
		printf("frozen %lld threads %zu\n", now_ns(), lup_frozen_nr_threads(f));
	if (o->show)
		show_threads(f);
	if (o->map)
		err = map_round(f, o);
	else if (o->hold_ms)
		sleep_ms(o->hold_ms);
	if (!o->bench)
		printf("thawing %lld\n", now_ns());
	t2 = now_ns();
	err2 = lup_thaw(f);
	us->total = (double)(now_ns() - t0) / 1000.0;
	us->freeze = (double)(t1 - t0) / 1000.0;
	us->calls = (double)(t2 - t1) / 1000.0;
	us->thaw = us->total - us->freeze - us->calls;
	if (!o->bench)
		printf("thawed %lld\n", now_ns());
	fflush(stdout);
	return err ? err : err2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* The spread of the totals, and the median of each part. */
static void print_spread(const struct opts *o, const struct times *us, size_t nr_threads)
{
	double *v = calloc(o->rounds, sizeof(*v)), m[3];
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < o->rounds; i++)
		v[i] = us[i].freeze;
	m[0] = median(v, o->rounds);
	for (i = 0; i < o->rounds; i++)
		v[i] = us[i].calls;
	m[1] = median(v, o->rounds);
	for (i = 0; i < o->rounds; i++)
		v[i] = us[i].thaw;
	m[2] = median(v, o->rounds);
	for (i = 0; i < o->rounds; i++)
		v[i] = us[i].total;
	median(v, o->rounds);
	printf("floor threads %zu rounds %u min_us %.1f median_us %.1f p90_us %.1f max_us %.1f"
	       " (median freeze %.1f, mmap+munmap %.1f, thaw %.1f)\n",
	       nr_threads, o->rounds, v[0], v[o->rounds / 2], v[o->rounds * 9 / 10], v[o->rounds - 1], m[0], m[1],
	       m[2]);
	free(v);
}

static size_t count_threads(pid_t pid)
{
	char path[64];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (fp) {
		char line[128];

		while (fgets(line, sizeof(line), fp))
			if (sscanf(line, "Threads: %zu", &n) == 1)
				break;
		fclose(fp);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct times *us;
	unsigned i;
	int err = 0;

	if (parse(argc, argv, &o)) {
		usage();
		return LUP_EXIT_USAGE;
	}
	us = calloc(o.rounds, sizeof(*us));
	if (!us)
		return LUP_EXIT_FAIL;
	for (i = 0; i < o.rounds && !err; i++) {
		if (i && o.pause_ms)
			sleep_ms(o.pause_ms);
		err = round_once(&o, &us[i]);
	}
	if (!err && o.bench)
		print_spread(&o, us, count_threads(o.pid));
	free(us);
	return lup_exit_report("freeze-probe", err);
}
