/* Second file of the test target: a static of the same name as one in target-main.c. */
#include "target.h"

static int counter = 100;

__attribute__((noinline, noipa)) int other_next(void)
{
	return counter++;
}
