/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Ed25519 signatures on model files, and the rules by which an agent
 * accepts a model (Documentation/model-updates.rst).
 *
 * The signature covers every byte of the file before the signature block:
 * header (kind, generation, expiry), layers and the SHA-256 digest.  Keys
 * are files holding one line of 64 hex digits (raw 32-byte Ed25519 key),
 * private ones mode 0600; a public key file may hold several lines, one
 * trusted key each.  OpenSSL does the cryptography.
 */
#ifndef _HN_LIB_SIGN_H
#define _HN_LIB_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

#define HN_ED25519_KEY_LEN 32
#define HN_ED25519_SIG_LEN 64
#define HN_MAX_TRUSTED 16

struct hn_pubkey {
	uint8_t raw[HN_ED25519_KEY_LEN];
};

/* New key pair; the private file is created 0600 and never overwritten. */
int hn_key_generate(const char *priv_path, const char *pub_path, char *err,
		    size_t errlen);
/* Public key of a private key file. */
int hn_key_public(const char *priv_path, struct hn_pubkey *pk, char *err,
		  size_t errlen);
/* The raw 32 bytes of a private key file (secure aggregation signs). */
int hn_key_private_raw(const char *priv_path, uint8_t raw[HN_ED25519_KEY_LEN],
		       char *err, size_t errlen);
/* Up to @max keys from a public key file (lines of hex, '#' comments). */
int hn_pubkeys_load(const char *path, struct hn_pubkey *keys, unsigned int max,
		    unsigned int *n, char *err, size_t errlen);
/* 64 hex digits. */
int hn_pubkey_parse(const char *hex, struct hn_pubkey *pk);
void hn_pubkey_hex(const struct hn_pubkey *pk, char hex[65]);

/*
 * The whole of a model file, unparsed, as hn_model_sign_image() and
 * hn_model_accept() take it.  *buf is malloc()ed; files larger than any
 * model are refused before they are read.
 */
int hn_model_read_image(const char *path, void **buf, size_t *len, char *err,
			size_t errlen);

/* The primitive under the model functions: Ed25519 over @msg as is. */
int hn_ed25519_sign(const char *priv_path, const void *msg, size_t len,
		    uint8_t sig[HN_ED25519_SIG_LEN], char *err, size_t errlen);
int hn_ed25519_verify(const struct hn_pubkey *pk, const void *msg, size_t len,
		      const uint8_t sig[HN_ED25519_SIG_LEN]); /* 1 if valid */

/*
 * Sign the model file image @buf (a valid .hnm of any signature state):
 * writes a new image to *out (malloc()ed) with an Ed25519 signature block.
 */
int hn_model_sign_image(const void *buf, size_t len, const char *priv_path,
			void **out, size_t *outlen, char *err, size_t errlen);

/* Why hn_model_accept() refused a model file; 0 is success. */
enum hn_accept_err {
	HN_ACC_OK,
	HN_ACC_MALFORMED, /* hn_model_parse() refused it */
	HN_ACC_KIND, /* not a ROUTE model */
	HN_ACC_UNSIGNED, /* no signature block */
	HN_ACC_BAD_SIG, /* signed, but by no trusted key, or forged */
	HN_ACC_OLD, /* generation not newer than the installed */
	HN_ACC_EXPIRED, /* expiry in the past */
	__HN_ACC_MAX
};

const char *hn_accept_err_name(int err); /* "bad-signature", ... */

/*
 * The agent's rule for installing a model file image: well formed, a
 * ROUTE model, signed by one of @keys, generation > @installed_gen, not
 * expired at @now (unix seconds).  On HN_ACC_OK @m holds the parsed model
 * (hn_model_free() it); otherwise it is left empty and @err says why.
 */
int hn_model_accept(const void *buf, size_t len, const struct hn_pubkey *keys,
		    unsigned int n_keys, uint64_t installed_gen, uint64_t now,
		    struct hn_model *m, char *err, size_t errlen);

#endif /* _HN_LIB_SIGN_H */
