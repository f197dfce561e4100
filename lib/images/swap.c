/*
 * The in-place swap (the plugin's init(RESTORE), an archive's rewrite): the images
 * lup_rewrite wrote into DIR/NEW take the place of those they replace, which move into
 * DIR/ORIG (every other image is hard-linked there, and the runtime's files beside them,
 * such as runc's descriptors.json, copied, so ORIG stays a complete checkpoint that a
 * runtime restores) behind a relative `parent` link. Renames and links only for the images: the cost does not depend on memory size.
 * A failure half-way rolls the directory back to its original images: it is never left
 * half-patched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/swap.h"
#include "util/file-copy.h"
#include "util/log.h"

/* The directory being swapped: dfd, its path for messages, the new and the orig subdirs. */
struct swap {
	int dfd, nfd;
	const char *dir, *new_dir;
	char orig[64];
};

static int is_image(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".img");
}

static int exists_at(int dfd, const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A free name for the originals: lup-orig, then lup-orig.1 ... when patched again. */
static int orig_name(int dfd, const char *dir, char *buf, size_t len)
{
	for (int i = 0; i < 100; i++) {
		snprintf(buf, len, i ? LUP_ORIG_DIR ".%d" : LUP_ORIG_DIR, i);
		if (!exists_at(dfd, buf))
			return 0;
	}
	pr_err("%s: no free name for the original images", dir);
	return -EEXIST;
}

/* The images dir's own parent link moves one level down: "../" before a relative target. */
static int move_parent_link(int dfd, const char *dir, const char *orig)
{
	char target[PATH_MAX], moved[PATH_MAX + 3], path[PATH_MAX];
	ssize_t n = readlinkat(dfd, "parent", target, sizeof(target) - 1);

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	snprintf(moved, sizeof(moved), "%s%s", target[0] == '/' ? "" : "../", target);
	snprintf(path, sizeof(path), "%s/parent", orig);
	if (symlinkat(moved, dfd, path) < 0 || unlinkat(dfd, "parent", 0) < 0) {
		pr_err("%s/parent: cannot move into %s: %s", dir, orig, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Calls fn for each image (images) or each other regular file of sub, until one fails. */
static int for_each_file(const struct swap *s, const char *sub, bool images,
			 int (*fn)(const struct swap *s, const char *name))
{
	int fd = openat(s->dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	int ret = 0;

	if (!d) {
		ret = -errno;
		pr_err("%s/%s: %s", s->dir, sub, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while (!ret && (de = readdir(d)))
		if (images ? is_image(de->d_name) : de->d_type == DT_REG && !is_image(de->d_name))
			ret = fn(s, de->d_name);
	closedir(d);
	return ret;
}

static int for_each_image(const struct swap *s, const char *sub,
			  int (*fn)(const struct swap *s, const char *name))
{
	return for_each_file(s, sub, true, fn);
}

/* One of the runtime's files into orig, copied: the runtime may write to its own. */
static int copy_other(const struct swap *s, const char *name)
{
	int ofd = openat(s->dfd, s->orig, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = ofd < 0 ? -errno : lup_copy_file_at(s->dfd, ofd, name);

	if (ofd >= 0)
		close(ofd);
	if (ret)
		pr_err("%s/%s: cannot copy it into %s: %s", s->dir, name, s->orig, strerror(-ret));
	return ret;
}

/* Rollback: a copy of a runtime's file out of orig. */
static int drop_other(const struct swap *s, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", s->orig, name);
	if (unlinkat(s->dfd, path, 0) == 0 || errno == ENOENT)
		return 0;
	pr_err("%s/%s: cannot remove: %s", s->dir, path, strerror(errno));
	return -errno;
}

/* One original image into orig: moved if the rewrite replaces it, else linked. */
static int keep_original(const struct swap *s, const char *name)
{
	char path[PATH_MAX];
	int moved = exists_at(s->nfd, name);

	snprintf(path, sizeof(path), "%s/%s", s->orig, name);
	if ((moved ? renameat(s->dfd, name, s->dfd, path) : linkat(s->dfd, name, s->dfd, path, 0)) == 0)
		return 0;
	pr_err("%s/%s: cannot %s it into %s: %s", s->dir, name, moved ? "move" : "link", s->orig,
	       strerror(errno));
	return -errno;
}

/* One rewritten image into the directory. */
static int take_new(const struct swap *s, const char *name)
{
	if (renameat(s->nfd, name, s->dfd, name) == 0)
		return 0;
	pr_err("%s/%s: the rewritten image cannot take its place: %s", s->dir, name,
	       strerror(errno));
	return -errno;
}

/* Rollback: an image in the directory with no original in orig came from the rewrite. */
static int drop_new_only(const struct swap *s, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", s->orig, name);
	if (exists_at(s->dfd, path) || unlinkat(s->dfd, name, 0) == 0)
		return 0;
	pr_err("%s/%s: cannot remove: %s", s->dir, name, strerror(errno));
	return -errno;
}

/*
 * Rollback: an original back in its place. A hard-linked one is the same file as the
 * image in the directory: rename then does nothing, and the link in orig is removed.
 */
static int put_back(const struct swap *s, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", s->orig, name);
	if (renameat(s->dfd, path, s->dfd, name) == 0 &&
	    (unlinkat(s->dfd, path, 0) == 0 || errno == ENOENT))
		return 0;
	pr_err("%s/%s: cannot put back: %s", s->dir, path, strerror(errno));
	return -errno;
}

/* Rollback: `parent` -> orig goes, the directory's own parent link comes back. */
static int put_back_parent_link(const struct swap *s)
{
	char target[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlinkat(s->dfd, "parent", target, sizeof(target) - 1);
	const char *was;

	if (n >= 0) {
		target[n] = '\0';
		if (!strcmp(target, s->orig) && unlinkat(s->dfd, "parent", 0) < 0)
			goto err;
	}
	snprintf(path, sizeof(path), "%s/parent", s->orig);
	n = readlinkat(s->dfd, path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	/* Without the "../" that move_parent_link put before a relative target. */
	was = strncmp(target, "../", 3) ? target : target + 3;
	if ((exists_at(s->dfd, "parent") || symlinkat(was, s->dfd, "parent") == 0) &&
	    unlinkat(s->dfd, path, 0) == 0)
		return 0;
err:
	pr_err("%s/parent: cannot put back: %s", s->dir, strerror(errno));
	return -errno;
}

/* new_taken: images of the rewrite may already be in the directory. */
static int roll_back(const struct swap *s, int new_taken)
{
	int ret = 0;

	if (new_taken)
		ret = for_each_image(s, ".", drop_new_only);
	if (!ret)
		ret = for_each_image(s, s->orig, put_back);
	if (!ret)
		ret = for_each_file(s, s->orig, false, drop_other);
	if (!ret)
		ret = put_back_parent_link(s);
	if (!ret && unlinkat(s->dfd, s->orig, AT_REMOVEDIR) < 0)
		ret = -errno;
	if (ret < 0)
		pr_err("%s: ROLLBACK FAILED (%s): the original images are split between it and %s; sort them out before restoring",
		       s->dir, strerror(-ret), s->orig);
	else
		pr_info("%s: rolled back to the original images: the process(es) restore unpatched",
			s->dir);
	return ret;
}

int lup_swap_out(int dfd, const char *dir)
{
	struct swap s = { .dfd = dfd, .dir = dir };
	ssize_t n = readlinkat(dfd, "parent", s.orig, sizeof(s.orig) - 1);

	if (n <= 0 || strncmp(s.orig, LUP_ORIG_DIR, strlen(LUP_ORIG_DIR))) {
		pr_err("%s: no swapped-in images to take out (parent is not %s)", dir, LUP_ORIG_DIR);
		return -ENOENT;
	}
	s.orig[n] = '\0';
	return roll_back(&s, 1);
}

/* The parent link and the images; on failure the images taken so far are in new_taken. */
static int swap(struct swap *s, int *new_taken)
{
	int ret = move_parent_link(s->dfd, s->dir, s->orig);

	if (!ret)
		ret = for_each_image(s, ".", keep_original);
	if (!ret)
		ret = for_each_file(s, ".", false, copy_other);
	if (ret)
		return ret;
	*new_taken = 1;
	ret = for_each_image(s, s->new_dir, take_new);
	if (!ret && symlinkat(s->orig, s->dfd, "parent") < 0) {
		ret = -errno;
		pr_err("%s/parent: cannot link to %s: %s", s->dir, s->orig, strerror(errno));
	}
	return ret;
}

int lup_swap_in(int dfd, const char *dir, const char *new_dir)
{
	struct swap s = { .dfd = dfd, .dir = dir, .new_dir = new_dir };
	int ret, new_taken = 0;

	ret = orig_name(dfd, dir, s.orig, sizeof(s.orig));
	if (ret < 0)
		return ret;
	s.nfd = openat(dfd, new_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.nfd < 0 || mkdirat(dfd, s.orig, 0700) < 0) {
		ret = -errno;
		pr_err("%s: cannot open %s: %s", dir, s.nfd < 0 ? new_dir : s.orig, strerror(errno));
		if (s.nfd >= 0)
			close(s.nfd);
		return ret;
	}
	ret = swap(&s, &new_taken);
	close(s.nfd);
	if (ret < 0)
		roll_back(&s, new_taken);
	else
		pr_info("%s: patched in place; the original images are in %s/%s", dir, dir, s.orig);
	return ret;
}
