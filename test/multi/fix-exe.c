/* Patch of the multi-main executable: its own word becomes "new". */
#include "multi.h"

const char *multi_exe_word(void)
{
	return "new";
}
