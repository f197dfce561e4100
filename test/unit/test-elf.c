/*
 * Unit tests of ELF access: builds small programs with the compiler (two files with a
 * static of one name, a global, TLS; stripped, without build-id, non-PIE, static) and
 * checks each lookup by reading the variable's initial value at the symbol's address.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"

#include "core/elf-file.h"
#include "util/err.h"


static const char a_c[] =
	"int dup = 0x11111111;\n"
	"static int twin = 0x11111111;\n"
	"int shadow = 0x33333333;\n"
	"__thread int tvar = 5;\n"
	"int *a_twin(void) { return &twin; }\n"
	"int exported_fn(void) { return tvar; }\n";
static const char b_c[] =
	"static int twin = 0x22222222;\n"
	"static int shadow = 0x44444444;\n"
	"int *b_twin(void) { return &twin; }\n"
	"int *b_shadow(void) { return &shadow; }\n"
	"int main(void) { return *b_twin() + *b_shadow(); }\n";

static int build_all(void **state)
{
	const char *cc = getenv("CC") ? getenv("CC") : "gcc";

	if (scratch_make("elf") || scratch_write("a.c", a_c) || scratch_write("b.c", b_c))
		return -1;
	/* "full" is compiled from full paths: gcc still records "a.c" and "b.c" as STT_FILE. */
	return scratch_run("cd %s && %s -O1 -pie -fPIE -rdynamic -o pie a.c b.c && "
		   "%s -O1 -pie -fPIE -o full %s/a.c %s/b.c && "
		   "%s -O1 -no-pie -fno-PIE -o nopie a.c b.c && "
		   "%s -O1 -Wl,--build-id=none -o nobid a.c b.c && "
		   "%s -O1 -static -o static a.c b.c && strip -o static-stripped static && "
		   "strip -o stripped pie", scratch_dir, cc, cc, scratch_dir, scratch_dir, cc, cc, cc);
}

static int remove_all(void **state)
{
	scratch_remove();
	return 0;
}

static struct lup_elf *open_ok(const char *name)
{
	struct lup_elf *e = NULL;

	assert_int_equal(lup_elf_open(scratch_path(name), &e), 0);
	return e;
}

static uint32_t value_at(struct lup_elf *e, const struct lup_sym *s)
{
	uint32_t v = 0;

	assert_int_equal(lup_elf_read(e, s->value, &v, sizeof(v)), 0);
	return v;
}

static void test_global(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const struct lup_sym *s;

	assert_int_equal(lup_elf_find_sym(e, "dup", NULL, &s), 0);
	assert_int_equal(s->bind, STB_GLOBAL);
	assert_int_equal(s->type, STT_OBJECT);
	assert_null(s->file);
	assert_int_equal(value_at(e, s), 0x11111111);
	lup_elf_close(e);
}

static void test_static_by_file(void **state)
{
	static const char *const progs[] = { "pie", "full", "nopie", "static" };

	for (size_t i = 0; i < 4; i++) {
		struct lup_elf *e = open_ok(progs[i]);
		const struct lup_sym *s;

		assert_int_equal(lup_elf_find_sym(e, "twin", "a.c", &s), 0);
		assert_int_equal(s->bind, STB_LOCAL);
		assert_int_equal(value_at(e, s), 0x11111111);
		assert_int_equal(lup_elf_find_sym(e, "twin", "b.c", &s), 0);
		assert_int_equal(value_at(e, s), 0x22222222);
		assert_int_equal(lup_elf_find_sym(e, "twin", "c.c", &s), -ENOENT);
		lup_elf_close(e);
	}
}

static void test_ambiguous(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const struct lup_sym *s, *all[4];
	size_t n;

	assert_int_equal(lup_elf_find_sym(e, "twin", NULL, &s), -ENOTUNIQ);
	n = lup_elf_sym_all(e, "twin", all, 4);
	assert_int_equal(n, 2);
	assert_true((!strcmp(all[0]->file, "a.c") && !strcmp(all[1]->file, "b.c")) ||
		    (!strcmp(all[0]->file, "b.c") && !strcmp(all[1]->file, "a.c")));
	assert_int_equal(lup_elf_sym_all(e, "twin", all, 1), 2);
	lup_elf_close(e);
}

static void test_global_wins(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const struct lup_sym *s;

	assert_int_equal(lup_elf_find_sym(e, "shadow", NULL, &s), 0);
	assert_int_equal(value_at(e, s), 0x33333333);
	assert_int_equal(lup_elf_find_sym(e, "shadow", "b.c", &s), 0);
	assert_int_equal(value_at(e, s), 0x44444444);
	assert_int_equal(lup_elf_find_sym(e, "no_such_symbol", NULL, &s), -ENOENT);
	lup_elf_close(e);
}

static void test_tls(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const struct lup_sym *s;
	uint64_t memsz, align;

	assert_int_equal(lup_elf_tls(e, &memsz, &align), 0);
	assert_true(memsz >= 4);
	assert_int_equal(lup_elf_find_sym(e, "tvar", NULL, &s), 0);
	assert_int_equal(s->type, STT_TLS);
	assert_true(s->value + 4 <= memsz);
	lup_elf_close(e);
	e = open_ok("nobid");
	lup_elf_close(e);
}

static void test_build_id(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const uint8_t *id;
	size_t len;

	assert_int_equal(lup_elf_build_id(e, &id, &len), 0);
	assert_int_equal(len, 20);
	lup_elf_close(e);
	e = open_ok("nobid");
	assert_int_equal(lup_elf_build_id(e, &id, &len), -ENOENT);
	lup_elf_close(e);
}

static void test_types(void **state)
{
	struct lup_elf *e = open_ok("pie");

	assert_true(lup_elf_is_dyn(e));
	assert_int_equal(lup_elf_load_base(e), 0);
	lup_elf_close(e);
	e = open_ok("nopie");
	assert_false(lup_elf_is_dyn(e));
	assert_int_equal(lup_elf_load_base(e), 0x400000);
	lup_elf_close(e);
}

static void test_stripped(void **state)
{
	struct lup_elf *e = open_ok("stripped");
	const struct lup_sym *s;

	/* Falls back to .dynsym (exported by -rdynamic); statics are gone. */
	assert_int_equal(lup_elf_find_sym(e, "exported_fn", NULL, &s), 0);
	assert_int_equal(s->type, STT_FUNC);
	assert_int_equal(lup_elf_find_sym(e, "twin", "a.c", &s), -ENOENT);
	assert_int_equal(lup_elf_find_dynsym(e, "dup", &s), 0);
	assert_int_equal(lup_elf_find_dynsym(e, "printf", &s), -ENOENT);
	lup_elf_close(e);
	e = open_ok("static-stripped");
	assert_int_equal(lup_elf_find_sym(e, "main", NULL, &s), -LUP_EBADELF);
	lup_elf_close(e);
}

static void test_read_range(void **state)
{
	struct lup_elf *e = open_ok("pie");
	const struct lup_sym *s;
	uint8_t buf[8];

	assert_int_equal(lup_elf_find_sym(e, "dup", NULL, &s), 0);
	assert_int_equal(lup_elf_read(e, UINT64_MAX - 2, buf, 8), -ERANGE);
	assert_int_equal(lup_elf_read(e, s->value, buf, SIZE_MAX), -ERANGE);
	lup_elf_close(e);
}

static void test_not_elf(void **state)
{
	struct lup_elf *e = NULL;

	assert_int_equal(lup_elf_open(scratch_path("a.c"), &e), -LUP_EBADELF);
	assert_int_equal(lup_elf_open(scratch_path("missing"), &e), -ENOENT);
	assert_null(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global), cmocka_unit_test(test_static_by_file),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_global_wins), cmocka_unit_test(test_tls),
		cmocka_unit_test(test_build_id), cmocka_unit_test(test_types),
		cmocka_unit_test(test_stripped), cmocka_unit_test(test_read_range),
		cmocka_unit_test(test_not_elf),
	};

	return cmocka_run_group_tests(tests, build_all, remove_all);
}
