/* Unit tests of the image framing (lib/images/img.c): good images round-trip, garbled ones are refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/err.h"
#include "images/img.h"
#include "pstree.pb-c.h"

/* A pstree image of two processes, packed by hand: magics, then length + message. */
static size_t make_pstree(uint8_t *buf)
{
	uint32_t threads[] = { 42, 43 };
	PstreeEntry e = PSTREE_ENTRY__INIT;
	uint32_t magics[] = { LUP_IMG_COMMON_MAGIC, lup_img_desc(LUP_IMG_PSTREE)->magic };
	size_t off = sizeof(magics);
	int i;

	memcpy(buf, magics, sizeof(magics));
	for (i = 0; i < 2; i++) {
		uint32_t len;

		e.pid = 42 + 10 * i;
		e.ppid = i ? 42 : 0;
		e.n_threads = i ? 1 : 2;
		e.threads = threads;
		len = pstree_entry__pack(&e, buf + off + 4);
		memcpy(buf + off, &len, 4);
		off += 4 + len;
	}
	return off;
}

static void test_parse_and_pack(void **state)
{
	uint8_t buf[256], *out;
	size_t len = make_pstree(buf), olen;
	struct lup_img *img;

	assert_int_equal(lup_img_parse(buf, len, "pstree.img", LUP_IMG_PSTREE, &img), 0);
	assert_int_equal(img->nr_recs, 2);
	assert_int_equal(((PstreeEntry *)img->recs[1])->pid, 52);
	assert_int_equal(((PstreeEntry *)img->recs[0])->n_threads, 2);
	assert_int_equal(lup_img_pack(img, &out, &olen), 0);
	assert_memory_equal(out, buf, len);
	assert_int_equal(olen, len);
	free(out);
	lup_img_free(img);
}

/* A field the schema does not declare (number 9) is kept and written back. */
static void test_unknown_field_kept(void **state)
{
	uint8_t buf[256], *out;
	size_t len = make_pstree(buf), olen;
	struct lup_img *img;
	uint32_t rlen;

	memcpy(&rlen, buf + 8, 4);
	memmove(buf + 8 + 4 + rlen + 2, buf + 8 + 4 + rlen, len - (8 + 4 + rlen));
	buf[8 + 4 + rlen] = 9 << 3;	/* field 9, varint */
	buf[8 + 4 + rlen + 1] = 77;
	rlen += 2;
	memcpy(buf + 8, &rlen, 4);
	len += 2;
	assert_int_equal(lup_img_parse(buf, len, "pstree.img", LUP_IMG_PSTREE, &img), 0);
	assert_int_equal(lup_img_pack(img, &out, &olen), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, buf, len);
	free(out);
	lup_img_free(img);
}

static void expect_bad(const uint8_t *buf, size_t len, enum lup_img_kind kind)
{
	struct lup_img *img = NULL;

	assert_int_equal(lup_img_parse(buf, len, "bad.img", kind, &img), -LUP_EBADIMG);
	assert_null(img);
}

static void test_garbled(void **state)
{
	uint8_t buf[256];
	size_t len = make_pstree(buf);
	uint32_t huge = 0x7fffffff;

	expect_bad(buf, len - 1, LUP_IMG_PSTREE);		/* last record cut short */
	expect_bad(buf, len + 2, LUP_IMG_PSTREE);		/* 2 bytes of a length */
	expect_bad(buf, 6, LUP_IMG_PSTREE);			/* shorter than the magics */
	expect_bad(buf, len, LUP_IMG_CORE);			/* wrong kind magic */
	expect_bad(buf, len, LUP_IMG_INVENTORY);		/* inventory has its own magic only */
	buf[0] ^= 1;
	expect_bad(buf, len, LUP_IMG_PSTREE);			/* wrong common magic */
	buf[0] ^= 1;
	memcpy(buf + 8, &huge, 4);
	expect_bad(buf, len, LUP_IMG_PSTREE);			/* length past the end */
}

/* A record without the required pid does not unpack. */
static void test_missing_required(void **state)
{
	uint8_t buf[16] = { 0 };
	uint32_t magics[] = { LUP_IMG_COMMON_MAGIC, lup_img_desc(LUP_IMG_PSTREE)->magic };

	memcpy(buf, magics, 8);
	buf[8] = 2;			/* length 2 */
	buf[12] = 2 << 3;		/* ppid = 1, no pid */
	buf[13] = 1;
	expect_bad(buf, 14, LUP_IMG_PSTREE);
}

static void test_write_read(void **state)
{
	char dir[] = "/tmp/test-img.XXXXXX";
	uint8_t buf[256], *out;
	size_t len = make_pstree(buf), olen;
	struct lup_img *img, *back;
	int dirfd;

	assert_non_null(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(lup_img_read(dirfd, dir, LUP_IMG_PSTREE, 0, &back), -ENOENT);
	assert_int_equal(lup_img_parse(buf, len, "pstree.img", LUP_IMG_PSTREE, &img), 0);
	assert_int_equal(lup_img_write(dirfd, dir, img, 0), 0);
	assert_int_equal(lup_img_read(dirfd, dir, LUP_IMG_PSTREE, 0, &back), 0);
	assert_int_equal(lup_img_pack(back, &out, &olen), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, buf, len);
	free(out);
	lup_img_free(img);
	lup_img_free(back);
	assert_int_equal(unlinkat(dirfd, "pstree.img", 0), 0);
	close(dirfd);
	assert_int_equal(rmdir(dir), 0);	/* no temporary file left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_pack),
		cmocka_unit_test(test_unknown_field_kept),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_write_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
