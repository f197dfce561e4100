/* The two trees of lup-mkpatch --diff: copies of the source, builds, compilations. */
#ifndef LUP_DIFF_BUILD_H
#define LUP_DIFF_BUILD_H

#include <stddef.h>

enum lup_tree { LUP_TREE_ORIG, LUP_TREE_FIXED };

struct lup_diff_build {
	char *srcdir;		/* absolute; every build sees its tree there */
	char *work;		/* the temporary directory */
	char *tree[2];		/* work/orig, work/fixed: copies of srcdir */
	const char *cmd;	/* the build command */
};

/* One compilation a build made (from the wrapper's record). */
struct lup_cc_record {
	char *cwd;		/* relative to srcdir, "." for it */
	char **argv;		/* argv[0] the compiler's name; NULL terminated */
	size_t argc;
	char *object;		/* the object it wrote, relative to srcdir */
	char *source;		/* its source, relative to srcdir */
};

struct lup_cc_records {
	struct lup_cc_record *v;
	size_t nr;
};

/* tree.c: the work directory with two copies of srcdir, fix applied to the second. */
int lup_diff_prepare(struct lup_diff_build *b, const char *srcdir, const char *fix, int strip);
/* Removes the work directory; frees b's strings. */
void lup_diff_cleanup(struct lup_diff_build *b);
/* Runs a helper program; its output shown when it fails (what: the message), fail_status. */
int lup_diff_run(char *const argv[], const char *what, int fail_status);
/* "work/NAME" (malloc'ed). */
char *lup_diff_work_path(const struct lup_diff_build *b, const char *name);

/* build.c: runs the build command in a tree, through the wrapper; its output in work/. */
int lup_diff_run_build(struct lup_diff_build *b, enum lup_tree t);
/* The compilations of a tree's build that wrote an object inside it. */
int lup_diff_records(const struct lup_diff_build *b, enum lup_tree t, struct lup_cc_records *out);
void lup_diff_records_free(struct lup_cc_records *r);
/*
 * Compiles r again in tree t with the wrapper's flags, then extra (NULL terminated),
 * writing the object to out (an absolute path; NULL: where r wrote it).
 */
int lup_diff_compile(const struct lup_diff_build *b, enum lup_tree t,
		     const struct lup_cc_record *r, const char *const *extra, const char *out);
/* The absolute path of a file of the tree, given relative to srcdir (malloc'ed). */
char *lup_diff_tree_path(const struct lup_diff_build *b, enum lup_tree t, const char *rel);

#endif
