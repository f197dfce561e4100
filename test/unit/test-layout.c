/*
 * Unit tests of the data layout check of lup-mkpatch --diff (lib/mkpatch/diff/layout.c):
 * pairs of small sources, an original and a fix, compiled as lup-mkpatch --diff compiles
 * them (gcc and g++ -c -g -O2 -ffunction-sections -fdata-sections), and the refusals
 * their DWARF gives for the functions said to change.
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
#include "mkpatch/diff/layout.h"


/* One case: the source before and after the fix, file NAME.c (or NAME.cc for g++). */
struct pair {
	const char *name;
	bool cxx;
	const char *orig, *fixed;
};

static const struct pair pairs[] = {
	{ "added", false,
	  "struct conn { int fd; long sent; };\n"
	  "int f(struct conn *c) { return c->fd; }\n",
	  "struct conn { int fd; long sent; int retries; };\n"
	  "int f(struct conn *c) { return c->fd + c->retries; }\n" },
	{ "reordered", false,
	  "struct pt { int x; int y; };\n"
	  "int f(struct pt *p) { return p->x - p->y; }\n",
	  "struct pt { int y; int x; };\n"
	  "int f(struct pt *p) { return p->x - p->y; }\n" },
	{ "unused", false,
	  "struct other { int a; };\n"
	  "int g(struct other *o) { return o->a; }\n"
	  "int f(int v) { return v + 1; }\n",
	  "struct other { int a; int b; };\n"
	  "int g(struct other *o) { return o->a + o->b; }\n"
	  "int f(int v) { return v + 2; }\n" },
	{ "array", false,
	  "int table[16];\n"
	  "int f(int i) { return table[i & 15]; }\n",
	  "int table[20];\n"
	  "int f(int i) { return table[i % 20]; }\n" },
	{ "static", false,
	  "int f(void) { static int count; return ++count; }\n",
	  "int f(void) { static long count; return (int)++count; }\n" },
	{ "enum", false,
	  "enum state { STATE_IDLE, STATE_BUSY, STATE_X = 3 };\n"
	  "int f(enum state s) { return s == STATE_X; }\n",
	  "enum state { STATE_IDLE, STATE_BUSY, STATE_X = 4 };\n"
	  "int f(enum state s) { return s == STATE_X; }\n" },
	{ "global", false,
	  "struct cfg { int a; int b; };\n"
	  "struct cfg config;\n"
	  "int f(void) { return config.b; }\n",
	  "struct cfg { int b; int a; };\n"
	  "struct cfg config;\n"
	  "int f(void) { return config.b; }\n" },
	{ "code", false,
	  "struct conn { int fd; long sent; };\n"
	  "static int calls;\n"
	  "int f(struct conn *c) { calls++; return c->fd; }\n",
	  "struct conn { int fd; long sent; };\n"
	  "static int calls;\n"
	  "int f(struct conn *c) { calls += 2; return c->fd > 0 ? c->fd : -1; }\n" },
	{ "clone", false,
	  "struct cfg { int a; int b; };\n"
	  "static int __attribute__((noinline)) g(struct cfg *c, int k) { return c->b * k; }\n"
	  "int f(struct cfg *c) { return g(c, 3); }\n",
	  "struct cfg { int a; int pad; int b; };\n"
	  "static int __attribute__((noinline)) g(struct cfg *c, int k) { return c->b * k; }\n"
	  "int f(struct cfg *c) { return g(c, 3); }\n" },
	{ "anon", false,
	  "typedef struct { int kind; union { int i; char c[4]; } u; } val_t;\n"
	  "int f(val_t *v) { return v->kind; }\n",
	  "typedef struct { int kind; union { int i; char c[8]; } u; } val_t;\n"
	  "int f(val_t *v) { return v->kind; }\n" },
	{ "class", true,
	  "namespace ns {\n"
	  "class Conn { public: int fd; static int count; int send(int n); };\n"
	  "int Conn::count;\n"
	  "int Conn::send(int n) { return fd + n + count; }\n"
	  "}\n",
	  "namespace ns {\n"
	  "class Conn { public: int fd; int retries; static long count; int send(int n); };\n"
	  "long Conn::count;\n"
	  "int Conn::send(int n) { return fd + n + retries + count; }\n"
	  "}\n" },
};

/* NAME.orig.o and NAME.fixed.o. */
static int build_pair(const struct pair *p)
{
	const char *cc = p->cxx ? (getenv("CXX") ? getenv("CXX") : "g++") :
				  (getenv("CC") ? getenv("CC") : "gcc");
	const char *ext = p->cxx ? "cc" : "c";
	static const char *const sides[] = { "orig", "fixed" };
	char src[128], obj[128];

	for (int i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s.%s.%s", p->name, sides[i], ext);
		snprintf(obj, sizeof(obj), "%s.%s.o", p->name, sides[i]);
		if (scratch_write(src, i ? p->fixed : p->orig) ||
		    scratch_run("cd %s && %s -c -g -O2 -ffunction-sections -fdata-sections -o %s %s",
			scratch_dir, cc, obj, src))
			return -1;
	}
	return 0;
}

static int build_all(void **state)
{
	if (scratch_make("layout"))
		return -1;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (build_pair(&pairs[i]))
			return -1;
	/* An object without DWARF, and a file that is no ELF. */
	return scratch_run("cd %s && %s -c -O2 -o nodebug.o added.orig.c", scratch_dir,
		   getenv("CC") ? getenv("CC") : "gcc") || scratch_write("text.o", "not ELF\n");
}

static int remove_all(void **state)
{
	scratch_remove();
	return 0;
}

/* The refusals of case name for the changed functions given, NULL terminated. */
static struct lup_layout_refusals compare(const char *name, ...)
{
	struct lup_layout_refusals r = { 0 };
	char orig[128], fixed[128], *funcs[8];
	size_t n = 0;
	va_list ap;

	va_start(ap, name);
	while (n < 8 && (funcs[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	snprintf(orig, sizeof(orig), "%s.orig.o", name);
	snprintf(fixed, sizeof(fixed), "%s.fixed.o", name);
	assert_int_equal(lup_layout_compare(scratch_path(orig), scratch_path(fixed), funcs, n, &r), 0);
	return r;
}

/* The refusal that has each of the parts given (NULL terminated), else a failed test. */
static const char *refused(const struct lup_layout_refusals *r, ...)
{
	for (size_t i = 0; i < r->nr; i++) {
		const char *part;
		bool all = true;
		va_list ap;

		va_start(ap, r);
		while ((part = va_arg(ap, const char *)))
			all = all && strstr(r->v[i].what, part);
		va_end(ap);
		if (all)
			return r->v[i].what;
	}
	for (size_t i = 0; i < r->nr; i++)
		print_message("refusal: %s\n", r->v[i].what);
	fail_msg("no such refusal among %zu", r->nr);
	return NULL;
}

static void test_member_added(void **state)
{
	struct lup_layout_refusals r = compare("added", "f", NULL);

	assert_int_equal(r.nr, 1);
	assert_string_equal(refused(&r, "struct conn", NULL),
			    "struct conn: member 'retries' added at offset 16; size 16 -> 24");
	lup_layout_refusals_free(&r);
	assert_int_equal(r.nr, 0);
}

static void test_member_moved(void **state)
{
	struct lup_layout_refusals r = compare("reordered", "f", NULL);

	assert_int_equal(r.nr, 1);
	refused(&r, "struct pt: ", "member 'x' offset 0 -> 4", "member 'y' offset 4 -> 0", NULL);
	lup_layout_refusals_free(&r);
}

/* struct other is g's, and g is said not to change: only f's types count. */
static void test_unused_type(void **state)
{
	struct lup_layout_refusals r = compare("unused", "f", NULL);

	assert_int_equal(r.nr, 0);
	lup_layout_refusals_free(&r);
	r = compare("unused", "f", "g", NULL);
	assert_int_equal(r.nr, 1);
	refused(&r, "struct other: member 'b' added", NULL);
	lup_layout_refusals_free(&r);
}

static void test_global_array(void **state)
{
	struct lup_layout_refusals r = compare("array", "f", NULL);

	assert_int_equal(r.nr, 1);
	assert_string_equal(refused(&r, "table", NULL),
			    "variable 'table': size 64 -> 80, type int[16] -> int[20]");
	lup_layout_refusals_free(&r);
}

static void test_function_static(void **state)
{
	struct lup_layout_refusals r = compare("static", "f", NULL);

	assert_int_equal(r.nr, 1);
	refused(&r, "variable 'count' (in f): ", "int -> long int", NULL);
	lup_layout_refusals_free(&r);
}

static void test_enum_value(void **state)
{
	struct lup_layout_refusals r = compare("enum", "f", NULL);

	assert_int_equal(r.nr, 1);
	assert_string_equal(refused(&r, "enum state", NULL), "enum state: STATE_X 3 -> 4");
	lup_layout_refusals_free(&r);
}

/* f's DIE does not say it uses config: the layout of what it holds counts anyway. */
static void test_global_of_struct(void **state)
{
	struct lup_layout_refusals r = compare("global", "f", NULL);

	assert_int_equal(r.nr, 1);
	assert_string_equal(refused(&r, "struct cfg", NULL),
			    "struct cfg: member 'b' offset 4 -> 0; member 'a' offset 0 -> 4");
	lup_layout_refusals_free(&r);
}

static void test_code_only(void **state)
{
	struct lup_layout_refusals r = compare("code", "f", NULL);

	assert_int_equal(r.nr, 0);
	lup_layout_refusals_free(&r);
}

/* g's clones have g's types; f changes no layout it uses but through g. */
static void test_clone_names(void **state)
{
	static const char *const clones[] = { "g.constprop.0", "g.isra.0", "g.part.0", "g.cold" };

	for (size_t i = 0; i < 4; i++) {
		struct lup_layout_refusals r = compare("clone", clones[i], NULL);

		assert_int_equal(r.nr, 1);
		refused(&r, "struct cfg: ", "member 'b' offset 4 -> 8", "member 'pad' added",
			NULL);
		lup_layout_refusals_free(&r);
	}
}

/* A typedef-named struct, and the anonymous union inside it, named by its path. */
static void test_anonymous(void **state)
{
	struct lup_layout_refusals r = compare("anon", "f", NULL);

	assert_int_equal(r.nr, 2);
	assert_string_equal(refused(&r, "val_t: ", NULL),
			    "val_t: member 'u' size 4 -> 8; size 8 -> 12");
	assert_string_equal(refused(&r, "val_t.u: ", NULL), "val_t.u: member 'c' size 4 -> 8, "
			    "type char[4] -> char[8]; size 4 -> 8");
	lup_layout_refusals_free(&r);
}

static void test_cxx_class(void **state)
{
	struct lup_layout_refusals r = compare("class", "_ZN2ns4Conn4sendEi", NULL);

	assert_int_equal(r.nr, 2);
	refused(&r, "class ns::Conn: member 'retries' added at offset 4; size 4 -> 8", NULL);
	assert_string_equal(refused(&r, "ns::Conn::count", NULL),
			    "variable 'ns::Conn::count': size 4 -> 8, type int -> long int");
	lup_layout_refusals_free(&r);
}

static void test_bad_objects(void **state)
{
	struct lup_layout_refusals r = { 0 };
	char *f[] = { "f" };

	assert_int_equal(lup_layout_compare(scratch_path("missing.o"), scratch_path("added.fixed.o"), f, 1,
					    &r), -ENOENT);
	assert_int_equal(lup_layout_compare(scratch_path("added.orig.o"), scratch_path("text.o"), f,
					    1, &r), -LUP_EBADELF);
	assert_int_equal(lup_layout_compare(scratch_path("nodebug.o"), scratch_path("added.fixed.o"), f, 1,
					    &r), -LUP_EBADELF);
	assert_int_equal(r.nr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_added), cmocka_unit_test(test_member_moved),
		cmocka_unit_test(test_unused_type), cmocka_unit_test(test_global_array),
		cmocka_unit_test(test_function_static), cmocka_unit_test(test_enum_value),
		cmocka_unit_test(test_global_of_struct), cmocka_unit_test(test_code_only),
		cmocka_unit_test(test_clone_names),
		cmocka_unit_test(test_anonymous), cmocka_unit_test(test_cxx_class),
		cmocka_unit_test(test_bad_objects),
	};

	return cmocka_run_group_tests(tests, build_all, remove_all);
}
