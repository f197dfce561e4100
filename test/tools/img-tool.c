/*
 * Test helper over liblup's image code:
 *   img-tool roundtrip DIR               unpack + pack every image lup covers (and the
 *                                        pagemaps through lup_pagemap): bytes must match
 *   img-tool pages DIR PID ADDR LEN      dumped bytes (through parent links) to stdout
 *   img-tool mem DIR PID ADDR LEN [ROOT] the process's view of its memory to stdout
 *   img-tool parent-pagemap PARENT DIR PID
 *                                        writes DIR/pagemap-PID.img with every range of
 *                                        PARENT's in the parent, and an empty pages file
 * Exit statuses as the lup tools (3: bad image or parent link).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/dump.h"
#include "util/err.h"
#include "exit-status.h"
#include "images/img.h"
#include "images/mem.h"
#include "images/pagemap.h"
#include "images/pages.h"

#define MAX_IMG (64u << 20)

static int slurp(int dirfd, const char *name, uint8_t **buf, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	*buf = malloc(MAX_IMG);
	n = *buf ? read(fd, *buf, MAX_IMG) : -1;
	close(fd);
	if (n < 0)
		return -EIO;
	*len = n;
	return 0;
}

/* The kind of an image file name and its id, or -1 when lup does not cover it. */
static int kind_of(const char *name, int *id)
{
	const char *dash = strchr(name, '-');
	char buf[64];
	int k;

	*id = dash ? atoi(dash + 1) : 0;
	for (k = 0; k < LUP_IMG__NR; k++) {
		snprintf(buf, sizeof(buf), lup_img_desc(k)->name_fmt, *id);
		if (!strcmp(name, buf))
			return k;
	}
	return -1;
}

static int compare(const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0;

	while (i < alen && i < blen && a[i] == b[i])
		i++;
	if (i == alen && i == blen)
		return 0;
	printf("DIFF %s: %zu vs %zu bytes, first difference at %zu\n", what, alen, blen, i);
	return -1;
}

/* lup_pagemap_read + lup_pagemap_write into a scratch directory must give the same bytes. */
static int pagemap_roundtrip(int dirfd, const char *dir, int pid, const uint8_t *orig, size_t len)
{
	char tmp[] = "/tmp/img-tool.XXXXXX", name[64];
	struct lup_pagemap *pm;
	uint8_t *buf;
	size_t blen;
	int tfd, ret;

	if (!mkdtemp(tmp) || (tfd = open(tmp, O_RDONLY | O_DIRECTORY)) < 0)
		return -errno;
	ret = lup_pagemap_read(dirfd, dir, pid, &pm);
	if (!ret)
		ret = lup_pagemap_write(tfd, tmp, pid, pm);
	snprintf(name, sizeof(name), "pagemap-%d.img", pid);
	if (!ret && !(ret = slurp(tfd, name, &buf, &blen))) {
		ret = compare("lup_pagemap", orig, len, buf, blen);
		free(buf);
	}
	if (!ret)
		lup_pagemap_free(pm);
	unlinkat(tfd, name, 0);
	close(tfd);
	rmdir(tmp);
	return ret;
}

static int roundtrip_one(int dirfd, const char *dir, const char *name)
{
	uint8_t *orig, *packed;
	size_t olen, plen;
	struct lup_img *img;
	int id, kind = kind_of(name, &id), ret;

	if (kind < 0)
		return 0;
	ret = slurp(dirfd, name, &orig, &olen);
	if (!ret)
		ret = lup_img_parse(orig, olen, name, kind, &img);
	if (ret)
		return ret;
	ret = lup_img_pack(img, &packed, &plen);
	if (!ret) {
		ret = compare(name, orig, olen, packed, plen);
		free(packed);
	}
	if (!ret && kind == LUP_IMG_PAGEMAP)
		ret = pagemap_roundtrip(dirfd, dir, id, orig, olen);
	if (!ret)
		printf("ok %s (%zu records)\n", name, img->nr_recs);
	lup_img_free(img);
	free(orig);
	return ret;
}

static int cmd_roundtrip(const char *dir)
{
	struct dirent **ents;
	int n, i, ret = 0, dirfd = open(dir, O_RDONLY | O_DIRECTORY);

	n = dirfd < 0 ? -1 : scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		perror(dir);
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = roundtrip_one(dirfd, dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	close(dirfd);
	return ret;
}

static int cmd_pages(const char *dir, int pid, uint64_t addr, size_t len)
{
	struct lup_pages *p;
	char *buf = malloc(len ? len : 1);
	int ret = buf ? lup_pages_open(dir, pid, &p) : -ENOMEM;

	if (!ret) {
		ret = lup_pages_read(p, addr, buf, len);
		lup_pages_close(p);
	}
	if (!ret)
		fwrite(buf, 1, len, stdout);
	free(buf);
	return ret;
}

static int cmd_mem(const char *dir, int pid, uint64_t addr, size_t len, const char *root)
{
	struct lup_dump *d;
	struct lup_mem *m;
	char *buf = malloc(len ? len : 1);
	size_t i;
	int ret = buf ? lup_dump_open(dir, &d) : -ENOMEM;

	if (ret)
		goto out;
	for (i = 0; i < d->nr_procs && d->procs[i].pid != pid; i++)
		;
	ret = i == d->nr_procs ? -ESRCH : lup_mem_open(d, &d->procs[i], root, &m);
	if (!ret) {
		ret = lup_mem_read(m, addr, buf, len);
		lup_mem_close(m);
	}
	lup_dump_close(d);
	if (!ret)
		fwrite(buf, 1, len, stdout);
out:
	free(buf);
	return ret;
}

static int cmd_parent_pagemap(const char *parent, const char *dir, int pid)
{
	int pfd = open(parent, O_RDONLY | O_DIRECTORY), dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct lup_pagemap *pm;
	char name[64];
	size_t i;
	int ret;

	if (pfd < 0 || dfd < 0)
		return -errno;
	ret = lup_pagemap_read(pfd, parent, pid, &pm);
	if (ret)
		return ret;
	for (i = 0; i < pm->nr; i++)
		pm->e[i].flags = LUP_PE_PARENT;
	ret = lup_pagemap_write(dfd, dir, pid, pm);
	snprintf(name, sizeof(name), "pages-%u.img", pm->pages_id);
	unlinkat(dfd, name, 0);
	if (!ret && (ret = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0)
		ret = close(ret);
	lup_pagemap_free(pm);
	return ret < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	int ret = -EINVAL;

	if (argc == 3 && !strcmp(argv[1], "roundtrip"))
		ret = cmd_roundtrip(argv[2]);
	else if (argc == 6 && !strcmp(argv[1], "pages"))
		ret = cmd_pages(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0), atol(argv[5]));
	else if ((argc == 6 || argc == 7) && !strcmp(argv[1], "mem"))
		ret = cmd_mem(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0), atol(argv[5]),
			      argc == 7 ? argv[6] : NULL);
	else if (argc == 5 && !strcmp(argv[1], "parent-pagemap"))
		ret = cmd_parent_pagemap(argv[2], argv[3], atoi(argv[4]));
	else
		fprintf(stderr, "usage: see the comment on top of test/tools/img-tool.c\n");
	if (ret && ret != -EINVAL)
		fprintf(stderr, "img-tool %s: %s\n", argv[1], lup_strerror(ret));
	return ret == -EINVAL ? LUP_EXIT_USAGE : lup_exit_status(ret);
}
