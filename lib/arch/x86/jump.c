/* x86-64 jmp rel32 encoding and reach. */
#include <errno.h>
#include <string.h>

#include "arch/x86/jump.h"

#define JMP_REL32_OPCODE 0xe9

static bool rel32_of(uint64_t from, uint64_t to, int32_t *rel)
{
	/* Two's complement difference; it fits when it survives the round trip. */
	int64_t d = (int64_t)(to - (from + LUP_JMP_SIZE));

	if (d < INT32_MIN || d > INT32_MAX)
		return false;
	*rel = (int32_t)d;
	return true;
}

bool lup_jmp_reaches(uint64_t from, uint64_t to)
{
	int32_t rel;

	return rel32_of(from, to, &rel);
}

int lup_jmp_encode(uint64_t from, uint64_t to, uint8_t out[LUP_JMP_SIZE])
{
	int32_t rel;

	if (!rel32_of(from, to, &rel))
		return -ERANGE;
	out[0] = JMP_REL32_OPCODE;
	memcpy(out + 1, &rel, sizeof(rel));	/* x86 is little-endian */
	return 0;
}
