/*
 * Unit tests of the inlines lup-mkpatch --diff follows (lib/mkpatch/diff/inline.c): small
 * sources compiled as lup-mkpatch --diff compiles them (gcc and g++ -c -g -O2
 * -ffunction-sections -fdata-sections), lines said to be changed by a fix, and what the
 * DWARF says of the changed functions given.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scratch.h"

#include "util/err.h"
#include "mkpatch/diff/inline.h"


/*
 * The tests name lines by number: each function's first one is in a comment, g's is 11 and
 * r's 13. g's helper(v ^ k) keeps helper's code apart from g's: when they fold into one
 * instruction, gcc leaves no DW_TAG_inlined_subroutine for helper.
 */
static const char inl_c[] =
	"static inline int helper(int v)\n"					/* 1 */
	"{\n"
	"	return v * 3;\n"
	"}\n"
	"int caller1(int v) { return helper(v) + 1; }\n"			/* 5 */
	"int caller2(int v) { return helper(v) - 1; }\n"			/* 6 */
	"int own(int v)\n"							/* 7 */
	"{\n"
	"	return v + 42;\n"
	"}\n"
	"static int __attribute__((noinline)) g(int v, int k) { return helper(v ^ k) ^ v; }\n"
	"int use_g(int v) { return g(v, 3) + g(v + 1, 3); }\n"			/* 12 */
	"static int __attribute__((noinline)) r(const int *p) { return *p * 5 + 1; }\n"
	"int use_r(int *p, int *q) { return r(p) + r(q); }\n"			/* 14 */
	"static inline int a(int v) { return v << 2; }\n"			/* 15 */
	"static inline int b(int v) { return a(v) + 7; }\n"			/* 16 */
	"int c(int v) { return b(v) * 2; }\n"					/* 17 */
	"__asm__(\".text\\n.globl nodwarf\\n.type nodwarf, @function\\nnodwarf: ret\\n\");\n";

/* sub/x.c, compiled with -Iinc from their parent directory. */
static const char sub_x_c[] =
	"#include \"h.h\"\n"
	"static inline int twice(int v) { return v * 2; }\n"			/* 2 */
	"int user(int v) { return twice(v) + hh(v); }\n";			/* 3 */

static const char inc_h_h[] = "static inline int hh(int v) { return v * 5; }\n";

static const char cls_cc[] =
	"namespace ns {\n"
	"struct S {\n"
	"	int v;\n"
	"	int get() const { return v * 2; }\n"				/* 4 */
	"};\n"
	"int use(const S &s) { return s.get() + 1; }\n"				/* 6 */
	"}\n";

/* obj from src, compiled in scratch_dir as src is named. */
static int compile(const char *src, const char *text, const char *obj, const char *opts)
{
	bool cxx = strstr(src, ".cc") != NULL;
	const char *cc = cxx ? (getenv("CXX") ? getenv("CXX") : "g++") :
			       (getenv("CC") ? getenv("CC") : "gcc");

	return scratch_write(src, text) ||
	       scratch_run("cd %s && %s -c %s -O2 -ffunction-sections -fdata-sections -o %s %s",
			   scratch_dir, cc, opts, obj, src);
}

static int build_all(void **state)
{
	if (scratch_make("inline") || scratch_run("mkdir %s/sub %s/inc", scratch_dir, scratch_dir) ||
	    scratch_write("inc/h.h", inc_h_h))
		return -1;
	return compile("inl.c", inl_c, "inl.o", "-g") ||
	       compile("sub/x.c", sub_x_c, "x.o", "-g -Iinc") ||
	       compile("cls.cc", cls_cc, "cls.o", "-g") ||
	       compile("inl.c", inl_c, "nodebug.o", "") || scratch_write("text.o", "not ELF\n");
}

static int remove_all(void **state)
{
	scratch_remove();
	return 0;
}

/* The causes in obj for the functions given, NULL terminated. */
static struct lup_inline_causes causes(const char *obj, const struct lup_line_range *r,
				       size_t nr_r, ...)
{
	struct lup_inline_causes c;
	char *funcs[8];
	size_t n = 0;
	va_list ap;

	va_start(ap, nr_r);
	while (n < 8 && (funcs[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	assert_int_equal(lup_inline_causes(scratch_path(obj), funcs, n, r, nr_r, &c), 0);
	assert_int_equal(c.nr, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(c.v[i].func, funcs[i]);
	return c;
}

/* c is touched or not, and inlines the touched functions given (NULL terminated), in order. */
static void assert_cause(const struct lup_inline_cause *c, bool touched, ...)
{
	const char *name;
	size_t n = 0;
	va_list ap;

	assert_int_equal(c->touched, touched);
	va_start(ap, touched);
	while ((name = va_arg(ap, const char *))) {
		assert_true(n < c->nr_inlined);
		assert_string_equal(c->inlined[n++], name);
	}
	va_end(ap);
	assert_int_equal(c->nr_inlined, n);
	assert_null(c->inlined[n]);
}

/* helper's body changes: both callers inline it, neither is touched itself. */
static void test_inlined_into_callers(void **state)
{
	const struct lup_line_range fix = { "inl.c", 3, 3 };
	struct lup_inline_causes c = causes("inl.o", &fix, 1, "caller1", "caller2", NULL);

	assert_cause(&c.v[0], false, "helper", NULL);
	assert_cause(&c.v[1], false, "helper", NULL);
	lup_inline_causes_free(&c);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);
}

/* own's lines run from its name to the line before g: its closing brace is its own. */
static void test_own_lines(void **state)
{
	const struct lup_line_range body = { "inl.c", 9, 9 }, brace = { "inl.c", 10, 10 },
		next = { "inl.c", 11, 11 }, before = { "inl.c", 6, 6 };
	struct lup_inline_causes c = causes("inl.o", &body, 1, "own", NULL);

	assert_cause(&c.v[0], true, NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &brace, 1, "own", NULL);
	assert_cause(&c.v[0], true, NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &next, 1, "own", NULL);
	assert_cause(&c.v[0], false, NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &before, 1, "own", "caller2", NULL);
	assert_cause(&c.v[0], false, NULL);
	assert_cause(&c.v[1], true, NULL);
	lup_inline_causes_free(&c);
}

/* gcc -O2 makes g.constprop.0 (k is 3) and r.isra.0 (*p passed by value): g and r. */
static void test_clones(void **state)
{
	const struct lup_line_range fix[] = { { "inl.c", 11, 11 }, { "inl.c", 13, 13 } },
		in_helper = { "inl.c", 2, 4 };
	struct lup_inline_causes c;

	assert_int_equal(scratch_run("nm %s | grep -qw g.constprop.0", scratch_path("inl.o")), 0);
	assert_int_equal(scratch_run("nm %s | grep -qw r.isra.0", scratch_path("inl.o")), 0);
	c = causes("inl.o", fix, 2, "g.constprop.0", "r.isra.0", "use_g", NULL);
	assert_cause(&c.v[0], true, NULL);
	assert_cause(&c.v[1], true, NULL);
	assert_cause(&c.v[2], false, NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &in_helper, 1, "g.constprop.0", NULL);
	assert_cause(&c.v[0], false, "helper", NULL);
	lup_inline_causes_free(&c);
}

/* a inlined into b inlined into c: a's change is c's, b's only when b's lines change. */
static void test_nested(void **state)
{
	const struct lup_line_range in_a = { "inl.c", 15, 15 }, in_both = { "inl.c", 15, 16 };
	struct lup_inline_causes c = causes("inl.o", &in_a, 1, "c", NULL);

	assert_cause(&c.v[0], false, "a", NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &in_both, 1, "c", NULL);
	assert_cause(&c.v[0], false, "b", "a", NULL);
	lup_inline_causes_free(&c);
}

/* c is the last function: its lines end where the line table's do, before the asm. */
static void test_last_function(void **state)
{
	const struct lup_line_range own = { "inl.c", 17, 17 }, after = { "inl.c", 18, 30 };
	struct lup_inline_causes c = causes("inl.o", &own, 1, "c", NULL);

	assert_cause(&c.v[0], true, NULL);
	lup_inline_causes_free(&c);
	c = causes("inl.o", &after, 1, "c", NULL);
	assert_cause(&c.v[0], false, NULL);
	lup_inline_causes_free(&c);
}

/*
 * sub/x.c compiled from its parent: the DWARF names it so, relative to the compilation
 * directory. Ranges of "sub/x.c", "x.c" or "DIR/sub/x.c" are its, not of "ub/x.c".
 */
static void test_file_suffix(void **state)
{
	char parent[128];
	struct lup_line_range fix[] = {
		{ "sub/x.c", 2, 2 }, { "x.c", 2, 2 }, { parent, 2, 2 },
		{ "ub/x.c", 2, 2 }, { "other/x.c", 2, 2 }, { "inl.c", 2, 2 },
	};
	struct lup_inline_causes c;

	snprintf(parent, sizeof(parent), "%s/sub/x.c", strrchr(scratch_dir, '/') + 1);
	for (size_t i = 0; i < 3; i++) {
		c = causes("x.o", &fix[i], 1, "user", NULL);
		assert_cause(&c.v[0], false, "twice", NULL);
		lup_inline_causes_free(&c);
	}
	c = causes("x.o", &fix[3], 3, "user", NULL);
	assert_cause(&c.v[0], false, NULL);
	lup_inline_causes_free(&c);
}

/* A header's inline function, its file relative to the compilation directory too. */
static void test_header(void **state)
{
	const struct lup_line_range fix = { "inc/h.h", 1, 1 };
	struct lup_inline_causes c = causes("x.o", &fix, 1, "user", NULL);

	assert_cause(&c.v[0], false, "hh", NULL);
	lup_inline_causes_free(&c);
}

/* Inlined C++ member functions are named by their mangled name, as changed ones are. */
static void test_cxx(void **state)
{
	const struct lup_line_range fix = { "cls.cc", 4, 4 };
	struct lup_inline_causes c = causes("cls.o", &fix, 1, "_ZN2ns3useERKNS_1SE", NULL);

	assert_cause(&c.v[0], false, "_ZNK2ns1S3getEv", NULL);
	lup_inline_causes_free(&c);
}

/* nodwarf is the asm's; nothing is the DWARF's either. */
static void test_no_dwarf(void **state)
{
	const struct lup_line_range fix = { "inl.c", 1, 30 };
	struct lup_inline_causes c = causes("inl.o", &fix, 1, "nodwarf", "caller1", "nothing",
					    NULL);

	assert_cause(&c.v[0], false, NULL);
	assert_cause(&c.v[1], true, "helper", NULL);
	assert_cause(&c.v[2], false, NULL);
	lup_inline_causes_free(&c);
}

static void test_bad_objects(void **state)
{
	const struct lup_line_range fix = { "inl.c", 3, 3 };
	struct lup_inline_causes c = { 0 };
	char *f[] = { "caller1" };

	assert_int_equal(lup_inline_causes(scratch_path("missing.o"), f, 1, &fix, 1, &c), -ENOENT);
	assert_int_equal(lup_inline_causes(scratch_path("text.o"), f, 1, &fix, 1, &c), -LUP_EBADELF);
	assert_int_equal(lup_inline_causes(scratch_path("nodebug.o"), f, 1, &fix, 1, &c),
			 -LUP_EBADELF);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inlined_into_callers), cmocka_unit_test(test_own_lines),
		cmocka_unit_test(test_clones), cmocka_unit_test(test_nested),
		cmocka_unit_test(test_last_function), cmocka_unit_test(test_file_suffix),
		cmocka_unit_test(test_header), cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_bad_objects),
	};

	return cmocka_run_group_tests(tests, build_all, remove_all);
}
