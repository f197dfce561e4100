/*
 * libFuzzer target: lup patch files (header, digest) and, since a changed byte never gets
 * past the digest, the same bytes as a bare message (every validation rule).
 */
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"
#include "core/patch.h"

static void quiet(enum lup_log_level level, const char *fmt, va_list ap)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LupPatch *p;

	lup_set_print(quiet);
	if (!lup_patch_parse(data, size, "fuzz.lup", &p))
		lup_patch_free(p);
	if (!lup_patch_decode(data, size, "fuzz.msg", &p))
		lup_patch_free(p);
	return 0;
}
