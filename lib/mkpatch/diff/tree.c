/*
 * The work directory of lup-mkpatch --diff: srcdir copied twice (objects already built
 * there come along, and are reused), the fix applied to one copy. srcdir is only read.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/run.h"
#include "mkpatch/diff/build.h"

#define MAX_OUTPUT (64 * 1024)

char *lup_diff_work_path(const struct lup_diff_build *b, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", b->work, name) < 0 ? NULL : p;
}

int lup_diff_run(char *const argv[], const char *what, int fail_status)
{
	char *out = NULL;
	int st = lup_run_capture(argv, LUP_RUN_CAPTURE_STDERR, MAX_OUTPUT, &out);

	if (st < 0) {
		pr_err("%s: cannot run %s: %s", what, argv[0], strerror(-st));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		pr_err("%s:\n%s", what, out ? out : "");
		st = fail_status;
	}
	free(out);
	return st;
}

static int copy_tree(const struct lup_diff_build *b, enum lup_tree t)
{
	char *src, *what;
	int ret;

	if (asprintf(&src, "%s/.", b->srcdir) < 0)
		return -ENOMEM;
	if (asprintf(&what, "%s: cannot copy it to %s", b->srcdir, b->tree[t]) < 0) {
		free(src);
		return -ENOMEM;
	}
	ret = lup_diff_run((char *[]){ "cp", "-a", "--reflink=auto", src, b->tree[t], NULL }, what, -EIO);
	free(src);
	free(what);
	return ret;
}

/* patch -pN, exactly (no fuzz: a misplaced hunk would build a wrong fix), tried first. */
static int apply_fix(const struct lup_diff_build *b, const char *fix, int strip)
{
	char p[16], *what;
	int ret;

	snprintf(p, sizeof(p), "-p%d", strip);
	if (asprintf(&what, "%s: does not apply to %s with patch %s", fix, b->srcdir, p) < 0)
		return -ENOMEM;
	ret = lup_diff_run((char *[]){ "patch", p, "-d", b->tree[LUP_TREE_FIXED], "--batch", "--forward",
			      "--fuzz=0", "--dry-run", "-s", "-i", (char *)fix, NULL },
		  what, -LUP_EBADPATCH);
	if (!ret)
		ret = lup_diff_run((char *[]){ "patch", p, "-d", b->tree[LUP_TREE_FIXED], "--batch",
				      "--forward", "--fuzz=0", "--no-backup-if-mismatch", "-s",
				      "-i", (char *)fix, NULL }, what, -LUP_EBADPATCH);
	free(what);
	return ret;
}

static int make_work(struct lup_diff_build *b)
{
	const char *tmp = getenv("TMPDIR");
	size_t len = strlen(b->srcdir);

	if (asprintf(&b->work, "%s/lup-mkpatch-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
		b->work = NULL;
		return -ENOMEM;
	}
	if (!mkdtemp(b->work)) {
		pr_err("%s: %s", b->work, strerror(errno));
		free(b->work);
		b->work = NULL;
		return -EIO;
	}
	if (strncmp(b->work, b->srcdir, len) == 0 && (b->work[len] == '/' || !b->work[len])) {
		pr_err("%s: the temporary directory %s is inside it: set TMPDIR elsewhere",
		       b->srcdir, b->work);
		return -EINVAL;
	}
	b->tree[LUP_TREE_ORIG] = lup_diff_work_path(b, "orig");
	b->tree[LUP_TREE_FIXED] = lup_diff_work_path(b, "fixed");
	if (!b->tree[0] || !b->tree[1])
		return -ENOMEM;
	return mkdir(b->tree[0], 0700) || mkdir(b->tree[1], 0700) ? -errno : 0;
}

int lup_diff_prepare(struct lup_diff_build *b, const char *srcdir, const char *fix, int strip)
{
	struct stat st;
	int ret;

	b->srcdir = realpath(srcdir, NULL);
	if (!b->srcdir || stat(b->srcdir, &st) || !S_ISDIR(st.st_mode) || !strcmp(b->srcdir, "/")) {
		pr_err("%s: not a source directory", srcdir);
		return -LUP_EBADPATCH;
	}
	if (access(fix, R_OK)) {
		ret = -errno;
		pr_err("%s: %s", fix, strerror(errno));
		return ret == -ENOENT ? -LUP_EBADPATCH : ret;
	}
	ret = make_work(b);
	for (int t = 0; !ret && t < 2; t++)
		ret = copy_tree(b, (enum lup_tree)t);
	if (!ret) {
		char *abs = realpath(fix, NULL);	/* patch runs in the tree */

		ret = abs ? apply_fix(b, abs, strip) : -errno;
		free(abs);
	}
	return ret;
}

void lup_diff_cleanup(struct lup_diff_build *b)
{
	if (b->work && lup_diff_run((char *[]){ "rm", "-rf", b->work, NULL }, b->work, -EIO))
		pr_warn("%s: cannot remove it", b->work);
	free(b->srcdir);
	free(b->work);
	free(b->tree[0]);
	free(b->tree[1]);
	memset(b, 0, sizeof(*b));
}
