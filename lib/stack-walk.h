/* The address-space-independent half of the stack check, shared by its image and ptrace variants. */
#ifndef LUP_STACK_WALK_H
#define LUP_STACK_WALK_H

#include <stdbool.h>
#include <sys/types.h>

#include "remote-elf.h"
#include "stack-check.h"

#define LUP_STACK_MAX_FRAMES 512
#define LUP_STACK_MAX_SCAN (64ul << 20)	/* bytes of stack scanned at most */
#define LUP_UNWIND_NR_REGS 17		/* libunwind's x86-64 numbers: RAX..R15, then RIP */

/*
 * Where a thread is unwound from: its registers, its memory, and where the ELF file
 * whose code is at an address is mapped (unwind tables come from its PT_GNU_EH_FRAME).
 */
struct lup_unwind_src {
	uint64_t regs[LUP_UNWIND_NR_REGS];
	lup_read_fn rd;
	void *rd_arg;
	/*
	 * 0 and the mapping start of the file's offset 0 plus the end of the mapping of ip;
	 * -ENOENT when no ELF file is mapped at ip.
	 */
	int (*elf_at)(void *arg, uint64_t ip, uint64_t *head, uint64_t *end);
	void *elf_arg;
};

/*
 * Unwinds the thread of src, checking its ip and every return address. 0 or
 * -LUP_EBUSY (reported), -ENOMEM; *complete is false when the chain stopped before its
 * outermost frame or crossed a frame without unwind info (libunwind then guesses).
 */
int lup_stack_walk(struct lup_unwind_src *src, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr, bool *complete);
/* Checks every 8-byte word of [sp, end) (read through rd) against the ranges. */
int lup_stack_scan(lup_read_fn rd, void *arg, uint64_t sp, uint64_t end, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr);

#endif
