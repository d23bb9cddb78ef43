// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What node and aggregator share in a round of secure aggregation
 * (secagg.h): the checked configuration, the neighbour graph, the
 * parameters' choice and the key derivations.
 *
 * The graph is SecAgg+'s Harary graph H(k, n) on a ring whose order is
 * pseudo-random per round: nodes sorted by SHA-256("hn-sa graph",
 * campaign, round, id), each joined to the k/2 nearest on either side.
 * Every node computes it alike from the roster, and no node can choose
 * its neighbours.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "secagg.h"

/* A node lacks t live neighbours with probability below 2^-20 / n. */
#define FAIL_LOG2 20

int hn_sa_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* P[Bin(k, p) >= m]. */
static double binom_tail(unsigned int k, double p, unsigned int m)
{
	double sum = 0, lp = log(p), lq = log1p(-p);
	unsigned int j;

	for (j = m; j <= k; j++)
		sum += exp(lgamma(k + 1.0) - lgamma(j + 1.0) -
			   lgamma(k - j + 1.0) + j * lp + (k - j) * lq);
	return sum;
}

void hn_sa_choose(unsigned int n, unsigned int drop_permille, unsigned int *k,
		  unsigned int *t)
{
	double p = drop_permille / 1000.0, budget = ldexp(1.0, -FAIL_LOG2);
	unsigned int kk = 2 * (unsigned int)ceil(log2(n > 2 ? n : 2));

	while (kk < n - 1 && p > 0 &&
	       n * binom_tail(kk, p, kk - (kk / 2 + 1) + 1) > budget)
		kk += 2;
	if (kk >= n - 1)
		kk = n - 1;
	*k = kk;
	*t = kk / 2 + 1;
}

unsigned int hn_sa_consist_threshold(unsigned int n, unsigned int t)
{
	unsigned int tc = 2 * n / 3 + 1;

	if (tc > n)
		tc = n;
	return tc > t ? tc : t;
}

static int check_roster(const struct hn_sa_config *cfg, char *err,
			size_t errlen)
{
	unsigned int i;

	if (cfg->n < 2 || cfg->n > HN_SA_MAX_NODES)
		return hn_sa_fail(err, errlen, -EINVAL,
				  "secagg: %u nodes, need 2..%u", cfg->n,
				  HN_SA_MAX_NODES);
	for (i = 1; i < cfg->n; i++)
		if (cfg->roster[i].id <= cfg->roster[i - 1].id)
			return hn_sa_fail(err, errlen, -EINVAL,
					  "secagg: roster id %u after %u",
					  cfg->roster[i].id,
					  cfg->roster[i - 1].id);
	return 0;
}

static int check_config(const struct hn_sa_config *cfg, char *err,
			size_t errlen)
{
	int ret = check_roster(cfg, err, errlen);

	if (ret)
		return ret;
	if (!cfg->k || cfg->k > cfg->n - 1 ||
	    (cfg->k < cfg->n - 1 && cfg->k % 2))
		return hn_sa_fail(err, errlen, -EINVAL,
				  "secagg: degree %u: even and < %u, or %u",
				  cfg->k, cfg->n - 1, cfg->n - 1);
	if (cfg->t > cfg->k || 2 * cfg->t <= cfg->k)
		return hn_sa_fail(err, errlen, -EINVAL,
				  "secagg: threshold %u, need %u/2 < t <= %u",
				  cfg->t, cfg->k, cfg->k);
	if (!cfg->dim || cfg->dim > HN_SA_MAX_DIM)
		return hn_sa_fail(err, errlen, -EINVAL,
				  "secagg: dimension %u, need 1..%u", cfg->dim,
				  HN_SA_MAX_DIM);
	return 0;
}

int hn_sa_roster_index(const struct hn_sa_member *r, unsigned int n,
		       uint32_t id)
{
	unsigned int lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r[mid].id == id)
			return mid;
		if (r[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int hn_sa_index(const struct hn_sa_ctx *c, uint32_t id)
{
	return hn_sa_roster_index(c->roster, c->n, id);
}

int hn_sa_sign_out(const struct hn_sa_ctx *c, uint8_t *buf, size_t len,
		   uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	if (hn_sa_msg_sign(buf, len, c->id_sk)) {
		free(buf);
		return hn_sa_fail(err, errlen, -EIO, "secagg: cannot sign");
	}
	*out = buf;
	*outlen = len;
	return 0;
}

struct ring_key {
	uint8_t h[SHA256_DIGEST_LENGTH];
	unsigned int idx;
};

static int ring_cmp(const void *a, const void *b)
{
	const struct ring_key *x = a, *y = b;
	int r = memcmp(x->h, y->h, sizeof(x->h));

	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static int build_ring(struct hn_sa_ctx *c)
{
	struct ring_key *keys = calloc(c->n, sizeof(*keys));
	uint8_t in[11 + 32 + 8];
	unsigned int i;

	if (!keys)
		return -ENOMEM;
	memcpy(in, "hn-sa graph", 11);
	memcpy(in + 11, c->campaign, 32);
	hn_sa_put32(in + 43, c->round);
	for (i = 0; i < c->n; i++) {
		hn_sa_put32(in + 47, c->roster[i].id);
		SHA256(in, sizeof(in), keys[i].h);
		keys[i].idx = i;
	}
	qsort(keys, c->n, sizeof(*keys), ring_cmp);
	for (i = 0; i < c->n; i++)
		c->pos[keys[i].idx] = i;
	free(keys);
	return 0;
}

bool hn_sa_neighbours(const struct hn_sa_ctx *c, unsigned int i, unsigned int j)
{
	unsigned int d;

	if (i == j)
		return false;
	if (c->k >= c->n - 1)
		return true;
	d = (c->pos[i] + c->n - c->pos[j]) % c->n;
	if (d > c->n - d)
		d = c->n - d;
	return d <= c->k / 2;
}

static int find_member(const struct hn_sa_ctx *c, uint32_t id,
		       unsigned int *idx, const char *what, char *err,
		       size_t errlen)
{
	int i = hn_sa_index(c, id);

	if (i < 0)
		return hn_sa_fail(err, errlen, -EINVAL,
				  "secagg: %s %u not in the roster", what, id);
	*idx = i;
	return 0;
}

int hn_sa_ctx_init(struct hn_sa_ctx *c, const struct hn_sa_config *cfg,
		   uint32_t self_id, const uint8_t id_sk[HN_SA_KEY_LEN],
		   char *err, size_t errlen)
{
	int ret = check_config(cfg, err, errlen);

	memset(c, 0, sizeof(*c));
	if (ret)
		return ret;
	memcpy(c->campaign, cfg->campaign, 32);
	c->round = cfg->round;
	c->n = cfg->n;
	c->k = cfg->k;
	c->t = cfg->t;
	c->tc = hn_sa_consist_threshold(cfg->n, cfg->t);
	c->dim = cfg->dim;
	memcpy(c->id_sk, id_sk, HN_SA_KEY_LEN);
	c->roster = malloc(cfg->n * sizeof(*c->roster));
	c->pos = calloc(cfg->n, sizeof(*c->pos));
	if (c->roster)
		memcpy(c->roster, cfg->roster, cfg->n * sizeof(*c->roster));
	if (!c->roster || !c->pos || build_ring(c)) {
		hn_sa_ctx_free(c);
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	}
	ret = find_member(c, self_id, &c->self, "node", err, errlen);
	if (!ret)
		ret = find_member(c, cfg->aggregator, &c->agg, "aggregator",
				  err, errlen);
	if (ret)
		hn_sa_ctx_free(c);
	return ret;
}

void hn_sa_ctx_free(struct hn_sa_ctx *c)
{
	free(c->roster);
	free(c->pos);
	OPENSSL_cleanse(c->id_sk, sizeof(c->id_sk));
	c->roster = NULL;
	c->pos = NULL;
}

/* campaign || round: the salt of every derivation in a round. */
static void round_salt(const struct hn_sa_ctx *c, uint8_t salt[36])
{
	memcpy(salt, c->campaign, 32);
	hn_sa_put32(salt + 32, c->round);
}

int hn_sa_pair_seed(const struct hn_sa_ctx *c, const uint8_t *s_sk,
		    const uint8_t *s_pk, uint32_t id_i, uint32_t id_j,
		    uint8_t seed[HN_SA_KEY_LEN])
{
	uint8_t shared[HN_SA_KEY_LEN], salt[36], info[10 + 8];
	int ret;

	ret = hn_sa_x25519(s_sk, s_pk, shared);
	if (ret)
		return ret;
	round_salt(c, salt);
	memcpy(info, "hn-sa mask", 10);
	hn_sa_put32(info + 10, id_i < id_j ? id_i : id_j);
	hn_sa_put32(info + 14, id_i < id_j ? id_j : id_i);
	ret = hn_sa_hkdf(shared, sizeof(shared), salt, sizeof(salt), info,
			 sizeof(info), seed);
	OPENSSL_cleanse(shared, sizeof(shared));
	return ret;
}

void hn_sa_commit(const struct hn_sa_ctx *c, uint32_t id,
		  const uint8_t b[HN_SA_KEY_LEN], uint8_t out[HN_SA_KEY_LEN])
{
	uint8_t in[12 + 36 + 4 + HN_SA_KEY_LEN];

	memcpy(in, "hn-sa commit", 12);
	round_salt(c, in + 12);
	hn_sa_put32(in + 48, id);
	memcpy(in + 52, b, HN_SA_KEY_LEN);
	SHA256(in, sizeof(in), out);
	OPENSSL_cleanse(in, sizeof(in));
}

void hn_sa_survivors_digest(const struct hn_sa_ctx *c, const uint8_t *body,
			    uint32_t count, uint8_t out[HN_SA_CONSIST_BODY])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint8_t pre[15 + 36 + 4];

	memcpy(pre, "hn-sa survivors", 15);
	round_salt(c, pre + 15);
	hn_sa_put32(pre + 51, count);
	/* on failure a digest no signer made: every signature then fails */
	if (!h || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(h, pre, sizeof(pre)) != 1 ||
	    EVP_DigestUpdate(h, body, (size_t)count * 4) != 1 ||
	    EVP_DigestFinal_ex(h, out, NULL) != 1)
		memset(out, 0, HN_SA_CONSIST_BODY);
	EVP_MD_CTX_free(h);
}

bool hn_sa_consist_valid(const struct hn_sa_ctx *c, unsigned int signer,
			 const uint8_t digest[HN_SA_CONSIST_BODY],
			 const uint8_t sig[HN_SA_SIG_LEN])
{
	uint8_t m[HN_SA_HDR_LEN + HN_SA_CONSIST_BODY];

	hn_sa_msg_header(m, HN_SA_CONSIST, c->campaign, c->round,
			 c->roster[signer].id, HN_SA_CONSIST_BODY);
	memcpy(m + HN_SA_HDR_LEN, digest, HN_SA_CONSIST_BODY);
	return hn_sa_verify(c->roster[signer].key, m, sizeof(m), sig) == 1;
}
