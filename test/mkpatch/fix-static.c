/* Replaces the static scale() picked by file, and calls the other static counter's user. */
#include <lup/lup-patch.h>

extern int counter LUP_STATIC(counter, "target-main.c");
int other_next(void);

int scale(int x) LUP_STATIC(scale, "target-main.c");
int scale(int x)
{
	return x * 3 + counter + other_next();
}
