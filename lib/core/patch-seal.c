/* SHA-256 through OpenSSL's EVP interface: no hand-written cryptography. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/err.h"
#include "util/log.h"
#include "core/patch-seal.h"

int lup_patch_seal(const uint8_t *buf, size_t len, uint8_t *seal)
{
	unsigned int n = 0;

	if (!EVP_Digest(buf, len, seal, &n, EVP_sha256(), NULL) || n != LUP_PATCH_SEAL_SIZE)
		return -EIO;
	return 0;
}

int lup_patch_check_seal(const uint8_t *buf, size_t len, const char *name)
{
	uint8_t want[LUP_PATCH_SEAL_SIZE];
	size_t body;
	int ret;

	if (len < LUP_PATCH_SEAL_SIZE) {
		pr_err("%s: truncated: no digest", name);
		return -LUP_EBADPATCH;
	}
	body = len - LUP_PATCH_SEAL_SIZE;
	ret = lup_patch_seal(buf, body, want);
	if (ret) {
		pr_err("%s: digest: %s", name, lup_strerror(ret));
		return ret;
	}
	if (CRYPTO_memcmp(want, buf + body, LUP_PATCH_SEAL_SIZE)) {
		pr_err("%s: digest mismatch: the file was changed after lup-mkpatch wrote it", name);
		return -LUP_EBADPATCH;
	}
	return 0;
}
