/* Library errors to exit statuses, one table for all programs. */
#include <errno.h>
#include <stdio.h>

#include "util/err.h"
#include "exit-status.h"
#include "util/log.h"

int lup_exit_status(int err)
{
	switch (err) {
	case 0:
		return LUP_EXIT_OK;
	case -LUP_EBADIMG:
	case -LUP_EBADPATCH:
	case -LUP_EBADELF:
	case -LUP_EBADPARENT:
		return LUP_EXIT_BADINPUT;
	case -LUP_ENOTAPPLIC:
		return LUP_EXIT_NOTAPPLIC;
	case -LUP_EBUSY:
	case -EBUSY:		/* traced by another (a debugger): try once it is gone */
		return LUP_EXIT_BUSY;
	case -LUP_ENOSPACE:
		return LUP_EXIT_NOSPACE;
	case -LUP_ECRIU:
		return LUP_EXIT_CRIU;
	case -LUP_ELOCKED:
		return LUP_EXIT_LOCKED;
	case -LUP_ETREE:
		return LUP_EXIT_TREE;
	case -LUP_ELOST:
		return LUP_EXIT_LOST;
	default:
		return LUP_EXIT_FAIL;
	}
}

int lup_exit_report(const char *prog, int err)
{
	if (err && !lup_log_nr_errors())
		fprintf(stderr, "%s: %s\n", prog, lup_strerror(err));
	return lup_exit_status(err);
}
