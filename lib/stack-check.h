/*
 * The safety check of every patch and revert: no thread's ip, nor any return address
 * of its call chain (unwound with libunwind), lies inside a function being replaced.
 * Two address spaces: a dumped process (registers from core-TID.img, memory through
 * lup_mem, unwind tables from the mapped ELF files) and a live, ptrace-stopped one.
 */
#ifndef LUP_STACK_CHECK_H
#define LUP_STACK_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lup_dump;
struct lup_proc;
struct lup_thread;
struct lup_mem;

/* [start, end) of a function being replaced, at its address in the process. */
struct lup_range {
	uint64_t start, end;
	const char *name;
};

/*
 * 0 when the thread is clear of every range; -LUP_EBUSY, reported once as
 * "process PID thread TID is inside NAME (ip|return address 0x...)"; other negative
 * errors when the stack cannot be read at all.
 */
int lup_stack_check_image(const struct lup_dump *d, const struct lup_proc *p,
			  const struct lup_thread *t, struct lup_mem *m,
			  const struct lup_range *ranges, size_t nr);
/*
 * The same for threads tids of process pid, which must be ptrace-stopped by the caller
 * (CRIU has seized them in the plugin); their shared memory is read once for all.
 */
int lup_stack_check_ptrace(pid_t pid, const pid_t *tids, size_t nr_tids,
			   const struct lup_range *ranges, size_t nr);

#endif
