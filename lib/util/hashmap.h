/* A fixed-size string multimap (FNV-1a, chained) for symbol lookup by name. */
#ifndef LUP_HASHMAP_H
#define LUP_HASHMAP_H

#include <stddef.h>

struct lup_hashmap;

/* nr_hint: expected number of entries; the table never grows, chains just get longer. */
int lup_hashmap_new(size_t nr_hint, struct lup_hashmap **out);
void lup_hashmap_free(struct lup_hashmap *m);
/* Adds key -> value; key is not copied and must outlive the map. Duplicates are kept. */
int lup_hashmap_add(struct lup_hashmap *m, const char *key, void *value);
/*
 * Iterates the values stored under key, most recent first: start with *it = NULL;
 * returns NULL after the last one.
 */
void *lup_hashmap_next(const struct lup_hashmap *m, const char *key, void **it);

#endif
