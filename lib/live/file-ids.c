/*
 * What the files a live process maps are: the build-id of each, read once per (device,
 * inode) through /proc/PID/map_files, which opens the very file mapped (also inside a
 * container, or when it was replaced on disk), and kept across the processes of a tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elf-file.h"
#include "live/file-ids.h"

/* What a mapped file is; elf false for anything without a build-id. */
struct file_id {
	unsigned long dev, ino;
	bool elf;
	uint8_t *build_id;
	size_t id_len;
};

struct lup_file_ids {
	size_t nr;
	struct file_id *f;
};

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
	}
	lup_elf_close(e);
	return 0;
}

void lup_map_file_path(pid_t pid, const struct lup_proc_map *m, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start, m->end);
	/* map_files needs CAP_SYS_ADMIN; the path in maps does for a file still on disk */
	if (access(buf, R_OK) && m->name && m->name[0] == '/')
		snprintf(buf, size, "%s", m->name);
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
	lup_map_file_path(pid, lm, path, sizeof(path));
	ret = probe_file(path, f);
	*out = f;
	return ret;
}

int lup_file_ids_build_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
			  const uint8_t **id, size_t *len)
{
	struct file_id *f;
	int ret = file_id(c, pid, m, &f);

	if (ret)
		return ret;
	if (!f->elf)
		return -ENOENT;
	*id = f->build_id;
	*len = f->id_len;
	return 0;
}
