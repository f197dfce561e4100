/*
 * Unit tests of lib/images/pagemap.c and lib/images/pages.c on images written by hand: both page
 * count styles (CRIU 4.1: field 2; 4.2: field 5), the checks, and parent links.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/err.h"
#include "images/img.h"
#include "images/pagemap.h"
#include "pagemap.pb-c.h"
#include "images/pages.h"

#define PID 100
#define PG LUP_PAGE_SIZE

struct range {
	uint64_t vaddr, nr;
	uint32_t flags;
};

/* Writes dir/pagemap-PID.img (count in field 5 when u64, else field 2), and pages-1.img. */
static void write_pagemap(const char *dir, const struct range *r, size_t n, bool u64,
			  size_t pages_bytes, uint8_t fill)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	PagemapEntry pes[8];
	ProtobufCMessage *recs[9] = { &head.base };
	struct lup_img img = { .kind = LUP_IMG_PAGEMAP, .nr_recs = n + 1, .recs = recs };
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
	uint8_t *data = malloc(pages_bytes + 1);
	size_t i;

	head.pages_id = 1;
	for (i = 0; i < n; i++) {
		pagemap_entry__init(&pes[i]);
		pes[i].vaddr = r[i].vaddr;
		pes[i].has_flags = 1;
		pes[i].flags = r[i].flags;
		pes[i].has_nr_pages = u64;
		pes[i].nr_pages = u64 ? r[i].nr : 0;
		pes[i].compat_nr_pages = u64 ? 0 : r[i].nr;
		recs[i + 1] = &pes[i].base;
	}
	assert_int_equal(lup_img_write(dirfd, dir, &img, PID), 0);
	for (i = 0; i < pages_bytes; i++)
		data[i] = fill + i / PG;	/* each page its own byte */
	fd = openat(dirfd, "pages-1.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, data, pages_bytes), (ssize_t)pages_bytes);
	close(fd);
	close(dirfd);
	free(data);
}

static int read_pm(const char *dir, struct lup_pagemap **pm)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	int ret = lup_pagemap_read(dirfd, dir, PID, pm);

	close(dirfd);
	return ret;
}

static char *new_dir(void)
{
	char *d = strdup("/tmp/test-pagemap.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_dir(char *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

static const struct range good[] = {
	{ 0x10000, 2, LUP_PE_PRESENT },
	{ 0x20000, 1, LUP_PE_PRESENT | LUP_PE_LAZY },
	{ 0x30000, 3, LUP_PE_LAZY },
	{ 0x40000, 1, LUP_PE_PRESENT },
};

/* Reads a pagemap in one style, checks offsets, writes it back byte for byte. */
static void check_style(bool u64)
{
	char *a = new_dir(), *b = new_dir();
	struct lup_pagemap *pm;
	struct lup_img *ia, *ib;
	uint8_t *pa, *pb;
	size_t la, lb;
	int fd;

	write_pagemap(a, good, 4, u64, 4 * PG, 0);
	assert_int_equal(read_pm(a, &pm), 0);
	assert_int_equal(pm->nr, 4);
	assert_int_equal(pm->nr_pages_u64, u64);
	assert_int_equal(pm->e[0].nr_pages, 2);
	assert_int_equal(pm->e[2].nr_pages, 3);
	assert_int_equal(pm->e[1].pages_off, 2 * PG);
	assert_int_equal(pm->e[3].pages_off, 3 * PG);	/* the lazy-only range has no data */
	assert_ptr_equal(lup_pagemap_find(pm, 0x31fff), &pm->e[2]);
	assert_null(lup_pagemap_find(pm, 0x12000));
	fd = open(b, O_RDONLY | O_DIRECTORY);
	assert_int_equal(lup_pagemap_write(fd, b, PID, pm), 0);
	assert_int_equal(lup_img_read(fd, b, LUP_IMG_PAGEMAP, PID, &ib), 0);
	close(fd);
	fd = open(a, O_RDONLY | O_DIRECTORY);
	assert_int_equal(lup_img_read(fd, a, LUP_IMG_PAGEMAP, PID, &ia), 0);
	close(fd);
	assert_int_equal(lup_img_pack(ia, &pa, &la), 0);
	assert_int_equal(lup_img_pack(ib, &pb, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(pa, pb, la);
	free(pa);
	free(pb);
	lup_img_free(ia);
	lup_img_free(ib);
	lup_pagemap_free(pm);
	rm_dir(a);
	rm_dir(b);
}

static void test_criu41_style(void **state)
{
	check_style(false);
}

static void test_criu42_style(void **state)
{
	check_style(true);
}

static void expect_bad(const struct range *r, size_t n, size_t pages_bytes)
{
	char *d = new_dir();
	struct lup_pagemap *pm = NULL;

	write_pagemap(d, r, n, true, pages_bytes, 0);
	assert_int_equal(read_pm(d, &pm), -LUP_EBADIMG);
	assert_null(pm);
	rm_dir(d);
}

static void test_refused(void **state)
{
	const struct range unaligned[] = { { 0x10010, 1, LUP_PE_PRESENT } };
	const struct range overlap[] = { { 0x10000, 2, LUP_PE_PRESENT }, { 0x11000, 1, LUP_PE_PRESENT } };
	const struct range unsorted[] = { { 0x20000, 1, LUP_PE_PRESENT }, { 0x10000, 1, LUP_PE_PRESENT } };
	const struct range unknown[] = { { 0x10000, 1, LUP_PE_PRESENT | 8 } };
	const struct range parent_lazy[] = { { 0x10000, 1, LUP_PE_PARENT | LUP_PE_LAZY } };
	const struct range empty[] = { { 0x10000, 0, LUP_PE_PRESENT } };
	const struct range wraps[] = { { 0xfffffffffffff000ull, 2, LUP_PE_PRESENT } };

	expect_bad(unaligned, 1, PG);
	expect_bad(overlap, 2, 3 * PG);
	expect_bad(unsorted, 2, 2 * PG);
	expect_bad(unknown, 1, PG);
	expect_bad(parent_lazy, 1, 0);
	expect_bad(empty, 1, PG);
	expect_bad(wraps, 1, 2 * PG);
	expect_bad(good, 4, 4 * PG - 1);	/* pages file too short */
}

/* Child directory: its own page at 0x11000, the rest of 0x10000..0x13000 in the parent. */
static char *make_child(const char *parent_link)
{
	const struct range r[] = {
		{ 0x10000, 1, LUP_PE_PARENT },
		{ 0x11000, 1, LUP_PE_PRESENT },
		{ 0x12000, 1, LUP_PE_PARENT },
	};
	char *c = new_dir(), path[128];

	write_pagemap(c, r, 3, true, PG, 0x80);
	snprintf(path, sizeof(path), "%s/parent", c);
	if (parent_link)
		assert_int_equal(symlink(parent_link, path), 0);
	return c;
}

static void test_parent_chain(void **state)
{
	const struct range r[] = { { 0x10000, 3, LUP_PE_PRESENT } };
	char *p = new_dir(), *c, rel[128];
	struct lup_pages *pg;
	uint8_t buf[3 * PG];

	write_pagemap(p, r, 1, false, 3 * PG, 0x10);
	snprintf(rel, sizeof(rel), "../%s", strrchr(p, '/') + 1);
	c = make_child(rel);
	assert_int_equal(lup_pages_open(c, PID, &pg), 0);
	assert_int_equal(lup_pages_read(pg, 0x10ff0, buf, 3 * PG - 0xff0), 0);
	assert_int_equal(buf[0], 0x10);			/* parent's first page */
	assert_int_equal(buf[0x10], 0x80);		/* the child's own page */
	assert_int_equal(buf[0x10 + PG], 0x12);	/* parent's third page */
	assert_int_equal(lup_pages_read(pg, 0x13000, buf, 1), -ENOENT);
	lup_pages_close(pg);
	rm_dir(c);
	c = make_child(p);				/* absolute link */
	assert_int_equal(lup_pages_open(c, PID, &pg), 0);
	assert_int_equal(lup_pages_read(pg, 0x12000, buf, 1), 0);
	assert_int_equal(buf[0], 0x12);
	lup_pages_close(pg);
	rm_dir(c);
	rm_dir(p);
}

static void test_bad_parent(void **state)
{
	const struct range r[] = { { 0x10000, 1, LUP_PE_PRESENT } };
	char *c = make_child(NULL), *p = new_dir();
	struct lup_pages *pg = NULL;
	uint8_t buf[PG];

	assert_int_equal(lup_pages_open(c, PID, &pg), -LUP_EBADPARENT);	/* no link */
	rm_dir(c);
	c = make_child("/nonexistent/dir");
	assert_int_equal(lup_pages_open(c, PID, &pg), -LUP_EBADPARENT);	/* dangling */
	rm_dir(c);
	c = make_child(".");						/* a loop */
	assert_int_equal(lup_pages_open(c, PID, &pg), 0);
	assert_int_equal(lup_pages_read(pg, 0x10000, buf, 1), -LUP_EBADPARENT);
	lup_pages_close(pg);
	rm_dir(c);
	write_pagemap(p, r, 1, true, PG, 0);				/* lacks 0x12000 */
	c = make_child(p);
	assert_int_equal(lup_pages_open(c, PID, &pg), 0);
	assert_int_equal(lup_pages_read(pg, 0x10000, buf, 1), 0);
	assert_int_equal(lup_pages_read(pg, 0x12000, buf, 1), -LUP_EBADPARENT);
	lup_pages_close(pg);
	rm_dir(c);
	rm_dir(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_criu41_style),
		cmocka_unit_test(test_criu42_style),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parent_chain),
		cmocka_unit_test(test_bad_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
