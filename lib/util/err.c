/* Text for lup's own error codes, strerror for the rest. */
#include <string.h>

#include "util/err.h"

static const char *const lup_errs[] = {
	[LUP_EBADIMG - LUP_EBASE] = "bad image",
	[LUP_EBADPATCH - LUP_EBASE] = "bad patch",
	[LUP_EBADELF - LUP_EBASE] = "unusable ELF file",
	[LUP_ENOTAPPLIC - LUP_EBASE] = "patch not applicable",
	[LUP_EBUSY - LUP_EBASE] = "busy: a thread is inside a function being replaced",
	[LUP_ENOSPACE - LUP_EBASE] = "no free address range within +-2 GiB of the target",
	[LUP_EBADPARENT - LUP_EBASE] = "missing or broken parent link",
	[LUP_ECRIU - LUP_EBASE] = "criu failed",
	[LUP_ELOCKED - LUP_EBASE] = "busy: another lup run holds the process",
	[LUP_ETREE - LUP_EBASE] = "the process tree cannot be taken this way",
	[LUP_ELOST - LUP_EBASE] = "process lost: not restored",
};

const char *lup_strerror(int err)
{
	int e = -err;

	if (e > LUP_EBASE && e < LUP_EEND && lup_errs[e - LUP_EBASE])
		return lup_errs[e - LUP_EBASE];
	return strerror(e);
}
