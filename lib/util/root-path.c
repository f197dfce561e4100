/* A root directory (--root, LUP_ROOT) and an absolute path from the images: names, opening. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/log.h"
#include "util/root-path.h"

/* openat2 fails with EAGAIN when a rename or mount raced the walk: try again this often. */
#define OPEN_TRIES 16

char *lup_root_join(const char *root, const char *path)
{
	size_t len = root ? strlen(root) : 0;
	char *s;

	while (len && root[len - 1] == '/')
		len--;
	if (!len)
		return strdup(path);
	return asprintf(&s, "%.*s%s%s", (int)len, root, path[0] == '/' ? "" : "/", path) < 0 ?
		NULL : s;
}

static void report(const char *root, const char *path, int err)
{
	char *name = lup_root_join(root, path);

	pr_err("%s: %s", name ? name : path, strerror(err));
	free(name);
}

static bool is_host_root(const char *root)
{
	if (!root)
		return true;
	while (*root == '/')
		root++;
	return !*root;
}

/* The host's root: an ordinary open (also where openat2 is missing, e.g. under valgrind). */
static int host_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = errno;

	if (fd < 0) {
		report(NULL, path, err);
		return -err;
	}
	return fd;
}

/* path inside one root directory (len bytes of root); a negative errno, not reported. */
static int open_in(const char *root, size_t len, const char *path)
{
	/* glibc 2.36 has no openat2() wrapper. */
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	char dir[PATH_MAX];
	int dfd, fd, err, tries = 0;

	snprintf(dir, sizeof(dir), "%.*s", (int)len, root);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	do
		fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < OPEN_TRIES);
	err = errno;
	close(dfd);
	return fd < 0 ? -err : fd;
}

int lup_root_open(const char *root, const char *path)
{
	int fd = -ENOENT;

	if (is_host_root(root))
		return host_open(path);
	/* A list "UPPER:LOWER": the first that has the file, as an overlay shows it. */
	for (const char *r = root, *end; fd == -ENOENT && r; r = *end ? end + 1 : NULL) {
		end = strchrnul(r, ':');
		fd = open_in(r, (size_t)(end - r), path);
	}
	if (fd < 0)
		report(root, path, -fd);
	return fd;
}

char *lup_abs_path(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return asprintf(&out, "%s/%s", cwd, path) < 0 ? NULL : out;
}
