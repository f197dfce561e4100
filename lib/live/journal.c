/* The journal of a checkpoint run (lib/live/journal.h): written, locked, read back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "live/journal.h"
#include "live/proc.h"
#include "live/run-dir.h"
#include "util/err.h"
#include "util/log.h"

#define JOURNAL_MAGIC "lup-journal 1"
#define JOURNAL_MAX (64 * 1024)	/* far above what a run writes: a bigger one is damaged */

static const char *const step_names[LUP_STEP_NR] = {
	[LUP_STEP_CHECKED] = "checked",
	[LUP_STEP_DUMP] = "dump",
	[LUP_STEP_RESTORE] = "restore",
	[LUP_STEP_FALLBACK] = "fallback",
};

const char *lup_journal_step_name(enum lup_journal_step s)
{
	return s < LUP_STEP_NR ? step_names[s] : "?";
}

int lup_boot_id(char id[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	int ret = f && fgets(id, 40, f) ? 0 : -EIO;

	if (f)
		fclose(f);
	if (ret)
		pr_err("/proc/sys/kernel/random/boot_id: cannot read it");
	else
		id[strcspn(id, "\n")] = '\0';
	return ret;
}

/* A value that a line can hold: no newline (an option with one cannot be journaled). */
static int check_value(const char *what, const char *v)
{
	if (!strchr(v, '\n'))
		return 0;
	pr_err("%s: holds a newline; lup cannot record it for lup recover", what);
	return -EINVAL;
}

static void print_body(FILE *f, const struct lup_journal *j)
{
	fprintf(f, JOURNAL_MAGIC "\nboot %s\nlup %d\nroot %d %llu %s\nimages %s\nstep %s\n"
		"criu %s\ntimeout %u\n", j->boot, (int)j->lup, (int)j->root, j->root_start,
		j->exe, j->images, lup_journal_step_name(j->step), j->criu.path,
		j->criu.timeout_ms);
	for (size_t i = 0; i < j->criu.nr_extra; i++)
		fprintf(f, "arg %s\n", j->criu.extra[i]);
	if (j->running)
		fprintf(f, "running %d %llu\n", (int)j->running, j->running_start);
	if (j->nr_tree) {
		fputs("tree", f);
		for (size_t i = 0; i < j->nr_tree; i++)
			fprintf(f, " %d:%llu", (int)j->tree[i].pid, j->tree[i].start);
		fputc('\n', f);
	}
}

int lup_journal_write(struct lup_journal *j)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = 0;

	if (!f)
		return -ENOMEM;
	print_body(f, j);
	if (fclose(f))
		return -ENOMEM;
	/* Rewritten in place, not renamed: the lock is on this file. One write of < 4 KiB. */
	if (pwrite(j->fd, buf, len, 0) != (ssize_t)len || ftruncate(j->fd, (off_t)len) ||
	    fdatasync(j->fd)) {
		ret = -errno;
		pr_err("%s: cannot write: %s", j->path, strerror(errno));
	}
	free(buf);
	return ret;
}

static char *exe_of(pid_t pid)
{
	char buf[4096];

	return strdup(lup_proc_exe(pid, buf, sizeof(buf)) ? "?" : buf);
}

static int copy_criu(struct lup_criu *to, const struct lup_criu *from)
{
	char **extra = calloc(from->nr_extra + 1, sizeof(*extra));
	int ret = check_value("criu", from->path);

	*to = (struct lup_criu){ .timeout_ms = from->timeout_ms, .extra = extra };
	to->path = strdup(from->path);
	if (!extra || !to->path)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < from->nr_extra; i++) {
		ret = check_value("option for criu", from->extra[i]);
		extra[i] = ret ? NULL : strdup(from->extra[i]);
		if (!ret && !extra[i])
			ret = -ENOMEM;
		to->nr_extra += !ret;
	}
	return ret;
}

static int fill(struct lup_journal *j, pid_t root, const char *dir, const struct lup_criu *c)
{
	struct lup_proc_stat st;
	int ret = lup_boot_id(j->boot);

	if (ret)
		return ret;
	ret = lup_proc_stat(root, &st);
	if (ret) {
		pr_err("process %d: %s", (int)root, strerror(-ret));
		return ret;
	}
	j->lup = getpid();
	j->root = root;
	j->root_start = st.start;
	j->exe = exe_of(root);
	j->images = strdup(dir);
	if (!j->exe || !j->images)
		return -ENOMEM;
	ret = check_value("images directory", dir);
	return ret ? ret : copy_criu(&j->criu, c);
}

static int create(struct lup_journal *j)
{
	int ret = lup_run_subdir(LUP_JOURNAL_DIR);

	if (ret)
		return ret;
	if (asprintf(&j->path, LUP_JOURNAL_DIR "/%d-%llu.journal", (int)j->root, j->root_start) < 0) {
		j->path = NULL;
		return -ENOMEM;
	}
	j->fd = open(j->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0) {
		ret = -errno;
		pr_err("%s: %s%s", j->path, strerror(errno),
		       errno == EEXIST ? " (a run on this process did not end: lup recover)" : "");
		return ret;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		pr_err("%s: lock: %s", j->path, strerror(errno));
	}
	return ret;
}

int lup_journal_begin(struct lup_journal *j, pid_t root, const char *dir, const struct lup_criu *c)
{
	int ret;

	*j = (struct lup_journal){ .fd = -1, .step = LUP_STEP_CHECKED };
	ret = fill(j, root, dir, c);
	if (!ret)
		ret = create(j);
	if (!ret)
		ret = lup_journal_write(j);
	if (ret && j->fd >= 0)
		unlink(j->path);
	if (ret)
		lup_journal_free(j);
	return ret;
}

void lup_journal_free(struct lup_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->criu.nr_extra; i++)
		free(j->criu.extra[i]);
	free((char **)j->criu.extra);
	free((char *)j->criu.path);
	free(j->path);
	free(j->exe);
	free(j->images);
	free(j->tree);
	*j = (struct lup_journal){ .fd = -1 };
}

void lup_journal_end(struct lup_journal *j)
{
	if (j->path && unlink(j->path))
		pr_warn("%s: cannot remove: %s", j->path, strerror(errno));
	lup_journal_free(j);
}

static int parse_step(const char *v, enum lup_journal_step *s)
{
	for (unsigned i = 0; i < LUP_STEP_NR; i++)
		if (!strcmp(v, step_names[i])) {
			*s = i;
			return 0;
		}
	return -EINVAL;
}

static int add_arg(struct lup_criu *c, const char *v)
{
	char **a = realloc((char **)c->extra, (c->nr_extra + 2) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	c->extra = a;
	a[c->nr_extra] = strdup(v);
	a[c->nr_extra + 1] = NULL;
	return a[c->nr_extra++] ? 0 : -ENOMEM;
}

static int add_proc(struct lup_journal *j, pid_t pid, unsigned long long start)
{
	struct lup_journal_proc *t = realloc(j->tree, (j->nr_tree + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	j->tree = t;
	t[j->nr_tree++] = (struct lup_journal_proc){ pid, start };
	return 0;
}

int lup_journal_set_tree(struct lup_journal *j, const pid_t *pids, size_t nr)
{
	struct lup_proc_stat st;
	int ret = 0;

	free(j->tree);
	j->tree = NULL;
	j->nr_tree = 0;
	for (size_t i = 0; !ret && i < nr; i++)
		if (lup_proc_stat(pids[i], &st) == 0)	/* else gone: not the dump's to restore */
			ret = add_proc(j, pids[i], st.start);
	return ret;
}

static int parse_tree(struct lup_journal *j, const char *v)
{
	unsigned long long start;
	int pid, n, ret = 0;

	while (!ret && sscanf(v, "%d:%llu%n", &pid, &start, &n) == 2 && pid > 0) {
		ret = add_proc(j, pid, start);
		v += n + (v[n] == ' ');
	}
	return ret ? ret : *v ? -EINVAL : 0;
}

/* One "KEY VALUE" line into j; -EINVAL for what a journal cannot hold. */
static int parse_line(struct lup_journal *j, const char *key, const char *v)
{
	int n = 0, pid;

	if (!strcmp(key, "boot"))
		return snprintf(j->boot, sizeof(j->boot), "%s", v) < (int)sizeof(j->boot) ? 0 : -EINVAL;
	if (!strcmp(key, "lup"))
		return sscanf(v, "%d%n", &pid, &n) == 1 && !v[n] ? (j->lup = pid, 0) : -EINVAL;
	if (!strcmp(key, "root")) {
		if (sscanf(v, "%d %llu %n", &pid, &j->root_start, &n) != 2 || !n)
			return -EINVAL;
		j->root = pid;
		return (j->exe = strdup(v + n)) ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "images"))
		return (j->images = strdup(v)) ? 0 : -ENOMEM;
	if (!strcmp(key, "step"))
		return parse_step(v, &j->step);
	if (!strcmp(key, "criu"))
		return (j->criu.path = strdup(v)) ? 0 : -ENOMEM;
	if (!strcmp(key, "timeout"))
		return sscanf(v, "%u%n", &j->criu.timeout_ms, &n) == 1 && !v[n] ? 0 : -EINVAL;
	if (!strcmp(key, "arg"))
		return add_arg(&j->criu, v);
	if (!strcmp(key, "running"))
		return sscanf(v, "%d %llu%n", &pid, &j->running_start, &n) == 2 && !v[n] ?
		       (j->running = pid, 0) : -EINVAL;
	if (!strcmp(key, "tree"))
		return parse_tree(j, v);
	return -EINVAL;
}

static int parse(FILE *f, struct lup_journal *j)
{
	char *line = NULL, *sp;
	size_t cap = 0;
	ssize_t n;
	int ret = 0, nr = 0;

	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (nr++ == 0) {
			ret = strcmp(line, JOURNAL_MAGIC) ? -EINVAL : 0;
			continue;
		}
		sp = strchr(line, ' ');
		if (!sp)
			ret = -EINVAL;
		else
			*sp = '\0', ret = parse_line(j, line, sp + 1);
	}
	free(line);
	if (!ret && (!nr || !j->root || !j->images || !j->criu.path || !j->exe || !j->boot[0]))
		ret = -EINVAL;
	return ret;
}

static int read_locked(struct lup_journal *j)
{
	FILE *f;
	int ret, fd = dup(j->fd);
	off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);

	if (size == 0) {
		close(fd);
		return -ENODATA;	/* its run ended before writing it: nothing was frozen */
	}
	if (size < 0 || size > JOURNAL_MAX || lseek(fd, 0, SEEK_SET) < 0 ||
	    !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		pr_err("%s: damaged: cannot read it (left in place)", j->path);
		return -LUP_EBADIMG;
	}
	ret = parse(f, j);
	fclose(f);
	if (ret == -EINVAL) {
		pr_err("%s: damaged: not a journal of this lup (left in place)", j->path);
		ret = -LUP_EBADIMG;
	}
	return ret;
}

int lup_journal_open(const char *path, struct lup_journal *j)
{
	int ret;

	*j = (struct lup_journal){ .fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) };
	j->path = strdup(path);
	if (j->fd < 0 || !j->path) {
		ret = j->fd < 0 ? -errno : -ENOMEM;
		if (ret != -ENOENT)	/* ENOENT: its run ended since it was listed */
			pr_err("%s: %s", path, strerror(-ret));
		lup_journal_free(j);
		return ret;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -LUP_ELOCKED : -errno;
		if (ret != -LUP_ELOCKED)
			pr_err("%s: lock: %s", path, strerror(errno));
		lup_journal_free(j);
		return ret;
	}
	ret = read_locked(j);
	if (ret == -ENODATA) {
		unlink(path);
		ret = -ENOENT;
	}
	if (ret)
		lup_journal_free(j);
	return ret;
}

int lup_journal_each(pid_t pid, int (*fn)(void *arg, const char *path), void *arg)
{
	DIR *d = opendir(LUP_JOURNAL_DIR);
	char path[512];
	struct dirent *e;
	int ret = 0, p;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 8 || strcmp(e->d_name + len - 8, ".journal") ||
		    sscanf(e->d_name, "%d-", &p) != 1 || (pid && p != pid))
			continue;
		snprintf(path, sizeof(path), LUP_JOURNAL_DIR "/%s", e->d_name);
		ret = fn(arg, path);
	}
	closedir(d);
	return ret;
}
