/* Fails: a section both writable and executable makes a W+X segment. */
__asm__(".section .wx,\"awx\"\n.byte 0xc3\n.previous");

int get(void)
{
	return 1;
}
