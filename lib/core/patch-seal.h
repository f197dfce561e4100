/*
 * The seal of a lup patch file: a SHA-256 digest of every byte before it (header and
 * message), appended by the writer and checked by every reader before the message is
 * decoded, so that no changed byte is ever applied.
 */
#ifndef LUP_PATCH_SEAL_H
#define LUP_PATCH_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define LUP_PATCH_SEAL_SIZE 32u

/* Writes the digest of buf[0..len) to seal (LUP_PATCH_SEAL_SIZE bytes). -ENOMEM, -EIO. */
int lup_patch_seal(const uint8_t *buf, size_t len, uint8_t *seal);
/*
 * buf[0..len) ends with the seal of what precedes it; -LUP_EBADPATCH otherwise, reported
 * naming the file.
 */
int lup_patch_check_seal(const uint8_t *buf, size_t len, const char *name);

#endif
