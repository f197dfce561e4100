/*
 * The patches of one process as stacks over each replaced function, and the two rules
 * of Documentation/lifecycle.md: when a patch may go on top of what a function's entry
 * holds (apply), and when a patch may be taken out (revert). Edits accumulate in the
 * chain (entry bytes, spliced records, records to clear) for the caller to write out.
 */
#ifndef LUP_RECORD_CHAIN_H
#define LUP_RECORD_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "core/stack-check.h"

struct lup_target;
struct lup_view;

struct lup_chain_entry {
	uint64_t addr;
	uint8_t cur[LUP_JMP_SIZE];	/* the bytes at addr once the edits are written */
	bool dirty;			/* differs from the process's memory */
};

struct lup_chain_clear {
	uint64_t start, end;
};

struct lup_chain {
	struct lup_view *v;
	struct lup_records rs;		/* sorted by seq */
	struct lup_records gone;	/* reverted: kept for the names in busy ranges */
	bool *rec_dirty;		/* per record: its VMA must be rewritten (spliced) */
	size_t nr_entries;
	struct lup_chain_entry *entries;
	size_t nr_clear;
	struct lup_chain_clear *clear;	/* the records of reverted patches, to clear */
};

/* Reads the records of v (which must outlive the chain). */
int lup_chain_open(struct lup_view *v, struct lup_chain **out);
void lup_chain_free(struct lup_chain *c);

/* -LUP_ENOTAPPLIC (reported) when p is already applied or a patch it expects is not. */
int lup_chain_check_patch(struct lup_chain *c, const LupPatch *p);
/*
 * Whether f of p, whose entry is at addr in this process, may be replaced: 0 with the
 * bytes the jump will replace in saved and the id of the patch it goes on top of in
 * *below (NULL: the original code); -LUP_ENOTAPPLIC, reported, when the entry holds
 * other bytes (another build) or a patch the rule does not let p go on top of.
 */
int lup_chain_check_func(struct lup_chain *c, const LupPatch *p, const LupFunc *f, uint64_t addr,
			 uint8_t saved[LUP_JMP_SIZE], const char **below);
/*
 * The stack check's ranges for applying p to target t: each function it replaces (with
 * its unlikely parts) and, where
 * the entry holds a recorded patch's jump, that patch's function too (a thread inside
 * it, or returning into it, would come back to code p supersedes). Records keep no
 * sizes: a lower function ends at the next function of its patch or its image's end.
 * Free *out.
 */
int lup_chain_patch_ranges(struct lup_chain *c, const LupPatch *p, const struct lup_target *t,
			   struct lup_range **out, size_t *nr);
/* The entry at addr (read from the process on first use, then as edited). */
int lup_chain_entry(struct lup_chain *c, uint64_t addr, struct lup_chain_entry **out);
/* cur is "jmp to" placed at from. */
bool lup_chain_is_jump(const uint8_t cur[LUP_JMP_SIZE], uint64_t from, uint64_t to);
/* Adds the record of a patch just applied (the chain takes it) and its jumps. */
int lup_chain_add(struct lup_chain *c, LupRecord *r);

/*
 * Takes patch id out: each function it replaced gets back what was under it, or, where
 * another patch was put on top, that patch's record is spliced to sit on what was under
 * it. busy is set to the patch's image (no thread may be inside it); its record is added
 * to clear (the image stays mapped: the process may still point into it). -LUP_ENOTAPPLIC, reported, when id is not applied or a patch that expects
 * it is; -LUP_EBADIMG when the entries do not match the records. In lib/core/revert-chain.c.
 */
int lup_chain_revert(struct lup_chain *c, const char *id, struct lup_range *busy);
/*
 * lup_chain_revert of id when this process has it (NULL: of every patch, from the newest
 * down, which the rule always allows); the images of the reverted patches are appended
 * to *busy (free it), *nr counts them.
 */
int lup_chain_revert_ids(struct lup_chain *c, const char *id, struct lup_range **busy, size_t *nr);

#endif
