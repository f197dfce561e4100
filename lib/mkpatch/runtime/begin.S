/*
 * The patch runtime, linked first into every patch by lup-mkpatch (end.S last): it
 * makes the patch's code visible to the unwinders of the process it runs in. Patches
 * are compiled with -pg -mfentry, so every function of a patch starts with a call to
 * __fentry__ below; the first call registers the patch's .eh_frame with libgcc
 * (__register_frame_info: C++ exceptions, pthread_cancel, backtrace()) and its
 * .eh_frame_hdr table with libunwind (_U_dyn_register), each when the process has it.
 * Nothing runs when a patch is applied (the images of a checkpoint cannot run code);
 * the registration happens in the process on first use, and lives in its memory, so it
 * survives a checkpoint and restore. What it registers lives in a page of its own,
 * mapped by the first call and never unmapped: a revert of the patch makes it empty
 * (lib/core/revert.c) instead, since libgcc and libunwind keep pointers to it.
 *
 * __lup_unwind (lup_patch.unwind is its offset; the layout is lib/core/unwind.h):
 *   0 state: 0 not registered, 1 registering, 2 done
 *   8 the page, once mapped     16 .eh_frame     24 .eh_frame_hdr (lup-mkpatch)
 *  32 code start (lup-mkpatch)  40 code end (lup-mkpatch)
 * The page: libgcc's struct object at 0, a zero word at 128, libunwind's
 * unw_dyn_info_t at 192 (as libunwind 1.6 and later lay it out, with load_offset).
 */
	.section .eh_frame,"a",@progbits
	.balign 4
__lup_eh_frame_begin:

	.data
	.balign 64
	.globl __lup_unwind
	.hidden __lup_unwind
	.type __lup_unwind, @object
__lup_unwind:
	.quad 0, 0, __lup_eh_frame_begin, 0, 0, 0
	.size __lup_unwind, 48

	.weak __register_frame_info
	.weak _U_dyn_register

	.text
	.globl __fentry__
	.hidden __fentry__
	.type __fentry__, @function
/* Called first by every function of the patch: the arguments are live, keep them all. */
__fentry__:
	.cfi_startproc
	cmpq $2, __lup_unwind(%rip)
	jne 1f
	ret
1:	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %r8
	.cfi_adjust_cfa_offset 8
	pushq %r9
	.cfi_adjust_cfa_offset 8
	pushq %r10
	.cfi_adjust_cfa_offset 8
	pushq %r11
	.cfi_adjust_cfa_offset 8
	subq $136, %rsp
	.cfi_adjust_cfa_offset 136
	movdqu %xmm0, 0(%rsp)
	movdqu %xmm1, 16(%rsp)
	movdqu %xmm2, 32(%rsp)
	movdqu %xmm3, 48(%rsp)
	movdqu %xmm4, 64(%rsp)
	movdqu %xmm5, 80(%rsp)
	movdqu %xmm6, 96(%rsp)
	movdqu %xmm7, 112(%rsp)
	call __lup_register
	movdqu 0(%rsp), %xmm0
	movdqu 16(%rsp), %xmm1
	movdqu 32(%rsp), %xmm2
	movdqu 48(%rsp), %xmm3
	movdqu 64(%rsp), %xmm4
	movdqu 80(%rsp), %xmm5
	movdqu 96(%rsp), %xmm6
	movdqu 112(%rsp), %xmm7
	addq $136, %rsp
	.cfi_adjust_cfa_offset -136
	popq %r11
	.cfi_adjust_cfa_offset -8
	popq %r10
	.cfi_adjust_cfa_offset -8
	popq %r9
	.cfi_adjust_cfa_offset -8
	popq %r8
	.cfi_adjust_cfa_offset -8
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rsi
	.cfi_adjust_cfa_offset -8
	popq %rdi
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size __fentry__, .-__fentry__

/*
 * One thread registers (state 0 -> 1 -> 2), the others wait for it. The page comes from
 * a raw mmap: no malloc, which the first call may come from. On failure the patch stays
 * unregistered (as it was before this runtime) and runs on.
 */
	.type __lup_register, @function
__lup_register:
	.cfi_startproc
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	xorl %eax, %eax
	movl $1, %ecx
	lock cmpxchgq %rcx, __lup_unwind(%rip)
	jne .Lwait
	movl $9, %eax			/* mmap(NULL, 4096, RW, PRIVATE|ANONYMOUS, -1, 0) */
	xorl %edi, %edi
	movl $4096, %esi
	movl $3, %edx
	movl $0x22, %r10d
	movq $-1, %r8
	xorl %r9d, %r9d
	syscall
	cmpq $-4095, %rax
	jae .Ldone
	movq %rax, %rbx
	movq %rax, __lup_unwind+8(%rip)
	movq __register_frame_info@GOTPCREL(%rip), %rax
	testq %rax, %rax
	jz .Lunwind
	movq __lup_unwind+16(%rip), %rdi
	movq %rbx, %rsi
	call *%rax
.Lunwind:
	movq _U_dyn_register@GOTPCREL(%rip), %rax
	testq %rax, %rax
	jz .Ldone
	movq __lup_unwind+32(%rip), %rcx	/* unw_dyn_info_t: start_ip, end_ip, gp */
	movq %rcx, 192+16(%rbx)
	movq __lup_unwind+40(%rip), %rcx
	movq %rcx, 192+24(%rbx)
	movl $2, 192+40(%rbx)		/* format: UNW_INFO_FORMAT_REMOTE_TABLE */
	movq __lup_unwind+24(%rip), %rcx	/* u.rti (after load_offset, 0): segbase, */
	movq %rcx, 192+64(%rbx)		/* table_len, table_data */
	movl 8(%rcx), %edx		/* .eh_frame_hdr: fde_count (udata4) */
	movq %rdx, 192+72(%rbx)		/* entries of 8 bytes, in 8-byte words */
	addq $12, %rcx
	movq %rcx, 192+80(%rbx)
	leaq 192(%rbx), %rdi
	call *%rax
.Ldone:
	movq $2, __lup_unwind(%rip)
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
.Lwait:
	pause
	cmpq $2, __lup_unwind(%rip)
	jne .Lwait
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
	.cfi_endproc
	.size __lup_register, .-__lup_register

	.section .note.GNU-stack,"",@progbits
