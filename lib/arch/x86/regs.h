/*
 * x86-64 general registers into libunwind's numbering (the process view's), from a
 * register struct whose fields are named P##ax, P##dx, ..., r8..r15, P##ip: CRIU's
 * UserX86RegsEntry (P empty) and the kernel's user_regs_struct (P r) alike.
 */
#ifndef LUP_ARCH_X86_REGS_H
#define LUP_ARCH_X86_REGS_H

#define UNW_REMOTE_ONLY
#include <libunwind.h>

#define LUP_X86_UNWIND_REGS(out, r, P)			\
	do {						\
		(out)[UNW_X86_64_RAX] = (r)->P##ax;	\
		(out)[UNW_X86_64_RDX] = (r)->P##dx;	\
		(out)[UNW_X86_64_RCX] = (r)->P##cx;	\
		(out)[UNW_X86_64_RBX] = (r)->P##bx;	\
		(out)[UNW_X86_64_RSI] = (r)->P##si;	\
		(out)[UNW_X86_64_RDI] = (r)->P##di;	\
		(out)[UNW_X86_64_RBP] = (r)->P##bp;	\
		(out)[UNW_X86_64_RSP] = (r)->P##sp;	\
		(out)[UNW_X86_64_R8] = (r)->r8;		\
		(out)[UNW_X86_64_R9] = (r)->r9;		\
		(out)[UNW_X86_64_R10] = (r)->r10;	\
		(out)[UNW_X86_64_R11] = (r)->r11;	\
		(out)[UNW_X86_64_R12] = (r)->r12;	\
		(out)[UNW_X86_64_R13] = (r)->r13;	\
		(out)[UNW_X86_64_R14] = (r)->r14;	\
		(out)[UNW_X86_64_R15] = (r)->r15;	\
		(out)[UNW_X86_64_RIP] = (r)->P##ip;	\
	} while (0)

#endif
