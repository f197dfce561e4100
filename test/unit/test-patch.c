/* Unit tests of the patch file: round trip, and each kind of bad file refused cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/err.h"
#include "core/patch.h"

static char dir[] = "/tmp/lup-test-patch.XXXXXX";
static char path[64];

/* A small valid patch: code, data, one replaced function, symbols of each scope, relocs. */
struct fixture {
	LupPatch p;
	LupSegment seg[2], *segs[2];
	LupFunc func, *funcs[1];
	LupSymbol sym[3], *syms[3];
	LupReloc rel[3], *rels[3];
	uint8_t code[16], data[8], orig[LUP_JMP_SIZE], bid[20];
};

static void init_segments(struct fixture *f)
{
	f->segs[0] = &f->seg[0];
	f->segs[1] = &f->seg[1];
	f->seg[0] = (LupSegment)LUP_SEGMENT__INIT;
	f->seg[0].offset = 0;
	f->seg[0].mem_size = sizeof(f->code);
	f->seg[0].data = (ProtobufCBinaryData){ sizeof(f->code), f->code };
	f->seg[0].prot = LUP_PROT__LUP_PROT_RX;
	f->seg[1] = (LupSegment)LUP_SEGMENT__INIT;
	f->seg[1].offset = 4096;
	f->seg[1].mem_size = 64;
	f->seg[1].data = (ProtobufCBinaryData){ sizeof(f->data), f->data };
	f->seg[1].prot = LUP_PROT__LUP_PROT_RW;
	f->p.n_segments = 2;
	f->p.segments = f->segs;
}

static void init_symbols(struct fixture *f)
{
	static const LupSymScope scopes[3] = { LUP_SYM_SCOPE__LUP_SYM_TARGET,
		LUP_SYM_SCOPE__LUP_SYM_LIBRARY, LUP_SYM_SCOPE__LUP_SYM_TARGET };
	static char *names[3] = { "counter", "printf", "tls_var" };

	for (int i = 0; i < 3; i++) {
		f->sym[i] = (LupSymbol)LUP_SYMBOL__INIT;
		f->sym[i].name = names[i];
		f->sym[i].scope = scopes[i];
		f->sym[i].has_value = scopes[i] != LUP_SYM_SCOPE__LUP_SYM_LIBRARY;
		f->sym[i].value = 0x4010;
		f->syms[i] = &f->sym[i];
	}
	f->sym[2].has_tls = f->sym[2].tls = true;
	f->p.n_symbols = 3;
	f->p.symbols = f->syms;
}

static void init_relocs(struct fixture *f)
{
	static const LupRelocKind kinds[3] = { LUP_RELOC_KIND__LUP_RELOC_RELATIVE,
		LUP_RELOC_KIND__LUP_RELOC_ABS64, LUP_RELOC_KIND__LUP_RELOC_TPOFF64 };

	for (int i = 0; i < 3; i++) {
		f->rel[i] = (LupReloc)LUP_RELOC__INIT;
		f->rel[i].offset = 4096 + 8 * (unsigned)i;
		f->rel[i].kind = kinds[i];
		f->rel[i].has_symbol = i > 0;
		f->rel[i].symbol = i == 1 ? 0 : 2;
		f->rels[i] = &f->rel[i];
	}
	f->p.n_relocs = 3;
	f->p.relocs = f->rels;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->p = (LupPatch)LUP_PATCH__INIT;
	f->p.version = LUP_PATCH_VERSION;
	f->p.id = "fix-1";
	f->p.target_name = "server";
	f->p.target_build_id = (ProtobufCBinaryData){ sizeof(f->bid), f->bid };
	f->p.target_dyn = true;
	f->p.image_size = 8192;
	init_segments(f);
	f->func = (LupFunc)LUP_FUNC__INIT;
	f->func.name = "compute";
	f->func.target_value = 0x1190;
	f->func.target_size = 9;
	f->func.orig_bytes = (ProtobufCBinaryData){ LUP_JMP_SIZE, f->orig };
	f->funcs[0] = &f->func;
	f->p.n_funcs = 1;
	f->p.funcs = f->funcs;
	init_symbols(f);
	init_relocs(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	unlink(path);
	return 0;
}

static void write_bytes(const void *buf, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	LupPatch *p;

	assert_int_equal(lup_patch_write(path, &f->p, NULL), 0);
	assert_int_equal(lup_patch_read(path, &p), 0);
	assert_string_equal(p->id, "fix-1");
	assert_int_equal(p->n_segments, 2);
	assert_int_equal(p->segments[1]->prot, LUP_PROT__LUP_PROT_RW);
	assert_int_equal(p->funcs[0]->target_value, 0x1190);
	assert_true(p->symbols[2]->tls);
	assert_int_equal(p->relocs[2]->kind, LUP_RELOC_KIND__LUP_RELOC_TPOFF64);
	lup_patch_free(p);
}

/* The fixture's patch as lup_patch_write writes it, in buf; its length. */
static size_t written(struct fixture *f, uint8_t *buf, size_t size)
{
	FILE *fp;
	size_t len;

	assert_int_equal(lup_patch_write(path, &f->p, NULL), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	len = fread(buf, 1, size, fp);
	fclose(fp);
	assert_true(len < size);
	return len;
}

/* The patch file truncated at every length: each refused without a crash. */
static void test_truncated(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096];
	size_t len;
	LupPatch *p;

	len = written(f, buf, sizeof(buf));
	for (size_t n = 0; n < len; n++) {
		write_bytes(buf, n);
		assert_true(lup_patch_read(path, &p) < 0);
	}
}

static void test_wrong_magic(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096];
	LupPatch *p;
	size_t len;

	len = written(f, buf, sizeof(buf));
	buf[0] ^= 0xff;
	write_bytes(buf, len);
	assert_int_equal(lup_patch_read(path, &p), -LUP_EBADPATCH);
}

/* Every byte of a valid patch, changed, is refused: the digest covers all of them. */
static void test_every_byte_sealed(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096];
	LupPatch *p;
	size_t len;

	len = written(f, buf, sizeof(buf));
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(lup_patch_parse(buf, len, "flipped", &p), -LUP_EBADPATCH);
		buf[i] ^= 0x01;
	}
	assert_int_equal(lup_patch_parse(buf, len, "intact", &p), 0);
	lup_patch_free(p);
}

/* A patch of format 1 (no digest): refused, never decoded. */
static void test_format_1_refused(void **state)
{
	struct fixture *f = *state;
	size_t msg_len = lup_patch__get_packed_size(&f->p);
	uint8_t *buf = malloc(8 + msg_len);
	LupPatch *p;

	assert_non_null(buf);
	memcpy(buf, "LUP1", 4);
	buf[4] = (uint8_t)msg_len, buf[5] = (uint8_t)(msg_len >> 8), buf[6] = buf[7] = 0;
	lup_patch__pack(&f->p, buf + 8);
	assert_int_equal(lup_patch_parse(buf, 8 + msg_len, "v1", &p), -LUP_EBADPATCH);
	free(buf);
}

static void test_huge_length(void **state)
{
	uint8_t buf[48] = { 0x4c, 0x55, 0x50, 0x32, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4 };
	LupPatch *p;

	write_bytes(buf, sizeof(buf));
	assert_int_equal(lup_patch_read(path, &p), -LUP_EBADPATCH);
}

static void test_garbage_message(void **state)
{
	uint8_t buf[64] = { 0x4c, 0x55, 0x50, 0x32, 24, 0, 0, 0 };
	LupPatch *p;

	for (size_t i = 8; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37);
	write_bytes(buf, sizeof(buf));
	assert_int_equal(lup_patch_read(path, &p), -LUP_EBADPATCH);
}

/* Each mutation of a valid patch must be refused by validate and by write. */
static void expect_invalid(struct fixture *f)
{
	unlink(path);
	assert_int_equal(lup_patch_validate(&f->p, "mutated"), -LUP_EBADPATCH);
	assert_int_equal(lup_patch_write(path, &f->p, NULL), -LUP_EBADPATCH);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_segment_out_of_range(void **state)
{
	struct fixture *f = *state;

	f->seg[1].mem_size = 8192;
	expect_invalid(f);
}

static void test_segment_offset_wraps(void **state)
{
	struct fixture *f = *state;

	f->seg[1].offset = UINT64_MAX & ~4095ul;
	expect_invalid(f);
}

static void test_segment_unaligned(void **state)
{
	struct fixture *f = *state;

	f->seg[1].offset = 4096 + 16;
	expect_invalid(f);
}

static void test_segments_overlap(void **state)
{
	struct fixture *f = *state;

	f->seg[0].mem_size = 4097;
	expect_invalid(f);
}

static void test_data_over_mem_size(void **state)
{
	struct fixture *f = *state;

	f->seg[1].mem_size = 4;
	expect_invalid(f);
}

static void test_wx_segment(void **state)
{
	struct fixture *f = *state;

	f->seg[0].prot = 7;
	expect_invalid(f);
}

static void test_image_too_large(void **state)
{
	struct fixture *f = *state;

	f->p.image_size = LUP_PATCH_MAX_SIZE + 4096;
	expect_invalid(f);
}

static void test_bad_symbol_index(void **state)
{
	struct fixture *f = *state;

	f->rel[1].symbol = 3;
	expect_invalid(f);
}

static void test_tpoff_needs_tls(void **state)
{
	struct fixture *f = *state;

	f->rel[2].symbol = 0;
	expect_invalid(f);
}

static void test_reloc_in_code(void **state)
{
	struct fixture *f = *state;

	f->rel[0].offset = 0;
	expect_invalid(f);
}

/* PC32 (lup-mkpatch --diff): a 32-bit slot in code, to a symbol that is not thread-local. */
static void test_pc32_in_code(void **state)
{
	struct fixture *f = *state;

	f->rel[1].kind = LUP_RELOC_KIND__LUP_RELOC_PC32;
	f->rel[1].offset = sizeof(f->code) - 4;
	assert_int_equal(lup_patch_validate(&f->p, "pc32"), 0);
	f->rel[1].offset = sizeof(f->code) - 3;
	expect_invalid(f);
	f->rel[1].offset = 0;
	f->rel[1].symbol = 2;
	expect_invalid(f);
}

static void test_reloc_past_segment(void **state)
{
	struct fixture *f = *state;

	f->rel[0].offset = 4096 + 60;
	expect_invalid(f);
}

static void test_func_not_in_code(void **state)
{
	struct fixture *f = *state;

	f->func.new_offset = 4096;
	expect_invalid(f);
}

static void test_func_orig_bytes(void **state)
{
	struct fixture *f = *state;

	f->func.orig_bytes.len = 4;
	expect_invalid(f);
}

static void test_func_too_small(void **state)
{
	struct fixture *f = *state;

	f->func.target_size = 4;
	expect_invalid(f);
}

static void test_bad_id(void **state)
{
	struct fixture *f = *state;

	f->p.id = "fix\n1";
	expect_invalid(f);
	f->p.id = "";
	expect_invalid(f);
}

static void test_bad_build_id(void **state)
{
	struct fixture *f = *state;

	f->p.target_build_id.len = 0;
	expect_invalid(f);
}

static void test_bad_version(void **state)
{
	struct fixture *f = *state;

	f->p.version = LUP_PATCH_VERSION + 1;
	expect_invalid(f);
}

static void test_patch_symbol_outside(void **state)
{
	struct fixture *f = *state;

	f->sym[0].scope = LUP_SYM_SCOPE__LUP_SYM_PATCH;
	f->sym[0].value = 8192;
	expect_invalid(f);
}

/* A patch must replace something: its record in the process names at least one function. */
static void test_no_funcs(void **state)
{
	struct fixture *f = *state;

	f->p.n_funcs = 0;
	expect_invalid(f);
}

/* Functions whose names make the patch's record larger than any record reader accepts. */
static void test_record_too_large(void **state)
{
	struct fixture *f = *state;
	static LupFunc funcs[80], *fp[80];
	static char name[4097];

	memset(name, 'f', sizeof(name) - 1);
	for (size_t i = 0; i < 80; i++) {
		funcs[i] = f->func;
		funcs[i].name = name;
		funcs[i].target_value = 0x1000 + 16 * i;
		fp[i] = &funcs[i];
	}
	f->p.funcs = fp;
	f->p.n_funcs = 80;
	expect_invalid(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip), T(test_truncated), T(test_wrong_magic), T(test_every_byte_sealed),
		T(test_format_1_refused), T(test_huge_length),
		T(test_garbage_message), T(test_segment_out_of_range), T(test_segment_offset_wraps),
		T(test_segment_unaligned), T(test_segments_overlap), T(test_data_over_mem_size),
		T(test_wx_segment), T(test_image_too_large), T(test_bad_symbol_index),
		T(test_tpoff_needs_tls), T(test_reloc_in_code), T(test_pc32_in_code),
		T(test_reloc_past_segment),
		T(test_func_not_in_code), T(test_func_orig_bytes), T(test_func_too_small),
		T(test_bad_id), T(test_bad_build_id), T(test_bad_version),
		T(test_patch_symbol_outside), T(test_no_funcs), T(test_record_too_large),
	};
	int ret;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/p.lup", dir);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return ret;
}
