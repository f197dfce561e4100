/* Second library of the lup-mkpatch test target; it needs libm, which the target does not name. */
#include <math.h>

int two_scale(int x)
{
	return (int)(cos((double)x) * 100) * 2;
}
