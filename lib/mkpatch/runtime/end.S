/* Linked last into every patch: the zero word that ends .eh_frame for libgcc (begin.S). */
	.section .eh_frame,"a",@progbits
	.balign 4
	.long 0

	.section .note.GNU-stack,"",@progbits
