// The C++ part of the scn-cxx target: a member function, a virtual override, and
// functions that the patch (fix-cxx.cc) rewrites with std::string, containers and
// exceptions. scn_cxx_checks is unchanged code: it calls them as the program does (the
// override through a base pointer) and sets a bit per C++ scenario whose answer is
// version 2's. Version 1 answers otherwise, so the bits say the patch runs.
#include <stdexcept>
#include <string>

#include "scenario.h"
#include "scenario-cxx.h"

SCN_FN long Counter::bump(long x)
{
	n += x;
	return n;
}

Shape::~Shape() {}

SCN_FN long Shape::area(long x) const
{
	return x;
}

SCN_FN long Square::area(long x) const
{
	return x * x;
}

SCN_FN long scn_cxx_string(long x)
{
	return -1 - x;
}

SCN_FN long scn_cxx_container(long x)
{
	return -1 - x;
}

// It may throw (so that its callers have unwind entries for it), as version 2 does.
SCN_FN long scn_cxx_throw(long x)
{
	if (x < 0)
		throw std::out_of_range("negative");
	return x;
}

extern "C" long scn_cxx_checks(long x)
{
	static Square square;
	const Shape *shape = &square;
	Counter c;
	long bits = 0, thrown = 0;

	c.bump(x);
	if (c.bump(1) == SCN_CXX_BUMP(x))
		bits |= SCN_CXX_MEMBER;
	if (shape->area(x) == SCN_CXX_AREA(x))
		bits |= SCN_CXX_VIRTUAL;
	if (scn_cxx_string(x) == SCN_CXX_STRING_LEN(x))
		bits |= SCN_CXX_STRING;
	if (scn_cxx_container(x) == SCN_CXX_CONTAINER_SUM(x))
		bits |= SCN_CXX_CONTAINER;
	try {
		scn_cxx_throw(x | 1);		/* version 2 throws for odd x */
	} catch (const std::out_of_range &) {
		thrown = 1;
	}
	if (thrown && scn_cxx_throw(x & ~1l) == SCN_CXX_CAUGHT(x & ~1l))
		bits |= SCN_CXX_EXCEPTION;
	return bits;
}
