/*
 * Unit tests of the reading of a fix's hunks (lib/mkpatch/diff/hunks.c): a git diff of
 * two files, what lines each hunk changes, and which lines of the original it moves.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scratch.h"

#include "util/err.h"
#include "mkpatch/diff/hunks.h"

/* a.c: 2 lines added at 10 (old 10-12 -> new 10-14), 1 removed at 40; b.c: a new file. */
static const char fix[] =
	"From 0123 Mon Sep 17 00:00:00 2001\n"
	"Subject: [PATCH] a fix\n"
	"---\n"
	"diff --git a/src/a.c b/src/a.c\n"
	"--- a/src/a.c\n"
	"+++ b/src/a.c\n"
	"@@ -10,3 +10,5 @@ int f(void)\n"
	" x\n"
	"+y\n"
	"+z\n"
	" w\n"
	" v\n"
	"@@ -40,3 +42,2 @@ int g(void)\n"
	" a\n"
	"-b\n"
	" c\n"
	"diff --git a/src/b.c b/src/b.c\n"
	"--- /dev/null\n"
	"+++ b/src/b.c\n"
	"@@ -0,0 +1 @@\n"
	"+int h;\n";

static void test_ranges(void **state)
{
	struct lup_hunks h;

	(void)state;
	assert_int_equal(scratch_write("fix.patch", fix), 0);
	assert_int_equal(lup_hunks_read(scratch_path("fix.patch"), 1, &h), 0);
	assert_int_equal(h.nr, 3);
	assert_string_equal(h.v[0].file, "src/a.c");
	assert_int_equal(h.v[0].first, 10);
	assert_int_equal(h.v[0].last, 14);
	assert_int_equal(h.v[1].first, 42);
	assert_int_equal(h.v[1].last, 43);
	assert_string_equal(h.v[2].file, "src/b.c");
	assert_int_equal(h.v[2].first, 1);
	assert_int_equal(h.v[2].last, 1);
	lup_hunks_free(&h);
	assert_int_equal(lup_hunks_read(scratch_path("fix.patch"), 2, &h), 0);
	assert_string_equal(h.v[0].file, "a.c");
	lup_hunks_free(&h);
}

static void test_moved(void **state)
{
	struct lup_hunks h;

	(void)state;
	assert_int_equal(lup_hunks_read(scratch_path("fix.patch"), 1, &h), 0);
	assert_false(lup_hunks_moved(&h, "src/a.c", 5, 5));	/* before: not moved */
	assert_false(lup_hunks_moved(&h, "src/a.c", 11, 13));	/* inside a hunk */
	assert_true(lup_hunks_moved(&h, "src/a.c", 20, 22));	/* after the first */
	assert_false(lup_hunks_moved(&h, "src/a.c", 20, 21));
	assert_true(lup_hunks_moved(&h, "src/a.c", 50, 51));	/* after both: +2 -1 */
	assert_false(lup_hunks_moved(&h, "src/c.c", 20, 22));	/* another file */
	lup_hunks_free(&h);
}

static void test_not_a_diff(void **state)
{
	struct lup_hunks h;

	(void)state;
	assert_int_equal(scratch_write("text", "nothing here\n"), 0);
	assert_int_equal(lup_hunks_read(scratch_path("text"), 1, &h), -LUP_EBADPATCH);
	assert_int_equal(lup_hunks_read(scratch_path("absent"), 1, &h), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_moved),
		cmocka_unit_test(test_not_a_diff),
	};
	int ret;

	if (scratch_make("hunks"))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	scratch_remove();
	return ret;
}
