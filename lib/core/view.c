/* The process view: building it (for producers) and the lookups the core makes in it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/view.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"

int lup_view_init(struct lup_view *v, pid_t pid, const struct lup_view_ops *ops, void *priv)
{
	memset(v, 0, sizeof(*v));
	v->pid = pid;
	v->exe = -1;
	v->ops = ops;
	v->priv = priv;
	snprintf(v->who, sizeof(v->who), "process %d", (int)pid);
	return 0;
}

int lup_view_add_map(struct lup_view *v, const struct lup_view_map *m)
{
	if (m->end <= m->start || (v->nr_maps && m->start < v->maps[v->nr_maps - 1].end)) {
		pr_err("%s: VMA %#" PRIx64 "-%#" PRIx64 " empty or out of order", v->who, m->start,
		       m->end);
		return -LUP_EBADIMG;
	}
	return LUP_ARRAY_PUSH(v->maps, v->nr_maps, *m);
}

int lup_view_add_file(struct lup_view *v, const char *path, size_t *idx)
{
	char *copy = strdup(path);
	int ret = copy ? LUP_ARRAY_PUSH(v->files, v->nr_files, (struct lup_view_file){ copy })
		       : -ENOMEM;

	if (ret)
		free(copy);
	*idx = v->nr_files - 1;
	return ret;
}

int lup_view_add_thread(struct lup_view *v, const struct lup_view_thread *t)
{
	return LUP_ARRAY_PUSH(v->threads, v->nr_threads, *t);
}

void lup_view_free(struct lup_view *v)
{
	if (v->ops && v->ops->release)
		v->ops->release(v);
	for (size_t i = 0; i < v->nr_files; i++)
		free(v->files[i].path);
	free(v->files);
	free(v->maps);
	free(v->threads);
	*v = (struct lup_view){ 0 };
}

const struct lup_view_map *lup_view_find(const struct lup_view *v, uint64_t addr)
{
	size_t lo = 0, hi = v->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < v->maps[mid].start)
			hi = mid;
		else if (addr >= v->maps[mid].end)
			lo = mid + 1;
		else
			return &v->maps[mid];
	}
	return NULL;
}

const struct lup_view_map *lup_view_file_head(const struct lup_view *v, const struct lup_view_map *m)
{
	/* Segments of one file are mapped upwards from its header: search down from m. */
	for (size_t i = (size_t)(m - v->maps) + 1; m->file >= 0 && i-- > 0;)
		if (v->maps[i].file == m->file && v->maps[i].pgoff == 0)
			return &v->maps[i];
	return NULL;
}

const char *lup_view_path_at(const struct lup_view *v, uint64_t addr)
{
	const struct lup_view_map *m = lup_view_find(v, addr);

	return m && m->file >= 0 ? v->files[m->file].path : NULL;
}

bool lup_view_file_has_build_id(struct lup_view *v, size_t file, const uint8_t *id, size_t len)
{
	const uint8_t *got;
	size_t got_len, i;

	if (!len || v->ops->build_id(v, file, &got, &got_len) || got_len < len ||
	    got_len > ((len + 3) & ~3ul) || memcmp(got, id, len))
		return false;
	for (i = len; i < got_len; i++)
		if (got[i])
			return false;
	return true;
}
