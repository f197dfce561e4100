/* Building a plan, and reading a process's memory as the plan will leave it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "core/view.h"
#include "util/array.h"

int lup_plan_add_map(struct lup_plan *p, uint64_t start, uint64_t end, unsigned prot,
		     uint8_t *data, size_t len)
{
	int ret = LUP_ARRAY_PUSH(p->maps, p->nr_maps,
				 (struct lup_plan_map){ start, end, prot, data, len });

	if (ret)
		free(data);
	return ret;
}

int lup_plan_add_write(struct lup_plan *p, uint64_t addr, uint8_t *data, size_t len)
{
	int ret = LUP_ARRAY_PUSH(p->writes, p->nr_writes, (struct lup_plan_write){ addr, data, len });

	if (ret)
		free(data);
	return ret;
}

int lup_plan_add_write_copy(struct lup_plan *p, uint64_t addr, const void *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	return lup_plan_add_write(p, addr, copy, len);
}

int lup_plan_add_call(struct lup_plan *p, uint64_t addr)
{
	return LUP_ARRAY_PUSH(p->calls, p->nr_calls, (struct lup_plan_call){ addr });
}

void lup_plan_free(struct lup_plan *p)
{
	size_t i;

	for (i = 0; i < p->nr_maps; i++)
		free(p->maps[i].data);
	for (i = 0; i < p->nr_writes; i++)
		free(p->writes[i].data);
	free(p->maps);
	free(p->calls);
	free(p->writes);
	*p = (struct lup_plan){ 0 };
}

static const struct lup_plan_map *map_holding(const struct lup_plan *p, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < p->nr_maps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end &&
		    len <= p->maps[i].end - addr)
			return &p->maps[i];
	return NULL;
}

/* Copies what of w lies in [addr, addr + len) into buf. */
static void overlay(const struct lup_plan_write *w, uint64_t addr, uint8_t *buf, size_t len)
{
	uint64_t lo = w->addr > addr ? w->addr : addr;
	uint64_t hi = w->addr + w->len < addr + len ? w->addr + w->len : addr + len;

	if (lo < hi)
		memcpy(buf + (lo - addr), w->data + (lo - w->addr), hi - lo);
}

int lup_plan_read(const struct lup_plan *p, struct lup_view *v, uint64_t addr, void *buf,
		  size_t len)
{
	const struct lup_plan_map *m = map_holding(p, addr, len);
	int ret;

	if (m) {
		uint64_t off = addr - m->start;

		memset(buf, 0, len);
		if (off < m->len)
			memcpy(buf, m->data + off, len < m->len - off ? len : m->len - off);
	} else {
		ret = lup_view_read(v, addr, buf, len);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < p->nr_writes; i++)
		overlay(&p->writes[i], addr, buf, len);
	return 0;
}
