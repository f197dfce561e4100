/* Patch of libmulti.so: the library's word becomes "new". */
#include "multi.h"

const char *multi_lib_word(void)
{
	return "new";
}
