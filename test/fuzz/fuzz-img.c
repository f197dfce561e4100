/*
 * libFuzzer target: CRIU image framing and records. The first byte picks the image
 * kind; the rest is the file. Every input must be parsed or refused, never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "images/img.h"
#include "util/log.h"

static void quiet(enum lup_log_level level, const char *fmt, va_list ap)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lup_img *img;
	uint8_t *buf;
	size_t len;

	if (!size)
		return 0;
	lup_set_print(quiet);
	if (lup_img_parse(data + 1, size - 1, "fuzz.img", data[0] % LUP_IMG__NR, &img))
		return 0;
	/* What parses must pack again. */
	if (!lup_img_pack(img, &buf, &len))
		free(buf);
	lup_img_free(img);
	return 0;
}
