/*
 * Lifecycle test patch: replaces mark() with one that keeps its caller inside it while
 * the file named by $LIFECYCLE_HOLD exists, so that the test has a thread inside a
 * patch's function for as long as it needs.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const char *mark(void)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	const char *hold = getenv("LIFECYCLE_HOLD");

	while (hold && access(hold, F_OK) == 0)
		nanosleep(&tick, NULL);
	return "held";
}
