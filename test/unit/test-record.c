/*
 * Unit tests of patch records and the lifecycle rules (lib/core/record*.c, lib/core/revert-chain.c)
 * on this test process itself, read as a live process through /proc/self/maps and
 * /proc/PID/mem: records written into real read-only anonymous mappings, a "function
 * entry" page holding original bytes or jumps; stacking, both revert orders, a
 * declared expectation, a second revert, and scribbled records.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/err.h"
#include "core/record-chain.h"
#include "core/view.h"
#include "live/view-live.h"
#include "arch/x86/jump.h"

#define PAGE 4096ul

static const uint8_t orig[LUP_JMP_SIZE] = { 0x55, 0x48, 0x89, 0xe5, 0x90 };
static uint8_t *text;		/* the "target": entry at text + 0x10 */
static uint64_t entry;

struct applied {
	uint8_t *image;		/* 2 pages: new function at + 0x100 */
	uint8_t *rec;		/* the record's VMA */
	uint64_t rec_size;
};

/* A one-function patch of the "target" (fields point to static storage). */
static LupPatch *make_patch(const char *id, char **expects, size_t nr_expects)
{
	static uint8_t bid[4] = { 0xde, 0xad, 0xbe, 0xef };
	LupPatch *p = calloc(1, sizeof(*p));
	LupFunc *f = calloc(1, sizeof(*f));

	lup_patch__init(p);
	lup_func__init(f);
	f->name = "word";
	f->target_value = 0x10;
	f->target_size = 16;
	f->orig_bytes.data = (uint8_t *)orig;
	f->orig_bytes.len = LUP_JMP_SIZE;
	f->new_offset = 0x100;
	p->funcs = calloc(1, sizeof(*p->funcs));
	p->funcs[0] = f;
	p->n_funcs = 1;
	p->id = (char *)id;
	p->target_name = "prog";
	p->target_build_id.data = bid;
	p->target_build_id.len = sizeof(bid);
	p->image_size = 2 * PAGE;
	p->expects = expects;
	p->n_expects = nr_expects;
	return p;
}

static void free_patch(LupPatch *p)
{
	free(p->funcs[0]);
	free(p->funcs);
	free(p);
}

static struct lup_chain *open_chain(struct lup_view *v)
{
	struct lup_chain *c;

	assert_int_equal(lup_view_live(getpid(), NULL, 0, v), 0);
	assert_int_equal(lup_chain_open(v, &c), 0);
	return c;
}

static void close_chain(struct lup_view *v, struct lup_chain *c)
{
	lup_chain_free(c);
	lup_view_free(v);
}

/* Applies p as the rewriter would: stacking check, record, jump at the entry. */
static void apply(LupPatch *p, struct applied *a)
{
	uint8_t saved[LUP_JMP_SIZE], *buf;
	const char *below;
	struct lup_view s;
	struct lup_chain *c = open_chain(&s);
	LupRecord *r;

	a->image = mmap(NULL, 2 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a->rec_size = lup_record_vma_size(p);
	a->rec = mmap(NULL, a->rec_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(a->image != MAP_FAILED && a->rec != MAP_FAILED);
	assert_int_equal(lup_chain_check_patch(c, p), 0);
	assert_int_equal(lup_chain_check_func(c, p, p->funcs[0], entry, saved, &below), 0);
	assert_int_equal(lup_record_new(p, lup_records_next_seq(&c->rs), (uintptr_t)a->rec,
					(uintptr_t)a->image, &r), 0);
	assert_int_equal(lup_record_add_func(r, "word", entry, 16, saved,
					     (uintptr_t)a->image + 0x100, below), 0);
	assert_int_equal(lup_record_pack(r, &buf), 0);
	memcpy(a->rec, buf, a->rec_size);
	free(buf);
	lup_record_free(r);
	assert_int_equal(mprotect(a->rec, a->rec_size, PROT_READ), 0);
	assert_int_equal(lup_jmp_encode(entry, (uintptr_t)a->image + 0x100, text + 0x10), 0);
	close_chain(&s, c);
}

/* What the image writer would do after lup_chain_revert: write entries and records, clear. */
static void write_back(struct lup_chain *c)
{
	for (size_t i = 0; i < c->nr_entries; i++)
		if (c->entries[i].dirty)
			memcpy(text + (c->entries[i].addr - entry) + 0x10, c->entries[i].cur, LUP_JMP_SIZE);
	for (size_t i = 0; i < c->rs.nr; i++) {
		uint8_t *buf, *at = (uint8_t *)(uintptr_t)c->rs.r[i]->self;

		if (!c->rec_dirty[i])
			continue;
		assert_int_equal(lup_record_pack(c->rs.r[i], &buf), 0);
		mprotect(at, c->rs.r[i]->self_size, PROT_READ | PROT_WRITE);
		memcpy(at, buf, c->rs.r[i]->self_size);
		mprotect(at, c->rs.r[i]->self_size, PROT_READ);
		free(buf);
	}
	for (size_t i = 0; i < c->nr_clear; i++) {
		void *at = (void *)(uintptr_t)c->clear[i].start;
		size_t len = c->clear[i].end - c->clear[i].start;

		mprotect(at, len, PROT_READ | PROT_WRITE);
		memset(at, 0, len);
		mprotect(at, len, PROT_READ);
	}
}

static int revert(const char *id)
{
	struct lup_view s;
	struct lup_chain *c = open_chain(&s);
	struct lup_range busy;
	int ret = lup_chain_revert(c, id, &busy);

	if (!ret) {
		assert_string_equal(busy.name, id);
		assert_int_equal(c->nr_clear, 1);	/* the record; the image stays */
		write_back(c);
	}
	close_chain(&s, c);
	return ret;
}

static size_t nr_records(void)
{
	struct lup_view s;
	struct lup_chain *c = open_chain(&s);
	size_t n = c->rs.nr;

	close_chain(&s, c);
	return n;
}

static int setup(void **state)
{
	text = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (text == MAP_FAILED)
		return -1;
	memcpy(text + 0x10, orig, sizeof(orig));
	entry = (uintptr_t)text + 0x10;
	return 0;
}

static void test_apply_revert_again(void **state)
{
	LupPatch *a = make_patch("fix-a", NULL, 0);
	struct applied aa;
	uint8_t saved[LUP_JMP_SIZE];
	const char *below;
	struct lup_view s;
	struct lup_chain *c;

	assert_int_equal(nr_records(), 0);
	apply(a, &aa);
	c = open_chain(&s);
	assert_int_equal(c->rs.nr, 1);
	assert_string_equal(c->rs.r[0]->id, "fix-a");
	assert_int_equal(c->rs.r[0]->seq, 1);
	assert_null(c->rs.r[0]->funcs[0]->below);
	assert_memory_equal(c->rs.r[0]->funcs[0]->saved.data, orig, LUP_JMP_SIZE);
	/* the same patch again: refused */
	assert_int_equal(lup_chain_check_patch(c, a), -LUP_ENOTAPPLIC);
	close_chain(&s, c);
	assert_int_equal(revert("fix-a"), 0);
	assert_memory_equal(text + 0x10, orig, LUP_JMP_SIZE);
	assert_int_equal(nr_records(), 0);
	assert_int_equal(revert("fix-a"), -LUP_ENOTAPPLIC);
	/* another build: the entry holds neither the original bytes nor a recorded jump */
	text[0x10] = 0xcc;
	c = open_chain(&s);
	assert_int_equal(lup_chain_check_func(c, a, a->funcs[0], entry, saved, &below), -LUP_ENOTAPPLIC);
	close_chain(&s, c);
	text[0x10] = orig[0];
	free_patch(a);
}

/* A then B on the same function, reverted top first or bottom first. */
static void stacked(bool bottom_first)
{
	LupPatch *a = make_patch("fix-a", NULL, 0), *b = make_patch("fix-b", NULL, 0);
	struct applied aa, ab;
	struct lup_view s;
	struct lup_chain *c;
	uint8_t jmp_a[LUP_JMP_SIZE], jmp_b[LUP_JMP_SIZE];

	apply(a, &aa);
	apply(b, &ab);
	lup_jmp_encode(entry, (uintptr_t)aa.image + 0x100, jmp_a);
	lup_jmp_encode(entry, (uintptr_t)ab.image + 0x100, jmp_b);
	c = open_chain(&s);
	assert_int_equal(c->rs.nr, 2);
	assert_string_equal(c->rs.r[1]->funcs[0]->below, "fix-a");
	assert_memory_equal(c->rs.r[1]->funcs[0]->saved.data, jmp_a, LUP_JMP_SIZE);
	close_chain(&s, c);
	if (bottom_first) {
		assert_int_equal(revert("fix-a"), 0);
		assert_memory_equal(text + 0x10, jmp_b, LUP_JMP_SIZE);	/* B stays on top */
		c = open_chain(&s);
		assert_int_equal(c->rs.nr, 1);
		assert_null(c->rs.r[0]->funcs[0]->below);		/* spliced onto the original */
		assert_memory_equal(c->rs.r[0]->funcs[0]->saved.data, orig, LUP_JMP_SIZE);
		close_chain(&s, c);
		assert_int_equal(revert("fix-b"), 0);
	} else {
		assert_int_equal(revert("fix-b"), 0);
		assert_memory_equal(text + 0x10, jmp_a, LUP_JMP_SIZE);
		assert_int_equal(revert("fix-a"), 0);
	}
	assert_memory_equal(text + 0x10, orig, LUP_JMP_SIZE);
	assert_int_equal(nr_records(), 0);
	free_patch(a);
	free_patch(b);
}

static void test_stacked_top_first(void **state)
{
	stacked(false);
}

static void test_stacked_bottom_first(void **state)
{
	stacked(true);
}

static void test_expects(void **state)
{
	char *want_a[] = { "fix-a" }, *want_x[] = { "fix-x" };
	LupPatch *a = make_patch("fix-a", NULL, 0), *c_ = make_patch("fix-c", want_a, 1);
	LupPatch *x = make_patch("fix-y", want_x, 1);
	struct applied aa, ac;
	struct lup_view s;
	struct lup_chain *c;

	c = open_chain(&s);
	assert_int_equal(lup_chain_check_patch(c, c_), -LUP_ENOTAPPLIC);	/* A not applied */
	close_chain(&s, c);
	apply(a, &aa);
	apply(c_, &ac);
	c = open_chain(&s);
	assert_int_equal(lup_chain_check_patch(c, x), -LUP_ENOTAPPLIC);
	close_chain(&s, c);
	assert_int_equal(revert("fix-a"), -LUP_ENOTAPPLIC);	/* C expects A */
	assert_int_equal(revert("fix-c"), 0);
	assert_int_equal(revert("fix-a"), 0);
	assert_memory_equal(text + 0x10, orig, LUP_JMP_SIZE);
	free_patch(a);
	free_patch(c_);
	free_patch(x);
}

static void find_fails(void)
{
	struct lup_view s;
	struct lup_records rs;

	assert_int_equal(lup_view_live(getpid(), NULL, 0, &s), 0);
	assert_int_equal(lup_records_find(&s, &rs), -LUP_EBADIMG);
	lup_view_free(&s);
}

/* Writes bytes at off in the (read-only) mapping at. */
static void poke(uint8_t *at, size_t size, size_t off, const void *bytes, size_t len)
{
	mprotect(at, size, PROT_READ | PROT_WRITE);
	memcpy(at + off, bytes, len);
	mprotect(at, size, PROT_READ);
}

static void test_scribbled(void **state)
{
	LupPatch *a = make_patch("fix-a", NULL, 0);
	struct applied aa;
	uint8_t *good = malloc(PAGE), *copy;
	uint32_t huge = 0x7fffffff;
	uint8_t junk[16];

	apply(a, &aa);
	memcpy(good, aa.rec, PAGE);
	poke(aa.rec, aa.rec_size, 4, &huge, sizeof(huge));	/* length past the VMA */
	find_fails();
	poke(aa.rec, aa.rec_size, 0, good, PAGE);
	memset(junk, 0xff, sizeof(junk));
	poke(aa.rec, aa.rec_size, 8, junk, sizeof(junk));	/* does not decode */
	find_fails();
	poke(aa.rec, aa.rec_size, 0, good, PAGE);
	/* a copy of the record elsewhere still says it is at aa.rec */
	copy = mmap(NULL, aa.rec_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	poke(copy, aa.rec_size, 0, good, PAGE);
	find_fails();
	munmap(copy, aa.rec_size);
	assert_int_equal(revert("fix-a"), 0);
	free(good);
	free_patch(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_revert_again),
		cmocka_unit_test(test_stacked_top_first),
		cmocka_unit_test(test_stacked_bottom_first),
		cmocka_unit_test(test_expects),
		cmocka_unit_test(test_scribbled),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
