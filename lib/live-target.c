/*
 * The check made before freezing anything: some process of the tree maps each patch's
 * target (matched by the build-id of the mapped files, read through /proc/PID/map_files)
 * and still holds, in its live memory, the original bytes at each entry to replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "elf-file.h"
#include "err.h"
#include "live-priv.h"
#include "log.h"
#include "record-chain.h"

/* What a mapped file is, read once per (device, inode) for the whole tree. */
struct mapped_file {
	unsigned long dev;
	unsigned long ino;
	bool elf;			/* an ELF file with a build-id */
	bool dyn;
	uint64_t load_base;
	uint8_t *build_id;
	size_t id_len;
};

struct file_cache {
	size_t nr;
	struct mapped_file *f;
};

/* Per patch: what the processes showed. */
struct patch_seen {
	bool mapped, original;
	pid_t pid;			/* the first process that maps it without the original bytes */
	const char *func;
	uint64_t addr;
};

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
static int probe_file(const char *path, struct mapped_file *f)
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

/* The cached entry of a file mapped at start..end in pid, probed on first sight. */
static int cache_get(struct file_cache *c, pid_t pid, const char *range, const char *maps_path,
		     unsigned long dev, unsigned long ino, struct mapped_file **out)
{
	char path[96];
	struct mapped_file *f;
	size_t i;
	int ret;

	for (i = 0; i < c->nr; i++)
		if (c->f[i].dev == dev && c->f[i].ino == ino) {
			*out = &c->f[i];
			return 0;
		}
	f = realloc(c->f, (c->nr + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->f = f;
	f = &c->f[c->nr++];
	*f = (struct mapped_file){ .dev = dev, .ino = ino };
	/* map_files opens the very file mapped, even when it was replaced or deleted. */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%s", (int)pid, range);
	ret = probe_file(access(path, R_OK) == 0 ? path : maps_path, f);
	*out = f;
	return ret;
}

static void cache_free(struct file_cache *c)
{
	for (size_t i = 0; i < c->nr; i++)
		free(c->f[i].build_id);
	free(c->f);
}

/* Entries that differ: p may still go on top of recorded patches (the stacking rule). */
static bool stacks(pid_t pid, const LupPatch *p, uint64_t bias)
{
	uint8_t saved[LUP_JMP_SIZE];
	struct lup_space *s = NULL;
	struct lup_chain *c = NULL;
	const char *below;
	int ret = lup_space_live(pid, &s);

	if (!ret)
		ret = lup_chain_open(s, &c);
	if (!ret)
		ret = lup_chain_check_patch(c, p);
	for (size_t i = 0; !ret && i < p->n_funcs; i++)
		ret = lup_chain_check_func(c, p, p->funcs[i], bias + p->funcs[i]->target_value,
					   saved, &below);
	lup_chain_free(c);
	lup_space_free(s);
	return !ret;
}

/* Whether each replaced entry still holds the bytes the patch was built against. */
static void check_entries(int mem, pid_t pid, const LupPatch *p, uint64_t bias,
			  struct patch_seen *s)
{
	uint8_t buf[64];

	for (size_t i = 0; i < p->n_funcs; i++) {
		const LupFunc *fn = p->funcs[i];
		uint64_t addr = bias + fn->target_value;
		size_t len = fn->orig_bytes.len;

		if (len <= sizeof(buf) && pread(mem, buf, len, (off_t)addr) == (ssize_t)len &&
		    memcmp(buf, fn->orig_bytes.data, len) == 0)
			continue;
		if (stacks(pid, p, bias))
			break;
		if (!s->pid) {
			s->pid = pid;
			s->func = fn->name;
			s->addr = addr;
		}
		return;
	}
	s->original = true;
}

/* A file mapped by pid (first mapping, at start): is it the target of some patch? */
static void match_patches(int mem, pid_t pid, uint64_t start, const struct mapped_file *f,
			  LupPatch *const *patches, size_t nr, struct patch_seen *seen)
{
	for (size_t k = 0; k < nr; k++) {
		const LupPatch *p = patches[k];

		if (p->target_build_id.len != f->id_len ||
		    memcmp(p->target_build_id.data, f->build_id, f->id_len))
			continue;
		seen[k].mapped = true;
		check_entries(mem, pid, p, f->dyn ? start - f->load_base : 0, &seen[k]);
	}
}

/* One line of /proc/PID/maps: files are matched at their mapping of file offset 0. */
static int check_maps_line(const char *line, int mem, pid_t pid, struct file_cache *c,
			   LupPatch *const *patches, size_t nr, struct patch_seen *seen)
{
	unsigned long start, end, off, dev_maj, dev_min, ino;
	struct mapped_file *f;
	char range[40];
	int pos = 0, ret;

	if (sscanf(line, "%lx-%lx %*s %lx %lx:%lx %lu %n", &start, &end, &off, &dev_maj,
		   &dev_min, &ino, &pos) < 6 || off || !ino || line[pos] != '/')
		return 0;
	snprintf(range, sizeof(range), "%lx-%lx", start, end);
	ret = cache_get(c, pid, range, line + pos, dev_maj << 20 | dev_min, ino, &f);
	if (!ret && f->elf)
		match_patches(mem, pid, start, f, patches, nr, seen);
	return ret;
}

/* Opens /proc/PID/NAME; a process of the tree other than its root may just have ended. */
static int open_proc(pid_t pid, const char *name, bool root, int *fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd >= 0 || (errno == ENOENT && !root))
		return 0;
	pr_err("process %d: cannot read %s: %s", (int)pid, path, strerror(errno));
	return -errno;
}

static int check_proc(pid_t pid, bool root, struct file_cache *c, LupPatch *const *patches,
		      size_t nr, struct patch_seen *seen)
{
	int mapsfd, mem = -1, ret;
	char *line = NULL;
	size_t cap = 0;
	FILE *maps;
	ssize_t n;

	ret = open_proc(pid, "maps", root, &mapsfd);
	if (ret || mapsfd < 0)
		return ret;
	maps = fdopen(mapsfd, "r");
	if (!maps) {
		close(mapsfd);
		return -ENOMEM;
	}
	ret = open_proc(pid, "mem", root, &mem);
	while (!ret && mem >= 0 && (n = getline(&line, &cap, maps)) > 0) {
		line[n - 1] = line[n - 1] == '\n' ? '\0' : line[n - 1];
		ret = check_maps_line(line, mem, pid, c, patches, nr, seen);
	}
	free(line);
	fclose(maps);
	if (mem >= 0)
		close(mem);
	return ret;
}

static int report(const struct lup_live_tree *t, LupPatch *const *patches, size_t nr,
		  const struct patch_seen *seen)
{
	int ret = 0;

	for (size_t k = 0; k < nr; k++) {
		const LupPatch *p = patches[k];

		if (!seen[k].mapped)
			pr_err("patch %s: no process of tree %d maps its target %s (this build-id)",
			       p->id, (int)t->pids[0], p->target_name);
		else if (!seen[k].original)
			pr_err("patch %s: process %d: %s at %#" PRIx64 " does not hold the bytes the patch replaces (already patched, or another build of %s)",
			       p->id, (int)seen[k].pid, seen[k].func, seen[k].addr, p->target_name);
		else
			continue;
		ret = -LUP_ENOTAPPLIC;
	}
	return ret;
}

int lup_live_check_targets(const struct lup_live_tree *t, LupPatch *const *patches, size_t nr)
{
	struct patch_seen *seen = calloc(nr ? nr : 1, sizeof(*seen));
	struct file_cache cache = { 0 };
	int ret = 0;

	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < t->nr; i++)
		ret = check_proc(t->pids[i], i == 0, &cache, patches, nr, seen);
	if (!ret)
		ret = report(t, patches, nr, seen);
	cache_free(&cache);
	free(seen);
	return ret;
}
