// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * OpenSSL primitives of secure aggregation (sa_crypto.h).
 */
#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "sa_crypto.h"

/* Keystream bytes per EVP call. */
#define PRG_CHUNK 16384

static int raw_public(EVP_PKEY *pkey, uint8_t pk[HN_SA_KEY_LEN])
{
	size_t len = HN_SA_KEY_LEN;

	return EVP_PKEY_get_raw_public_key(pkey, pk, &len) == 1 &&
			       len == HN_SA_KEY_LEN ?
		       0 :
		       -EIO;
}

int hn_sa_x25519_public(const uint8_t sk[HN_SA_KEY_LEN],
			uint8_t pk[HN_SA_KEY_LEN])
{
	EVP_PKEY *pkey;
	int err;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
					    HN_SA_KEY_LEN);
	if (!pkey)
		return -EIO;
	err = raw_public(pkey, pk);
	EVP_PKEY_free(pkey);
	return err;
}

int hn_sa_x25519_keygen(uint8_t sk[HN_SA_KEY_LEN], uint8_t pk[HN_SA_KEY_LEN])
{
	if (RAND_priv_bytes(sk, HN_SA_KEY_LEN) != 1)
		return -EIO;
	return hn_sa_x25519_public(sk, pk);
}

static int derive(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t shared[HN_SA_KEY_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, NULL);
	size_t len = HN_SA_KEY_LEN;
	int ok;

	ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	     EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	     EVP_PKEY_derive(ctx, shared, &len) == 1 && len == HN_SA_KEY_LEN;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

int hn_sa_x25519(const uint8_t sk[HN_SA_KEY_LEN],
		 const uint8_t peer[HN_SA_KEY_LEN],
		 uint8_t shared[HN_SA_KEY_LEN])
{
	EVP_PKEY *mine, *other;
	int err = -EIO;

	mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
					    HN_SA_KEY_LEN);
	other = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
					    HN_SA_KEY_LEN);
	if (mine && other)
		err = derive(mine, other, shared);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(other);
	return err;
}

int hn_sa_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
	       size_t salt_len, const uint8_t *info, size_t info_len,
	       uint8_t out[HN_SA_KEY_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256",
						0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ikm_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, salt_len);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, info_len);
	p[4] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, HN_SA_KEY_LEN, p) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

static void add_words(uint32_t *v, const uint8_t *ks, size_t n, int negate)
{
	uint32_t w, neg = -(uint32_t) !!negate;
	size_t i;

	for (i = 0; i < n; i++) {
		w = (uint32_t)ks[4 * i] | (uint32_t)ks[4 * i + 1] << 8 |
		    (uint32_t)ks[4 * i + 2] << 16 |
		    (uint32_t)ks[4 * i + 3] << 24;
		v[i] += (w ^ neg) - neg;
	}
}

int hn_sa_prg_add(const uint8_t seed[HN_SA_KEY_LEN], int negate, uint32_t *v,
		  size_t d)
{
	static const uint8_t iv[16];
	uint8_t ks[PRG_CHUNK];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t n;
	int len, ok;

	ok = ctx &&
	     EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, seed, iv) == 1;
	while (ok && d) {
		n = d < PRG_CHUNK / 4 ? d : PRG_CHUNK / 4;
		memset(ks, 0, 4 * n);
		ok = EVP_EncryptUpdate(ctx, ks, &len, ks, 4 * n) == 1 &&
		     len == (int)(4 * n);
		if (ok)
			add_words(v, ks, n, negate);
		v += n;
		d -= n;
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

static EVP_CIPHER_CTX *gcm_ctx(const uint8_t key[HN_SA_KEY_LEN], int enc)
{
	static const uint8_t nonce[12];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce,
				     enc) == 1)
		return ctx;
	EVP_CIPHER_CTX_free(ctx);
	return NULL;
}

int hn_sa_seal(const uint8_t key[HN_SA_KEY_LEN], const uint8_t *aad,
	       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = gcm_ctx(key, 1);
	int n, ok;

	ok = ctx && EVP_EncryptUpdate(ctx, NULL, &n, aad, aad_len) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &n, in, len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, HN_SA_TAG_LEN,
				 out + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int hn_sa_open(const uint8_t key[HN_SA_KEY_LEN], const uint8_t *aad,
	       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = gcm_ctx(key, 0);
	uint8_t tag[HN_SA_TAG_LEN];
	int n, ok;

	if (!ctx)
		return -EIO;
	memcpy(tag, in + len, sizeof(tag));
	ok = EVP_DecryptUpdate(ctx, NULL, &n, aad, aad_len) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, in, len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) ==
		     1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(out, len);
	return ok ? 0 : -EBADMSG;
}

int hn_sa_sign(const uint8_t sk[HN_SA_KEY_LEN], const uint8_t *msg, size_t len,
	       uint8_t sig[HN_SA_SIG_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
						      sk, HN_SA_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = HN_SA_SIG_LEN;
	int ok;

	ok = pkey && ctx &&
	     EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	     siglen == HN_SA_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -EIO;
}

int hn_sa_verify(const uint8_t pk[HN_SA_KEY_LEN], const uint8_t *msg,
		 size_t len, const uint8_t sig[HN_SA_SIG_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
						     HN_SA_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = pkey && ctx &&
	     EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, HN_SA_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

int hn_sa_ed25519_public(const uint8_t sk[HN_SA_KEY_LEN],
			 uint8_t pk[HN_SA_KEY_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
						      sk, HN_SA_KEY_LEN);
	int err;

	if (!pkey)
		return -EIO;
	err = raw_public(pkey, pk);
	EVP_PKEY_free(pkey);
	return err;
}
