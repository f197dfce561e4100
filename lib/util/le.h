/* Little-endian 32-bit fields of lup's own file formats, whatever the host's order. */
#ifndef LUP_LE_H
#define LUP_LE_H

#include <stdint.h>

static inline uint32_t lup_get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void lup_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
