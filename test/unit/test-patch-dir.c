/*
 * Unit tests of the patch directory (lib/core/patch-dir.c): missing and empty directories,
 * name order, names that are not patches, a garbled patch, a duplicate patch id.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/err.h"
#include "core/patch-dir.h"

static char dir[] = "/tmp/lup-test-patch-dir.XXXXXX";

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

/* A small valid patch: one r-x segment replacing one function. */
static void write_patch(const char *name, const char *id)
{
	static uint8_t code[] = { 0xc3 }, orig[] = { 0x55, 0x48, 0x89, 0xe5, 0x90 };
	static uint8_t build_id[20] = { 1, 2, 3 };
	LupSegment seg = LUP_SEGMENT__INIT, *segs[] = { &seg };
	LupFunc fn = LUP_FUNC__INIT, *fns[] = { &fn };
	LupPatch p = LUP_PATCH__INIT;

	seg.mem_size = 4096;
	seg.data.data = code;
	seg.data.len = sizeof(code);
	seg.prot = LUP_PROT__LUP_PROT_RX;
	fn.name = "f";
	fn.target_value = 0x1000;
	fn.target_size = 16;
	fn.orig_bytes.data = orig;
	fn.orig_bytes.len = sizeof(orig);
	p.version = LUP_PATCH_VERSION;
	p.id = (char *)id;
	p.target_build_id.data = build_id;
	p.target_build_id.len = sizeof(build_id);
	p.target_name = "target";
	p.target_dyn = 1;
	p.image_size = 4096;
	p.n_segments = 1;
	p.segments = segs;
	p.n_funcs = 1;
	p.funcs = fns;
	assert_int_equal(lup_patch_write(in_dir(name), &p, NULL), 0);
}

static void write_file(const char *name, const char *content)
{
	FILE *f = fopen(in_dir(name), "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_missing_dir(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(lup_patch_dir_load(in_dir("none"), &s), -ENOENT);
}

static void test_empty_dir(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(mkdir(in_dir("empty"), 0700), 0);
	write_file("empty/README", "not a patch\n");
	write_file("empty/.hidden.lup", "not a patch either\n");
	assert_int_equal(lup_patch_dir_load(in_dir("empty"), &s), 0);
	assert_int_equal(s->nr, 0);
	lup_patch_set_free(s);
}

static void test_name_order(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(mkdir(in_dir("two"), 0700), 0);
	write_patch("two/b.lup", "second");
	write_patch("two/a.lup", "first");
	write_file("two/notes.txt", "ignored\n");
	assert_int_equal(lup_patch_dir_load(in_dir("two"), &s), 0);
	assert_int_equal(s->nr, 2);
	assert_string_equal(s->patches[0]->id, "first");
	assert_string_equal(s->patches[1]->id, "second");
	assert_string_equal(s->paths[1], in_dir("two/b.lup"));
	lup_patch_set_free(s);
}

static void test_garbled(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(mkdir(in_dir("bad"), 0700), 0);
	write_patch("bad/a.lup", "good");
	write_file("bad/b.lup", "LUP2\x40garbage");
	assert_int_equal(lup_patch_dir_load(in_dir("bad"), &s), -LUP_EBADPATCH);
}

static void test_not_a_file(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(mkdir(in_dir("sub"), 0700), 0);
	assert_int_equal(mkdir(in_dir("sub/dir.lup"), 0700), 0);
	assert_int_equal(lup_patch_dir_load(in_dir("sub"), &s), -LUP_EBADPATCH);
}

static void test_duplicate_id(void **state)
{
	struct lup_patch_set *s;

	assert_int_equal(mkdir(in_dir("dup"), 0700), 0);
	write_patch("dup/a.lup", "same");
	write_patch("dup/b.lup", "same");
	assert_int_equal(lup_patch_dir_load(in_dir("dup"), &s), -LUP_EBADPATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_name_order),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_duplicate_id),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
