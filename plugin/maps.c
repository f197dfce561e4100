/*
 * Where a live process maps a patch's target: /proc/PID/maps, each mapped file's build-id
 * read through /proc/PID/map_files (which also reaches files inside containers), cached
 * per device and inode for the whole dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf-file.h"
#include "err.h"
#include "log.h"
#include "plugin.h"

struct live_map {
	uint64_t start, end, off;
	unsigned int dev_major, dev_minor;
	uint64_t ino;
};

/* What the plugin knows of one mapped file; build_id_len 0 when it is not a usable ELF. */
struct file_info {
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	uint8_t build_id[64];
	size_t build_id_len;
	int dyn;
	uint64_t load_base;
	struct file_info *next;
};

struct lup_live_maps {
	pid_t pid;
	size_t nr;
	struct live_map *maps;
};

static struct file_info *file_cache;

void lup_live_maps_drop_cache(void)
{
	while (file_cache) {
		struct file_info *f = file_cache;

		file_cache = f->next;
		free(f);
	}
}

static int add_map(struct lup_live_maps *m, const struct live_map *lm, size_t *cap)
{
	if (m->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct live_map *a = realloc(m->maps, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		m->maps = a;
		*cap = n;
	}
	m->maps[m->nr++] = *lm;
	return 0;
}

/* Keeps the file-backed lines of /proc/PID/maps. */
static int read_maps(struct lup_live_maps *m, FILE *f)
{
	char line[4096];
	size_t cap = 0;
	int ret = 0;

	while (!ret && fgets(line, sizeof(line), f)) {
		struct live_map lm;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %x:%x %" SCNu64,
			   &lm.start, &lm.end, &lm.off, &lm.dev_major, &lm.dev_minor, &lm.ino) != 6)
			continue;
		if (lm.ino)
			ret = add_map(m, &lm, &cap);
	}
	return ret;
}

int lup_live_maps_open(pid_t pid, struct lup_live_maps **out)
{
	struct lup_live_maps *m;
	char path[64];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		return ret;
	}
	m = calloc(1, sizeof(*m));
	ret = m ? read_maps(m, f) : -ENOMEM;
	fclose(f);
	if (ret < 0) {
		lup_live_maps_close(m);
		return ret;
	}
	m->pid = pid;
	*out = m;
	return 0;
}

void lup_live_maps_close(struct lup_live_maps *m)
{
	if (!m)
		return;
	free(m->maps);
	free(m);
}

/* Non-ELF mappings (locale archives, data files) are skipped without a message. */
static int has_elf_magic(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, magic, sizeof(magic), 0);
	close(fd);
	return n == 4 && !memcmp(magic, "\177ELF", 4);
}

static void read_file_info(pid_t pid, const struct live_map *lm, struct file_info *fi)
{
	const uint8_t *id;
	struct lup_elf *e;
	char path[96];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, lm->start, lm->end);
	if (!has_elf_magic(path) || lup_elf_open(path, &e) < 0)
		return;
	if (!lup_elf_build_id(e, &id, &len) && len <= sizeof(fi->build_id)) {
		memcpy(fi->build_id, id, len);
		fi->build_id_len = len;
		fi->dyn = lup_elf_is_dyn(e);
		fi->load_base = lup_elf_load_base(e);
	}
	lup_elf_close(e);
}

static struct file_info *file_info(pid_t pid, const struct live_map *lm)
{
	struct file_info *fi;

	for (fi = file_cache; fi; fi = fi->next)
		if (fi->ino == lm->ino && fi->dev_major == lm->dev_major && fi->dev_minor == lm->dev_minor)
			return fi;
	fi = calloc(1, sizeof(*fi));
	if (!fi)
		return NULL;
	fi->dev_major = lm->dev_major;
	fi->dev_minor = lm->dev_minor;
	fi->ino = lm->ino;
	read_file_info(pid, lm, fi);
	fi->next = file_cache;
	file_cache = fi;
	return fi;
}

static int same_file(const struct live_map *a, const struct live_map *b)
{
	return a->ino == b->ino && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

/*
 * The bias is where the file's offset 0 is mapped minus its lowest PT_LOAD address
 * (0 for a fixed-address executable). Only the first mapping of each file is examined.
 */
int lup_live_maps_bias(struct lup_live_maps *m, const LupPatch *p, uint64_t *bias)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		const struct live_map *lm = &m->maps[i];
		struct file_info *fi;

		if (lm->off != 0 || (i && same_file(&m->maps[i - 1], lm)))
			continue;
		fi = file_info(m->pid, lm);
		if (!fi)
			return -ENOMEM;
		if (!fi->build_id_len || fi->build_id_len != p->target_build_id.len ||
		    memcmp(fi->build_id, p->target_build_id.data, fi->build_id_len))
			continue;
		*bias = fi->dyn ? lm->start - fi->load_base : 0;
		return 0;
	}
	return -ENOENT;
}
