/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The primitives of secure aggregation (Documentation/federated.rst), all
 * OpenSSL 3: X25519 round keys, HKDF-SHA256, the AES-256-CTR mask
 * generator over words mod 2^32, AES-256-GCM for encrypted shares and
 * Ed25519 over raw keys held in memory.  No state, no I/O.
 */
#ifndef _HN_LIB_SA_CRYPTO_H
#define _HN_LIB_SA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define HN_SA_KEY_LEN 32 /* X25519 keys, seeds, AEAD and HKDF keys */
#define HN_SA_TAG_LEN 16 /* AES-GCM tag */
#define HN_SA_SIG_LEN 64 /* Ed25519 */

/* A fresh X25519 pair; the public key of a secret one. */
int hn_sa_x25519_keygen(uint8_t sk[HN_SA_KEY_LEN], uint8_t pk[HN_SA_KEY_LEN]);
int hn_sa_x25519_public(const uint8_t sk[HN_SA_KEY_LEN],
			uint8_t pk[HN_SA_KEY_LEN]);
/* X25519(sk, peer) into @shared; -EINVAL for a low-order @peer. */
int hn_sa_x25519(const uint8_t sk[HN_SA_KEY_LEN],
		 const uint8_t peer[HN_SA_KEY_LEN],
		 uint8_t shared[HN_SA_KEY_LEN]);
/* HKDF-SHA256 (RFC 5869) of @ikm, 32 bytes out. */
int hn_sa_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
	       size_t salt_len, const uint8_t *info, size_t info_len,
	       uint8_t out[HN_SA_KEY_LEN]);

/*
 * v[i] += PRG(seed)[i] mod 2^32 (or -= when @negate), for i < d.  PRG is
 * the AES-256-CTR keystream of key @seed from a zero counter block, read
 * as little-endian 32-bit words: every seed is used for one vector only.
 */
int hn_sa_prg_add(const uint8_t seed[HN_SA_KEY_LEN], int negate, uint32_t *v,
		  size_t d);

/*
 * AES-256-GCM with a zero nonce: each key seals one message (keys are
 * derived per round, pair and direction).  @out holds len + tag bytes.
 */
int hn_sa_seal(const uint8_t key[HN_SA_KEY_LEN], const uint8_t *aad,
	       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out);
/* The reverse; -EBADMSG when the tag does not match. */
int hn_sa_open(const uint8_t key[HN_SA_KEY_LEN], const uint8_t *aad,
	       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out);

/* Ed25519 with a raw 32-byte secret; verify returns 1 if valid. */
int hn_sa_sign(const uint8_t sk[HN_SA_KEY_LEN], const uint8_t *msg, size_t len,
	       uint8_t sig[HN_SA_SIG_LEN]);
int hn_sa_verify(const uint8_t pk[HN_SA_KEY_LEN], const uint8_t *msg,
		 size_t len, const uint8_t sig[HN_SA_SIG_LEN]);
int hn_sa_ed25519_public(const uint8_t sk[HN_SA_KEY_LEN],
			 uint8_t pk[HN_SA_KEY_LEN]);

#endif /* _HN_LIB_SA_CRYPTO_H */
