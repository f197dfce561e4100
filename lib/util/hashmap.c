/* A fixed-size string multimap (FNV-1a, chained) for symbol lookup by name. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashmap.h"

struct entry {
	const char *key;
	void *value;
	struct entry *next;
};

struct lup_hashmap {
	size_t mask;
	struct entry **buckets;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int lup_hashmap_new(size_t nr_hint, struct lup_hashmap **out)
{
	struct lup_hashmap *m = calloc(1, sizeof(*m));
	size_t n = 16;

	while (n < nr_hint && n < (1u << 24))
		n <<= 1;
	if (!m)
		return -ENOMEM;
	m->buckets = calloc(n, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return -ENOMEM;
	}
	m->mask = n - 1;
	*out = m;
	return 0;
}

void lup_hashmap_free(struct lup_hashmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i <= m->mask; i++) {
		struct entry *e = m->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	free(m);
}

int lup_hashmap_add(struct lup_hashmap *m, const char *key, void *value)
{
	struct entry *e = malloc(sizeof(*e));
	size_t b = hash_str(key) & m->mask;

	if (!e)
		return -ENOMEM;
	e->key = key;
	e->value = value;
	e->next = m->buckets[b];
	m->buckets[b] = e;
	return 0;
}

void *lup_hashmap_next(const struct lup_hashmap *m, const char *key, void **it)
{
	struct entry *e = *it ? ((struct entry *)*it)->next : m->buckets[hash_str(key) & m->mask];

	for (; e; e = e->next) {
		if (strcmp(e->key, key) == 0) {
			*it = e;
			return e->value;
		}
	}
	*it = NULL;
	return NULL;
}
