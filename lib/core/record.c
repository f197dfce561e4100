/*
 * The record of an applied patch (lib/core/lup-record.proto): built and framed for its
 * VMA when the patch is applied; found and validated in a process's view, every field,
 * since it lives in memory the process could have scribbled on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/x86/arch.h"
#include "core/record.h"
#include "core/unwind.h"
#include "core/place.h"
#include "core/view.h"
#include "util/err.h"
#include "util/log.h"

#define MAX_ID 255
/* tag (2) + length or varint (10) around every field: a generous per-field bound */
#define FIELD_OVERHEAD 12

uint64_t lup_record_vma_size(const LupPatch *p)
{
	uint64_t n = 8 + 8 * FIELD_OVERHEAD;	/* framing and the header's scalars */
	size_t i;

	n += strlen(p->id) + strlen(p->target_name) + p->target_build_id.len + 3 * FIELD_OVERHEAD;
	for (i = 0; i < p->n_funcs; i++)	/* below: any id, of at most MAX_ID bytes */
		n += strlen(p->funcs[i]->name) + LUP_JMP_SIZE + MAX_ID + 8 * FIELD_OVERHEAD;
	for (i = 0; i < p->n_expects; i++)
		n += strlen(p->expects[i]) + FIELD_OVERHEAD;
	return (n + LUP_PAGE_SIZE - 1) & ~(LUP_PAGE_SIZE - 1);
}

static int copy_bytes(ProtobufCBinaryData *dst, const void *src, size_t len)
{
	dst->data = malloc(len ? len : 1);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src, len);
	dst->len = len;
	return 0;
}

static int copy_expects(LupRecord *r, const LupPatch *p)
{
	r->expects = calloc(p->n_expects ? p->n_expects : 1, sizeof(*r->expects));
	if (!r->expects)
		return -ENOMEM;
	for (; r->n_expects < p->n_expects; r->n_expects++)
		if (!(r->expects[r->n_expects] = strdup(p->expects[r->n_expects])))
			return -ENOMEM;
	return 0;
}

/*
 * The time a record holds: now, or SOURCE_DATE_EPOCH when set (tests pin it to compare
 * the output of two runs byte for byte).
 */
static uint64_t applied_time(void)
{
	const char *pin = getenv("SOURCE_DATE_EPOCH");
	char *end;
	unsigned long long t;

	if (pin && *pin) {
		t = strtoull(pin, &end, 10);
		if (!*end)
			return t;
	}
	return (uint64_t)time(NULL);
}

int lup_record_new(const LupPatch *p, uint64_t seq, uint64_t self, uint64_t image_addr,
		   LupRecord **out)
{
	LupRecord *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	lup_record__init(r);
	r->id = strdup(p->id);
	r->target_name = strdup(p->target_name);
	r->applied = applied_time();
	r->seq = seq;
	r->self = self;
	r->self_size = lup_record_vma_size(p);
	r->image_addr = image_addr;
	r->image_size = p->image_size;
	r->has_unwind = p->has_unwind;
	r->unwind = image_addr + p->unwind;
	r->funcs = calloc(p->n_funcs ? p->n_funcs : 1, sizeof(*r->funcs));
	ret = !r->id || !r->target_name || !r->funcs ? -ENOMEM :
	      copy_bytes(&r->target_build_id, p->target_build_id.data, p->target_build_id.len);
	if (!ret)
		ret = copy_expects(r, p);
	if (ret) {
		lup_record_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

/* funcs has room for the patch's n_funcs entries (lup_record_new). */
int lup_record_add_func(LupRecord *r, const char *name, uint64_t addr, uint64_t size,
			const uint8_t saved[LUP_JMP_SIZE], uint64_t new_addr, const char *below)
{
	LupRecordFunc *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	lup_record_func__init(f);
	r->funcs[r->n_funcs++] = f;
	f->name = strdup(name);
	f->addr = addr;
	f->size = size;
	f->new_addr = new_addr;
	f->below = below ? strdup(below) : NULL;
	if (!f->name || (below && !f->below))
		return -ENOMEM;
	return copy_bytes(&f->saved, saved, LUP_JMP_SIZE);
}

void lup_record_free(LupRecord *r)
{
	if (r)
		lup_record__free_unpacked(r, NULL);
}

int lup_record_pack(const LupRecord *r, uint8_t **buf)
{
	uint64_t vma_size = r->self_size;
	size_t len = lup_record__get_packed_size(r);
	uint32_t head[2] = { LUP_RECORD_MAGIC, (uint32_t)len };
	uint8_t *b;

	if (8 + len > vma_size || vma_size > LUP_RECORD_MAX_SIZE)
		return -E2BIG;
	b = calloc(1, vma_size);
	if (!b)
		return -ENOMEM;
	memcpy(b, head, sizeof(head));	/* little-endian: x86-64 only, like the jump */
	lup_record__pack(r, b + 8);
	*buf = b;
	return 0;
}

#define MAX_NAME 4096
#define MAX_BUILD_ID 64

#define bad(s, at, fmt, ...) \
	(pr_err("%s: lup record at %#" PRIx64 ": " fmt, (s)->who, (uint64_t)(at), ##__VA_ARGS__), \
	 -LUP_EBADIMG)

static bool page_aligned(uint64_t x)
{
	return !(x & (LUP_PAGE_SIZE - 1));
}

/* [start, end) lies inside VMAs of s with no hole. */
static bool covered(struct lup_view *s, uint64_t start, uint64_t end)
{
	while (start < end) {
		const struct lup_view_map *v = lup_view_find(s, start);

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

static int check_func(struct lup_view *s, const LupRecord *r, const LupRecordFunc *f)
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

static int check_ranges(struct lup_view *s, const LupRecord *r)
{
	uint64_t at = r->self;

	if (!page_aligned(r->image_addr) || !page_aligned(r->image_size) ||
	    r->image_size > LUP_PATCH_MAX_SIZE || !range_ok(r->image_addr, r->image_size) ||
	    !covered(s, r->image_addr, r->image_addr + r->image_size))
		return bad(s, at, "patch image %#" PRIx64 "+%#" PRIx64 " not mapped or not aligned",
			   r->image_addr, r->image_size);
	if (r->self < r->image_addr + r->image_size && r->image_addr < r->self + r->self_size)
		return bad(s, at, "record overlaps the patch image");
	if (r->has_unwind && (r->unwind % 8 || r->unwind < r->image_addr ||
			      r->unwind - r->image_addr > r->image_size - LUP_UNWIND_SIZE))
		return bad(s, at, "unwinder data %#" PRIx64 " outside the patch image", r->unwind);
	return 0;
}

static int check_record(struct lup_view *s, const LupRecord *r, uint64_t at, size_t len)
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
static int read_record(struct lup_view *s, const struct lup_view_map *v, uint64_t at,
		       LupRecord **out)
{
	uint32_t head[2];
	uint8_t *buf;
	int ret = lup_view_read(s, at, head, sizeof(head));

	*out = NULL;
	if (ret)
		return ret;
	if (head[1] > LUP_RECORD_MAX_SIZE - 8 || head[1] + 8ull > v->end - at)
		return bad(s, at, "length %u past its VMA", head[1]);
	buf = malloc(head[1] ? head[1] : 1);
	if (!buf)
		return -ENOMEM;
	ret = lup_view_read(s, at + 8, buf, head[1]);
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

static int add_record(struct lup_view *s, struct lup_records *rs, LupRecord *r)
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
static int scan_vma(struct lup_view *s, const struct lup_view_map *v, struct lup_records *rs)
{
	uint64_t at = v->start;
	int ret = 0;

	while (!ret && at < v->end) {
		uint32_t magic;
		LupRecord *r;

		ret = lup_view_read(s, at, &magic, sizeof(magic));
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
		pr_err("%s: cannot read %#" PRIx64 "-%#" PRIx64 ": %s", s->who, v->start, v->end,
		       lup_strerror(ret));
	return ret;
}

static int cmp_seq(const void *a, const void *b)
{
	const LupRecord *x = *(LupRecord *const *)a, *y = *(LupRecord *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by seq; seqs and ids unique. */
static int check_set(struct lup_view *s, struct lup_records *rs)
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

int lup_records_find(struct lup_view *s, struct lup_records *out)
{
	struct lup_records rs = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < s->nr_maps; i++) {
		const struct lup_view_map *v = &s->maps[i];

		if (!v->anon || v->prot != PROT_READ)
			continue;
		if (v->end - v->start > LUP_RECORD_SCAN_MAX) {
			pr_debug("%s: %#" PRIx64 "-%#" PRIx64 " too large to hold lup records",
				 s->who, v->start, v->end);
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
