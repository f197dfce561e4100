/*
 * The safety check of every patch and revert: no thread's ip, nor any return address
 * of its call chain (unwound with libunwind), lies inside a function being replaced.
 * Over a process view: a dumped process and a live, stopped one alike.
 */
#ifndef LUP_STACK_CHECK_H
#define LUP_STACK_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lup_view;

/* [start, end) of a function being replaced, at its address in the process. */
struct lup_range {
	uint64_t start, end;
	const char *name;
};

/*
 * 0 when every thread of v is clear of every range; -LUP_EBUSY, reported once as
 * "process PID thread TID is inside NAME (ip|return address 0x...)"; other negative
 * errors when a stack cannot be read at all.
 */
int lup_stack_check(struct lup_view *v, const struct lup_range *ranges, size_t nr);

#endif
