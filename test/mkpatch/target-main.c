/* Target of the lup-mkpatch tests: functions to replace, statics, TLS and libc use. */
#include <stdio.h>
#include <unistd.h>

#include "target.h"

__thread int tls_count;
int global_value = 42;
static int counter = 1;		/* other.c has a static counter too */

__attribute__((noinline, noipa)) int compute(int x)
{
	return x + global_value;
}

__attribute__((noinline, noipa)) static int scale(int x)
{
	return x * 2 + counter++;
}

/* Shorter than the 5-byte jump: cannot be replaced. */
__attribute__((naked, noinline)) void tiny(void)
{
	__asm__("ret");
}

__attribute__((noinline, noipa)) int report(void)
{
	tls_count++;
	return printf("compute %d scale %d other %d tls %d\n", compute(1), scale(3), other_next(),
		      tls_count);
}
