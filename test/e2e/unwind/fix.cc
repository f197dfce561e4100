// The patch of e2e/unwind: parse throws and catches inside the patch; check throws to
// the program; visit calls back into the program, whose exception unwinds through it.
#include <stdexcept>
#include <string>

int parse(const std::string &s)
{
	try {
		size_t end;
		int v = std::stoi(s, &end);

		if (end != s.size())
			throw std::invalid_argument("trailing characters");
		return v;
	} catch (const std::invalid_argument &) {
		return std::stoi(s.substr(0, s.find_first_not_of("0123456789")));
	}
}

int check(int v)
{
	if (v > 100)
		throw std::range_error("too big");
	return v;
}

int visit(void (*cb)(int), int v)
{
	cb(v);
	return v + 1000;
}
