/*
 * Replaces step() and word(); its push_back instantiates what the target has too: the
 * patch uses the target's copy, and replaces nothing else.
 */
#include <vector>

extern std::vector<long> history __asm__("_ZL7history");

long step(long x)
{
	long v = x * 2;

	history.push_back(v);
	return (long)history.size();
}

const char *word()
{
	return "new";
}
