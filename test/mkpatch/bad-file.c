/* Fails: no file of the target by that name has a static counter. */
#include <lup/lup-patch.h>

extern int counter LUP_STATIC(counter, "nofile.c");

int get(void)
{
	return counter;
}
