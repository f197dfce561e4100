/* libscenario-helper.so: a function and a thread-local variable of another shared library. */
#include "scenario.h"

SCN_FN long scn_helper_fn(long x)
{
	return SCN_HELPER_FN(x);
}

/* A thread-local variable of another library, for the patch of the program to use. */
__thread long scn_helper_tls;

SCN_FN long *scn_helper_tls_addr(void)
{
	return &scn_helper_tls;
}
