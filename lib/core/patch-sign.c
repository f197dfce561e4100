/* Ed25519 through OpenSSL's EVP interface: no hand-written cryptography. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/le.h"
#include "util/conf.h"
#include "util/log.h"
#include "core/patch-sign.h"

#define KEY_SIZE 32u
#define SIG_SIZE 64u

static struct {
	const char *dir;	/* NULL: LUP_TRUSTED_KEYS, else the default */
	bool loaded, present, warned;
	int load_err;		/* a store that failed to load refuses every patch */
	size_t nr;
	uint8_t (*keys)[KEY_SIZE];
} trust;

int lup_sign_key_load(const char *path, EVP_PKEY **key)
{
	FILE *f = fopen(path, "re");

	if (!f) {
		int err = -errno;

		pr_err("%s: %s", path, strerror(errno));
		return err;
	}
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*key || EVP_PKEY_id(*key) != EVP_PKEY_ED25519) {
		pr_err("%s: not an Ed25519 private key in PEM", path);
		EVP_PKEY_free(*key);
		*key = NULL;
		return -LUP_EBADPATCH;
	}
	return 0;
}

void lup_sign_key_free(EVP_PKEY *key)
{
	EVP_PKEY_free(key);
}

int lup_patch_sign(EVP_PKEY *key, const uint8_t *body, size_t len, uint8_t *block)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t key_len = KEY_SIZE, sig_len = SIG_SIZE;
	int ret = -EIO;

	lup_put_le32(block, LUP_PATCH_SIG_MAGIC);
	if (ctx && EVP_PKEY_get_raw_public_key(key, block + 4, &key_len) &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, block + 4 + KEY_SIZE, &sig_len, body, len) == 1)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}

void lup_trust_use(const char *dir)
{
	trust.dir = dir;
}

const char *lup_trust_dir(void)
{
	const char *set = lup_setting(LUP_CONF_TRUSTED_KEYS);

	return trust.dir ? trust.dir : set && *set ? set : LUP_TRUST_DEFAULT_DIR;
}

/* The raw Ed25519 public key of a PEM file into the store. */
static int add_key(const char *dir, const char *name)
{
	char path[4096];
	size_t len = KEY_SIZE;
	EVP_PKEY *pk;
	void *keys;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	pk = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	keys = realloc(trust.keys, (trust.nr + 1) * sizeof(*trust.keys));
	if (!keys) {
		EVP_PKEY_free(pk);
		return -ENOMEM;
	}
	trust.keys = keys;
	if (!pk || EVP_PKEY_id(pk) != EVP_PKEY_ED25519 ||
	    !EVP_PKEY_get_raw_public_key(pk, trust.keys[trust.nr], &len)) {
		pr_err("%s: not an Ed25519 public key in PEM", path);
		EVP_PKEY_free(pk);
		return -LUP_EBADPATCH;
	}
	EVP_PKEY_free(pk);
	trust.nr++;
	return 0;
}

/* Every *.pub of the store; an absent store is no store. */
static int load_store(void)
{
	const char *dir = lup_trust_dir();
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	trust.loaded = true;
	if (!d && errno == ENOENT)
		return 0;
	if (!d) {
		ret = -errno;
		pr_err("%s: trust store: %s", dir, strerror(errno));
		return ret;
	}
	trust.present = true;
	while (!ret && (e = readdir(d)))
		if (!fnmatch("*.pub", e->d_name, FNM_PERIOD))
			ret = add_key(dir, e->d_name);
	closedir(d);
	return ret;
}

static bool verify(const uint8_t *block, const uint8_t *body, size_t len)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, block + 4, KEY_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
		  EVP_DigestVerify(ctx, block + 4 + KEY_SIZE, SIG_SIZE, body, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

static bool trusted(const uint8_t *pub)
{
	for (size_t i = 0; i < trust.nr; i++)
		if (!memcmp(trust.keys[i], pub, KEY_SIZE))
			return true;
	return false;
}

int lup_patch_check_signature(const char *name, const uint8_t *body, size_t len,
			      const uint8_t *block)
{
	int ret;

	if (!trust.loaded)
		trust.load_err = load_store();
	ret = trust.load_err;
	if (ret)
		return ret;
	if (block && (lup_get_le32(block) != LUP_PATCH_SIG_MAGIC || !verify(block, body, len))) {
		pr_err("%s: bad signature", name);
		return -LUP_EBADPATCH;
	}
	if (block && trust.present && !trusted(block + 4)) {
		pr_err("%s: signed by a key that is not in the trust store %s", name, lup_trust_dir());
		return -LUP_EBADPATCH;
	}
	if (!block && trust.present) {
		pr_err("%s: unsigned, and the trust store %s admits only signed patches", name,
		       lup_trust_dir());
		return -LUP_EBADPATCH;
	}
	if (!block && !trust.warned) {
		pr_warn("%s: unsigned patch, applied without a trust store (%s does not exist)",
			name, lup_trust_dir());
		trust.warned = true;
	}
	return 0;
}
