/* Replaces report_two(); uses libc, the target's libtwo.so, and libm that only libtwo.so needs. */
#include <math.h>
#include <stdio.h>

int two_scale(int x);

int report_two(int x)
{
	return printf("two %d %d\n", two_scale(x), (int)(cos((double)x) * 100));
}
