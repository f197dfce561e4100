/* The benchmark targets' memory (bench/target.c, bench/server.c): MiB of dirty pages. */
#ifndef LUP_BENCH_DIRTY_H
#define LUP_BENCH_DIRTY_H

#include <stdlib.h>

/* mib MiB, every page written with its own content, so nothing is deduplicated or zero. */
static inline char *dirty_memory(size_t mib)
{
	char *mem = malloc(mib << 20);

	for (size_t off = 0; mem && off < (mib << 20); off += 64)
		mem[off] = (char)(off >> 12) | 1;
	return mem;
}

#endif
