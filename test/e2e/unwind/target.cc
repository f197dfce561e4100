// The target of e2e/unwind: a C++ program whose loop meets exceptions in three ways once
// patched (see fix.cc), and a libunwind backtrace. Each line: counter, parse("12x"),
// whether check() threw, visit()'s result, whether cb's exception came through visit,
// whether a backtrace from inside cb reached main. Built with -DWITH_LIBUNWIND, it links
// libunwind, whose _Unwind_* then carry the exceptions; without, libgcc's do.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unistd.h>
#ifdef WITH_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

__attribute__((noinline)) int parse(const std::string &s)
{
	return s.find_first_not_of("0123456789") == std::string::npos ? std::stoi(s) : -1;
}

// It may throw, as the patch's does: a caller compiled against a function that cannot
// throw has no unwind entry for its call, and the exception would end the process.
__attribute__((noinline)) int check(int v)
{
	if (v < 0)
		throw std::range_error("negative");
	return v;
}

__attribute__((noinline)) int visit(void (*cb)(int), int v)
{
	cb(v);
	return v;
}

static bool reached_main;

// A backtrace by libunwind from here must go through visit (patched) to main.
static bool backtrace_reaches_main()
{
#ifndef WITH_LIBUNWIND
	return true;
#else
	unw_context_t ctx;
	unw_cursor_t c;
	char name[256];
	unw_word_t off;

	unw_getcontext(&ctx);
	unw_init_local(&c, &ctx);
	while (unw_step(&c) > 0)
		if (unw_get_proc_name(&c, name, sizeof(name), &off) == 0 && std::string(name) == "main")
			return true;
	return false;
#endif
}

static void cb(int v)
{
	reached_main = backtrace_reaches_main();
	if (v % 2 == 0)
		throw std::runtime_error("from the program, through visit");
}

int main()
{
	for (unsigned long n = 0;; n++) {
		int parsed = parse("12x"), visited = -1;
		const char *threw = "no", *through = "no";

		try {
			check((int)(n % 2) * 100 + 50);
		} catch (const std::range_error &) {
			threw = "yes";
		}
		try {
			visited = visit(cb, (int)n);
		} catch (const std::runtime_error &) {
			through = "yes";
		}
		printf("%lu %d %s %d %s %s\n", n, parsed, threw, visited, through,
		       reached_main ? "main" : "cut");
		fflush(stdout);
		usleep(20000);
	}
}
