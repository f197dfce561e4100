/* Unit tests of patch placement (synthetic VMA lists) and of the jmp rel32 encoding limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/err.h"
#include "core/place.h"
#include "arch/x86/jump.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TEXT 0x555555554000ull

static const uint64_t off0[] = { 0 };

static struct lup_place_req req_at(const uint64_t *from, size_t nr_from, uint64_t size)
{
	return (struct lup_place_req){ .size = size, .from = from, .nr_from = nr_from,
				       .to_off = off0, .nr_to = 1, .min_addr = 65536 };
}

/* The placed range is page aligned, free, and every jump reaches. */
static void assert_valid(const struct lup_place_vma *v, size_t nr, const struct lup_place_req *r,
			 uint64_t base)
{
	size_t i, j;

	assert_int_equal(base % 4096, 0);
	assert_true(base >= r->min_addr);
	assert_true(base + r->size <= LUP_USER_TOP);
	for (i = 0; i < nr; i++)
		assert_true(base + r->size <= v[i].start || base >= v[i].end);
	for (i = 0; i < r->nr_from; i++)
		for (j = 0; j < r->nr_to; j++)
			assert_true(lup_jmp_reaches(r->from[i], base + r->to_off[j]));
}

static void test_place_next_to_text(void **state)
{
	struct lup_place_vma v[] = { { TEXT, TEXT + 0x3000 }, { TEXT + 0x3000, TEXT + 0x5000 } };
	uint64_t from[] = { TEXT + 0x1130 }, base;
	struct lup_place_req r = req_at(from, 1, 0x2000);

	assert_int_equal(lup_place(v, 2, &r, &base), 0);
	assert_valid(v, 2, &r, base);
	/* nearest free room: right after the last VMA or right before the first */
	assert_true(base == TEXT + 0x5000 || base == TEXT - 0x2000);
}

static void test_place_skips_small_gaps(void **state)
{
	struct lup_place_vma v[] = {
		{ TEXT - 0x1000, TEXT }, { TEXT, TEXT + 0x3000 }, { TEXT + 0x4000, TEXT + 0x8000 },
		{ TEXT + 0x9000, TEXT + 0xa000 },
	};
	uint64_t from[] = { TEXT + 0x1000 }, base;
	struct lup_place_req r = req_at(from, 1, 0x3000);

	v[0].start = 0x10000;	/* everything below the text is taken */
	assert_int_equal(lup_place(v, 4, &r, &base), 0);
	assert_valid(v, 4, &r, base);
	assert_int_equal(base, TEXT + 0xa000);
}

/* A target that reserved every address within +-2 GiB of its text. */
static void test_place_no_space(void **state)
{
	struct lup_place_vma v[] = { { TEXT - 3 * GiB, TEXT }, { TEXT, TEXT + 0x4000 },
				     { TEXT + 0x4000, TEXT + 3 * GiB } };
	uint64_t from[] = { TEXT + 0x1000 }, base;
	struct lup_place_req r = req_at(from, 1, 0x1000);

	assert_int_equal(lup_place(v, 3, &r, &base), -LUP_ENOSPACE);
	/* a one-page hole at the edge of reach is found, a hole just beyond it is not */
	v[2].start = TEXT + 2 * GiB - 0x10000;
	v[2].end = TEXT + 3 * GiB;
	v[1].end = TEXT + 2 * GiB - 0x11000;
	assert_int_equal(lup_place(v, 3, &r, &base), 0);
	assert_valid(v, 3, &r, base);
	v[1].end = TEXT + 2 * GiB + 0x2000;	/* the farthest base in reach is 2 GiB + 0x1000 */
	v[2].start = TEXT + 2 * GiB + 0x3000;
	assert_int_equal(lup_place(v, 3, &r, &base), -LUP_ENOSPACE);
}

/* Old entries 5 GiB apart: no base reaches both. */
static void test_place_entries_too_far_apart(void **state)
{
	uint64_t from[] = { TEXT, TEXT + 5 * GiB }, base;
	struct lup_place_req r = req_at(from, 2, 0x1000);

	assert_int_equal(lup_place(NULL, 0, &r, &base), -LUP_ENOSPACE);
	from[1] = TEXT + 3 * GiB;
	assert_int_equal(lup_place(NULL, 0, &r, &base), 0);
	assert_valid(NULL, 0, &r, base);
}

/* New functions at several offsets: every one must be reached from every old entry. */
static void test_place_several_functions(void **state)
{
	uint64_t from[] = { TEXT + 0x1000, TEXT + 0x2000 }, offs[] = { 0, 0x8000 }, base;
	struct lup_place_vma v[] = { { TEXT - 3 * GiB, TEXT - 2 * GiB + 0x20000 },
				     { TEXT, TEXT + 0x4000 } };
	struct lup_place_req r = req_at(from, 2, 0x9000);

	r.to_off = offs;
	r.nr_to = 2;
	assert_int_equal(lup_place(v, 2, &r, &base), 0);
	assert_valid(v, 2, &r, base);
}

static void test_place_address_space_limits(void **state)
{
	uint64_t low[] = { 0x20000 }, high[] = { LUP_USER_TOP - 0x2000 }, base;
	struct lup_place_req r = req_at(low, 1, 0x4000);
	struct lup_place_vma v[] = { { LUP_USER_TOP - 0x3000, LUP_USER_TOP } };

	assert_int_equal(lup_place(NULL, 0, &r, &base), 0);
	assert_valid(NULL, 0, &r, base);
	r.from = high;
	assert_int_equal(lup_place(v, 1, &r, &base), 0);
	assert_valid(v, 1, &r, base);
	assert_true(base + r.size <= LUP_USER_TOP - 0x3000);
}

/* The room just below a stack is its guard gap: never placed there. */
static void test_place_keeps_stack_guard(void **state)
{
	uint64_t stack = 0x7ffc00000000ull, from[] = { stack - 0x100000 + 0x10 }, base;
	struct lup_place_vma v[] = { { 0x10000, stack - 2 * LUP_STACK_GUARD },
				     { stack, stack + 0x21000, true } };
	struct lup_place_req r = req_at(from, 1, 0x1000);

	assert_int_equal(lup_place(v, 2, &r, &base), 0);
	assert_valid(v, 2, &r, base);
	assert_true(base + r.size <= stack - LUP_STACK_GUARD);
}

static void test_jump_limits(void **state)
{
	uint64_t from = 0x400000000ull, next = from + LUP_JMP_SIZE;
	uint8_t b[LUP_JMP_SIZE];

	assert_true(lup_jmp_reaches(from, next + INT32_MAX));
	assert_false(lup_jmp_reaches(from, next + INT32_MAX + 1ull));
	assert_true(lup_jmp_reaches(from, next - 0x80000000ull));
	assert_false(lup_jmp_reaches(from, next - 0x80000001ull));
	assert_int_equal(lup_jmp_encode(from, next + INT32_MAX + 1ull, b), -ERANGE);

	assert_int_equal(lup_jmp_encode(from, next + 0x12345678, b), 0);
	assert_memory_equal(b, "\xe9\x78\x56\x34\x12", LUP_JMP_SIZE);
	assert_int_equal(lup_jmp_encode(from, next - 0x80000000ull, b), 0);
	assert_memory_equal(b, "\xe9\x00\x00\x00\x80", LUP_JMP_SIZE);
	assert_int_equal(lup_jmp_encode(from, from, b), 0);	/* jmp to itself: rel -5 */
	assert_memory_equal(b, "\xe9\xfb\xff\xff\xff", LUP_JMP_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_next_to_text),
		cmocka_unit_test(test_place_skips_small_gaps),
		cmocka_unit_test(test_place_no_space),
		cmocka_unit_test(test_place_entries_too_far_apart),
		cmocka_unit_test(test_place_several_functions),
		cmocka_unit_test(test_place_address_space_limits),
		cmocka_unit_test(test_place_keeps_stack_guard),
		cmocka_unit_test(test_jump_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
