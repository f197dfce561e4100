/* libscenario-helper.so: a function of another shared library for the patch to call. */
#include "scenario.h"

SCN_FN long scn_helper_fn(long x)
{
	return SCN_HELPER_FN(x);
}
