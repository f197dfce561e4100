/* /proc/PID/maps read into a table, and the build-ids of the ELF files it maps. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf-file.h"
#include "log.h"
#include "proc-maps.h"

#define MAX_MAPS 1000000		/* far above the kernel's default vm.max_map_count */

/* What a mapped file is; elf false for anything without a build-id. */
struct file_id {
	unsigned long dev, ino;
	bool elf, dyn;
	uint64_t load_base;
	uint8_t *build_id;
	size_t id_len;
};

struct lup_file_ids {
	size_t nr;
	struct file_id *f;
};

/* "start-end perms offset major:minor inode [name]" */
static int parse_line(const char *line, struct lup_proc_map *m)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	int pos = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &off, &maj,
		   &min, &ino, &pos) < 7)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->off = off;
	m->dev = (unsigned long)maj << 20 | min;
	m->ino = ino;
	m->name = NULL;
	if (pos && line[pos] && !(m->name = strndup(line + pos, strcspn(line + pos, "\n"))))
		return -ENOMEM;
	return 0;
}

static int add_line(struct lup_proc_maps *m, const char *line, size_t *cap)
{
	struct lup_proc_map *n;

	if (m->nr == *cap) {
		if (m->nr == MAX_MAPS)
			return -E2BIG;
		*cap = *cap ? *cap * 2 : 64;
		n = realloc(m->m, *cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->m = n;
	}
	/* a line the format does not fit is skipped: it maps nothing lup looks for */
	switch (parse_line(line, &m->m[m->nr])) {
	case -ENOMEM:
		return -ENOMEM;
	case 0:
		if (m->m[m->nr].end > m->m[m->nr].start)
			m->nr++;
		else
			free(m->m[m->nr].name);
	}
	return 0;
}

int lup_proc_maps_read(pid_t pid, struct lup_proc_maps *out)
{
	char path[64], *line = NULL;
	size_t cap = 0, lcap = 0;
	int ret = 0;
	FILE *f;

	*out = (struct lup_proc_maps){ .pid = pid };
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && getline(&line, &lcap, f) > 0)
		ret = add_line(out, line, &cap);
	free(line);
	fclose(f);
	if (ret) {
		pr_err("%s: %s", path, strerror(-ret));
		lup_proc_maps_free(out);
	}
	return ret;
}

void lup_proc_maps_free(struct lup_proc_maps *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->m[i].name);
	free(m->m);
	*m = (struct lup_proc_maps){ 0 };
}

const struct lup_proc_map *lup_proc_maps_find(const struct lup_proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->m[mid].start)
			hi = mid;
		else if (addr >= m->m[mid].end)
			lo = mid + 1;
		else
			return &m->m[mid];
	}
	return NULL;
}

int lup_file_ids_new(struct lup_file_ids **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void lup_file_ids_free(struct lup_file_ids *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nr; i++)
		free(c->f[i].build_id);
	free(c->f);
	free(c);
}

/* Non-ELF mappings (locale archives, data files) are skipped without a message. */
static bool is_elf_file(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return ok;
}

/* Build-id, type and load base of an ELF file; f->elf stays false for anything else. */
static int probe_file(const char *path, struct file_id *f)
{
	struct lup_elf *e;
	const uint8_t *id;
	size_t len;

	if (!is_elf_file(path) || lup_elf_open(path, &e))
		return 0;
	if (lup_elf_build_id(e, &id, &len) == 0) {
		f->build_id = malloc(len);
		if (!f->build_id) {
			lup_elf_close(e);
			return -ENOMEM;
		}
		memcpy(f->build_id, id, len);
		f->id_len = len;
		f->elf = true;
		f->dyn = lup_elf_is_dyn(e);
		f->load_base = lup_elf_load_base(e);
	}
	lup_elf_close(e);
	return 0;
}

/* The cached entry of the file of mapping lm of pid, probed on first sight. */
static int file_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *lm,
		   struct file_id **out)
{
	char path[PATH_MAX];
	struct file_id *f;
	int ret;

	for (size_t i = 0; i < c->nr; i++)
		if (c->f[i].dev == lm->dev && c->f[i].ino == lm->ino) {
			*out = &c->f[i];
			return 0;
		}
	f = realloc(c->f, (c->nr + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->f = f;
	f = &c->f[c->nr++];
	*f = (struct file_id){ .dev = lm->dev, .ino = lm->ino };
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid,
		 lm->start, lm->end);
	/* map_files needs CAP_SYS_ADMIN; the path in maps does for a file still on disk */
	if (access(path, R_OK) && lm->name && lm->name[0] == '/')
		snprintf(path, sizeof(path), "%s", lm->name);
	ret = probe_file(path, f);
	*out = f;
	return ret;
}

int lup_proc_maps_bias(const struct lup_proc_maps *m, struct lup_file_ids *c, const uint8_t *id,
		       size_t len, uint64_t *bias)
{
	for (size_t i = 0; i < m->nr; i++) {
		const struct lup_proc_map *lm = &m->m[i];
		struct file_id *f;
		int ret;

		if (lm->off || !lm->ino)
			continue;
		ret = file_id(c, m->pid, lm, &f);
		if (ret)
			return ret;
		if (!f->elf || f->id_len != len || memcmp(f->build_id, id, len))
			continue;
		*bias = f->dyn ? lm->start - f->load_base : 0;
		return 0;
	}
	return -ENOENT;
}
