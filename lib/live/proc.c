/* /proc/PID/maps read into a table, and the threads of /proc/PID/task. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "live/proc.h"

#define MAX_MAPS 1000000		/* far above the kernel's default vm.max_map_count */

/* "start-end perms offset major:minor inode [name]" */
static int parse_line(const char *line, struct lup_proc_map *m)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	int pos = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &off, &maj,
		   &min, &ino, &pos) < 7)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->off = off;
	m->dev = (unsigned long)maj << 20 | min;
	m->ino = ino;
	m->name = NULL;
	if (pos && line[pos] && !(m->name = strndup(line + pos, strcspn(line + pos, "\n"))))
		return -ENOMEM;
	return 0;
}

static int add_line(struct lup_proc_maps *m, const char *line, size_t *cap)
{
	struct lup_proc_map *n;

	if (m->nr == *cap) {
		if (m->nr == MAX_MAPS)
			return -E2BIG;
		*cap = *cap ? *cap * 2 : 64;
		n = realloc(m->m, *cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->m = n;
	}
	/* a line the format does not fit is skipped: it maps nothing lup looks for */
	switch (parse_line(line, &m->m[m->nr])) {
	case -ENOMEM:
		return -ENOMEM;
	case 0:
		if (m->m[m->nr].end > m->m[m->nr].start)
			m->nr++;
		else
			free(m->m[m->nr].name);
	}
	return 0;
}

int lup_proc_maps_read(pid_t pid, struct lup_proc_maps *out)
{
	char path[64], *line = NULL;
	size_t cap = 0, lcap = 0;
	int ret = 0;
	FILE *f;

	*out = (struct lup_proc_maps){ .pid = pid };
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && getline(&line, &lcap, f) > 0)
		ret = add_line(out, line, &cap);
	free(line);
	fclose(f);
	if (ret) {
		pr_err("%s: %s", path, strerror(-ret));
		lup_proc_maps_free(out);
	}
	return ret;
}

void lup_proc_maps_free(struct lup_proc_maps *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->m[i].name);
	free(m->m);
	*m = (struct lup_proc_maps){ 0 };
}

int lup_proc_tasks(pid_t pid, int (*fn)(void *arg, pid_t pid, pid_t tid), void *arg)
{
	struct dirent *de;
	char path[64];
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && (de = readdir(d))) {
		pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);

		if (tid > 0)
			ret = fn(arg, pid, tid);
	}
	closedir(d);
	return ret;
}

int lup_proc_status(pid_t pid, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	char path[64], line[512];
	int ret = -ENODATA;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(val, size, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		val[strcspn(val, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

int lup_proc_stat(pid_t pid, struct lup_proc_stat *st)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, ppid, ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret == -ESRCH ? -ENOENT : ret;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the name may hold blanks and parentheses */
	if (!p || sscanf(p + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &st->state, &ppid, &st->start) != 3)
		return -EIO;
	st->ppid = ppid;
	return 0;
}

pid_t lup_proc_ns_pid(pid_t pid)
{
	char nspid[256], *last;

	if (lup_proc_status(pid, "NSpid", nspid, sizeof(nspid)))
		return pid;
	last = strrchr(nspid, '\t');
	return (pid_t)atoi(last ? last + 1 : nspid);
}

int lup_proc_exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
