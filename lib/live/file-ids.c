/*
 * What the files live processes map are: each ELF file opened once per (device, inode)
 * and kept open for the processes of a tree, through /proc/PID/map_files (the very file
 * mapped, also inside a container or when it was replaced on disk) or through a path
 * under the process's root. Its build-id, type and symbols are read once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/elf-file.h"
#include "live/file-ids.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "util/root-path.h"

/* One file; elf NULL for anything that is not an ELF file lup can read. */
struct file_id {
	unsigned long dev, ino;		/* as /proc/PID/maps encodes them */
	struct lup_elf *elf;
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
		lup_elf_close(c->f[i].elf);
	free(c->f);
	free(c);
}

static struct file_id *find(const struct lup_file_ids *c, unsigned long dev, unsigned long ino)
{
	for (size_t i = 0; i < c->nr; i++)
		if (c->f[i].dev == dev && c->f[i].ino == ino)
			return &c->f[i];
	return NULL;
}

/* Non-ELF files (locale archives, data files) are skipped without a message. */
static bool is_elf_fd(int fd)
{
	char magic[4];

	return pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

/* Adds the file open on fd (taken over) as (dev, ino); name names it in messages. */
static int add(struct lup_file_ids *c, unsigned long dev, unsigned long ino, int fd,
	       const char *name, struct file_id **out)
{
	struct file_id f = { .dev = dev, .ino = ino };
	int ret = 0;

	if (is_elf_fd(fd) && lup_elf_open_fd(fd, name, &f.elf))
		f.elf = NULL;	/* reported; not a file lup can patch or bind to */
	else if (!f.elf)
		close(fd);
	ret = LUP_ARRAY_PUSH(c->f, c->nr, f);
	if (ret) {
		lup_elf_close(f.elf);
		return ret;
	}
	*out = &c->f[c->nr - 1];
	return 0;
}

/* Where to open the very file m maps: /proc/PID/map_files/START-END, else its path. */
static void map_file_path(pid_t pid, const struct lup_proc_map *m, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start, m->end);
	/* map_files needs CAP_SYS_ADMIN; the path in maps does for a file still on disk */
	if (access(buf, R_OK) && m->name && m->name[0] == '/')
		snprintf(buf, size, "%s", m->name);
}

/* The entry of the file of mapping m of pid, opened on first sight. */
static int file_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
		   struct file_id **out)
{
	char path[PATH_MAX];
	int fd, ret;

	*out = find(c, m->dev, m->ino);
	if (*out)
		return 0;
	map_file_path(pid, m, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return add(c, m->dev, m->ino, fd, m->name && m->name[0] == '/' ? m->name : path, out);
	/* gone meanwhile, or not readable: known as no ELF file */
	ret = LUP_ARRAY_PUSH(c->f, c->nr, (struct file_id){ m->dev, m->ino, NULL });
	if (!ret)
		*out = &c->f[c->nr - 1];
	return ret;
}

int lup_file_ids_build_id(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
			  const uint8_t **id, size_t *len)
{
	struct file_id *f;
	int ret = file_id(c, pid, m, &f);

	if (ret)
		return ret;
	return f->elf ? lup_elf_build_id(f->elf, id, len) : -ENOENT;
}

int lup_file_ids_elf(struct lup_file_ids *c, pid_t pid, const struct lup_proc_map *m,
		     struct lup_elf **out)
{
	struct file_id *f;
	int ret = file_id(c, pid, m, &f);

	if (ret)
		return ret;
	if (!f->elf) {
		pr_err("process %d: %s: not an ELF file lup can read", (int)pid,
		       m->name ? m->name : "(unnamed mapping)");
		return -LUP_EBADELF;
	}
	*out = f->elf;
	return 0;
}

int lup_file_ids_elf_path(struct lup_file_ids *c, const char *root, const char *path,
			  struct lup_elf **out)
{
	int fd = lup_root_open(root, path);
	unsigned long dev, ino;
	struct file_id *f;
	struct stat st;
	char *name;
	int ret;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	dev = (unsigned long)major(st.st_dev) << 20 | minor(st.st_dev);
	ino = st.st_ino;
	f = find(c, dev, ino);
	if (f) {
		close(fd);
	} else {
		name = lup_root_join(root, path);
		ret = name ? add(c, dev, ino, fd, name, &f) : (close(fd), -ENOMEM);
		free(name);
		if (ret)
			return ret;
	}
	if (!f->elf) {
		pr_err("%s: not an ELF file lup can read", path);
		return -LUP_EBADELF;
	}
	*out = f->elf;
	return 0;
}
