/* The images directory of `lup patch`: DIR/orig (the dump, the fallback) and DIR/patched. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/live-priv.h"
#include "util/log.h"
#include "util/root-path.h"

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) ? -errno : 0;
}

/* rm -r, never following symlinks (patched/parent points to orig). */
static int remove_tree(const char *path)
{
	int ret;

	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	ret = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (ret) {
		ret = ret < 0 ? -errno : ret;
		pr_err("%s: cannot remove: %s", path, strerror(-ret));
	}
	return ret;
}

static int make_top(struct lup_live_dirs *d, const char *top, pid_t pid)
{
	const char *tmp = getenv("TMPDIR");
	char *base;

	if (top) {
		d->top = lup_abs_path(top);
		if (!d->top)
			return -ENOMEM;
		if (mkdir(d->top, 0700) == 0)
			d->created = true;
		else if (errno != EEXIST) {
			pr_err("%s: cannot create: %s", d->top, strerror(errno));
			return -errno;
		}
		return 0;
	}
	base = lup_abs_path(tmp && *tmp ? tmp : "/var/tmp");
	if (!base || asprintf(&d->top, "%s/lup-%d.XXXXXX", base, (int)pid) < 0) {
		free(base);
		d->top = NULL;
		return -ENOMEM;
	}
	free(base);
	if (!mkdtemp(d->top)) {
		pr_err("%s: cannot create: %s", d->top, strerror(errno));
		return -errno;
	}
	d->created = true;
	return 0;
}

int lup_live_dirs_init(struct lup_live_dirs *d, const char *top, pid_t pid)
{
	int ret;

	*d = (struct lup_live_dirs){ 0 };
	ret = make_top(d, top, pid);
	if (ret)
		return ret;
	if (asprintf(&d->orig, "%s/orig", d->top) < 0 ||
	    asprintf(&d->patched, "%s/patched", d->top) < 0) {
		d->orig = d->patched = NULL;
		return -ENOMEM;
	}
	if (access(d->orig, F_OK) == 0 || access(d->patched, F_OK) == 0) {
		pr_err("%s: already holds orig or patched images; give another --images directory",
		       d->top);
		return -EEXIST;
	}
	return 0;
}

int lup_live_dirs_reset(struct lup_live_dirs *d)
{
	int ret = remove_tree(d->patched);

	if (!ret)
		ret = remove_tree(d->orig);
	if (!ret && mkdir(d->orig, 0700)) {
		ret = -errno;
		pr_err("%s: cannot create: %s", d->orig, strerror(errno));
	}
	return ret;
}

int lup_live_dirs_remove(struct lup_live_dirs *d)
{
	int ret = remove_tree(d->patched);

	if (!ret)
		ret = remove_tree(d->orig);
	if (!ret && d->created && rmdir(d->top)) {
		ret = -errno;
		pr_err("%s: cannot remove: %s", d->top, strerror(errno));
	}
	return ret;
}

void lup_live_dirs_free(struct lup_live_dirs *d)
{
	free(d->top);
	free(d->orig);
	free(d->patched);
	*d = (struct lup_live_dirs){ 0 };
}
