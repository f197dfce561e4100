/* libmulti.so, the shared library of the multi-main target: one function to replace. */
#include "multi.h"

/* noipa: the caller must call it each time, or a patch would change nothing. */
__attribute__((noinline, noipa)) const char *multi_lib_word(void)
{
	return "old";
}
