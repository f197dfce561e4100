/*
 * Finding the records of a process and validating every field: the record lives in
 * memory the process could have scribbled on, so nothing in it is trusted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "log.h"
#include "pagemap.h"
#include "place.h"
#include "record.h"

#define MAX_ID 255
#define MAX_NAME 4096
#define MAX_BUILD_ID 64

#define bad(s, at, fmt, ...) \
	(pr_err("%s: lup record at %#" PRIx64 ": " fmt, (s)->name, (uint64_t)(at), ##__VA_ARGS__), \
	 -LUP_EBADIMG)

static bool page_aligned(uint64_t x)
{
	return !(x & (LUP_PAGE_SIZE - 1));
}

/* [start, end) lies inside VMAs of s with no hole. */
static bool covered(const struct lup_space *s, uint64_t start, uint64_t end)
{
	while (start < end) {
		const struct lup_space_vma *v = lup_space_find(s, start);

		if (!v)
			return false;
		start = v->end;
	}
	return true;
}

/* A range of size bytes at addr inside the user address space. */
static bool range_ok(uint64_t addr, uint64_t size)
{
	return size && addr < LUP_USER_TOP && size <= LUP_USER_TOP - addr;
}

static int check_func(const struct lup_space *s, const LupRecord *r, const LupRecordFunc *f)
{
	uint64_t at = r->self;

	if (!lup_patch_printable(f->name, MAX_NAME))
		return bad(s, at, "function name empty or not printable");
	if (f->saved.len != LUP_JMP_SIZE || f->size < LUP_JMP_SIZE)
		return bad(s, at, "%s: %zu saved bytes, size %" PRIu64, f->name, f->saved.len, f->size);
	if (f->new_addr < r->image_addr || f->new_addr - r->image_addr >= r->image_size)
		return bad(s, at, "%s: new code %#" PRIx64 " outside the patch", f->name, f->new_addr);
	if (!range_ok(f->addr, LUP_JMP_SIZE) || !covered(s, f->addr, f->addr + LUP_JMP_SIZE))
		return bad(s, at, "%s: entry %#" PRIx64 " not mapped", f->name, f->addr);
	if (f->below && (!lup_patch_printable(f->below, MAX_ID) || !strcmp(f->below, r->id)))
		return bad(s, at, "%s: bad id of the patch below", f->name);
	return 0;
}

static int check_ranges(const struct lup_space *s, const LupRecord *r)
{
	uint64_t at = r->self;

	if (!page_aligned(r->image_addr) || !page_aligned(r->image_size) ||
	    r->image_size > LUP_PATCH_MAX_SIZE || !range_ok(r->image_addr, r->image_size) ||
	    !covered(s, r->image_addr, r->image_addr + r->image_size))
		return bad(s, at, "patch image %#" PRIx64 "+%#" PRIx64 " not mapped or not aligned",
			   r->image_addr, r->image_size);
	if (r->self < r->image_addr + r->image_size && r->image_addr < r->self + r->self_size)
		return bad(s, at, "record overlaps the patch image");
	return 0;
}

static int check_record(const struct lup_space *s, const LupRecord *r, uint64_t at, size_t len)
{
	size_t i;
	int ret;

	if (r->self != at)
		return bad(s, at, "says it is at %#" PRIx64, r->self);
	if (!page_aligned(r->self_size) || r->self_size < 8 + len ||
	    r->self_size > LUP_RECORD_MAX_SIZE || !covered(s, at, at + r->self_size))
		return bad(s, at, "size %#" PRIx64 " not mapped or not aligned", r->self_size);
	if (!lup_patch_printable(r->id, MAX_ID) || !lup_patch_printable(r->target_name, MAX_NAME))
		return bad(s, at, "id or target name empty or not printable");
	if (!r->target_build_id.len || r->target_build_id.len > MAX_BUILD_ID || !r->seq)
		return bad(s, at, "build-id of %zu bytes, seq %" PRIu64, r->target_build_id.len, r->seq);
	ret = check_ranges(s, r);
	for (i = 0; !ret && i < r->n_funcs; i++)
		ret = check_func(s, r, r->funcs[i]);
	for (i = 0; !ret && i < r->n_expects; i++)
		if (!lup_patch_printable(r->expects[i], MAX_ID))
			ret = bad(s, at, "expects %zu: empty or not printable", i);
	if (!ret && !r->n_funcs)
		ret = bad(s, at, "no function");
	return ret;
}

/* Reads, unpacks and checks the record whose magic is at `at` in VMA v. */
static int read_record(const struct lup_space *s, const struct lup_space_vma *v, uint64_t at,
		       LupRecord **out)
{
	uint32_t head[2];
	uint8_t *buf;
	int ret = s->read(s->arg, at, head, sizeof(head));

	*out = NULL;
	if (ret)
		return ret;
	if (head[1] > LUP_RECORD_MAX_SIZE - 8 || head[1] + 8ull > v->end - at)
		return bad(s, at, "length %u past its VMA", head[1]);
	buf = malloc(head[1] ? head[1] : 1);
	if (!buf)
		return -ENOMEM;
	ret = s->read(s->arg, at + 8, buf, head[1]);
	if (!ret) {
		*out = lup_record__unpack(NULL, head[1], buf);
		ret = *out ? check_record(s, *out, at, head[1]) : bad(s, at, "does not decode");
	}
	free(buf);
	if (ret && *out) {
		lup_record_free(*out);
		*out = NULL;
	}
	return ret;
}

static int add_record(const struct lup_space *s, struct lup_records *rs, LupRecord *r)
{
	LupRecord **n;

	if (rs->nr >= LUP_RECORD_MAX_NR) {
		uint64_t self = r->self;

		lup_record_free(r);
		return bad(s, self, "more than %d records", LUP_RECORD_MAX_NR);
	}
	n = realloc(rs->r, (rs->nr + 1) * sizeof(*n));
	if (!n) {
		lup_record_free(r);
		return -ENOMEM;
	}
	rs->r = n;
	rs->r[rs->nr++] = r;
	return 0;
}

/* Every page start of v: a record begins at a page (its VMA may have been merged). */
static int scan_vma(const struct lup_space *s, const struct lup_space_vma *v, struct lup_records *rs)
{
	uint64_t at = v->start;
	int ret = 0;

	while (!ret && at < v->end) {
		uint32_t magic;
		LupRecord *r;

		ret = s->read(s->arg, at, &magic, sizeof(magic));
		if (ret || magic != LUP_RECORD_MAGIC) {
			at += LUP_PAGE_SIZE;
			continue;
		}
		ret = read_record(s, v, at, &r);
		if (!ret)
			ret = add_record(s, rs, r);
		at += ret ? 0 : r->self_size;	/* its own pages are not looked at again */
	}
	if (ret == -EFAULT || ret == -EIO || ret == -ENOENT)
		pr_err("%s: cannot read %#" PRIx64 "-%#" PRIx64 ": %s", s->name, v->start, v->end,
		       lup_strerror(ret));
	return ret;
}

static int cmp_seq(const void *a, const void *b)
{
	const LupRecord *x = *(LupRecord *const *)a, *y = *(LupRecord *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by seq; seqs and ids unique. */
static int check_set(const struct lup_space *s, struct lup_records *rs)
{
	size_t i, j;

	if (rs->nr)
		qsort(rs->r, rs->nr, sizeof(*rs->r), cmp_seq);
	for (i = 1; i < rs->nr; i++)
		if (rs->r[i]->seq == rs->r[i - 1]->seq)
			return bad(s, rs->r[i]->self, "seq %" PRIu64 " used twice", rs->r[i]->seq);
	for (i = 0; i < rs->nr; i++)
		for (j = i + 1; j < rs->nr; j++)
			if (!strcmp(rs->r[i]->id, rs->r[j]->id))
				return bad(s, rs->r[j]->self, "patch %s recorded twice", rs->r[j]->id);
	return 0;
}

int lup_records_find(const struct lup_space *s, struct lup_records *out)
{
	struct lup_records rs = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < s->nr; i++) {
		const struct lup_space_vma *v = &s->vmas[i];

		if (!v->anon || v->prot != PROT_READ)
			continue;
		if (v->end - v->start > LUP_RECORD_SCAN_MAX) {
			pr_debug("%s: %#" PRIx64 "-%#" PRIx64 " too large to hold lup records",
				 s->name, v->start, v->end);
			continue;
		}
		ret = scan_vma(s, v, &rs);
	}
	if (!ret)
		ret = check_set(s, &rs);
	if (ret) {
		lup_records_free(&rs);
		return ret;
	}
	*out = rs;
	return 0;
}

void lup_records_free(struct lup_records *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		lup_record_free(rs->r[i]);
	free(rs->r);
	rs->r = NULL;
	rs->nr = 0;
}

LupRecord *lup_records_by_id(const struct lup_records *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->r[i]->id, id))
			return rs->r[i];
	return NULL;
}

LupRecordFunc *lup_record_func_at(const LupRecord *r, uint64_t addr)
{
	size_t i;

	for (i = 0; i < r->n_funcs; i++)
		if (r->funcs[i]->addr == addr)
			return r->funcs[i];
	return NULL;
}

uint64_t lup_records_next_seq(const struct lup_records *rs)
{
	return rs->nr ? rs->r[rs->nr - 1]->seq + 1 : 1;
}
