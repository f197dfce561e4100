/* The address-space-independent half of the stack check, shared by its image and ptrace variants. */
#ifndef LUP_STACK_WALK_H
#define LUP_STACK_WALK_H

#define UNW_REMOTE_ONLY
#include <libunwind.h>
#include <stdbool.h>
#include <sys/types.h>

#include "remote-elf.h"
#include "stack-check.h"

#define LUP_STACK_MAX_FRAMES 512
#define LUP_STACK_MAX_SCAN (64ul << 20)	/* bytes of stack scanned at most */

/*
 * Unwinds the thread of as/arg, checking its ip and every return address. 0 or
 * -LUP_EBUSY (reported); *complete is false when the chain stopped before its outermost
 * frame or crossed a frame without unwind info (libunwind then guesses).
 */
int lup_stack_walk(unw_addr_space_t as, void *arg, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr, bool *complete);
/* Checks every 8-byte word of [sp, end) (read through rd) against the ranges. */
int lup_stack_scan(lup_read_fn rd, void *arg, uint64_t sp, uint64_t end, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr);

#endif
