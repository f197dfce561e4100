/* Reading, validating and writing lup patch files (lib/core/lup-patch.proto). */
#ifndef LUP_PATCH_H
#define LUP_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/arch.h"
#include "lup-patch.pb-c.h"

#define LUP_PATCH_MAGIC 0x3250554cu	/* "LUP2": sealed by a digest */
#define LUP_PATCH_MAGIC_V1 0x3150554cu	/* "LUP1": no digest, refused */
#define LUP_PATCH_VERSION 1
#define LUP_PATCH_MAX_SIZE (1ul << 30)
#define LUP_PATCH_MAX_FILE (LUP_PATCH_MAX_SIZE + (16ul << 20))	/* image and metadata */
#define LUP_PATCH_MAX_PARTS 8		/* unlikely parts of one replaced function, at most */

typedef LupPatch lup_patch_t;

/*
 * Reads and validates every field (sizes, offsets inside the image, segments page
 * aligned and not overlapping, never writable and executable, symbol indexes, relocs
 * inside writable segments). -LUP_EBADPATCH, reported naming the file and the field.
 */
int lup_patch_read(const char *path, LupPatch **out);
/* A patch file's bytes as read and checked, to hand on verbatim (signature and all). */
struct lup_patch_bytes {
	uint8_t *buf;
	size_t len;
};
/* lup_patch_read, keeping the file's bytes in *bytes (the caller frees bytes->buf). */
int lup_patch_read_file(const char *path, LupPatch **out, struct lup_patch_bytes *bytes);
/* The same checks on a patch file's bytes; name is used in messages. */
int lup_patch_parse(const void *buf, size_t len, const char *name, LupPatch **out);
/* Decodes and validates the message alone (what follows the header, before the seal). */
int lup_patch_decode(const void *msg, size_t len, const char *name, LupPatch **out);
int lup_patch_validate(const LupPatch *p, const char *path);
struct evp_pkey_st;
/* Writes through a temporary file and rename, signed by key unless it is NULL. */
int lup_patch_write(const char *path, const LupPatch *p, struct evp_pkey_st *key);
/* A patch file's bytes (from lup_patch_read_file), the same way. */
int lup_patch_write_bytes(const char *path, const uint8_t *buf, size_t len);
void lup_patch_free(LupPatch *p);
/* s is non-empty, printable and at most max characters long (ids, names). */
bool lup_patch_printable(const char *s, size_t max);

#endif
