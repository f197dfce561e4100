// Version 2 of the C++ scenarios of scn-cxx (cxx.cc), patched with fix.c: a member
// function and a virtual override written as the class declares them, std::string and
// containers (their template code bound to the target's copies where it has them), an
// exception thrown and caught in the patch and one thrown to the target's caller.
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario.h"
#include "scenario-cxx.h"

long Counter::bump(long x)
{
	n += 2 * x;
	return n;
}

long Square::area(long x) const
{
	return x * x + 1;
}

long scn_cxx_string(long x)
{
	std::string s = std::to_string(x);

	s += "-" + s + "!!";
	return (long)s.size();
}

long scn_cxx_container(long x)
{
	std::vector<long> v((size_t)(x % 100) + 1);
	std::map<long, long> twice;

	std::iota(v.begin(), v.end(), 0);
	for (long i : v)
		twice[i] = 2 * i;
	return std::accumulate(twice.begin(), twice.end(), 0l,
			       [](long sum, const std::pair<const long, long> &e) { return sum + e.second; });
}

long scn_cxx_throw(long x)
{
	if (x & 1)
		throw std::out_of_range("odd");
	try {
		throw std::runtime_error("inside the patch");
	} catch (const std::runtime_error &) {
		return x + 7;
	}
}
