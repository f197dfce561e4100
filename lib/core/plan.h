/*
 * A plan: what an operation of the core changes in one process. Mappings to add (with
 * their contents), code to run once in the process, bytes to write at addresses,
 * mappings to remove. The core computes it over a process view; a transport commits it
 * (lib/images/: into the images of a checkpoint; the in-place transport: into the
 * stopped process), in this order: maps, calls, writes.
 */
#ifndef LUP_CORE_PLAN_H
#define LUP_CORE_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct lup_view;

/* A new private anonymous mapping: data (len bytes) at start, zeroes after it. */
struct lup_plan_map {
	uint64_t start, end;
	unsigned prot;			/* its final protection: r-x, rw- or r-- */
	uint8_t *data;
	size_t len;
};

/* Bytes over memory that is already mapped (a jump over an old entry, a record). */
struct lup_plan_write {
	uint64_t addr;
	uint8_t *data;
	size_t len;
};

/*
 * Code of the patch to run once in the process after its mappings exist and before the
 * writes (its jumps) make it reachable: a constructor, an IFUNC resolver.
 */
struct lup_plan_call {
	uint64_t addr;
};

struct lup_plan {
	size_t nr_maps, nr_calls, nr_writes;
	struct lup_plan_map *maps;	/* in the order they were planned */
	struct lup_plan_call *calls;
	struct lup_plan_write *writes;	/* in order: the jumps of a patch come last */
};

/* Each takes data (malloc'ed) over, also on failure. */
int lup_plan_add_map(struct lup_plan *p, uint64_t start, uint64_t end, unsigned prot,
		     uint8_t *data, size_t len);
int lup_plan_add_write(struct lup_plan *p, uint64_t addr, uint8_t *data, size_t len);
int lup_plan_add_write_copy(struct lup_plan *p, uint64_t addr, const void *data, size_t len);
int lup_plan_add_call(struct lup_plan *p, uint64_t addr);
void lup_plan_free(struct lup_plan *p);
/* Whether the plan changes anything. */
static inline int lup_plan_empty(const struct lup_plan *p)
{
	return !p->nr_maps && !p->nr_calls && !p->nr_writes;
}

/*
 * Memory of v as it will be once p is committed: a planned map's contents, else v's
 * memory with the planned writes over it.
 */
int lup_plan_read(const struct lup_plan *p, struct lup_view *v, uint64_t addr, void *buf,
		  size_t len);

#endif
