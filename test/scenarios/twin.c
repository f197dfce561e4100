/* Second source file of the scenario targets: a static "twin" named like one of funcs.c. */
#include "scenario.h"

/* Same name as the static of funcs.c; only the patch's file selector tells them apart. */
static volatile long twin = SCN_TWIN_OTHER;

SCN_FN long scn_twin_other(void)
{
	return twin;
}
