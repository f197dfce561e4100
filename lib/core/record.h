/*
 * The record each applied patch leaves in the patched process's memory
 * (lib/core/lup-record.proto): built when a patch is applied, found and validated in
 * the view of a process, dumped or live.
 */
#ifndef LUP_RECORD_H
#define LUP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lup-record.pb-c.h"
#include "core/patch.h"

#define LUP_RECORD_MAGIC 0x5250554cu		/* "LUPR" */
#define LUP_RECORD_MAX_SIZE (256u * 1024)	/* a record with its framing, at most */
#define LUP_RECORD_MAX_NR 256			/* records in one process, at most */
#define LUP_RECORD_SCAN_MAX (64ull << 20)	/* larger r-- anonymous VMAs are not scanned */

struct lup_view;

/* The records of one process, sorted by seq (the order they were applied in). */
struct lup_records {
	size_t nr;
	LupRecord **r;
};

/*
 * Reads every record of v: each page of the private anonymous read-only mappings that
 * starts with LUP_RECORD_MAGIC. Every field is validated against v (the memory may have
 * been scribbled on): -LUP_EBADIMG, reported naming the process and the address.
 */
int lup_records_find(struct lup_view *v, struct lup_records *out);
void lup_records_free(struct lup_records *rs);
/* The record of that patch id, or NULL. */
LupRecord *lup_records_by_id(const struct lup_records *rs, const char *id);
/* The func entry of r at old entry addr, or NULL. */
LupRecordFunc *lup_record_func_at(const LupRecord *r, uint64_t addr);
/* The next seq for a patch applied now: one above the highest. */
uint64_t lup_records_next_seq(const struct lup_records *rs);

/*
 * Bytes of the VMA that will hold a record of p (page aligned): an upper bound that does
 * not depend on the addresses, so it can be placed together with the patch image.
 */
uint64_t lup_record_vma_size(const LupPatch *p);
/*
 * A record of p as applied at image_addr with its record VMA at self (of
 * lup_record_vma_size bytes); funcs are filled
 * in by lup_record_add_func. Free it with lup_record_free.
 */
int lup_record_new(const LupPatch *p, uint64_t seq, uint64_t self, uint64_t image_addr,
		   LupRecord **out);
int lup_record_add_func(LupRecord *r, const char *name, uint64_t addr, uint64_t size,
			const uint8_t saved[LUP_JMP_SIZE], uint64_t new_addr, const char *below);
void lup_record_free(LupRecord *r);
/*
 * The record framed for its VMA: magic, length, message, zeroes up to r->self_size
 * bytes. -E2BIG when it does not fit.
 */
int lup_record_pack(const LupRecord *r, uint8_t **buf);

#endif
