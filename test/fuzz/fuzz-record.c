/*
 * libFuzzer target: the patch records read from a process's memory. The input is the
 * content of a private anonymous read-only VMA; a patch image VMA and a text VMA are laid
 * out where the input's first record says (so a real record seeds it), else at fixed
 * addresses. The records are found and validated, then every patch is reverted on the
 * chain. Every input must be refused or handled, never crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/log.h"
#include "core/record-chain.h"
#include "core/view.h"

#define PAGE 4096ull
#define SPAN (16ull << 20)	/* the image and text VMAs, at most */

static const uint8_t *in;
static size_t in_len;

static void quiet(enum lup_log_level level, const char *fmt, va_list ap)
{
}

/* The record VMA holds the input (zeroes after it); every other byte reads as zero. */
static int rd(struct lup_view *s, uint64_t addr, void *buf, size_t len)
{
	const struct lup_view_map *v = lup_view_find(s, addr);
	uint64_t off;

	if (!v || len > v->end - addr)
		return -EFAULT;
	memset(buf, 0, len);
	off = addr - v->start;
	if (v == &s->maps[2] && off < in_len)
		memcpy(buf, in + off, len < in_len - off ? len : in_len - off);
	return 0;
}

static uint64_t page_down(uint64_t x)
{
	return x & ~(PAGE - 1);
}

static void set(struct lup_view_map *v, uint64_t start, uint64_t size, unsigned prot, bool anon)
{
	*v = (struct lup_view_map){ .start = page_down(start), .end = page_down(start) + size,
				    .prot = prot, .anon = anon, .file = -1 };
}

/* Text, image, record: where the first record puts them when they are sorted and disjoint. */
static void layout(struct lup_view_map v[3], uint64_t rec_size)
{
	uint32_t len;
	LupRecord *r = NULL;
	bool placed = false;

	if (in_len >= 8) {
		memcpy(&len, in + 4, sizeof(len));
		if (len <= in_len - 8)
			r = lup_record__unpack(NULL, len, in + 8);
	}
	if (r && r->n_funcs && r->image_size <= SPAN && r->self < (1ull << 47)) {
		set(&v[0], r->funcs[0]->addr, PAGE, PROT_READ | PROT_EXEC, false);
		set(&v[1], r->image_addr, (r->image_size + PAGE - 1) & ~(PAGE - 1),
		    PROT_READ | PROT_EXEC, true);
		set(&v[2], r->self, rec_size, PROT_READ, true);
		placed = v[0].start < v[0].end && v[0].end <= v[1].start && v[1].start < v[1].end &&
			 v[1].end <= v[2].start;
	}
	if (!placed) {
		set(&v[0], 0x400000, SPAN, PROT_READ | PROT_EXEC, false);
		set(&v[1], 0x10000000, SPAN, PROT_READ | PROT_EXEC, true);
		set(&v[2], 0x20000000, rec_size, PROT_READ, true);
	}
	lup_record_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lup_view_ops ops = { .read = rd };
	struct lup_view_map vmas[3];
	struct lup_view s = { .who = "fuzz", .nr_maps = 3, .maps = vmas, .exe = -1, .ops = &ops };
	struct lup_chain *c;
	struct lup_range *busy = NULL;
	size_t nr = 0;

	lup_set_print(quiet);
	in = data;
	in_len = size;
	layout(vmas, size ? (size + PAGE - 1) / PAGE * PAGE : PAGE);
	if (lup_chain_open(&s, &c))
		return 0;
	lup_chain_revert_ids(c, NULL, &busy, &nr);
	free(busy);
	lup_chain_free(c);
	return 0;
}
