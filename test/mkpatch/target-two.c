/* Target linked with libtwo.so (found through its RUNPATH or RPATH) and libc. */
#include <stdio.h>

int two_scale(int x);

__attribute__((noinline, noipa)) int report_two(int x)
{
	return printf("two %d\n", two_scale(x));
}

int main(int argc, char **argv)
{
	return report_two(argc) < 0;
}
