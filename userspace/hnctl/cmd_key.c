// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl keygen, model sign, model verify: Ed25519 keys and signed model
 * files (Documentation/model-updates.rst).  These touch no kernel state,
 * so they run anywhere, without privileges, e.g. on a build host.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "hnctl.h"
#include "sign.h"

/* ---- keygen ------------------------------------------------------------- */

int cmd_keygen(int argc, char **argv)
{
	struct hn_pubkey pk;
	char err[512], hex[65];

	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		hn_err("usage: hnctl keygen PRIVFILE PUBFILE");
		hn_hint("e.g. 'hnctl keygen models.key models.pub'; the private key stays on the signing host");
		return 1;
	}
	if (hn_key_generate(argv[1], argv[2], err, sizeof(err))) {
		hn_err("keygen: %s", err);
		if (strstr(err, "already exists"))
			hn_hint("pick new file names; to replace a key, rotate it as Documentation/model-updates.rst says");
		return 1;
	}
	if (hn_key_public(argv[1], &pk, err, sizeof(err))) {
		hn_err("keygen: reading back %s", err);
		return 1;
	}
	hn_pubkey_hex(&pk, hex);
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "private_file", argv[1]);
		jsonw_kv_str(&hn_jw, "public_file", argv[2]);
		jsonw_kv_str(&hn_jw, "public_key", hex);
		jsonw_obj_close(&hn_jw);
		return 0;
	}
	printf("private key %s (mode 0600: keep it secret, off the routers)\n"
	       "public key  %s: %s\n"
	       "sign with 'hnctl model sign FILE.hnm --key %s'; give %s to the agents\n",
	       argv[1], argv[2], hex, argv[1], argv[2]);
	return 0;
}

/* ---- model sign --------------------------------------------------------- */

/* Write @path through a temporary file and rename(): never half written. */
static int replace_file(const char *path, const void *buf, size_t len,
			mode_t mode)
{
	char err[PATH_MAX + 128];

	if (!hn_write_file(path, buf, len, mode, 0, err, sizeof(err)))
		return 0;
	hn_err("%s", err);
	hn_hint("the directory of the output must be writable");
	return -1;
}

/* @path's model image into *@buf (the caller frees it); 1 said why not. */
static int read_model(const char *path, void **buf, size_t *len)
{
	char err[512];

	if (!hn_model_read_image(path, buf, len, err, sizeof(err)))
		return 0;
	hn_err("%s", err);
	return 1;
}

/* An output that exists keeps its mode; a new one is 0644. */
static mode_t out_mode(const char *out)
{
	struct stat st;

	return stat(out, &st) ? 0644 : st.st_mode & 0777;
}

static void print_signed(const char *in, const char *out,
			 const struct hn_model *m, const struct hn_pubkey *pk)
{
	char hex[65];

	hn_pubkey_hex(pk, hex);
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "input", in);
		jsonw_kv_str(&hn_jw, "output", out);
		jsonw_kv_str(&hn_jw, "kind", hn_model_kind_name(m->kind));
		jsonw_kv_u64(&hn_jw, "generation", m->generation);
		jsonw_kv_u64(&hn_jw, "expiry", m->expiry);
		jsonw_kv_str(&hn_jw, "public_key", hex);
		jsonw_obj_close(&hn_jw);
	} else {
		printf("signed %s -> %s (%s model, generation %llu), public key %s\n",
		       in, out, hn_model_kind_name(m->kind),
		       (unsigned long long)m->generation, hex);
	}
}

static const char sign_usage[] =
	"hnctl model sign IN.hnm --key PRIVFILE [-o OUT.hnm]";

int cmd_model_sign(int argc, char **argv)
{
	const char *in = NULL, *key = NULL, *out = NULL;
	const struct hn_kopt opts[] = { { "--key", "-k", &key },
					{ "--output", "-o", &out },
					{ NULL, NULL, NULL } };
	void *buf = NULL, *img = NULL;
	struct hn_pubkey pk;
	struct hn_model m;
	size_t len, ilen;
	char err[512];
	int rc = 1;

	if (hn_parse_kopts("hnctl model sign", sign_usage, argc, argv, opts,
			   &in))
		return 1;
	if (!in || !key) {
		hn_err("usage: %s", sign_usage);
		hn_hint("'hnctl keygen PRIVFILE PUBFILE' makes a key pair");
		return 1;
	}
	/* The key first: its errors need a different hint than the model's. */
	if (hn_key_public(key, &pk, err, sizeof(err))) {
		hn_err("%s", err);
		hn_hint("a private key file is one line of 64 hex digits, mode 0600, made by 'hnctl keygen'");
		return 1;
	}
	if (read_model(in, &buf, &len))
		return 1;
	if (hn_model_sign_image(buf, len, key, &img, &ilen, err, sizeof(err))) {
		hn_err("%s: not signed: %s", in, err);
		hn_hint("'hn-model verify %s' checks the file; rebuild it with 'hn-model quantize'",
			in);
		goto out;
	}
	/* Cannot fail: a check that what goes to disk parses. */
	if (hn_model_parse(img, ilen, &m, err, sizeof(err))) {
		hn_err("%s: signed image does not parse: %s", in, err);
		goto out;
	}
	if (!out)
		out = in;
	if (!replace_file(out, img, ilen, out_mode(out))) {
		print_signed(in, out, &m, &pk);
		rc = 0;
	}
	hn_model_free(&m);
out:
	free(img);
	free(buf);
	return rc;
}

/* ---- model verify ------------------------------------------------------- */

/*
 * What to do about a refusal of hn_model_accept(), for model verify and
 * for the agent's refusals of model push; @keys names the trusted keys.
 */
void hn_model_refusal_hint(int why, const char *keys)
{
	switch (why) {
	case HN_ACC_MALFORMED:
		hn_hint("'hn-model verify FILE' says more; rebuild it with 'hn-model quantize'");
		break;
	case HN_ACC_KIND:
		hn_hint("the agent installs route models only ('kind route' in the text model)");
		break;
	case HN_ACC_UNSIGNED:
		hn_hint("sign it: 'hnctl model sign FILE --key PRIVFILE'");
		break;
	case HN_ACC_BAD_SIG:
		hn_hint("sign it with a key whose public half is in %s, or get an unaltered copy",
			keys);
		break;
	case HN_ACC_OLD:
		hn_hint("rebuild it with 'hn-model quantize --generation N' (N above the installed one), then sign it");
		break;
	case HN_ACC_EXPIRED:
		hn_hint("rebuild it with a later --expiry (0: never), then sign it");
		break;
	default:
		hn_hint("see Documentation/model-updates.rst");
	}
}

static void print_verdict(const char *file, int why, const struct hn_model *m,
			  unsigned int n_keys, const char *msg)
{
	char date[64];

	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "file", file);
		jsonw_kv_bool(&hn_jw, "accepted", why == HN_ACC_OK);
		jsonw_kv_str(&hn_jw, "reason", hn_accept_err_name(why));
		if (why != HN_ACC_OK)
			jsonw_kv_str(&hn_jw, "message", msg);
		else {
			jsonw_kv_u64(&hn_jw, "generation", m->generation);
			jsonw_kv_u64(&hn_jw, "expiry", m->expiry);
		}
		jsonw_kv_u64(&hn_jw, "trusted_keys", n_keys);
		jsonw_obj_close(&hn_jw);
		return;
	}
	if (why != HN_ACC_OK) {
		hn_err("%s: refused (%s): %s", file, hn_accept_err_name(why),
		       msg);
		hn_model_refusal_hint(why, "the --keys file");
		return;
	}
	printf("%s: accepted (route model, generation %llu, ", file,
	       (unsigned long long)m->generation);
	if (m->expiry)
		printf("expires %s",
		       hn_fmt_date((time_t)m->expiry, date, sizeof(date)));
	else
		printf("never expires");
	printf(", signed by one of %u trusted keys)\n", n_keys);
}

static const char verify_usage[] =
	"hnctl model verify FILE.hnm --keys PUBFILE [--installed GEN]";

int cmd_model_verify(int argc, char **argv)
{
	const char *file = NULL, *keyfile = NULL, *inst = NULL;
	const struct hn_kopt opts[] = { { "--keys", "-k", &keyfile },
					{ "--installed", NULL, &inst },
					{ NULL, NULL, NULL } };
	struct hn_pubkey keys[HN_MAX_TRUSTED];
	unsigned long long installed = 0;
	unsigned int n_keys;
	struct hn_model m;
	char err[512];
	void *buf;
	size_t len;
	int why;

	if (hn_parse_kopts("hnctl model verify", verify_usage, argc, argv, opts,
			   &file))
		return 1;
	if (!file || !keyfile) {
		hn_err("usage: %s", verify_usage);
		hn_hint("--keys names the trusted public keys, one per line");
		return 1;
	}
	if (inst && hn_parse_u64(inst, ULLONG_MAX, &installed)) {
		hn_err("--installed: '%s' is not a generation number", inst);
		hn_hint("the generation the agent has installed, e.g. 7 (0: none)");
		return 1;
	}
	if (hn_pubkeys_load(keyfile, keys, HN_MAX_TRUSTED, &n_keys, err,
			    sizeof(err))) {
		hn_err("%s", err);
		hn_hint("a public key file holds lines of 64 hex digits ('#' comments), as 'hnctl keygen' writes");
		return 1;
	}
	if (read_model(file, &buf, &len))
		return 1;
	why = hn_model_accept(buf, len, keys, n_keys, installed,
			      (uint64_t)time(NULL), &m, err, sizeof(err));
	free(buf);
	print_verdict(file, why, &m, n_keys, err);
	hn_model_free(&m);
	return why == HN_ACC_OK ? 0 : 1;
}
