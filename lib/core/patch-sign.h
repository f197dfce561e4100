/*
 * Signed patch files and the trust store. A signed file carries, between its message and
 * its seal, a signature block: "LSG1", the signer's Ed25519 public key (32 bytes), the
 * signature (64 bytes) of the header and message. The trust store is a directory of PEM
 * public keys (*.pub): LUP_TRUSTED_KEYS, or /etc/lup/keys.d, or what lup_trust_use names.
 * When it exists, only patches signed by one of its keys are read; when it does not,
 * unsigned patches are read with one warning.
 */
#ifndef LUP_PATCH_SIGN_H
#define LUP_PATCH_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define LUP_PATCH_SIG_MAGIC 0x3147534cu	/* "LSG1" */
#define LUP_PATCH_SIG_SIZE (4u + 32u + 64u)
#define LUP_TRUST_DEFAULT_DIR "/etc/lup/keys.d"

struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */

/* An Ed25519 private key from a PEM file; -LUP_EBADPATCH (reported) when it is not one. */
int lup_sign_key_load(const char *path, struct evp_pkey_st **key);
void lup_sign_key_free(struct evp_pkey_st *key);
/* The signature block of body[0..len) (LUP_PATCH_SIG_SIZE bytes at block). */
int lup_patch_sign(struct evp_pkey_st *key, const uint8_t *body, size_t len, uint8_t *block);

/* The trust store to use instead of the default; before any patch is read. */
void lup_trust_use(const char *dir);
/* The trust store in use (for criu runs that must use the same). */
const char *lup_trust_dir(void);
/*
 * The trust rule for a patch whose header and message are body[0..len) and whose
 * signature block is block (NULL: unsigned). -LUP_EBADPATCH when refused, reported
 * naming the file; a bad key file in the store is reported naming it.
 */
int lup_patch_check_signature(const char *name, const uint8_t *body, size_t len,
			      const uint8_t *block);

#endif
