/*
 * CRIU image framing: magics, then records of u32 little-endian length + protobuf
 * message until EOF. Images are untrusted: every length is checked against the file.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "images/img.h"
#include "util/log.h"

#define IMG_MAX_SIZE (1u << 30)	/* metadata images are small; refuse absurd files */

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

/* The file name of kind for id (id is ignored by kinds without %d). */
static void img_name(const struct lup_img_desc *desc, int id, char *buf, size_t size)
{
	snprintf(buf, size, desc->name_fmt, id);
}

static size_t magic_size(enum lup_img_kind kind)
{
	return kind == LUP_IMG_INVENTORY ? 4 : 8;
}

static int check_magic(const uint8_t *buf, size_t len, const char *name, enum lup_img_kind kind)
{
	const struct lup_img_desc *desc = lup_img_desc(kind);
	size_t msz = magic_size(kind);

	if (len < msz) {
		pr_err("%s: truncated: %zu bytes, shorter than its magic", name, len);
		return -LUP_EBADIMG;
	}
	if (msz == 8 && get_u32(buf) != LUP_IMG_COMMON_MAGIC) {
		pr_err("%s: wrong magic 0x%08x, not a CRIU image", name, get_u32(buf));
		return -LUP_EBADIMG;
	}
	if (get_u32(buf + msz - 4) != desc->magic) {
		pr_err("%s: wrong magic 0x%08x, expected 0x%08x", name, get_u32(buf + msz - 4),
		       desc->magic);
		return -LUP_EBADIMG;
	}
	return 0;
}

static int add_rec(struct lup_img *img, ProtobufCMessage *msg)
{
	if ((img->nr_recs & (img->nr_recs - 1)) == 0) {
		size_t cap = img->nr_recs ? img->nr_recs * 2 : 1;
		ProtobufCMessage **recs = realloc(img->recs, cap * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		img->recs = recs;
	}
	img->recs[img->nr_recs++] = msg;
	return 0;
}

static const ProtobufCMessageDescriptor *rec_desc(enum lup_img_kind kind, size_t idx)
{
	const struct lup_img_desc *desc = lup_img_desc(kind);

	return idx == 0 && desc->head ? desc->head : desc->entry;
}

/* Unpacks every record after the magic. */
static int parse_recs(const uint8_t *buf, size_t len, struct lup_img *img)
{
	size_t off = magic_size(img->kind);

	while (off < len) {
		const ProtobufCMessageDescriptor *md = rec_desc(img->kind, img->nr_recs);
		ProtobufCMessage *msg;
		uint32_t rlen;

		if (len - off < 4) {
			pr_err("%s: truncated record %zu: %zu bytes left for a 4-byte length",
			       img->path, img->nr_recs, len - off);
			return -LUP_EBADIMG;
		}
		rlen = get_u32(buf + off);
		off += 4;
		if (rlen > len - off) {
			pr_err("%s: record %zu: length %u past the end of the file (%zu bytes left)",
			       img->path, img->nr_recs, rlen, len - off);
			return -LUP_EBADIMG;
		}
		msg = protobuf_c_message_unpack(md, NULL, rlen, buf + off);
		if (!msg) {
			pr_err("%s: record %zu at offset %zu does not unpack as %s", img->path,
			       img->nr_recs, off - 4, md->name);
			return -LUP_EBADIMG;
		}
		if (add_rec(img, msg)) {
			protobuf_c_message_free_unpacked(msg, NULL);
			return -ENOMEM;
		}
		off += rlen;
	}
	return 0;
}

int lup_img_parse(const void *buf, size_t len, const char *name, enum lup_img_kind kind,
		  struct lup_img **out)
{
	struct lup_img *img;
	int ret;

	if (!lup_img_desc(kind))
		return -EINVAL;
	ret = check_magic(buf, len, name, kind);
	if (ret)
		return ret;
	img = calloc(1, sizeof(*img));
	if (!img || !(img->path = strdup(name))) {
		free(img);
		return -ENOMEM;
	}
	img->kind = kind;
	ret = parse_recs(buf, len, img);
	if (ret) {
		lup_img_free(img);
		return ret;
	}
	*out = img;
	return 0;
}

/* Reads a whole regular file opened as fd into a malloc'ed buffer. */
static int read_whole(int fd, const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t off = 0;

	if (fstat(fd, &st)) {
		pr_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IMG_MAX_SIZE) {
		pr_err("%s: not a regular file of at most %u bytes", path, IMG_MAX_SIZE);
		return -LUP_EBADIMG;
	}
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf)
		return -ENOMEM;
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + off, st.st_size - off);

		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			pr_err("%s: read: %s", path, strerror(err));
			free(*buf);
			return -err;
		}
		off += n;
	}
	*len = off;
	return 0;
}

int lup_img_read(int dirfd, const char *dir, enum lup_img_kind kind, int id, struct lup_img **out)
{
	const struct lup_img_desc *desc = lup_img_desc(kind);
	char name[64], path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret;

	if (!desc)
		return -EINVAL;
	img_name(desc, id, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			pr_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	ret = read_whole(fd, path, &buf, &len);
	close(fd);
	if (ret)
		return ret;
	ret = lup_img_parse(buf, len, path, kind, out);
	free(buf);
	return ret;
}

int lup_img_pack(const struct lup_img *img, uint8_t **buf, size_t *len)
{
	size_t msz = magic_size(img->kind), total = msz, off = msz, i;
	uint8_t *p;

	for (i = 0; i < img->nr_recs; i++) {
		size_t n = protobuf_c_message_get_packed_size(img->recs[i]);

		if (n > UINT32_MAX)
			return -EOVERFLOW;
		total += 4 + n;
	}
	p = malloc(total);
	if (!p)
		return -ENOMEM;
	if (msz == 8)
		put_u32(p, LUP_IMG_COMMON_MAGIC);
	put_u32(p + msz - 4, lup_img_desc(img->kind)->magic);
	for (i = 0; i < img->nr_recs; i++) {
		size_t n = protobuf_c_message_pack(img->recs[i], p + off + 4);

		put_u32(p + off, n);
		off += 4 + n;
	}
	*buf = p;
	*len = total;
	return 0;
}

/* Writes buf to dir/name through a temporary file renamed over it. */
static int write_replace(int dirfd, const char *path, const char *name, const uint8_t *buf,
			 size_t len)
{
	char tmp[96];
	size_t off = 0;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), ".%s.lup-tmp.%d", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("%s: create temporary file: %s", path, strerror(errno));
		return -errno;
	}
	while (off < len && !err) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0)
			err = errno;
		else
			off += n;
	}
	if (close(fd) && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name))
		err = errno;
	if (err) {
		pr_err("%s: write: %s", path, strerror(err));
		unlinkat(dirfd, tmp, 0);
	}
	return -err;
}

int lup_img_write(int dirfd, const char *dir, const struct lup_img *img, int id)
{
	char name[64], path[4096];
	uint8_t *buf;
	size_t len;
	int ret;

	img_name(lup_img_desc(img->kind), id, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = lup_img_pack(img, &buf, &len);
	if (ret) {
		pr_err("%s: pack: %s", path, lup_strerror(ret));
		return ret;
	}
	ret = write_replace(dirfd, path, name, buf, len);
	free(buf);
	return ret;
}

void lup_img_free(struct lup_img *img)
{
	size_t i;

	if (!img)
		return;
	for (i = 0; i < img->nr_recs; i++)
		protobuf_c_message_free_unpacked(img->recs[i], NULL);
	free(img->recs);
	free(img->path);
	free(img);
}
