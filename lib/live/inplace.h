/* The in-place transport's commit of a plan into a frozen process (lib/live/inplace-commit.c). */
#ifndef LUP_LIVE_INPLACE_H
#define LUP_LIVE_INPLACE_H

struct lup_frozen;
struct lup_plan;

/*
 * Commits plan into the frozen process: its mappings (made read-write, filled, given
 * their protection), its writes (over what they replace), its unmaps. A failure of a
 * mapping or a write undoes the rest: the process is as before. A plan with code to run
 * in the process is refused (-LUP_ENOTAPPLIC, reported). Errors name the process.
 */
int lup_inplace_commit(struct lup_frozen *f, const struct lup_plan *plan);

#endif
