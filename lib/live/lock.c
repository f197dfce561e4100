#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live/lock.h"
#include "live/proc.h"
#include "live/run-dir.h"
#include "util/err.h"
#include "util/log.h"

#define POLL_MS 10

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int open_lock(pid_t pid)
{
	struct lup_proc_stat st;
	char path[128];
	int ret = lup_proc_stat(pid, &st), fd;

	if (ret == -ENOENT)
		return ret;	/* ended since the tree was read: no longer in it */
	if (ret) {
		pr_err("process %d: %s", (int)pid, strerror(-ret));
		return ret;
	}
	ret = lup_run_subdir(LUP_LOCK_DIR);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), LUP_LOCK_DIR "/%d-%llu.lock", (int)pid, st.start);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
	}
	return fd < 0 ? ret : fd;
}

static long holder(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static void sleep_poll(void)
{
	struct timespec ts = { 0, POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Locks one process: its descriptor, -ENOENT (not reported) when it is gone or ours
 * holds it, or a negative errno (reported).
 */
static int lock_one(pid_t pid, unsigned wait_ms, pid_t ours)
{
	int fd = open_lock(pid);
	char buf[32];
	int n;

	if (fd < 0)
		return fd;
	for (unsigned waited = 0; flock(fd, LOCK_EX | LOCK_NB); waited += POLL_MS) {
		if (errno == EWOULDBLOCK && ours && holder(fd) == ours) {
			close(fd);
			return -ENOENT;
		}
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			int err = errno == EWOULDBLOCK ? -LUP_ELOCKED : -errno;

			if (err == -LUP_ELOCKED)
				pr_err("process %d: busy: lup run %ld holds it", (int)pid, holder(fd));
			else
				pr_err("process %d: lock: %s", (int)pid, strerror(errno));
			close(fd);
			return err;
		}
		sleep_poll();
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		pr_warn("process %d: lock file: %s", (int)pid, strerror(errno));
	return fd;
}

int lup_locks_take(const pid_t *pids, size_t nr, unsigned wait_ms, pid_t ours,
		   struct lup_locks *l)
{
	pid_t *order = malloc(nr * sizeof(*order));
	int ret = 0;

	*l = (struct lup_locks){ .fds = calloc(nr, sizeof(int)) };
	if (!order || !l->fds) {
		free(order);
		free(l->fds);
		l->fds = NULL;
		return -ENOMEM;
	}
	memcpy(order, pids, nr * sizeof(*order));
	qsort(order, nr, sizeof(*order), cmp_pid);
	for (size_t i = 0; !ret && i < nr; i++) {
		ret = lock_one(order[i], wait_ms, ours);
		if (ret >= 0)
			l->fds[l->nr++] = ret;
		if (ret >= 0 || ret == -ENOENT)
			ret = 0;
	}
	free(order);
	if (ret)
		lup_locks_release(l);
	return ret;
}

void lup_locks_release(struct lup_locks *l)
{
	for (size_t i = 0; i < l->nr; i++)
		close(l->fds[i]);
	free(l->fds);
	*l = (struct lup_locks){ 0 };
}
