/* Patch of test/progs/lup-counter.c: word() says "new"; stuck() is replaced too (busy case). */
#include <unistd.h>

const char *word(void)
{
	return "new";
}

void stuck(void)
{
	for (;;)
		pause();
}
