/*
 * Unit tests of plans: memory read as a plan leaves it (a planned mapping's contents,
 * planned writes over the view's memory), and the images transport's commit of a plan
 * into a dumped process's VMA list, pagemap and changed pages (a plan with code to run
 * refused, nothing changed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "core/plan.h"
#include "core/view.h"
#include "images/commit.h"
#include "util/err.h"

#define PG LUP_PAGE_SIZE
#define TEXT 0x400000ull
#define NEW 0x10000000ull

/* The view's memory: every byte of TEXT's page reads 0xaa; nothing else is mapped. */
static int read_text(struct lup_view *v, uint64_t addr, void *buf, size_t len)
{
	if (addr < TEXT || addr + len > TEXT + PG)
		return -EFAULT;
	memset(buf, 0xaa, len);
	return 0;
}

static const struct lup_view_ops ops = { .read = read_text };

static uint8_t *bytes(size_t len, uint8_t val)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	memset(b, val, len);
	return b;
}

static void test_read_through_plan(void **state)
{
	struct lup_view v = { .who = "process 1", .exe = -1, .ops = &ops };
	struct lup_plan p = { 0 };
	uint8_t buf[16], want[16];

	assert_int_equal(lup_plan_add_map(&p, NEW, NEW + 2 * PG, PROT_READ, bytes(8, 0x11), 8), 0);
	assert_int_equal(lup_plan_add_write_copy(&p, TEXT + 4, "\xe9\x01\x02\x03\x04", 5), 0);
	assert_int_equal(lup_plan_add_write_copy(&p, NEW + 6, "\x22\x22\x22\x22", 4), 0);
	/* a planned map: its data, then zeroes; a write on it too */
	assert_int_equal(lup_plan_read(&p, &v, NEW, buf, sizeof(buf)), 0);
	memset(want, 0, sizeof(want));
	memset(want, 0x11, 8);
	memset(want + 6, 0x22, 4);
	assert_memory_equal(buf, want, sizeof(want));
	/* the view's memory with a write over part of it */
	assert_int_equal(lup_plan_read(&p, &v, TEXT, buf, sizeof(buf)), 0);
	memset(want, 0xaa, sizeof(want));
	memcpy(want + 4, "\xe9\x01\x02\x03\x04", 5);
	assert_memory_equal(buf, want, sizeof(want));
	/* neither planned nor mapped */
	assert_int_equal(lup_plan_read(&p, &v, NEW + 4 * PG, buf, sizeof(buf)), -EFAULT);
	assert_false(lup_plan_empty(&p));
	lup_plan_free(&p);
	assert_true(lup_plan_empty(&p));
}

static VmaEntry *vma(uint64_t start, uint64_t end)
{
	VmaEntry *v = malloc(sizeof(*v));

	assert_non_null(v);
	vma_entry__init(v);
	v->start = start;
	v->end = end;
	v->prot = PROT_READ | PROT_EXEC;
	v->status = LUP_VMA_AREA_REGULAR | LUP_VMA_ANON_PRIVATE;
	return v;
}

/* A dumped process with TEXT and another VMA at NEW + 8 pages, none of it dumped. */
struct proc {
	struct lup_proc p;
	MmEntry mm;
	struct lup_pagemap pm;
	struct lup_overlay ov;
};

static void proc_init(struct proc *pr)
{
	memset(pr, 0, sizeof(*pr));
	mm_entry__init(&pr->mm);
	pr->mm.n_vmas = 2;
	pr->mm.vmas = calloc(2, sizeof(*pr->mm.vmas));
	assert_non_null(pr->mm.vmas);
	pr->mm.vmas[0] = vma(TEXT, TEXT + PG);
	pr->mm.vmas[1] = vma(NEW + 8 * PG, NEW + 9 * PG);
	pr->p.pid = 1;
	pr->p.mm = &pr->mm;
	pr->p.pagemap = &pr->pm;
}

static void proc_free(struct proc *pr)
{
	for (size_t i = 0; i < pr->mm.n_vmas; i++)
		vma_entry__free_unpacked(pr->mm.vmas[i], NULL);
	free(pr->mm.vmas);
	free(pr->pm.e);
	lup_overlay_free(&pr->ov);
}

static void test_commit_images(void **state)
{
	struct lup_plan p = { 0 };
	struct proc pr;

	proc_init(&pr);
	assert_int_equal(lup_plan_add_map(&p, NEW, NEW + 2 * PG, PROT_READ | PROT_EXEC,
					  bytes(2 * PG, 0x33), 2 * PG), 0);
	assert_int_equal(lup_plan_add_write_copy(&p, NEW + PG + 1, "\x44", 1), 0);
	assert_int_equal(lup_images_commit(&pr.p, &pr.ov, &p), 0);
	/* the new VMA in order, the old one kept */
	assert_int_equal(pr.mm.n_vmas, 3);
	assert_int_equal(pr.mm.vmas[0]->start, TEXT);
	assert_int_equal(pr.mm.vmas[2]->start, NEW + 8 * PG);
	assert_int_equal(pr.mm.vmas[1]->start, NEW);
	assert_int_equal(pr.mm.vmas[1]->end, NEW + 2 * PG);
	assert_int_equal(pr.mm.vmas[1]->prot, PROT_READ | PROT_EXEC);
	/* its two pages changed, the write on the second */
	assert_int_equal(pr.ov.nr, 2);
	assert_int_equal(pr.ov.p[1].vaddr, NEW + PG);
	assert_int_equal(pr.ov.p[1].data[0], 0x33);
	assert_int_equal(pr.ov.p[1].data[1], 0x44);
	lup_plan_free(&p);
	proc_free(&pr);
}

static void test_commit_refuses_calls(void **state)
{
	struct lup_plan p = { 0 };
	struct proc pr;

	proc_init(&pr);
	assert_int_equal(lup_plan_add_map(&p, NEW, NEW + PG, PROT_READ | PROT_EXEC,
					  bytes(PG, 0x55), PG), 0);
	assert_int_equal(lup_plan_add_call(&p, NEW), 0);
	assert_int_equal(lup_images_commit(&pr.p, &pr.ov, &p), -LUP_ENOTAPPLIC);
	assert_int_equal(pr.mm.n_vmas, 2);
	assert_int_equal(pr.ov.nr, 0);
	lup_plan_free(&p);
	proc_free(&pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_through_plan),
		cmocka_unit_test(test_commit_images),
		cmocka_unit_test(test_commit_refuses_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
