// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Training campaign files (.hnc): parse, check, serialise, sign and the
 * agent's acceptance rule.  Documentation/federated.rst, "The campaign
 * file", gives the layout byte by byte; the parser refuses anything else
 * with a message naming the field.  Signatures are Ed25519 through
 * sign.h, over every byte before the signature block, as for models.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "campaign.h"
#include "fileio.h"
#include "model.h"
#include "robust.h"
#include "sa_fixed.h"
#include "secagg.h"

#define SIG_HDR_LEN 4

/* ---- checks ------------------------------------------------------------- */

static int check_range(const char *field, unsigned long long v,
		       unsigned long long lo, unsigned long long hi, char *err,
		       size_t errlen)
{
	if (v < lo || v > hi)
		return hn_seterr(err, errlen, "%s %llu out of range %llu..%llu",
				 field, v, lo, hi);
	return 0;
}

static int check_training(const struct hn_campaign *c, char *err, size_t errlen)
{
	if (!c->id)
		return hn_seterr(err, errlen,
				 "campaign id 0 (must be non-zero)");
	if (!c->generation)
		return hn_seterr(err, errlen,
				 "generation 0 (must be non-zero)");
	if (c->flags & ~__HN_CP_F_ALL)
		return hn_seterr(err, errlen, "unknown flags 0x%04x",
				 c->flags & ~__HN_CP_F_ALL);
	if (check_range("rounds", c->rounds, 1, HN_CP_MAX_ROUNDS, err,
			errlen) ||
	    check_range("local steps", c->local_steps, 1, HN_CP_MAX_STEPS, err,
			errlen) ||
	    check_range("learning rate (millionths)", c->lr_micro, 1,
			HN_CP_MAX_LR, err, errlen) ||
	    check_range("clipping norm (thousandths)", c->clip_milli, 1,
			HN_CP_MAX_CLIP, err, errlen) ||
	    check_range("max accuracy drop (ten-thousandths)", c->max_drop, 0,
			HN_CP_MAX_DROP, err, errlen))
		return -1;
	return 0;
}

static int check_roster(const struct hn_campaign *c, char *err, size_t errlen)
{
	unsigned int i, j;

	if (check_range("roster size", c->n, HN_CP_MIN_NODES, HN_CP_MAX_NODES,
			err, errlen))
		return -1;
	for (i = 0; i < c->n; i++) {
		if (!c->roster[i].id)
			return hn_seterr(err, errlen,
					 "roster entry %u: node id 0", i);
		if (i && c->roster[i].id <= c->roster[i - 1].id)
			return hn_seterr(
				err, errlen,
				"roster entry %u: node id %u after %u (ids must increase)",
				i, c->roster[i].id, c->roster[i - 1].id);
		/* One key for two ids would let a node count twice. */
		for (j = 0; j < i; j++)
			if (!memcmp(c->roster[i].key, c->roster[j].key,
				    HN_ED25519_KEY_LEN))
				return hn_seterr(
					err, errlen,
					"roster entry %u: node %u has the identity key of node %u",
					i, c->roster[i].id, c->roster[j].id);
	}
	return 0;
}

static int check_secagg(struct hn_campaign *c, char *err, size_t errlen)
{
	unsigned int n = c->n, k = c->sa_k, t = c->sa_t;

	if (!k && !t) {
		if (c->sa_drop >= 1000)
			return hn_seterr(
				err, errlen,
				"planned dropout %u permille (must be below 1000)",
				c->sa_drop);
		hn_sa_choose(n, c->sa_drop, &c->k, &c->t);
		return 0;
	}
	if (c->sa_drop)
		return hn_seterr(
			err, errlen,
			"planned dropout %u permille with a fixed degree (only for a chosen one: degree and threshold 0)",
			c->sa_drop);
	if (!k || k > n - 1 || (k < n - 1 && k % 2))
		return hn_seterr(
			err, errlen,
			"secure-aggregation degree %u: even and below %u, or %u (0 and threshold 0: chosen)",
			k, n - 1, n - 1);
	if (t > k || 2 * t <= k)
		return hn_seterr(
			err, errlen,
			"secure-aggregation threshold %u: need %u/2 < t <= %u",
			t, k, k);
	c->k = k;
	c->t = t;
	return 0;
}

static int check_scale(struct hn_campaign *c, char *err, size_t errlen)
{
	double clip = c->clip_milli / 1000.0;
	char msg[160];

	/*
	 * Derived: the largest power of two that passes, at most 2^30.  The
	 * limits on n and clip keep it at least 2 (1024 updates of norm
	 * 10^6 at scale 2 stay below 2^31).
	 */
	if (!c->scale_log2) {
		c->scale = fmin(hn_sa_fxp_max_scale(c->n, clip),
				ldexp(1.0, HN_CP_MAX_SCALE_LOG2));
		return 0;
	}
	if (c->scale_log2 > HN_CP_MAX_SCALE_LOG2)
		return hn_seterr(err, errlen,
				 "scale 2^%u (at most 2^%u; 0 derives it)",
				 c->scale_log2, HN_CP_MAX_SCALE_LOG2);
	c->scale = ldexp(1.0, c->scale_log2);
	if (hn_sa_fxp_check(c->n, clip, c->scale, msg, sizeof(msg)))
		return hn_seterr(
			err, errlen,
			"scale 2^%u with clipping norm %.3f and %u nodes could overflow: %s",
			c->scale_log2, clip, c->n, msg);
	return 0;
}

static int check_sig(uint16_t type, uint16_t len, char *err, size_t errlen)
{
	if (type == HN_SIG_NONE && len)
		return hn_seterr(err, errlen,
				 "signature type none with length %u", len);
	if (type == HN_SIG_ED25519 && len != HN_ED25519_SIG_LEN)
		return hn_seterr(err, errlen,
				 "Ed25519 signature of length %u (must be %u)",
				 len, HN_ED25519_SIG_LEN);
	if (type != HN_SIG_NONE && type != HN_SIG_ED25519)
		return hn_seterr(err, errlen, "unknown signature type %u",
				 type);
	return 0;
}

/* The grouped defence's fields (campaign.h). */
static int check_groups(const struct hn_campaign *c, char *err, size_t errlen)
{
	if (!c->groups) {
		if (c->rule || c->trim)
			return hn_seterr(
				err, errlen,
				"combination rule %u, trim %u without groups (both 0 then)",
				c->rule, c->trim);
		return 0;
	}
	if (c->flags & HN_CP_F_NO_DEFENCE)
		return hn_seterr(
			err, errlen,
			"%u groups with the no-defence flag (0 groups)",
			c->groups);
	if (c->sa_k || c->sa_t)
		return hn_seterr(
			err, errlen,
			"%u groups with a fixed degree and threshold (each group's are chosen: 0 and 0)",
			c->groups);
	if ((unsigned int)c->n < (unsigned int)c->groups * HN_RB_MIN_GROUP)
		return hn_seterr(
			err, errlen,
			"%u groups of %u nodes: each needs at least %u members",
			c->groups, c->n, HN_RB_MIN_GROUP);
	if (c->rule > HN_RB_TRIMMED)
		return hn_seterr(err, errlen, "unknown combination rule %u",
				 c->rule);
	if (c->rule == HN_RB_MEDIAN && c->trim)
		return hn_seterr(err, errlen, "trim %u with the median rule",
				 c->trim);
	if (c->rule == HN_RB_TRIMMED && 2 * c->trim >= c->groups)
		return hn_seterr(err, errlen,
				 "trim %u of %u groups at each end leaves none",
				 c->trim, c->groups);
	return 0;
}

int hn_campaign_check(struct hn_campaign *c, char *err, size_t errlen)
{
	if (check_training(c, err, errlen) || check_groups(c, err, errlen) ||
	    hn_model_check_kind(c->kind, c->stage, err, errlen) ||
	    check_roster(c, err, errlen) || check_secagg(c, err, errlen) ||
	    check_scale(c, err, errlen) ||
	    check_sig(c->sig_type, c->sig_len, err, errlen))
		return -1;
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t len, off;
	char *err;
	size_t errlen;
};

static int need(struct rd *r, size_t n, const char *field)
{
	if (r->len - r->off >= n)
		return 0;
	return hn_seterr(
		r->err, r->errlen,
		"truncated at %s (offset %zu: needs %zu bytes, %zu left)",
		field, r->off, n, r->len - r->off);
}

static uint64_t getbe(struct rd *r, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | r->p[r->off++];
	return v;
}

static void getbytes(struct rd *r, void *out, size_t n)
{
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

/* The fixed header; r->off is at its start, HN_CP_HDR_LEN bytes present. */
static int parse_head(struct rd *r, struct hn_campaign *c)
{
	unsigned int version;

	r->off = 4; /* the magic, checked first */
	version = getbe(r, 2);
	if (version != HN_CP_VERSION)
		return hn_seterr(
			r->err, r->errlen,
			"unsupported format version %u (this reads %u)",
			version, HN_CP_VERSION);
	c->flags = getbe(r, 2);
	c->id = getbe(r, 8);
	c->generation = getbe(r, 8);
	c->kind = getbe(r, 1);
	c->stage = getbe(r, 1);
	c->scale_log2 = getbe(r, 1);
	c->groups = getbe(r, 1);
	getbytes(r, c->model_digest, HN_CP_DIGEST_LEN);
	getbytes(r, c->valset_digest, HN_CP_DIGEST_LEN);
	c->rounds = getbe(r, 4);
	c->local_steps = getbe(r, 4);
	c->lr_micro = getbe(r, 4);
	c->clip_milli = getbe(r, 4);
	c->max_drop = getbe(r, 2);
	c->sa_k = getbe(r, 2);
	c->sa_t = getbe(r, 2);
	c->sa_drop = getbe(r, 2);
	c->n = getbe(r, 2);
	c->rule = getbe(r, 1);
	c->trim = getbe(r, 1);
	return 0;
}

static int parse_roster(struct rd *r, struct hn_campaign *c)
{
	unsigned int i;

	if (check_range("roster size", c->n, HN_CP_MIN_NODES, HN_CP_MAX_NODES,
			r->err, r->errlen) ||
	    need(r, (size_t)c->n * HN_CP_MEMBER_LEN, "roster"))
		return -1;
	c->roster = calloc(c->n, sizeof(*c->roster));
	if (!c->roster)
		return hn_seterr(r->err, r->errlen, "out of memory");
	for (i = 0; i < c->n; i++) {
		c->roster[i].id = getbe(r, 4);
		getbytes(r, c->roster[i].key, HN_ED25519_KEY_LEN);
	}
	return 0;
}

static int sha256(const void *buf, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int parse_trailer(struct rd *r, struct hn_campaign *c)
{
	uint8_t want[HN_CP_DIGEST_LEN];

	if (need(r, HN_CP_DIGEST_LEN, "digest") || sha256(r->p, r->off, want))
		return -1;
	getbytes(r, c->digest, HN_CP_DIGEST_LEN);
	if (CRYPTO_memcmp(want, c->digest, HN_CP_DIGEST_LEN))
		return hn_seterr(r->err, r->errlen,
				 "digest mismatch (the file is corrupt)");
	if (need(r, SIG_HDR_LEN, "signature header"))
		return -1;
	c->sig_type = getbe(r, 2);
	c->sig_len = getbe(r, 2);
	if (check_sig(c->sig_type, c->sig_len, r->err, r->errlen) ||
	    need(r, c->sig_len, "signature"))
		return -1;
	getbytes(r, c->sig, c->sig_len);
	if (r->off != r->len)
		return hn_seterr(r->err, r->errlen,
				 "%zu trailing bytes after the signature",
				 r->len - r->off);
	return 0;
}

int hn_campaign_parse(const void *buf, size_t len, struct hn_campaign *c,
		      char *err, size_t errlen)
{
	struct rd r = { .p = buf, .len = len, .err = err, .errlen = errlen };

	memset(c, 0, sizeof(*c));
	if (err && errlen)
		err[0] = '\0';
	/* A file of another kind is named as such, whatever its length. */
	if (len >= 4 && memcmp(buf, HN_CP_MAGIC, 4)) {
		hn_seterr(err, errlen, "bad magic (not a campaign file)");
		return -1;
	}
	if (need(&r, HN_CP_HDR_LEN, "header") || parse_head(&r, c) ||
	    parse_roster(&r, c) || parse_trailer(&r, c) ||
	    hn_campaign_check(c, err, errlen)) {
		hn_campaign_free(c);
		return -1;
	}
	return 0;
}

int hn_campaign_read_image(const char *path, void **buf, size_t *len, char *err,
			   size_t errlen)
{
	return hn_read_file(path, HN_CP_MAX_FILE, 0, buf, len, err, errlen);
}

void hn_campaign_free(struct hn_campaign *c)
{
	free(c->roster);
	memset(c, 0, sizeof(*c));
}

void hn_campaign_group_kt(const struct hn_campaign *c, unsigned int m,
			  unsigned int *k, unsigned int *t)
{
	hn_sa_choose(m, c->sa_drop, k, t);
}

int hn_campaign_member(const struct hn_campaign *c, uint32_t id)
{
	return hn_sa_roster_index(c->roster, c->n, id);
}

const char *hn_campaign_flags_str(unsigned int flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", flags & HN_CP_F_STOPPED ? "stopped" : "",
		 (flags & HN_CP_F_STOPPED) && (flags & HN_CP_F_NO_DEFENCE) ?
			 "," :
			 "",
		 flags & HN_CP_F_NO_DEFENCE ? "no-defence" : "");
	if (!flags)
		snprintf(buf, len, "none");
	return buf;
}

/* ---- roster files ------------------------------------------------------- */

#define ROSTER_FILE_MAX (1 << 20)

static int member_cmp(const void *a, const void *b)
{
	const struct hn_sa_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The key file @name of a roster line, relative to the roster's @path. */
static int roster_key(const char *path, const char *name, uint8_t *key,
		      char *err, size_t errlen)
{
	struct hn_pubkey pk[HN_MAX_TRUSTED];
	const char *slash = strrchr(path, '/');
	char full[4096], msg[512];
	struct stat st;
	unsigned int n;

	if (name[0] == '/' || !slash)
		snprintf(full, sizeof(full), "%s", name);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path),
			 path, name);
	/*
	 * A private key reads like a public one; spread in a signed roster
	 * it would be every node's.  hnctl keygen makes it 0600 and the
	 * public file 0644: refuse a key file nobody else may read.
	 */
	if (!stat(full, &st) && S_ISREG(st.st_mode) && !(st.st_mode & 0044))
		return hn_seterr(
			err, errlen,
			"%s is readable by its owner only: a private key? give the node's public key file (.pub)",
			full);
	if (hn_pubkeys_load(full, pk, HN_MAX_TRUSTED, &n, msg, sizeof(msg)))
		return hn_seterr(err, errlen, "%s", msg);
	if (n != 1)
		return hn_seterr(
			err, errlen,
			"%s holds %u keys; a node has exactly one identity key",
			full, n);
	memcpy(key, pk[0].raw, HN_ED25519_KEY_LEN);
	return 0;
}

/* One line: blank, comment, or "ID KEYFILE"; 1 for a member. */
static int roster_line(const char *path, char *line, struct hn_sa_member *m,
		       char *err, size_t errlen)
{
	char *save, *id, *file, *more, *end;
	unsigned long v;
	char msg[768];

	if (strchr(line, '#'))
		*strchr(line, '#') = '\0';
	id = strtok_r(line, " \t\r", &save);
	if (!id)
		return 0;
	file = strtok_r(NULL, " \t\r", &save);
	more = strtok_r(NULL, " \t\r", &save);
	if (!file || more)
		return hn_seterr(err, errlen,
				 "expected \"NODE-ID PUBKEY-FILE\"");
	errno = 0;
	v = strtoul(id, &end, 10);
	if (*end || errno || !v || v > UINT32_MAX || id[0] == '-')
		return hn_seterr(err, errlen,
				 "node id '%s' is not a number in 1..%u", id,
				 UINT32_MAX);
	m->id = v;
	if (roster_key(path, file, m->key, msg, sizeof(msg)))
		return hn_seterr(err, errlen, "%s", msg);
	return 1;
}

static int roster_parse(const char *path, char *buf, struct hn_sa_member *m,
			unsigned int *n, char *err, size_t errlen)
{
	unsigned int lineno = 0;
	char *line, *next, msg[1024];
	int r;

	*n = 0;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		r = roster_line(path, line, &m[*n], msg, sizeof(msg));
		if (r < 0)
			return hn_seterr(err, errlen, "%s: line %u: %s", path,
					 lineno, msg);
		if (r && *n == HN_CP_MAX_NODES)
			return hn_seterr(err, errlen,
					 "%s: line %u: more than %u nodes",
					 path, lineno, HN_CP_MAX_NODES);
		*n += r;
	}
	return 0;
}

int hn_campaign_roster_load(const char *path, struct hn_sa_member **members,
			    uint16_t *n, char *err, size_t errlen)
{
	struct hn_sa_member *m;
	unsigned int i, j, cnt;
	size_t len;
	char *buf;

	*members = NULL;
	if (hn_read_file(path, ROSTER_FILE_MAX, 0, (void **)&buf, &len, err,
			 errlen))
		return -1;
	m = calloc(HN_CP_MAX_NODES + 1, sizeof(*m)); /* +1: the one too many */
	if (!m || roster_parse(path, buf, m, &cnt, err, errlen))
		goto fail;
	free(buf);
	buf = NULL;
	qsort(m, cnt, sizeof(*m), member_cmp);
	for (i = 1; i < cnt; i++) {
		if (m[i].id == m[i - 1].id) {
			hn_seterr(err, errlen, "%s: node %u listed twice", path,
				  m[i].id);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (!memcmp(m[i].key, m[j].key, HN_ED25519_KEY_LEN)) {
				hn_seterr(
					err, errlen,
					"%s: nodes %u and %u have the same key",
					path, m[j].id, m[i].id);
				goto fail;
			}
	}
	if (cnt < HN_CP_MIN_NODES) {
		hn_seterr(err, errlen, "%s: %u nodes, a campaign needs %u..%u",
			  path, cnt, HN_CP_MIN_NODES, HN_CP_MAX_NODES);
		goto fail;
	}
	*members = m;
	*n = cnt;
	return 0;
fail:
	if (!m)
		hn_seterr(err, errlen, "out of memory");
	free(m);
	free(buf);
	return -1;
}

/* ---- serialising -------------------------------------------------------- */

static uint8_t *put(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * (n - 1 - i));
	return p + n;
}

static uint8_t *putbytes(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

static uint8_t *put_head(uint8_t *p, const struct hn_campaign *c)
{
	p = putbytes(p, HN_CP_MAGIC, 4);
	p = put(p, HN_CP_VERSION, 2);
	p = put(p, c->flags, 2);
	p = put(p, c->id, 8);
	p = put(p, c->generation, 8);
	p = put(p, c->kind, 1);
	p = put(p, c->stage, 1);
	p = put(p, c->scale_log2, 1);
	p = put(p, c->groups, 1);
	p = putbytes(p, c->model_digest, HN_CP_DIGEST_LEN);
	p = putbytes(p, c->valset_digest, HN_CP_DIGEST_LEN);
	p = put(p, c->rounds, 4);
	p = put(p, c->local_steps, 4);
	p = put(p, c->lr_micro, 4);
	p = put(p, c->clip_milli, 4);
	p = put(p, c->max_drop, 2);
	p = put(p, c->sa_k, 2);
	p = put(p, c->sa_t, 2);
	p = put(p, c->sa_drop, 2);
	p = put(p, c->n, 2);
	p = put(p, c->rule, 1);
	return put(p, c->trim, 1);
}

int hn_campaign_serialize(struct hn_campaign *c, void **bufp, size_t *lenp,
			  char *err, size_t errlen)
{
	size_t body, len;
	uint8_t *buf, *p;
	unsigned int i;

	if (hn_campaign_check(c, err, errlen))
		return -1;
	body = HN_CP_HDR_LEN + (size_t)c->n * HN_CP_MEMBER_LEN;
	len = body + HN_CP_DIGEST_LEN + SIG_HDR_LEN + c->sig_len;
	buf = malloc(len);
	if (!buf)
		return hn_seterr(err, errlen, "out of memory");
	p = put_head(buf, c);
	for (i = 0; i < c->n; i++) {
		p = put(p, c->roster[i].id, 4);
		p = putbytes(p, c->roster[i].key, HN_ED25519_KEY_LEN);
	}
	if (sha256(buf, body, c->digest)) {
		free(buf);
		return hn_seterr(err, errlen, "SHA-256 failed in OpenSSL");
	}
	p = putbytes(p, c->digest, HN_CP_DIGEST_LEN);
	p = put(p, c->sig_type, 2);
	p = put(p, c->sig_len, 2);
	putbytes(p, c->sig, c->sig_len);
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* ---- signatures --------------------------------------------------------- */

/* Bytes the signature covers: all before the block (header to digest). */
static size_t signed_len(size_t len, const struct hn_campaign *c)
{
	return len - SIG_HDR_LEN - c->sig_len;
}

int hn_campaign_sign_image(const void *buf, size_t len, const char *priv_path,
			   void **out, size_t *outlen, char *err, size_t errlen)
{
	struct hn_campaign c;
	uint8_t *img;
	size_t body;

	if (hn_campaign_parse(buf, len, &c, err, errlen))
		return -1;
	body = signed_len(len, &c);
	hn_campaign_free(&c);
	img = malloc(body + SIG_HDR_LEN + HN_ED25519_SIG_LEN);
	if (!img)
		return hn_seterr(err, errlen, "out of memory");
	memcpy(img, buf, body);
	put(put(img + body, HN_SIG_ED25519, 2), HN_ED25519_SIG_LEN, 2);
	if (hn_ed25519_sign(priv_path, img, body, img + body + SIG_HDR_LEN, err,
			    errlen)) {
		free(img);
		return -1;
	}
	*out = img;
	*outlen = body + SIG_HDR_LEN + HN_ED25519_SIG_LEN;
	return 0;
}

static bool signed_by_any(const void *buf, size_t len,
			  const struct hn_campaign *c,
			  const struct hn_pubkey *keys, unsigned int n_keys)
{
	unsigned int i;

	if (c->sig_type != HN_SIG_ED25519)
		return false;
	for (i = 0; i < n_keys; i++)
		if (hn_ed25519_verify(&keys[i], buf, signed_len(len, c),
				      c->sig))
			return true;
	return false;
}

/* Against what the agent holds; only once the signature is good. */
static int accept_held(const struct hn_campaign *c, uint64_t held_id,
		       uint64_t held_gen, int held_stopped, char *err,
		       size_t errlen)
{
	if (!held_gen)
		return HN_ACC_OK;
	if (c->id == held_id && c->generation <= held_gen) {
		hn_seterr(
			err, errlen,
			"campaign %llu generation %llu is not newer than held %llu",
			(unsigned long long)c->id,
			(unsigned long long)c->generation,
			(unsigned long long)held_gen);
		return HN_ACC_OLD;
	}
	if (c->id != held_id && !held_stopped) {
		hn_seterr(
			err, errlen,
			"campaign %llu is running; stop it before campaign %llu",
			(unsigned long long)held_id, (unsigned long long)c->id);
		return HN_ACC_OLD;
	}
	return HN_ACC_OK;
}

int hn_campaign_accept(const void *buf, size_t len,
		       const struct hn_pubkey *keys, unsigned int n_keys,
		       uint64_t held_id, uint64_t held_gen, int held_stopped,
		       struct hn_campaign *c, char *err, size_t errlen)
{
	struct hn_campaign tmp;
	int ret;

	if (c)
		memset(c, 0, sizeof(*c));
	if (hn_campaign_parse(buf, len, &tmp, err, errlen))
		return HN_ACC_MALFORMED;
	if (tmp.sig_type == HN_SIG_NONE) {
		hn_seterr(err, errlen, "not signed (no signature block)");
		ret = HN_ACC_UNSIGNED;
	} else if (!signed_by_any(buf, len, &tmp, keys, n_keys)) {
		hn_seterr(err, errlen,
			  "signed by none of the %u trusted keys, or forged",
			  n_keys);
		ret = HN_ACC_BAD_SIG;
	} else {
		ret = accept_held(&tmp, held_id, held_gen, held_stopped, err,
				  errlen);
	}
	if (ret || !c)
		hn_campaign_free(&tmp);
	else
		*c = tmp;
	return ret;
}
