/*
 * Reading and writing lup patch files: u32 magic, u32 length, one lup_patch message, a
 * signature block or nothing (core/patch-sign.h), the seal (core/patch-seal.h) of all
 * that precedes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/le.h"
#include "util/log.h"
#include "core/patch.h"
#include "core/patch-seal.h"
#include "core/patch-sign.h"

#define HEADER_SIZE 8u

static int read_all(int fd, const char *path, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			pr_err("%s: read: %s", path, strerror(errno));
			return err;
		}
		if (n == 0) {
			pr_err("%s: truncated (file shrank while read)", path);
			return -LUP_EBADPATCH;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The whole file, refused before reading when larger than any valid patch can be.
 * O_NONBLOCK: a FIFO given as the patch would block the open until a writer comes; it,
 * a device or a directory is refused before anything is read.
 */
static int load_file(const char *path, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), ret;
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file", path);
		close(fd);
		return -LUP_EBADPATCH;
	}
	/* A segment's data is at most its mem_size: the message is about image_size. */
	if (st.st_size < HEADER_SIZE + LUP_PATCH_SEAL_SIZE ||
	    (uint64_t)st.st_size > LUP_PATCH_MAX_FILE) {
		pr_err("%s: bad patch size %lld bytes", path, (long long)st.st_size);
		close(fd);
		return -LUP_EBADPATCH;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len);
	ret = *buf ? read_all(fd, path, *buf, *len) : -ENOMEM;
	close(fd);
	if (ret)
		free(*buf);
	return ret;
}

/*
 * The header's magic and length match the file: the message's length in *msg_len, and
 * whether a signature block follows it in *signed_.
 */
static int check_header(const char *path, const uint8_t *buf, size_t len, uint32_t *msg_len,
			bool *signed_)
{
	uint32_t magic = lup_get_le32(buf);
	size_t rest = len - HEADER_SIZE - LUP_PATCH_SEAL_SIZE;

	if (magic == LUP_PATCH_MAGIC_V1) {
		pr_err("%s: a patch of format 1, without a digest: rebuild it with lup-mkpatch", path);
		return -LUP_EBADPATCH;
	}
	if (magic != LUP_PATCH_MAGIC) {
		pr_err("%s: not a lup patch (magic %#x)", path, magic);
		return -LUP_EBADPATCH;
	}
	*msg_len = lup_get_le32(buf + 4);
	*signed_ = *msg_len + (size_t)LUP_PATCH_SIG_SIZE == rest;
	if (*msg_len != rest && !*signed_) {
		pr_err("%s: message length %u but %zu bytes lie between the header and the digest",
		       path, *msg_len, rest);
		return -LUP_EBADPATCH;
	}
	return 0;
}

int lup_patch_decode(const void *msg, size_t len, const char *name, LupPatch **out)
{
	int ret;

	*out = lup_patch__unpack(NULL, len, msg);
	if (!*out) {
		pr_err("%s: garbled patch message", name);
		return -LUP_EBADPATCH;
	}
	ret = lup_patch_validate(*out, name);
	if (ret) {
		lup_patch_free(*out);
		*out = NULL;
	}
	return ret;
}

int lup_patch_parse(const void *buf, size_t len, const char *name, LupPatch **out)
{
	const uint8_t *bytes = buf;
	uint32_t msg_len;
	bool signed_;
	int ret;

	if (len < HEADER_SIZE + LUP_PATCH_SEAL_SIZE) {
		pr_err("%s: truncated: %zu bytes, not even a header and a digest", name, len);
		return -LUP_EBADPATCH;
	}
	ret = check_header(name, buf, len, &msg_len, &signed_);
	if (!ret)
		ret = lup_patch_check_seal(buf, len, name);
	if (!ret)
		ret = lup_patch_check_signature(name, bytes, HEADER_SIZE + msg_len,
						signed_ ? bytes + HEADER_SIZE + msg_len : NULL);
	if (ret)
		return ret;
	return lup_patch_decode((const uint8_t *)buf + HEADER_SIZE, msg_len, name, out);
}

int lup_patch_read_file(const char *path, LupPatch **out, struct lup_patch_bytes *bytes)
{
	int ret = load_file(path, &bytes->buf, &bytes->len);

	if (ret)
		return ret;
	ret = lup_patch_parse(bytes->buf, bytes->len, path, out);
	if (ret) {
		free(bytes->buf);
		bytes->buf = NULL;
	}
	return ret;
}

int lup_patch_read(const char *path, LupPatch **out)
{
	struct lup_patch_bytes bytes;
	int ret = lup_patch_read_file(path, out, &bytes);

	if (!ret)
		free(bytes.buf);
	return ret;
}

static int write_all(int fd, const char *path, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			pr_err("%s: write: %s", path, strerror(errno));
			return err;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serializes p with its header, its signature by key (unless NULL) and seal. */
static int pack(const LupPatch *p, struct evp_pkey_st *key, uint8_t **buf, size_t *len)
{
	size_t msg_len = lup_patch__get_packed_size(p), body = HEADER_SIZE + msg_len;
	size_t sig = key ? LUP_PATCH_SIG_SIZE : 0;
	int ret = 0;

	if (body + sig + LUP_PATCH_SEAL_SIZE > LUP_PATCH_MAX_FILE)
		return -EFBIG;
	*len = body + sig + LUP_PATCH_SEAL_SIZE;
	*buf = malloc(*len);
	if (!*buf)
		return -ENOMEM;
	lup_put_le32(*buf, LUP_PATCH_MAGIC);
	lup_put_le32(*buf + 4, (uint32_t)msg_len);
	lup_patch__pack(p, *buf + HEADER_SIZE);
	if (key)
		ret = lup_patch_sign(key, *buf, body, *buf + body);
	if (!ret)
		ret = lup_patch_seal(*buf, body + sig, *buf + body + sig);
	if (ret)
		free(*buf);
	return ret;
}

static int write_tmp(const char *path, const char *tmp, int fd, const uint8_t *buf, size_t len)
{
	int ret = write_all(fd, tmp, buf, len);

	if (!ret && (fchmod(fd, 0644) || fsync(fd))) {
		ret = -errno;
		pr_err("%s: %s", tmp, strerror(errno));
	}
	if (close(fd) && !ret) {
		ret = -errno;
		pr_err("%s: close: %s", tmp, strerror(errno));
	}
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		pr_err("%s: rename from %s: %s", path, tmp, strerror(errno));
	}
	return ret;
}

int lup_patch_write_bytes(const char *path, const uint8_t *buf, size_t len)
{
	char *tmp = NULL;
	int ret, fd;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s: %s", tmp, strerror(errno));
	} else {
		ret = write_tmp(path, tmp, fd, buf, len);
		if (ret)
			unlink(tmp);
	}
	free(tmp);
	return ret;
}

int lup_patch_write(const char *path, const LupPatch *p, struct evp_pkey_st *key)
{
	uint8_t *buf = NULL;
	size_t len;
	int ret;

	ret = lup_patch_validate(p, path);
	if (ret)
		return ret;
	ret = pack(p, key, &buf, &len);
	if (ret) {
		pr_err("%s: %s", path, lup_strerror(ret));
		return ret;
	}
	ret = lup_patch_write_bytes(path, buf, len);
	free(buf);
	return ret;
}

void lup_patch_free(LupPatch *p)
{
	if (p)
		lup_patch__free_unpacked(p, NULL);
}
