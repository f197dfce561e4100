/* The C++ scenarios of the scn-cxx target (cxx.cc) and of its patch (fix-cxx.cc). */
#ifndef SCENARIO_CXX_H
#define SCENARIO_CXX_H

struct Counter {
	long n = 0;
	long bump(long x);
};

struct Shape {
	virtual ~Shape();
	virtual long area(long x) const;
};

struct Square : Shape {
	long area(long x) const override;
};

long scn_cxx_string(long x);
long scn_cxx_container(long x);
long scn_cxx_throw(long x);

/* What version 2 answers. */
#define SCN_CXX_BUMP(x) (2 * ((x) + 1))		/* bump doubles what it adds */
#define SCN_CXX_AREA(x) ((x) * (x) + 1)
#define SCN_CXX_STRING_LEN(x) ((long)std::to_string(x).size() * 2 + 3)
#define SCN_CXX_CONTAINER_SUM(x) ((x) % 100 * ((x) % 100 + 1))	/* twice 0 + ... + x % 100 */
#define SCN_CXX_CAUGHT(x) ((x) + 7)		/* its own exception, caught inside */

#endif
