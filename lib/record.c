/* Building a patch's record and framing it for its VMA (lib/images/lup-record.proto). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagemap.h"
#include "record.h"

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
	r->applied = (uint64_t)time(NULL);
	r->seq = seq;
	r->self = self;
	r->self_size = lup_record_vma_size(p);
	r->image_addr = image_addr;
	r->image_size = p->image_size;
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
