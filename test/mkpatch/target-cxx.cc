/* A C++ target: step() grows a std::vector (instantiating _M_realloc_insert<long const&>). */
#include <cstdio>
#include <vector>
#include <unistd.h>

static std::vector<long> history;

__attribute__((noinline, noipa)) long step(long x)
{
	history.push_back(x);
	return (long)history.size();
}

__attribute__((noinline, noipa)) const char *word()
{
	return "old";
}

int main()
{
	for (long n = 1;; n++) {
		long h = step(n);
		printf("%ld %s %ld\n", n, word(), h);
		fflush(stdout);
		usleep(10000);
	}
}
