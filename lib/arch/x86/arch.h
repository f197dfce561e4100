/* x86-64 facts the core depends on: page size, the jump over an old entry, registers. */
#ifndef LUP_ARCH_X86_H
#define LUP_ARCH_X86_H

#define LUP_PAGE_SIZE 4096ul
#define LUP_JMP_SIZE 5			/* jmp rel32 written over each old entry */
#define LUP_NR_REGS 17			/* libunwind's x86-64 numbers: RAX..R15, then RIP */

#endif
