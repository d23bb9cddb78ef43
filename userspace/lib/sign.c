// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Ed25519 keys and signatures on model files, and the agent's acceptance
 * rule (Documentation/model-updates.rst).  OpenSSL does the cryptography;
 * this file only frames it: key files, the signed byte range, the checks
 * and their order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fileio.h"
#include "sign.h"

/* sig_type and sig_len, in front of the signature bytes. */
#define SIG_HDR_LEN 4
/* Key files are one line; anything this big is not a key file. */
#define KEYFILE_MAX 65536

/* ---- hex ---------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void hex_decode(const char *hex, uint8_t raw[HN_ED25519_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < HN_ED25519_KEY_LEN; i++)
		raw[i] = hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]);
}

static void hex_encode(const uint8_t raw[HN_ED25519_KEY_LEN], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < HN_ED25519_KEY_LEN; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[64] = '\0';
}

int hn_pubkey_parse(const char *hex, struct hn_pubkey *pk)
{
	unsigned int i;

	for (i = 0; i < 2 * HN_ED25519_KEY_LEN; i++)
		if (hexval(hex[i]) < 0)
			return -1;
	if (hex[i])
		return -1;
	hex_decode(hex, pk->raw);
	return 0;
}

void hn_pubkey_hex(const struct hn_pubkey *pk, char hex[65])
{
	hex_encode(pk->raw, hex);
}

/* ---- key files ---------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "'x'" for printable bytes, "byte 0x07" for the rest. */
static const char *show_char(char c, char buf[16])
{
	if (c > ' ' && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", (unsigned char)c);
	return buf;
}

/*
 * One line of a key file: blank, a '#' comment, or 64 hex digits with an
 * optional comment after them.  Returns 1 for a key, 0 for no key, -1 with
 * @msg saying what is wrong.
 */
static int parse_line(const char *p, size_t len, uint8_t raw[], char *msg,
		      size_t msglen)
{
	size_t i = 0, start, n;
	char cb[16];

	while (i < len && is_blank(p[i]))
		i++;
	if (i == len || p[i] == '#')
		return 0;
	start = i;
	while (i < len && hexval(p[i]) >= 0)
		i++;
	n = i - start;
	if (i < len && !is_blank(p[i]) && p[i] != '#')
		return hn_seterr(msg, msglen,
				 "column %zu: %s is not a hex digit", i + 1,
				 show_char(p[i], cb));
	if (n != 2 * HN_ED25519_KEY_LEN)
		return hn_seterr(msg, msglen,
				 "%zu hex digits, a key has exactly %u", n,
				 2 * HN_ED25519_KEY_LEN);
	hex_decode(p + start, raw);
	while (i < len && is_blank(p[i]))
		i++;
	if (i < len && p[i] != '#')
		return hn_seterr(
			msg, msglen,
			"column %zu: %s after the key (one key per line, '#' starts a comment)",
			i + 1, show_char(p[i], cb));
	return 1;
}

static int too_many(const char *path, unsigned int line, bool priv,
		    unsigned int max, char *err, size_t errlen)
{
	if (priv)
		return hn_seterr(
			err, errlen,
			"%s: line %u: a second key (a private key file holds exactly one)",
			path, line);
	return hn_seterr(
		err, errlen,
		"%s: line %u: more than %u keys (the most that can be trusted at once)",
		path, line, max);
}

/* Every key line of @buf into @keys; @priv: exactly one key allowed. */
static int parse_keys(const char *path, const char *buf, size_t len, bool priv,
		      struct hn_pubkey *keys, unsigned int max, unsigned int *n,
		      char *err, size_t errlen)
{
	unsigned int line = 0;
	const char *nl;
	size_t off, end = 0;
	uint8_t raw[HN_ED25519_KEY_LEN];
	char msg[128];
	int rc = 0;

	*n = 0;
	for (off = 0; off < len && rc >= 0; off = end + 1) {
		nl = memchr(buf + off, '\n', len - off);
		end = nl ? (size_t)(nl - buf) : len;
		line++;
		rc = parse_line(buf + off, end - off, raw, msg, sizeof(msg));
		if (rc < 0)
			hn_seterr(err, errlen, "%s: line %u: %s", path, line,
				  msg);
		else if (rc && *n == max)
			rc = too_many(path, line, priv, max, err, errlen);
		else if (rc)
			memcpy(keys[(*n)++].raw, raw, sizeof(raw));
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc < 0)
		return -1;
	if (!*n)
		return hn_seterr(
			err, errlen,
			"%s: no key in the file (expected a line of %u hex digits)",
			path, 2 * HN_ED25519_KEY_LEN);
	return 0;
}

static void free_keyfile(char *buf, size_t len)
{
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

static int load_keyfile(const char *path, bool priv, struct hn_pubkey *keys,
			unsigned int max, unsigned int *n, char *err,
			size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (hn_read_file(path, KEYFILE_MAX, priv ? HN_RF_PRIVATE : 0,
			 (void **)&buf, &len, err, errlen))
		return -1;
	ret = parse_keys(path, buf, len, priv, keys, max, n, err, errlen);
	free_keyfile(buf, len);
	return ret;
}

int hn_pubkeys_load(const char *path, struct hn_pubkey *keys, unsigned int max,
		    unsigned int *n, char *err, size_t errlen)
{
	return load_keyfile(path, false, keys, max, n, err, errlen);
}

/* The private key of @path as an OpenSSL key; the file's bytes are wiped. */
static EVP_PKEY *load_private(const char *path, char *err, size_t errlen)
{
	struct hn_pubkey secret; /* same 32-byte form as a public key */
	EVP_PKEY *pkey;
	unsigned int n;

	if (load_keyfile(path, true, &secret, 1, &n, err, errlen))
		return NULL;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, secret.raw,
					    sizeof(secret.raw));
	OPENSSL_cleanse(&secret, sizeof(secret));
	if (!pkey)
		hn_seterr(
			err, errlen,
			"%s: OpenSSL refused the key (built without Ed25519?)",
			path);
	return pkey;
}

static int raw_public(EVP_PKEY *pkey, struct hn_pubkey *pk)
{
	size_t len = sizeof(pk->raw);

	if (EVP_PKEY_get_raw_public_key(pkey, pk->raw, &len) != 1 ||
	    len != sizeof(pk->raw))
		return -1;
	return 0;
}

int hn_key_public(const char *priv_path, struct hn_pubkey *pk, char *err,
		  size_t errlen)
{
	EVP_PKEY *pkey = load_private(priv_path, err, errlen);
	int ret;

	if (!pkey)
		return -1;
	ret = raw_public(pkey, pk);
	EVP_PKEY_free(pkey);
	if (ret)
		return hn_seterr(err, errlen,
				 "%s: cannot derive the public key", priv_path);
	return 0;
}

int hn_key_private_raw(const char *priv_path, uint8_t raw[HN_ED25519_KEY_LEN],
		       char *err, size_t errlen)
{
	EVP_PKEY *pkey = load_private(priv_path, err, errlen);
	size_t len = HN_ED25519_KEY_LEN;
	int ok;

	if (!pkey)
		return -1;
	ok = EVP_PKEY_get_raw_private_key(pkey, raw, &len) == 1 &&
	     len == HN_ED25519_KEY_LEN;
	EVP_PKEY_free(pkey);
	if (!ok)
		return hn_seterr(err, errlen, "%s: cannot read the private key",
				 priv_path);
	return 0;
}

/* ---- key generation ----------------------------------------------------- */

/* A new file, never an existing one (O_EXCL also refuses symlinks). */
static int create_excl(const char *path, mode_t mode, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0 && errno == EEXIST)
		return hn_seterr(
			err, errlen,
			"%s already exists; key files are never overwritten",
			path);
	if (fd < 0)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	/* The umask may only narrow the mode; make it exactly @mode. */
	if (fchmod(fd, mode)) {
		hn_seterr(err, errlen, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Write one key line, sync and close @fd. */
static int write_key_line(int fd, const char *path, const uint8_t *raw,
			  char *err, size_t errlen)
{
	char line[2 * HN_ED25519_KEY_LEN + 2];
	size_t off = 0;
	ssize_t n;
	int ret = 0;

	hex_encode(raw, line);
	line[2 * HN_ED25519_KEY_LEN] = '\n';
	while (off < sizeof(line) - 1) {
		n = write(fd, line + off, sizeof(line) - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = hn_seterr(err, errlen, "%s: write failed: %s",
					path, strerror(errno));
			break;
		}
		off += n;
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (!ret && fsync(fd))
		ret = hn_seterr(err, errlen, "%s: fsync: %s", path,
				strerror(errno));
	if (close(fd) && !ret)
		ret = hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	return ret;
}

/* A fresh key pair from OpenSSL's private random generator. */
static int new_pair(uint8_t secret[HN_ED25519_KEY_LEN], struct hn_pubkey *pk)
{
	EVP_PKEY *pkey;
	int ret;

	if (RAND_priv_bytes(secret, HN_ED25519_KEY_LEN) != 1)
		return -1;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, secret,
					    HN_ED25519_KEY_LEN);
	if (!pkey)
		return -1;
	ret = raw_public(pkey, pk);
	EVP_PKEY_free(pkey);
	return ret;
}

int hn_key_generate(const char *priv_path, const char *pub_path, char *err,
		    size_t errlen)
{
	uint8_t secret[HN_ED25519_KEY_LEN];
	struct hn_pubkey pk;
	int priv_fd, pub_fd, ret;

	if (!strcmp(priv_path, pub_path))
		return hn_seterr(
			err, errlen,
			"%s: the private and the public key need two files",
			priv_path);
	/* Both files first, so that a refusal leaves nothing behind. */
	priv_fd = create_excl(priv_path, 0600, err, errlen);
	if (priv_fd < 0)
		return -1;
	pub_fd = create_excl(pub_path, 0644, err, errlen);
	if (pub_fd < 0) {
		close(priv_fd);
		unlink(priv_path);
		return -1;
	}
	if (new_pair(secret, &pk)) {
		hn_seterr(
			err, errlen,
			"OpenSSL could not make an Ed25519 key (no randomness?)");
		close(priv_fd);
		close(pub_fd);
		ret = -1;
	} else {
		ret = write_key_line(priv_fd, priv_path, secret, err, errlen);
		if (ret)
			close(pub_fd);
		else
			ret = write_key_line(pub_fd, pub_path, pk.raw, err,
					     errlen);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	if (ret) {
		unlink(priv_path);
		unlink(pub_path);
		return -1;
	}
	return 0;
}

/* ---- the primitive ------------------------------------------------------ */

static int sign_with(EVP_PKEY *pkey, const void *msg, size_t len,
		     uint8_t sig[HN_ED25519_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = HN_ED25519_SIG_LEN;
	int ok;

	/* Ed25519 hashes internally: no digest, one-shot only. */
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	     siglen == HN_ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int hn_ed25519_sign(const char *priv_path, const void *msg, size_t len,
		    uint8_t sig[HN_ED25519_SIG_LEN], char *err, size_t errlen)
{
	EVP_PKEY *pkey = load_private(priv_path, err, errlen);
	int ret;

	if (!pkey)
		return -1;
	ret = sign_with(pkey, msg, len, sig);
	EVP_PKEY_free(pkey);
	if (ret)
		return hn_seterr(err, errlen,
				 "Ed25519 signing failed in OpenSSL");
	return 0;
}

int hn_ed25519_verify(const struct hn_pubkey *pk, const void *msg, size_t len,
		      const uint8_t sig[HN_ED25519_SIG_LEN])
{
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	int ok;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk->raw,
					   sizeof(pk->raw));
	if (!pkey)
		return 0;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, HN_ED25519_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* ---- model files -------------------------------------------------------- */

int hn_model_read_image(const char *path, void **buf, size_t *len, char *err,
			size_t errlen)
{
	return hn_read_file(path, HN_MODEL_MAX_FILE, 0, buf, len, err, errlen);
}

/*
 * Bytes covered by the signature: everything before the signature block.
 * @len is the length of an image hn_model_parse() accepted as @m, so the
 * block is exactly the last 4 + sig_len bytes.
 */
static size_t signed_len(size_t len, const struct hn_model *m)
{
	return len - SIG_HDR_LEN - m->sig_len;
}

int hn_model_sign_image(const void *buf, size_t len, const char *priv_path,
			void **out, size_t *outlen, char *err, size_t errlen)
{
	struct hn_model m;
	EVP_PKEY *pkey;
	uint8_t *img;
	size_t body;

	if (hn_model_parse(buf, len, &m, err, errlen))
		return -1;
	body = signed_len(len, &m);
	hn_model_free(&m);
	pkey = load_private(priv_path, err, errlen);
	if (!pkey)
		return -1;
	img = malloc(body + SIG_HDR_LEN + HN_ED25519_SIG_LEN);
	if (!img) {
		EVP_PKEY_free(pkey);
		return hn_seterr(err, errlen, "out of memory");
	}
	memcpy(img, buf, body);
	img[body] = HN_SIG_ED25519 >> 8;
	img[body + 1] = HN_SIG_ED25519 & 0xff;
	img[body + 2] = HN_ED25519_SIG_LEN >> 8;
	img[body + 3] = HN_ED25519_SIG_LEN & 0xff;
	if (sign_with(pkey, img, body, img + body + SIG_HDR_LEN)) {
		EVP_PKEY_free(pkey);
		free(img);
		return hn_seterr(err, errlen,
				 "Ed25519 signing failed in OpenSSL");
	}
	EVP_PKEY_free(pkey);
	*out = img;
	*outlen = body + SIG_HDR_LEN + HN_ED25519_SIG_LEN;
	return 0;
}

/* ---- acceptance --------------------------------------------------------- */

static const char *const accept_names[__HN_ACC_MAX] = {
	[HN_ACC_OK] = "ok",
	[HN_ACC_MALFORMED] = "malformed",
	[HN_ACC_KIND] = "not-route",
	[HN_ACC_UNSIGNED] = "unsigned",
	[HN_ACC_BAD_SIG] = "bad-signature",
	[HN_ACC_OLD] = "old-version",
	[HN_ACC_EXPIRED] = "expired",
};

const char *hn_accept_err_name(int err)
{
	if (err < 0 || err >= __HN_ACC_MAX)
		return "unknown";
	return accept_names[err];
}

static bool signed_by_any(const uint8_t *buf, size_t len,
			  const struct hn_model *m,
			  const struct hn_pubkey *keys, unsigned int n_keys)
{
	size_t body = signed_len(len, m);
	unsigned int i;

	if (m->sig_type != HN_SIG_ED25519 || m->sig_len != HN_ED25519_SIG_LEN)
		return false;
	for (i = 0; i < n_keys; i++)
		if (hn_ed25519_verify(&keys[i], buf, body, m->sig))
			return true;
	return false;
}

/* The rules after parsing, in the order the documentation gives. */
static int accept_parsed(const uint8_t *buf, size_t len,
			 const struct hn_model *m, const struct hn_pubkey *keys,
			 unsigned int n_keys, uint64_t installed_gen,
			 uint64_t now, char *err, size_t errlen)
{
	if (m->kind != HN_MODEL_ROUTE) {
		hn_seterr(
			err, errlen,
			"a %s model, not a route model (the agent installs route models only)",
			hn_model_kind_name(m->kind));
		return HN_ACC_KIND;
	}
	if (m->sig_type == HN_SIG_NONE) {
		hn_seterr(err, errlen, "not signed (no signature block)");
		return HN_ACC_UNSIGNED;
	}
	/*
	 * Generation and expiry are only looked at once the signature holds:
	 * without a valid signature every refusal reads the same, so a
	 * forger learns nothing about which versions would be accepted.
	 */
	if (!signed_by_any(buf, len, m, keys, n_keys)) {
		hn_seterr(err, errlen,
			  "signed by none of the %u trusted keys, or forged",
			  n_keys);
		return HN_ACC_BAD_SIG;
	}
	/* Strictly newer: re-installing or rolling back is a replay. */
	if (m->generation <= installed_gen) {
		hn_seterr(err, errlen,
			  "generation %llu is not newer than installed %llu",
			  (unsigned long long)m->generation,
			  (unsigned long long)installed_gen);
		return HN_ACC_OLD;
	}
	if (m->expiry && m->expiry <= now) {
		hn_seterr(err, errlen,
			  "expired at %llu (unix seconds), now is %llu",
			  (unsigned long long)m->expiry,
			  (unsigned long long)now);
		return HN_ACC_EXPIRED;
	}
	return HN_ACC_OK;
}

int hn_model_accept(const void *buf, size_t len, const struct hn_pubkey *keys,
		    unsigned int n_keys, uint64_t installed_gen, uint64_t now,
		    struct hn_model *m, char *err, size_t errlen)
{
	struct hn_model tmp;
	int ret;

	if (m)
		memset(m, 0, sizeof(*m));
	if (hn_model_parse(buf, len, &tmp, err, errlen))
		return HN_ACC_MALFORMED;
	ret = accept_parsed(buf, len, &tmp, keys, n_keys, installed_gen, now,
			    err, errlen);
	if (ret || !m)
		hn_model_free(&tmp);
	else
		*m = tmp;
	return ret;
}
