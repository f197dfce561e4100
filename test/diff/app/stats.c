/* What the test fixes change: a global, a static, an inlined helper, static data. */
#include <stdio.h>
#include <assert.h>
#include <string.h>
#include "stats.h"

static long total;
static long calls = 0;
static char label[64];

static inline long clamp(long v)
{
	return v > 1000 ? 1000 : v;
}

static long __attribute__((noinline)) weigh(const struct sample *s)
{
	return clamp(s->value) * s->weight;
}

long stats_add(struct sample *s)
{
	calls++;
	total += weigh(s);
	return total;
}

const char *stats_label(long t)
{
	snprintf(label, sizeof(label), "total=%ld calls=%ld", t, calls);
	return label;
}

/* Its __LINE__ moves with a fix above it: a difference of line numbers only. */
long __attribute__((noinline)) stats_check(const struct sample *s)
{
	assert(s->weight > 0);
	return s->weight;
}
