// SPDX-License-Identifier: GPL-2.0
/*
 * Signed model files: key files, signing, and every way hn_model_accept()
 * refuses a model, each asserting the reason AND the message.  Keys live
 * in a mkdtemp() directory that the group teardown removes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "sign.h"

/* Offsets in a serialised route model (see test_unit_model.c). */
#define RT_GEN 8
#define RT_EXPIRY 16
#define RT_W1 44
#define RT_LEN 196
#define SIGNED_LEN (RT_LEN + HN_ED25519_SIG_LEN)

/* RFC 8032, section 7.1, test 1. */
static const char rfc_secret[] =
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc_public[] =
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_sig[] =
	"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static char dir[] = "/tmp/hn-sign-test-XXXXXX";
/* Key pairs A and B, made once by the group setup. */
static struct hn_pubkey key_a, key_b;

static void write_file(const char *name, const char *text, mode_t mode)
{
	const char *p = hn_t_path(name);
	FILE *f;

	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	if (hn_t_dir_make(dir) || hn_t_keypair("a", &key_a) ||
	    hn_t_keypair("b", &key_b))
		return -1;
	return 0;
}

/* Every file a test left in the directory, then the directory. */
static int teardown(void **state)
{
	return hn_t_dir_remove();
}

/* ---- model images ------------------------------------------------------- */

static uint8_t *model_image(int kind, uint64_t gen, uint64_t expiry,
			    size_t *len)
{
	struct hn_model m;
	void *buf;

	hn_t_seed(99);
	hn_t_kind_model(&m, kind);
	m.generation = gen;
	m.expiry = expiry;
	assert_int_equal(hn_model_serialize(&m, &buf, len, NULL, 0), 0);
	hn_model_free(&m);
	return buf;
}

static uint8_t *signed_image(const char *key, uint64_t gen, uint64_t expiry,
			     size_t *len)
{
	char err[256] = "";
	uint8_t *plain, *img;
	size_t plen;

	plain = model_image(HN_MODEL_ROUTE, gen, expiry, &plen);
	assert_int_equal(hn_model_sign_image(plain, plen, hn_t_path(key),
					     (void **)&img, len, err,
					     sizeof(err)),
			 0);
	free(plain);
	assert_int_equal(*len, SIGNED_LEN);
	return img;
}

/* Accept @img against @keys, expect @want, and a message with @needle. */
static void expect(const uint8_t *img, size_t len, const struct hn_pubkey *keys,
		   unsigned int n, uint64_t installed, uint64_t now, int want,
		   const char *needle)
{
	struct hn_model m, zero;
	char err[256] = "";
	int got;

	got = hn_model_accept(img, len, keys, n, installed, now, &m, err,
			      sizeof(err));
	if (got != want || (needle && !strstr(err, needle)))
		fail_msg("got %s (%s), want %s with \"%s\"",
			 hn_accept_err_name(got), err, hn_accept_err_name(want),
			 needle ? needle : "");
	memset(&zero, 0, sizeof(zero));
	if (want != HN_ACC_OK)
		assert_memory_equal(&m, &zero, sizeof(m));
	hn_model_free(&m);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

/* ---- signing and acceptance --------------------------------------------- */

static void test_roundtrip(void **state)
{
	uint8_t *img, *plain, *again;
	struct hn_model m;
	char err[256] = "";
	size_t len, plen, alen;

	img = signed_image("a.key", 5, 0, &len);
	assert_int_equal(hn_model_accept(img, len, &key_a, 1, 4, 1000, &m, err,
					 sizeof(err)),
			 HN_ACC_OK);
	assert_int_equal(m.kind, HN_MODEL_ROUTE);
	assert_int_equal(m.generation, 5);
	assert_int_equal(m.sig_type, HN_SIG_ED25519);
	assert_int_equal(m.sig_len, HN_ED25519_SIG_LEN);
	assert_non_null(m.layers[0].w);
	hn_model_free(&m);
	/* Only the signature block differs from the unsigned file. */
	plain = model_image(HN_MODEL_ROUTE, 5, 0, &plen);
	assert_memory_equal(img, plain, RT_LEN - 4);
	/* Re-signing replaces the block; Ed25519 is deterministic. */
	assert_int_equal(hn_model_sign_image(img, len, hn_t_path("a.key"),
					     (void **)&again, &alen, err,
					     sizeof(err)),
			 0);
	assert_int_equal(alen, len);
	assert_memory_equal(again, img, len);
	free(again);
	/* Signed again by B: only B's key accepts it now. */
	assert_int_equal(hn_model_sign_image(img, len, hn_t_path("b.key"),
					     (void **)&again, &alen, err,
					     sizeof(err)),
			 0);
	expect(again, alen, &key_b, 1, 0, 0, HN_ACC_OK, NULL);
	expect(again, alen, &key_a, 1, 0, 0, HN_ACC_BAD_SIG, NULL);
	/* @m may be NULL for a yes/no answer. */
	assert_int_equal(hn_model_accept(img, len, &key_a, 1, 0, 0, NULL, err,
					 sizeof(err)),
			 HN_ACC_OK);
	free(again);
	free(plain);
	free(img);
}

static void test_unsigned(void **state)
{
	uint8_t *img;
	size_t len;

	img = model_image(HN_MODEL_ROUTE, 5, 0, &len);
	expect(img, len, &key_a, 1, 0, 0, HN_ACC_UNSIGNED, "not signed");
	free(img);
}

/* Flip one bit at @off, then fix the digest as any forger would. */
static void forge(size_t off, int redigest)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 2000, &len);
	img[off] ^= 0x10;
	if (redigest)
		hn_t_redigest(img, RT_LEN);
	expect(img, len, &key_a, 1, 0, 1000, HN_ACC_BAD_SIG,
	       "signed by none of the 1 trusted keys, or forged");
	free(img);
}

static void test_forged_sig(void **state)
{
	forge(RT_LEN, 0);
	forge(SIGNED_LEN - 1, 0);
}

static void test_forged_weights(void **state)
{
	uint8_t *img;
	size_t len;

	forge(RT_W1 + 3, 1);
	/* Without the new digest it is only corrupt. */
	img = signed_image("a.key", 5, 0, &len);
	img[RT_W1 + 3] ^= 0x10;
	expect(img, len, &key_a, 1, 0, 0, HN_ACC_MALFORMED, "digest mismatch");
	free(img);
}

static void test_forged_generation(void **state)
{
	forge(RT_GEN + 7, 1);
	forge(RT_GEN, 1);
}

static void test_forged_expiry(void **state)
{
	forge(RT_EXPIRY + 6, 1);
}

/* Swapping in another signature type is no way around the key. */
static void test_forged_strip(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 0, &len);
	/* Cut the signature and say none: unsigned, refused. */
	img[RT_LEN - 4] = img[RT_LEN - 3] = 0;
	img[RT_LEN - 2] = img[RT_LEN - 1] = 0;
	expect(img, RT_LEN, &key_a, 1, 0, 0, HN_ACC_UNSIGNED, NULL);
	free(img);
}

/*
 * A forged file says nothing about versions: an old or expired forgery
 * gets the same answer as a new one.
 */
static void test_forged_learns_nothing(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 1000, &len);
	img[SIGNED_LEN - 1] ^= 1;
	expect(img, len, &key_a, 1, 9, 5000, HN_ACC_BAD_SIG,
	       "signed by none of the 1 trusted keys, or forged");
	free(img);
}

static void test_untrusted_key(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("b.key", 5, 0, &len);
	expect(img, len, &key_a, 1, 0, 0, HN_ACC_BAD_SIG,
	       "signed by none of the 1 trusted keys, or forged");
	expect(img, len, NULL, 0, 0, 0, HN_ACC_BAD_SIG,
	       "signed by none of the 0 trusted keys");
	free(img);
}

static void test_multiple_keys(void **state)
{
	struct hn_pubkey ab[2] = { key_a, key_b }, ba[2] = { key_b, key_a };
	struct hn_pubkey aa[2] = { key_a, key_a };
	uint8_t *img;
	size_t len;

	img = signed_image("b.key", 5, 0, &len);
	expect(img, len, ab, 2, 0, 0, HN_ACC_OK, NULL);
	expect(img, len, ba, 2, 0, 0, HN_ACC_OK, NULL);
	expect(img, len, aa, 2, 0, 0, HN_ACC_BAD_SIG,
	       "signed by none of the 2 trusted keys, or forged");
	free(img);
}

static void test_old_generation(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 0, &len);
	expect(img, len, &key_a, 1, 7, 0, HN_ACC_OLD,
	       "generation 5 is not newer than installed 7");
	expect(img, len, &key_a, 1, 5, 0, HN_ACC_OLD,
	       "generation 5 is not newer than installed 5");
	expect(img, len, &key_a, 1, 4, 0, HN_ACC_OK, NULL);
	free(img);
}

static void test_expired(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 2000, &len);
	expect(img, len, &key_a, 1, 0, 3000, HN_ACC_EXPIRED, "expired at 2000");
	expect(img, len, &key_a, 1, 0, 2000, HN_ACC_EXPIRED, "expired");
	expect(img, len, &key_a, 1, 0, 1999, HN_ACC_OK, NULL);
	free(img);
	/* 0: never expires. */
	img = signed_image("a.key", 5, 0, &len);
	expect(img, len, &key_a, 1, 0, UINT64_MAX, HN_ACC_OK, NULL);
	free(img);
	/* Old and expired: the version is reported first. */
	img = signed_image("a.key", 5, 2000, &len);
	expect(img, len, &key_a, 1, 6, 3000, HN_ACC_OLD, NULL);
	free(img);
}

static void test_malformed(void **state)
{
	static const uint8_t junk[] = "not a model at all";
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 0, &len);
	expect(img, len - 1, &key_a, 1, 0, 0, HN_ACC_MALFORMED,
	       "truncated at signature");
	expect(junk, sizeof(junk), &key_a, 1, 0, 0, HN_ACC_MALFORMED,
	       "bad magic");
	expect(NULL, 0, &key_a, 1, 0, 0, HN_ACC_MALFORMED, "truncated");
	/* Signing refuses what does not parse, with the parser's words. */
	{
		char err[256] = "";
		void *out = NULL;
		size_t olen;

		assert_int_equal(hn_model_sign_image(junk, sizeof(junk),
						     hn_t_path("a.key"), &out,
						     &olen, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "bad magic"));
		assert_null(out);
	}
	free(img);
}

static void test_stage_kind(void **state)
{
	char err[256] = "";
	uint8_t *plain, *img;
	size_t plen, len;

	plain = model_image(HN_MODEL_STAGE, 5, 0, &plen);
	assert_int_equal(hn_model_sign_image(plain, plen, hn_t_path("a.key"),
					     (void **)&img, &len, err,
					     sizeof(err)),
			 0);
	expect(img, len, &key_a, 1, 0, 0, HN_ACC_KIND, "a stage model");
	free(img);
	free(plain);
}

static void test_err_names(void **state)
{
	assert_string_equal(hn_accept_err_name(HN_ACC_MALFORMED), "malformed");
	assert_string_equal(hn_accept_err_name(HN_ACC_KIND), "not-route");
	assert_string_equal(hn_accept_err_name(HN_ACC_UNSIGNED), "unsigned");
	assert_string_equal(hn_accept_err_name(HN_ACC_BAD_SIG),
			    "bad-signature");
	assert_string_equal(hn_accept_err_name(HN_ACC_OLD), "old-version");
	assert_string_equal(hn_accept_err_name(HN_ACC_EXPIRED), "expired");
	assert_string_equal(hn_accept_err_name(__HN_ACC_MAX), "unknown");
	assert_string_equal(hn_accept_err_name(-1), "unknown");
}

/* ---- key files ---------------------------------------------------------- */

/* Loading @text as a private and as a public key file fails with @needle. */
static void key_error(const char *text, const char *needle)
{
	struct hn_pubkey pk[2];
	char err[256] = "";
	unsigned int n;

	write_file("bad.key", text, 0600);
	write_file("bad.pub", text, 0644);
	assert_int_equal(
		hn_key_public(hn_t_path("bad.key"), pk, err, sizeof(err)), -1);
	if (!strstr(err, needle) || !strstr(err, hn_t_path("bad.key")))
		fail_msg("private: \"%s\" lacks \"%s\"", err, needle);
	assert_int_equal(hn_pubkeys_load(hn_t_path("bad.pub"), pk, 2, &n, err,
					 sizeof(err)),
			 -1);
	if (!strstr(err, needle) || !strstr(err, hn_t_path("bad.pub")))
		fail_msg("public: \"%s\" lacks \"%s\"", err, needle);
}

static void test_key_format(void **state)
{
	char hex[65], text[256];

	hn_pubkey_hex(&key_a, hex);
	key_error("", "no key in the file");
	key_error("# only a comment\n\n", "no key in the file");
	key_error(
		"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f6g\n",
		"line 1: column 64: 'g' is not a hex digit");
	key_error(
		"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f6\n",
		"line 1: 63 hex digits, a key has exactly 64");
	key_error(
		"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f600\n",
		"line 1: 65 hex digits, a key has exactly 64");
	key_error(
		"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 x\n",
		"line 1: column 66: 'x' after the key");
	snprintf(text, sizeof(text), "# keys\n%s\nzz\n", hex);
	key_error(text, "line 3: column 1: 'z' is not a hex digit");
	key_error("\x01", "line 1: column 1: byte 0x01 is not a hex digit");
}

static void test_key_lines(void **state)
{
	struct hn_pubkey pk[HN_MAX_TRUSTED];
	char a[65], b[65], text[512], err[256] = "";
	unsigned int n, i;

	hn_pubkey_hex(&key_a, a);
	hn_pubkey_hex(&key_b, b);
	/* Comments, blank lines, CRLF, upper case, a trailing comment. */
	snprintf(text, sizeof(text), "# trusted\n\n  %s  # ops 2026\r\n%s", a,
		 b);
	for (i = 0; i < 64; i++)
		if (text[i + 13] >= 'a')
			text[i + 13] -= 'a' - 'A';
	write_file("many.pub", text, 0644);
	assert_int_equal(hn_pubkeys_load(hn_t_path("many.pub"), pk,
					 HN_MAX_TRUSTED, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_memory_equal(&pk[0], &key_a, sizeof(key_a));
	assert_memory_equal(&pk[1], &key_b, sizeof(key_b));
	/* More than the caller's room: refused, not cut short. */
	assert_int_equal(hn_pubkeys_load(hn_t_path("many.pub"), pk, 1, &n, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "line 4: more than 1 keys"));
	/* A private key file holds one key. */
	write_file("bad.key", text, 0600);
	assert_int_equal(
		hn_key_public(hn_t_path("bad.key"), pk, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4: a second key"));
	/* hn_pubkey_parse: exactly 64 hex digits. */
	assert_int_equal(hn_pubkey_parse(a, pk), 0);
	assert_memory_equal(pk, &key_a, sizeof(key_a));
	a[63] = '\0';
	assert_int_equal(hn_pubkey_parse(a, pk), -1);
	snprintf(text, sizeof(text), "%s0", b);
	assert_int_equal(hn_pubkey_parse(text, pk), -1);
}

static void test_key_permissions(void **state)
{
	char text[80], err[256] = "";
	struct hn_pubkey pk;
	static const mode_t bad[] = { 0640, 0604, 0660, 0620, 0602 };
	unsigned int i;

	snprintf(text, sizeof(text), "%s\n", rfc_secret);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file("group.key", text, bad[i]);
		assert_int_equal(hn_key_public(hn_t_path("group.key"), &pk, err,
					       sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "accessible by group or others"));
		assert_non_null(strstr(err, "chmod 600"));
	}
	/* Signing goes through the same check. */
	{
		uint8_t *plain;
		void *out = NULL;
		size_t plen, olen;

		plain = model_image(HN_MODEL_ROUTE, 5, 0, &plen);
		assert_int_equal(
			hn_model_sign_image(plain, plen, hn_t_path("group.key"),
					    &out, &olen, err, sizeof(err)),
			-1);
		assert_non_null(strstr(err, "accessible by group or others"));
		assert_null(out);
		free(plain);
	}
	write_file("group.key", text, 0400);
	assert_int_equal(hn_key_public(hn_t_path("group.key"), &pk, err,
				       sizeof(err)),
			 0);
	/* A public key file may be world-readable. */
	write_file("bad.pub", text, 0644);
	assert_int_equal(hn_pubkeys_load(hn_t_path("bad.pub"), &pk, 1, &i, err,
					 sizeof(err)),
			 0);
}

static void test_key_missing(void **state)
{
	struct hn_pubkey pk;
	char err[256] = "";
	unsigned int n;

	assert_int_equal(hn_key_public(hn_t_path("none.key"), &pk, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "none.key: No such file"));
	assert_int_equal(hn_pubkeys_load(hn_t_path("none.pub"), &pk, 1, &n, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "none.pub: No such file"));
	assert_int_equal(hn_pubkeys_load(dir, &pk, 1, &n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void file_is(const char *name, const char *text, mode_t mode)
{
	char buf[256] = "";
	struct stat st;
	FILE *f;

	assert_int_equal(stat(hn_t_path(name), &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	f = fopen(hn_t_path(name), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	if (text)
		assert_string_equal(buf, text);
	else
		assert_int_equal(strlen(buf), 65);
}

static void test_keygen(void **state)
{
	struct hn_pubkey from_priv, from_pub;
	char err[256] = "", hex[66];
	unsigned int n;
	mode_t old = umask(0077); /* must not change the public mode */

	assert_int_equal(hn_key_generate(hn_t_path("new.key"),
					 hn_t_path("new.pub"), err,
					 sizeof(err)),
			 0);
	umask(old);
	file_is("new.key", NULL, 0600);
	file_is("new.pub", NULL, 0644);
	assert_int_equal(hn_key_public(hn_t_path("new.key"), &from_priv, err,
				       sizeof(err)),
			 0);
	assert_int_equal(hn_pubkeys_load(hn_t_path("new.pub"), &from_pub, 1, &n,
					 err, sizeof(err)),
			 0);
	assert_memory_equal(&from_priv, &from_pub, sizeof(from_pub));
	assert_memory_not_equal(&from_pub, &key_a, sizeof(key_a));
	hn_pubkey_hex(&from_pub, hex);
	strcat(hex, "\n");
	file_is("new.pub", hex, 0644);
}

static void test_keygen_no_overwrite(void **state)
{
	char err[256] = "", text[80];

	snprintf(text, sizeof(text), "%s\n", rfc_secret);
	write_file("x.key", text, 0600);
	/* The private key exists: both untouched, no public key made. */
	assert_int_equal(hn_key_generate(hn_t_path("x.key"), hn_t_path("x.pub"),
					 err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "x.key already exists"));
	file_is("x.key", text, 0600);
	assert_int_equal(access(hn_t_path("x.pub"), F_OK), -1);
	/* The public key exists: refused, and no private key left behind. */
	unlink(hn_t_path("x.key"));
	write_file("x.pub", "keep me\n", 0644);
	assert_int_equal(hn_key_generate(hn_t_path("x.key"), hn_t_path("x.pub"),
					 err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "x.pub already exists"));
	file_is("x.pub", "keep me\n", 0644);
	assert_int_equal(access(hn_t_path("x.key"), F_OK), -1);
	/* Nor through a symlink. */
	unlink(hn_t_path("x.pub"));
	assert_int_equal(symlink(hn_t_path("a.key"), hn_t_path("x.key")), 0);
	assert_int_equal(hn_key_generate(hn_t_path("x.key"), hn_t_path("x.pub"),
					 err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "already exists"));
	unlink(hn_t_path("x.key"));
}

/* ---- the primitive ------------------------------------------------------ */

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	unsigned int v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = v;
	}
}

static void test_rfc8032_vector1(void **state)
{
	uint8_t sig[HN_ED25519_SIG_LEN], want[HN_ED25519_SIG_LEN];
	struct hn_pubkey pk, rfc_pk;
	char text[80], err[256] = "";
	uint8_t *img, body_sig[HN_ED25519_SIG_LEN];
	size_t len;

	snprintf(text, sizeof(text), "%s\n", rfc_secret);
	write_file("rfc.key", text, 0600);
	assert_int_equal(hn_pubkey_parse(rfc_public, &rfc_pk), 0);
	assert_int_equal(
		hn_key_public(hn_t_path("rfc.key"), &pk, err, sizeof(err)), 0);
	assert_memory_equal(&pk, &rfc_pk, sizeof(pk));
	/* The empty message. */
	unhex(rfc_sig, want, sizeof(want));
	assert_int_equal(hn_ed25519_sign(hn_t_path("rfc.key"), "", 0, sig, err,
					 sizeof(err)),
			 0);
	assert_memory_equal(sig, want, sizeof(want));
	assert_int_equal(hn_ed25519_verify(&rfc_pk, "", 0, want), 1);
	want[10] ^= 4;
	assert_int_equal(hn_ed25519_verify(&rfc_pk, "", 0, want), 0);
	assert_int_equal(hn_ed25519_verify(&rfc_pk, "x", 1, sig), 0);
	/* A model's signature is exactly that over bytes 0..end of digest. */
	img = signed_image("rfc.key", 5, 0, &len);
	assert_int_equal(hn_ed25519_sign(hn_t_path("rfc.key"), img, RT_LEN - 4,
					 body_sig, err, sizeof(err)),
			 0);
	assert_int_equal(img[RT_LEN - 4] << 8 | img[RT_LEN - 3],
			 HN_SIG_ED25519);
	assert_int_equal(img[RT_LEN - 2] << 8 | img[RT_LEN - 1],
			 HN_ED25519_SIG_LEN);
	assert_memory_equal(img + RT_LEN, body_sig, sizeof(body_sig));
	expect(img, len, &rfc_pk, 1, 0, 0, HN_ACC_OK, NULL);
	free(img);
}

/* A forger who rewrites the header and fixes the digest still fails. */
static void test_forged_header_rewrite(void **state)
{
	uint8_t *img;
	size_t len;

	img = signed_image("a.key", 5, 2000, &len);
	put_be64(img + RT_GEN, 1000);
	put_be64(img + RT_EXPIRY, 0);
	hn_t_redigest(img, RT_LEN);
	expect(img, len, &key_a, 1, 5, 3000, HN_ACC_BAD_SIG, "forged");
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_forged_sig),
		cmocka_unit_test(test_forged_weights),
		cmocka_unit_test(test_forged_generation),
		cmocka_unit_test(test_forged_expiry),
		cmocka_unit_test(test_forged_header_rewrite),
		cmocka_unit_test(test_forged_strip),
		cmocka_unit_test(test_forged_learns_nothing),
		cmocka_unit_test(test_untrusted_key),
		cmocka_unit_test(test_multiple_keys),
		cmocka_unit_test(test_old_generation),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_stage_kind),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_key_lines),
		cmocka_unit_test(test_key_permissions),
		cmocka_unit_test(test_key_missing),
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_keygen_no_overwrite),
		cmocka_unit_test(test_rfc8032_vector1),
	};

	return cmocka_run_group_tests_name("sign", tests, setup, teardown);
}
